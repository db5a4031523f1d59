// SPDX-License-Identifier: BSD-3-Clause
// util::memory_available_from: MemAvailable, and a cgroup limit that leaves less.
#include "util/memory.hpp"

#include <gtest/gtest.h>

using causeway::util::memory_available_from;

namespace {

const char* kMeminfo = "MemTotal:       24000000 kB\nMemFree:         1000 kB\nMemAvailable:   2000000 kB\n";

TEST(MemoryAvailable, MemAvailableAlone) {
  const auto a = memory_available_from(kMeminfo, nullptr, nullptr);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes, 2000000ull * 1024);
  EXPECT_STREQ(a->limited_by, "MemAvailable");
}

TEST(MemoryAvailable, CgroupLimitBelowMemAvailable) {
  const auto a = memory_available_from(kMeminfo, "1073741824\n", "73741824\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes, 1000000000u);
  EXPECT_STREQ(a->limited_by, "the cgroup's memory limit");
}

TEST(MemoryAvailable, UnlimitedOrHugeCgroupLeavesMemAvailable) {
  EXPECT_EQ(memory_available_from(kMeminfo, "max\n", "5000\n")->bytes, 2000000ull * 1024);
  EXPECT_EQ(memory_available_from(kMeminfo, "9223372036854771712\n", "5000\n")->bytes, 2000000ull * 1024);
}

TEST(MemoryAvailable, CgroupOverItsLimitLeavesNothing) {
  EXPECT_EQ(memory_available_from(kMeminfo, "1000\n", "2000\n")->bytes, 0u);
}

TEST(MemoryAvailable, NothingReadable) {
  EXPECT_FALSE(memory_available_from(nullptr, nullptr, nullptr));
  EXPECT_FALSE(memory_available_from("MemTotal: 5 kB\n", "max", "0"));
}

}  // namespace
