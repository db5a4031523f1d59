// SPDX-License-Identifier: BSD-3-Clause
// util/numa: parsing sysfs CPU lists, the nodes near a binding, and the placement call itself.
#include "util/numa.hpp"

#include <gtest/gtest.h>
#include <linux/mempolicy.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

using causeway::util::NumaNode;

namespace {

TEST(NumaCpuList, ParsesRangesAndSingles) {
  EXPECT_EQ(causeway::util::parse_cpu_list("0-3,8,10-11\n"), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(causeway::util::parse_cpu_list("5"), (std::vector<int>{5}));
  EXPECT_TRUE(causeway::util::parse_cpu_list("").empty());
}

TEST(NumaCpuList, RefusesWhatDoesNotParse) {
  EXPECT_TRUE(causeway::util::parse_cpu_list("3-1").empty());
  EXPECT_TRUE(causeway::util::parse_cpu_list("a").empty());
  EXPECT_TRUE(causeway::util::parse_cpu_list("1;2").empty());
}

const std::vector<NumaNode> kTwoNodes = {{0, {0, 1, 2, 3}}, {1, {4, 5, 6, 7}}};

TEST(NumaNodesNear, BoundToOneNodeGetsIt) {
  EXPECT_EQ(causeway::util::nodes_near(kTwoNodes, {5, 6}), (std::vector<int>{1}));
}

TEST(NumaNodesNear, StraddlingGetsBoth) {
  EXPECT_EQ(causeway::util::nodes_near(kTwoNodes, {3, 4}), (std::vector<int>{0, 1}));
}

TEST(NumaNodesNear, CpusOutsideEveryNodeGetNone) {
  EXPECT_TRUE(causeway::util::nodes_near(kTwoNodes, {9}).empty());
}

// The machine this runs on has at least one node with CPUs; preferring the nodes of the CPUs this
// process may use sets a policy the kernel reports back for a shared mapping (as the heap is).
TEST(NumaPlacement, PolicyIsSetOnASharedMapping) {
  const auto nodes = causeway::util::numa_nodes();
  if (nodes.empty()) GTEST_SKIP() << "sysfs names no NUMA node with CPUs";
  const auto near = causeway::util::nodes_near(nodes, causeway::util::allowed_cpus());
  ASSERT_FALSE(near.empty());
  const std::size_t bytes = 1 << 20;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  std::string error;
  ASSERT_TRUE(causeway::util::prefer_nodes(p, bytes, near, &error)) << error;
  int mode = -1;
  unsigned long mask[16] = {};
  ASSERT_EQ(syscall(SYS_get_mempolicy, &mode, mask, 1024, p, MPOL_F_ADDR), 0);
  EXPECT_TRUE(mode == MPOL_PREFERRED_MANY || mode == MPOL_PREFERRED) << "mode " << mode;
  EXPECT_TRUE(mask[near[0] / 64] & (1ul << (near[0] % 64))) << "node " << near[0];
  munmap(p, bytes);
}

}  // namespace
