// SPDX-License-Identifier: BSD-3-Clause
// map_peer_segment: a peer's segment lands where its L1 way-predictor bits (12..27) differ from this
// PE's own copy by the peer's colour, and it is the same memory.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "util/vm.hpp"

using causeway::util::map_peer_segment;
using causeway::util::peer_colour;

namespace {

constexpr std::size_t kSize = std::size_t(1) << 20;

uintptr_t predictor_bits(uintptr_t address) { return (address >> 12) & 0xffff; }

TEST(PeerMapping, PlacesEachColourOnItsOwnPredictorBits) {
  int fd = memfd_create("peer-mapping-test", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, kSize), 0);
  // A reference like a symmetric heap base: aligned far beyond the 256 MiB window.
  const uintptr_t reference = uintptr_t(1) << 36;
  for (int pe : {0, 1, 2, 254, 255, 1000}) {
    void* p = map_peer_segment(fd, kSize, reference, peer_colour(pe));
    ASSERT_NE(p, nullptr) << "PE " << pe;
    const auto at = reinterpret_cast<uintptr_t>(p);
    EXPECT_EQ(predictor_bits(at ^ reference), peer_colour(pe)) << "PE " << pe;
    EXPECT_NE(peer_colour(pe), 0u);
    munmap(p, kSize);
  }
  close(fd);
}

TEST(PeerMapping, TwoMappingsShareTheData) {
  int fd = memfd_create("peer-mapping-test", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, kSize), 0);
  auto* a = static_cast<char*>(map_peer_segment(fd, kSize, 0x12345000, 1));
  auto* b = static_cast<char*>(map_peer_segment(fd, kSize, 0x12345000, 2));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::strcpy(a + kSize - 64, "written through the first mapping");
  EXPECT_STREQ(b + kSize - 64, "written through the first mapping");
  munmap(a, kSize);
  munmap(b, kSize);
  close(fd);
}

}  // namespace
