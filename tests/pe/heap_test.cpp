// SPDX-License-Identifier: BSD-3-Clause
// The symmetric heap: malloc, calloc, align, realloc, malloc_with_hints and free, checked through
// remote access (an allocation is only right if peers can use it at the same place).
#include <linux/mempolicy.h>
#include <shmem.h>
#include <shmemx.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "pe_util.hpp"

namespace {

uintptr_t addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }

// Each PE writes `tag` into the last `bytes` of its right neighbour's block; checks its own.
void exercise_block(unsigned char* block, std::size_t size, unsigned salt, const char* what) {
  const std::size_t bytes = std::min<std::size_t>(size, 4096 + 3);
  std::vector<unsigned char> mine(bytes);
  pe::fill(mine.data(), bytes, pe::me(), salt);
  shmem_barrier_all();
  shmem_putmem(block + size - bytes, mine.data(), bytes, pe::right());
  shmem_barrier_all();
  EXPECT_TRUE(pe::matches(block + size - bytes, bytes, pe::left(), salt)) << what << ", " << size << " bytes";
  shmem_barrier_all();
}

TEST(Heap, MallocGivesUsableSymmetricBlocks) {
  const std::size_t sizes[] = {1, 17, 4096, (std::size_t{1} << 20) + 3};
  unsigned salt = 0;
  for (std::size_t size : sizes) {
    auto* p = static_cast<unsigned char*>(shmem_malloc(size));
    EXPECT_NE(p, nullptr);
    if (p) {
      EXPECT_EQ(addr(p) % 16, 0u) << "shmem_malloc must align for every basic type";
      EXPECT_EQ(shmem_addr_accessible(p, pe::right()), 1);
      exercise_block(p, size, ++salt, "shmem_malloc");
    }
    shmem_free(p);
  }
}

TEST(Heap, ZeroSizeAndNull) {
  EXPECT_EQ(shmem_malloc(0), nullptr);
  EXPECT_EQ(shmem_calloc(0, 8), nullptr);
  EXPECT_EQ(shmem_calloc(8, 0), nullptr);
  EXPECT_EQ(shmem_align(64, 0), nullptr);
  shmem_free(nullptr);  // no effect
  const std::size_t before = shmemx_heap_bytes_in_use();
  void* p = shmem_realloc(nullptr, 64);  // realloc(NULL) allocates
  EXPECT_NE(p, nullptr);
  EXPECT_GE(shmemx_heap_bytes_in_use(), before + 64);
  EXPECT_EQ(shmem_realloc(p, 0), nullptr);  // realloc to 0 frees
  EXPECT_EQ(shmemx_heap_bytes_in_use(), before);
  shmem_barrier_all();
}

TEST(Heap, CallocIsZeroedEvenWhenReusingDirtyMemory) {
  constexpr std::size_t kCount = 5000;
  for (int round = 0; round < 3; ++round) {
    auto* dirty = static_cast<long*>(shmem_malloc(kCount * sizeof(long)));
    ASSERT_NE(dirty, nullptr);
    for (std::size_t i = 0; i < kCount; ++i) dirty[i] = -1 - long(i);
    // Peers dirty it too.
    std::vector<long> junk(kCount, 0x5a5a5a5a);
    shmem_long_put(dirty, junk.data(), kCount / 2, pe::right());
    shmem_free(dirty);
    auto* clean = static_cast<long*>(shmem_calloc(kCount + round * 100, sizeof(long)));
    ASSERT_NE(clean, nullptr);
    if (round == 0) {
      EXPECT_EQ(clean, dirty) << "first fit reuses the freed block of the same size";
    }
    // A peer may write element 1 as soon as its own calloc returns (below): the zeroing must not
    // wipe that, and every other element must be zero.
    shmem_long_p(&clean[1], 100 + pe::me(), pe::right());
    std::size_t nonzero = 0;
    for (std::size_t i = 0; i < kCount + round * 100; ++i) nonzero += i != 1 && clean[i] != 0;
    EXPECT_EQ(nonzero, 0u) << "shmem_calloc returned memory that is not zero";
    shmem_barrier_all();
    EXPECT_EQ(clean[1], 100 + pe::left());
    shmem_free(clean);
  }
}

