// SPDX-License-Identifier: BSD-3-Clause
// A small symmetric heap (SHMEM_SYMMETRIC_SIZE=1M, set by meson for this binary): allocations that
// do not fit return NULL on every PE, and the heap stays usable afterwards.
#include <shmem.h>
#include <shmemx.h>

#include <cstdlib>
#include <vector>

#include "pe_util.hpp"

namespace {

constexpr std::size_t kHeap = std::size_t{1} << 20;

bool small_heap() {
  const char* size = std::getenv("SHMEM_SYMMETRIC_SIZE");
  return size && std::string(size) == "1M";
}

#define REQUIRE_SMALL_HEAP()                                               \
  do {                                                                     \
    if (!small_heap()) GTEST_SKIP() << "run with SHMEM_SYMMETRIC_SIZE=1M"; \
  } while (0)

TEST(HeapLimit, TooLargeReturnsNullThenSmallerWorks) {
  REQUIRE_SMALL_HEAP();
  const std::size_t before = shmemx_heap_bytes_in_use();
  EXPECT_EQ(shmem_malloc(2 * kHeap), nullptr);
  EXPECT_EQ(shmem_malloc(kHeap), nullptr) << "the runtime's own words use part of the heap";
  EXPECT_EQ(shmem_calloc(kHeap / 8, 16), nullptr);
  EXPECT_EQ(shmem_align(4096, kHeap), nullptr);
  EXPECT_EQ(shmemx_heap_bytes_in_use(), before) << "a failed allocation used space";
  auto* p = static_cast<long*>(shmem_malloc(64 * 1024));
  ASSERT_NE(p, nullptr);
  shmem_long_p(&p[8191], pe::me(), pe::right());
  shmem_barrier_all();
  EXPECT_EQ(p[8191], pe::left());
  shmem_free(p);
}

TEST(HeapLimit, FillUntilExhaustedThenReuse) {
  REQUIRE_SMALL_HEAP();
  const std::size_t before = shmemx_heap_bytes_in_use();
  constexpr std::size_t kBlock = 64 * 1024;
  std::vector<void*> blocks;
  for (;;) {
    void* p = shmem_malloc(kBlock);
    if (!p) break;
    blocks.push_back(p);
    if (blocks.size() > kHeap / kBlock) break;  // cannot happen: the heap is 1 MiB
  }
  EXPECT_GE(blocks.size(), kHeap / kBlock - 2);
  EXPECT_LT(blocks.size(), kHeap / kBlock);
  void* middle = blocks[blocks.size() / 2];
  shmem_free(middle);
  void* again = shmem_malloc(kBlock);
  EXPECT_EQ(again, middle) << "the only hole that fits";
  blocks[blocks.size() / 2] = again;
  EXPECT_EQ(shmem_malloc(kBlock), nullptr);
  // Still usable: every block reaches every peer.
  for (void* b : blocks) shmem_int_p(static_cast<int*>(b), pe::me(), pe::right());
  shmem_barrier_all();
  for (void* b : blocks) EXPECT_EQ(*static_cast<int*>(b), pe::left());
  for (void* b : blocks) shmem_free(b);
  EXPECT_EQ(shmemx_heap_bytes_in_use(), before);
}

TEST(HeapLimit, ReallocThatCannotGrowLeavesTheBlock) {
  REQUIRE_SMALL_HEAP();
  auto* p = static_cast<int*>(shmem_malloc(1024 * sizeof(int)));
  ASSERT_NE(p, nullptr);
  for (int i = 0; i < 1024; ++i) p[i] = i + pe::me();
  EXPECT_EQ(shmem_realloc(p, 4 * kHeap), nullptr);
  int wrong = 0;
  for (int i = 0; i < 1024; ++i) wrong += p[i] != i + pe::me();
  EXPECT_EQ(wrong, 0) << "a failed realloc changed the block";
  shmem_barrier_all();  // everyone has checked before the block is written again
  shmem_int_p(&p[1023], -1, pe::right());
  shmem_barrier_all();
  EXPECT_EQ(p[1023], -1) << "a failed realloc freed the block";
  shmem_free(p);
}

}  // namespace
