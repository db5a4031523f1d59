// SPDX-License-Identifier: BSD-3-Clause
// OffsetAllocator: the deterministic first-fit allocator behind the symmetric heap. Every PE runs the
// same sequence of calls, so these properties are what keeps allocations symmetric.
#include "core/allocator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <vector>

using causeway::core::OffsetAllocator;

namespace {

std::size_t must(std::optional<std::size_t> offset) {
  EXPECT_TRUE(offset.has_value());
  return offset.value_or(~std::size_t{0});
}

TEST(OffsetAllocator, FirstFitFromTheStart) {
  OffsetAllocator a(1024);
  EXPECT_EQ(a.capacity(), 1024u);
  EXPECT_EQ(must(a.allocate(100, 16)), 0u);
  EXPECT_EQ(must(a.allocate(100, 16)), 112u);  // 100 rounded up to the 16-byte alignment
  EXPECT_EQ(must(a.allocate(100, 16)), 224u);
  EXPECT_EQ(a.bytes_in_use(), 300u);
}

TEST(OffsetAllocator, FirstFitReusesTheFirstHoleThatFits) {
  OffsetAllocator a(4096);
  const std::size_t b0 = must(a.allocate(64, 16)), b1 = must(a.allocate(256, 16)),
                    b2 = must(a.allocate(64, 16)), b3 = must(a.allocate(512, 16));
  EXPECT_EQ(b0, 0u);
  EXPECT_EQ(b1, 64u);
  EXPECT_EQ(b2, 320u);
  EXPECT_EQ(b3, 384u);
  ASSERT_TRUE(a.release(b1));  // hole [64, 320)
  ASSERT_TRUE(a.release(b3));  // hole [384, 4096) after coalescing with the tail
  // Too big for the first hole: goes to the second.
  EXPECT_EQ(must(a.allocate(300, 16)), 384u);
  // Fits the first hole: first fit takes it even though the later hole is bigger.
  EXPECT_EQ(must(a.allocate(100, 16)), 64u);
  // The remainder of the first hole [164, 320), aligned to 176, is used next.
  EXPECT_EQ(must(a.allocate(100, 16)), 176u);
  // [276, 320) holds 44 bytes: a 48-byte block cannot use it.
  EXPECT_EQ(must(a.allocate(48, 16)), 688u);
}

TEST(OffsetAllocator, AlignmentIsHonouredAndTheGapStaysUsable) {
  OffsetAllocator a(1 << 20);
  EXPECT_EQ(must(a.allocate(1, 1)), 0u);
  const std::size_t big = must(a.allocate(10, 4096));
  EXPECT_EQ(big, 4096u);
  // The gap [1, 4096) left by the alignment is still free and found first.
  EXPECT_EQ(must(a.allocate(10, 8)), 8u);
  for (std::size_t align = 1; align <= (1u << 16); align <<= 1) {
    const std::size_t off = must(a.allocate(3, align));
    EXPECT_EQ(off % align, 0u) << "alignment " << align;
    EXPECT_EQ(a.block_size(off), 3u);
  }
}

TEST(OffsetAllocator, HugeAlignmentDoesNotWrapAround) {
  OffsetAllocator a(1 << 16);
  must(a.allocate(16, 16));
  // Aligning any non-zero start to 2^63 lands far past the capacity: no block can be returned.
  EXPECT_FALSE(a.allocate(16, std::size_t{1} << 63).has_value());
  EXPECT_FALSE(a.allocate(16, std::size_t{1} << 32).has_value());
}

TEST(OffsetAllocator, ReleaseCoalescesInAnyOrder) {
  const std::size_t kCap = 16 * 256;
  std::mt19937 rng(12345);
  for (int round = 0; round < 20; ++round) {
    OffsetAllocator a(kCap);
    std::vector<std::size_t> blocks;
    for (int i = 0; i < 16; ++i) blocks.push_back(must(a.allocate(256, 16)));
    EXPECT_FALSE(a.allocate(1, 1).has_value()) << "the heap is exactly full";
    EXPECT_EQ(a.largest_free(), 0u);
    std::shuffle(blocks.begin(), blocks.end(), rng);
    for (std::size_t b : blocks) ASSERT_TRUE(a.release(b));
    EXPECT_EQ(a.bytes_in_use(), 0u);
    EXPECT_EQ(a.largest_free(), kCap) << "free ranges were not merged back into one";
    EXPECT_EQ(must(a.allocate(kCap, 16)), 0u);
  }
}

TEST(OffsetAllocator, CoalescesWithBothNeighbours) {
  OffsetAllocator a(3 * 64);
  const std::size_t x = must(a.allocate(64, 16)), y = must(a.allocate(64, 16)), z = must(a.allocate(64, 16));
  ASSERT_TRUE(a.release(x));
  ASSERT_TRUE(a.release(z));
  EXPECT_EQ(a.largest_free(), 64u);
  ASSERT_TRUE(a.release(y));  // joins the free range before and the one after
  EXPECT_EQ(a.largest_free(), 3u * 64);
}

TEST(OffsetAllocator, ReleaseRejectsWhatIsNotALiveBlockStart) {
  OffsetAllocator a(4096);
  const std::size_t b = must(a.allocate(128, 16));
  EXPECT_FALSE(a.release(b + 16)) << "interior offset";
  EXPECT_FALSE(a.release(2048)) << "free space";
  EXPECT_TRUE(a.release(b));
  EXPECT_FALSE(a.release(b)) << "double free";
  EXPECT_EQ(a.bytes_in_use(), 0u);
}

TEST(OffsetAllocator, BlockSize) {
  OffsetAllocator a(4096);
  const std::size_t b = must(a.allocate(77, 16));
  EXPECT_EQ(a.block_size(b), 77u);
  EXPECT_EQ(a.block_size(b + 1), 0u);
  EXPECT_EQ(a.block_size(1024), 0u);
  a.release(b);
  EXPECT_EQ(a.block_size(b), 0u);
}

TEST(OffsetAllocator, ZeroSizeGetsADistinctBlock) {
  OffsetAllocator a(4096);
  const std::size_t x = must(a.allocate(0, 16)), y = must(a.allocate(0, 16));
  EXPECT_NE(x, y);
  EXPECT_TRUE(a.release(x));
  EXPECT_TRUE(a.release(y));
}

TEST(OffsetAllocator, ResizeInPlaceGrowsIntoFreeSpace) {
  OffsetAllocator a(4096);
  const std::size_t b = must(a.allocate(100, 16));
  EXPECT_TRUE(a.resize_in_place(b, 1000));
  EXPECT_EQ(a.block_size(b), 1000u);
  EXPECT_EQ(a.bytes_in_use(), 1000u);
  // The space it grew into is no longer free.
  EXPECT_EQ(must(a.allocate(16, 16)), 1008u);
  // Growing exactly up to the next live block works; one byte more does not.
  EXPECT_TRUE(a.resize_in_place(b, 1008));
  EXPECT_FALSE(a.resize_in_place(b, 1009));
  EXPECT_EQ(a.block_size(b), 1008u);
}

TEST(OffsetAllocator, ResizeInPlaceFailsAgainstALiveNeighbour) {
  OffsetAllocator a(4096);
  const std::size_t b = must(a.allocate(64, 16));
  const std::size_t c = must(a.allocate(64, 16));
  EXPECT_FALSE(a.resize_in_place(b, 65));
  EXPECT_EQ(a.block_size(b), 64u);
  EXPECT_EQ(a.bytes_in_use(), 128u);
  EXPECT_FALSE(a.resize_in_place(c + 8, 16)) << "not a block start";
  // The last block can take everything up to the capacity, and no more.
  EXPECT_TRUE(a.resize_in_place(c, 4096 - 64));
  EXPECT_FALSE(a.resize_in_place(c, 4096 - 64 + 1));
  EXPECT_EQ(a.largest_free(), 0u);
}

TEST(OffsetAllocator, ResizeInPlaceShrinkFreesTheTail) {
  OffsetAllocator a(4096);
  const std::size_t b = must(a.allocate(2048, 16));
  must(a.allocate(2048, 16));
  EXPECT_FALSE(a.allocate(16, 16).has_value());
  EXPECT_TRUE(a.resize_in_place(b, 512));
  EXPECT_EQ(a.block_size(b), 512u);
  EXPECT_EQ(a.bytes_in_use(), 512u + 2048u);
  EXPECT_EQ(a.largest_free(), 1536u);
  EXPECT_EQ(must(a.allocate(1536, 16)), 512u);
  // Shrinking next to a free range merges with it.
  OffsetAllocator m(4096);
  const std::size_t x = must(m.allocate(1024, 16));
  EXPECT_TRUE(m.resize_in_place(x, 100));
  EXPECT_EQ(m.largest_free(), 4096u - 100u);
  // And it can grow back.
  EXPECT_TRUE(m.resize_in_place(x, 4096));
  EXPECT_EQ(m.bytes_in_use(), 4096u);
}

TEST(OffsetAllocator, ExhaustionThenReuse) {
  OffsetAllocator a(64 * 1024);
  EXPECT_FALSE(a.allocate(64 * 1024 + 1, 16).has_value());
  std::vector<std::size_t> blocks;
  while (auto b = a.allocate(1000, 16)) blocks.push_back(*b);
  EXPECT_EQ(blocks.size(), 64u * 1024 / 1008 + ((64 * 1024) % 1008 >= 1000 ? 1 : 0));
  EXPECT_FALSE(a.allocate(1000, 16).has_value());
  const std::size_t freed = blocks[blocks.size() / 2];
  ASSERT_TRUE(a.release(freed));
  EXPECT_EQ(must(a.allocate(1000, 16)), freed) << "the freed block is the first fit";
  EXPECT_FALSE(a.allocate(1000, 16).has_value());
  // Failed requests change nothing.
  EXPECT_EQ(a.bytes_in_use(), blocks.size() * 1000);
}

TEST(OffsetAllocator, EmptyCapacity) {
  OffsetAllocator a(0);
  EXPECT_FALSE(a.allocate(1, 1).has_value());
  EXPECT_EQ(a.largest_free(), 0u);
}

TEST(OffsetAllocator, SameCallsGiveSameOffsets) {
  // Symmetry: two allocators fed the same sequence agree on every offset.
  OffsetAllocator a(1 << 20), b(1 << 20);
  std::mt19937 rng(7);
  std::vector<std::size_t> live;
  for (int i = 0; i < 2000; ++i) {
    if (!live.empty() && rng() % 3 == 0) {
      std::size_t k = rng() % live.size();
      EXPECT_EQ(a.release(live[k]), b.release(live[k]));
      live.erase(live.begin() + k);
    } else {
      std::size_t size = 1 + rng() % 5000, align = std::size_t{1} << (rng() % 13);
      auto x = a.allocate(size, align), y = b.allocate(size, align);
      ASSERT_EQ(x, y);
      if (x) {
        EXPECT_EQ(*x % align, 0u);
        live.push_back(*x);
      }
    }
  }
  EXPECT_EQ(a.bytes_in_use(), b.bytes_in_use());
}

TEST(OffsetAllocator, LiveBlocksNeverOverlap) {
  OffsetAllocator a(1 << 18);
  std::mt19937 rng(99);
  std::map<std::size_t, std::size_t> live;
  for (int i = 0; i < 3000; ++i) {
    int action = rng() % 4;
    if (action == 0 && !live.empty()) {
      auto it = std::next(live.begin(), rng() % live.size());
      ASSERT_TRUE(a.release(it->first));
      live.erase(it);
    } else if (action == 1 && !live.empty()) {
      auto it = std::next(live.begin(), rng() % live.size());
      std::size_t size = 1 + rng() % 4000;
      if (a.resize_in_place(it->first, size))
        it->second = size;
      else
        EXPECT_EQ(a.block_size(it->first), it->second);
    } else {
      std::size_t size = 1 + rng() % 3000;
      if (auto off = a.allocate(size, std::size_t{1} << (rng() % 8))) live[*off] = size;
    }
    std::size_t end = 0, total = 0;
    for (auto& [off, size] : live) {
      ASSERT_GE(off, end) << "blocks overlap at step " << i;
      ASSERT_EQ(a.block_size(off), size);
      end = off + size;
      total += size;
    }
    ASSERT_LE(end, a.capacity());
    ASSERT_EQ(a.bytes_in_use(), total);
  }
}

}  // namespace