void check_alignments(std::size_t first, std::size_t last) {
  // A small block first, so the free space does not start on a large boundary by accident.
  void* small = shmem_malloc(24);
  unsigned salt = 20;
  for (std::size_t align = first; align <= last; align <<= 1) {
    auto* p = static_cast<unsigned char*>(shmem_align(align, 3 * 1024 + 1));
    EXPECT_NE(p, nullptr) << "alignment " << align;
    if (p) {
      EXPECT_EQ(addr(p) % align, 0u) << "shmem_align(" << align << ") returned " << static_cast<void*>(p);
      exercise_block(p, 3 * 1024 + 1, ++salt, "shmem_align");
    }
    void* filler = shmem_malloc(40);  // keep the next request off this boundary
    shmem_free(p);
    shmem_free(filler);
  }
  shmem_free(small);
}

TEST(Heap, AlignIsHonouredUpToAPage) { check_alignments(1, 4096); }

// The heap base is aligned to 64 MiB, so alignments above a page hold too.
TEST(Heap, AlignIsHonouredAboveAPage) { check_alignments(8192, std::size_t{1} << 21); }

TEST(Heap, ReallocPreservesDataGrowingAndShrinking) {
  constexpr std::size_t kFirst = 100;
  auto* p = static_cast<long*>(shmem_malloc(kFirst * sizeof(long)));
  ASSERT_NE(p, nullptr);
  for (std::size_t i = 0; i < kFirst; ++i) p[i] = 1000L * pe::me() + long(i);
  // Grow (likely in place: nothing follows it).
  p = static_cast<long*>(shmem_realloc(p, 10000 * sizeof(long)));
  ASSERT_NE(p, nullptr);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < kFirst; ++i) wrong += p[i] != 1000L * pe::me() + long(i);
  EXPECT_EQ(wrong, 0u) << "growing lost data";
  shmem_long_p(&p[9999], pe::me(), pe::right());
  shmem_barrier_all();
  EXPECT_EQ(p[9999], pe::left()) << "the grown part is not symmetric";

  // Grow where it cannot grow in place: a block right after it forces a move.
  long* blocker = static_cast<long*>(shmem_malloc(64 * sizeof(long)));
  ASSERT_NE(blocker, nullptr);
  for (int i = 0; i < 64; ++i) blocker[i] = 7;
  long* moved = static_cast<long*>(shmem_realloc(p, 50000 * sizeof(long)));
  ASSERT_NE(moved, nullptr);
  wrong = 0;
  for (std::size_t i = 0; i < kFirst; ++i) wrong += moved[i] != 1000L * pe::me() + long(i);
  EXPECT_EQ(wrong, 0u) << "moving lost data";
  EXPECT_EQ(moved[9999], pe::left()) << "moving lost data written by a peer";
  for (int i = 0; i < 64; ++i) wrong += blocker[i] != 7;
  EXPECT_EQ(wrong, 0u) << "realloc damaged the neighbouring block";
  shmem_long_p(&moved[49999], pe::me(), pe::right());
  shmem_barrier_all();
  EXPECT_EQ(moved[49999], pe::left());

  // Shrink.
  long* shrunk = static_cast<long*>(shmem_realloc(moved, 16 * sizeof(long)));
  ASSERT_NE(shrunk, nullptr);
  wrong = 0;
  for (std::size_t i = 0; i < 16; ++i) wrong += shrunk[i] != 1000L * pe::me() + long(i);
  EXPECT_EQ(wrong, 0u) << "shrinking lost data";
  shmem_free(blocker);
  shmem_free(shrunk);
}

// Puts issued just before a collective realloc land in the block before it is copied.
TEST(Heap, ReallocSeesPutsIssuedBeforeIt) {
  auto* p = static_cast<int*>(shmem_calloc(32, sizeof(int)));
  ASSERT_NE(p, nullptr);
  int* blocker = static_cast<int*>(shmem_malloc(16));
  const int mine[4] = {pe::me(), pe::me() + 1, pe::me() + 2, pe::me() + 3};
  shmem_int_put_nbi(p, mine, 4, pe::right());
  int* q = static_cast<int*>(shmem_realloc(p, 4096 * sizeof(int)));  // must move: blocker follows p
  ASSERT_NE(q, nullptr);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(q[i], pe::left() + i);
  shmem_free(blocker);
  shmem_free(q);
}

TEST(Heap, MallocWithHints) {
  for (long hints : {0L, long(SHMEM_MALLOC_ATOMICS_REMOTE), long(SHMEM_MALLOC_SIGNAL_REMOTE),
                     long(SHMEM_MALLOC_ATOMICS_REMOTE | SHMEM_MALLOC_SIGNAL_REMOTE)}) {
    auto* p = static_cast<long*>(shmem_malloc_with_hints(8 * sizeof(long), hints));
    EXPECT_NE(p, nullptr) << "hints " << hints;
    if (!p) continue;
    EXPECT_EQ(addr(p) % 16, 0u);
    p[0] = 0;
    shmem_barrier_all();
    for (int t = 0; t < pe::npes(); ++t) shmem_long_atomic_inc(&p[0], t);
    shmem_barrier_all();
    EXPECT_EQ(p[0], pe::npes()) << "hints " << hints;
    shmem_free(p);
  }
  EXPECT_EQ(shmem_malloc_with_hints(0, SHMEM_MALLOC_ATOMICS_REMOTE), nullptr);
}

TEST(Heap, FreedSpaceIsReused) {
  const std::size_t baseline = shmemx_heap_bytes_in_use();
  void* a = shmem_malloc(1000);
  void* b = shmem_malloc(5000);
  void* c = shmem_malloc(1000);
  ASSERT_TRUE(a && b && c);
  EXPECT_GE(shmemx_heap_bytes_in_use(), baseline + 7000);
  shmem_free(b);
  // Deterministic first fit (what keeps every PE's heap symmetric): the hole is reused, unless an
  // earlier hole fits.
  void* d = shmem_malloc(4000);
  EXPECT_NE(d, nullptr);
  EXPECT_LE(addr(d), addr(b));
  shmem_free(a);
  shmem_free(c);
  shmem_free(d);
  EXPECT_EQ(shmemx_heap_bytes_in_use(), baseline);
}

// Many blocks of varied sizes, used by peers, freed in a shuffled order (the same on every PE).
TEST(Heap, ManyBlocksShuffledFree) {
  const std::size_t baseline = shmemx_heap_bytes_in_use();
  std::mt19937 rng(2024);
  std::vector<std::pair<int*, std::size_t>> blocks;
  for (int i = 0; i < 150; ++i) {
    const std::size_t n = 1 + rng() % 700;
    int* p = static_cast<int*>(i % 3 ? shmem_malloc(n * sizeof(int)) : shmem_calloc(n, sizeof(int)));
    EXPECT_NE(p, nullptr);
    if (p) blocks.push_back({p, n});
  }
  for (auto [p, n] : blocks) {
    shmem_int_p(&p[0], pe::me(), pe::right());
    shmem_int_p(&p[n - 1], -pe::me(), pe::right());
  }
  shmem_barrier_all();
  std::size_t wrong = 0;
  for (auto [p, n] : blocks) wrong += p[0] != pe::left() || p[n - 1] != -pe::left();
  EXPECT_EQ(wrong, 0u) << "blocks overlap or are not symmetric";
  std::shuffle(blocks.begin(), blocks.end(), rng);
  for (auto [p, n] : blocks) shmem_free(p);
  EXPECT_EQ(shmemx_heap_bytes_in_use(), baseline);
}

// CAUSEWAY_HEAP_NUMA: with 'local' the heap's pages prefer this PE's NUMA nodes, a policy on the
// shared object, so a peer's mapping of this PE's heap reports it too; with 'off' there is none.
// ('auto' depends on the machine and the binding: it is 'local' only for a PE bound to some nodes.)
int heap_policy(const void* p) {
  int mode = -1;
  unsigned long mask[16] = {};
  if (syscall(SYS_get_mempolicy, &mode, mask, 1024, p, MPOL_F_ADDR) != 0) return -1;
  return mode;
}

TEST(HeapNuma, PlacementFollowsTheSetting) {
  const char* setting = std::getenv("CAUSEWAY_HEAP_NUMA");
  if (!setting || (std::strcmp(setting, "local") != 0 && std::strcmp(setting, "off") != 0))
    GTEST_SKIP() << "needs CAUSEWAY_HEAP_NUMA=local or off";
  const bool local = std::strcmp(setting, "local") == 0;
  pe::SymArray<long> block(1024);
  const int mine = heap_policy(block.get());
  if (local)
    EXPECT_TRUE(mine == MPOL_PREFERRED_MANY || mine == MPOL_PREFERRED) << "mode " << mine;
  else
    EXPECT_EQ(mine, MPOL_DEFAULT);
  shmem_barrier_all();
  if (const void* peer = shmem_ptr(block.get(), pe::right()); peer && pe::right() != pe::me()) {
    const int theirs = heap_policy(peer);
    if (local)
      EXPECT_TRUE(theirs == MPOL_PREFERRED_MANY || theirs == MPOL_PREFERRED)
          << "through the peer's mapping: " << theirs;
    else
      EXPECT_EQ(theirs, MPOL_DEFAULT);
  }
  shmem_barrier_all();
}

}  // namespace
