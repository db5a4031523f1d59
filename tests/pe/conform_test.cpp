// SPDX-License-Identifier: BSD-3-Clause
// Inputs the specification defines (or leaves to the implementation) that must not end the job:
// zero-length transfers with any pointers, unknown allocation hints, an alignment shmem_align cannot
// use, fence and quiet on SHMEM_CTX_INVALID, both forms of shmem_sync, and an active-set collective
// called by a PE outside the set. Built with and without the inline fast path (pe_tests,
// pe_tests_no_inline).
#include <shmem.h>
#include <shmemx.h>

#include <cstdint>
#include <vector>

#include "pe_util.hpp"

namespace {

bool checks_on() { return pe::env_is_on("CAUSEWAY_CHECKS"); }

// Every zero-length RMA form, typed, sized and mem, with and without a context, on `dest` and
// `source` (NULL, or not symmetric). Each must do nothing.
void zero_length_everything(void* dest, void* source, int pe) {
  const shmem_ctx_t ctx = SHMEM_CTX_DEFAULT;
#define CW_ZERO_TYPED(TYPE, NAME)                     \
  {                                                   \
    TYPE* d = static_cast<TYPE*>(dest);               \
    const TYPE* s = static_cast<const TYPE*>(source); \
    shmem_##NAME##_put(d, s, 0, pe);                  \
    shmem_##NAME##_get(d, s, 0, pe);                  \
    shmem_##NAME##_put_nbi(d, s, 0, pe);              \
    shmem_##NAME##_get_nbi(d, s, 0, pe);              \
    shmem_##NAME##_iput(d, s, 1, 1, 0, pe);           \
    shmem_##NAME##_iget(d, s, 1, 1, 0, pe);           \
    shmem_ctx_##NAME##_put(ctx, d, s, 0, pe);         \
    shmem_ctx_##NAME##_get(ctx, d, s, 0, pe);         \
    shmem_ctx_##NAME##_put_nbi(ctx, d, s, 0, pe);     \
    shmem_ctx_##NAME##_get_nbi(ctx, d, s, 0, pe);     \
    shmem_ctx_##NAME##_iput(ctx, d, s, 1, 1, 0, pe);  \
    shmem_ctx_##NAME##_iget(ctx, d, s, 1, 1, 0, pe);  \
  }
  CW_RMA_TYPES(CW_ZERO_TYPED)
#undef CW_ZERO_TYPED
#define CW_ZERO_SIZED(BITS, BYTES)               \
  shmem_put##BITS(dest, source, 0, pe);          \
  shmem_get##BITS(dest, source, 0, pe);          \
  shmem_put##BITS##_nbi(dest, source, 0, pe);    \
  shmem_get##BITS##_nbi(dest, source, 0, pe);    \
  shmem_iput##BITS(dest, source, 1, 1, 0, pe);   \
  shmem_iget##BITS(dest, source, 1, 1, 0, pe);   \
  shmem_ctx_put##BITS(ctx, dest, source, 0, pe); \
  shmem_ctx_get##BITS##_nbi(ctx, dest, source, 0, pe);
  CW_SIZED_RMA(CW_ZERO_SIZED)
#undef CW_ZERO_SIZED
  shmem_putmem(dest, source, 0, pe);
  shmem_getmem(dest, source, 0, pe);
  shmem_putmem_nbi(dest, source, 0, pe);
  shmem_getmem_nbi(dest, source, 0, pe);
  shmem_ctx_putmem(ctx, dest, source, 0, pe);
  shmem_ctx_getmem_nbi(ctx, dest, source, 0, pe);
  shmem_quiet();
}

TEST(Conform, ZeroLengthTransfersWithNullPointersDoNothing) {
  zero_length_everything(nullptr, nullptr, pe::right());
  zero_length_everything(nullptr, nullptr, pe::me());
  shmem_barrier_all();
  SUCCEED();
}

TEST(Conform, ZeroLengthTransfersWithPrivatePointersDoNothing) {
  long on_stack[4] = {1, 2, 3, 4};
  std::vector<long> on_malloc(4, 5);
  zero_length_everything(on_stack, on_malloc.data(), pe::right());
  zero_length_everything(on_malloc.data(), on_stack, pe::right());
  EXPECT_EQ(on_stack[0], 1);
  EXPECT_EQ(on_malloc[3], 5);
  shmem_barrier_all();
}

// No data, a signal all the same: put_signal with nelems 0 and a NULL dest still delivers it.
TEST(Conform, ZeroLengthPutSignalStillSignals) {
  auto* sig = static_cast<uint64_t*>(shmem_calloc(2, sizeof(uint64_t)));
  ASSERT_NE(sig, nullptr);
  shmem_putmem_signal(nullptr, nullptr, 0, &sig[0], 7, SHMEM_SIGNAL_SET, pe::right());
  shmem_long_put_signal_nbi(nullptr, nullptr, 0, &sig[1], 3, SHMEM_SIGNAL_ADD, pe::right());
  shmem_quiet();
  EXPECT_EQ(shmem_signal_wait_until(&sig[0], SHMEM_CMP_EQ, 7), 7u);
  EXPECT_EQ(shmem_signal_wait_until(&sig[1], SHMEM_CMP_EQ, 3), 3u);
  shmem_barrier_all();
  shmem_free(sig);
}

// Hints the library does not know leave shmem_malloc_with_hints a shmem_malloc: usable memory.
TEST(Conform, UnknownMallocHintsBehaveAsMalloc) {
  for (long hints : {0L, SHMEM_MALLOC_ATOMICS_REMOTE | SHMEM_MALLOC_SIGNAL_REMOTE, 1L << 20, -1L}) {
    auto* p = static_cast<long*>(shmem_malloc_with_hints(64 * sizeof(long), hints));
    EXPECT_NE(p, nullptr) << "hints " << hints;
    if (p) {
      shmem_long_p(&p[63], pe::me() * 10 + 1, pe::right());
      shmem_barrier_all();
      EXPECT_EQ(p[63], pe::left() * 10 + 1) << "hints " << hints;
    }
    shmem_free(p);
  }
  EXPECT_EQ(shmem_malloc_with_hints(0, 1L << 20), nullptr);
}

// An alignment that is not a power of two: NULL on every PE (no barrier, nothing allocated). One
// above the heap base's 64 MiB alignment: NULL too. The heap stays symmetric afterwards.
TEST(Conform, AlignmentShmemAlignCannotUseGivesNull) {
  const std::size_t before = shmemx_heap_bytes_in_use();
  if (!checks_on()) {  // checks mode reports a non-power-of-two alignment (tests/errors)
    EXPECT_EQ(shmem_align(48, 64), nullptr);
    EXPECT_EQ(shmem_align(0, 64), nullptr);
    EXPECT_EQ(shmem_align(3, 0), nullptr);
  }
  EXPECT_EQ(shmem_align(std::size_t{1} << 30, 64), nullptr);
  EXPECT_EQ(shmemx_heap_bytes_in_use(), before);
  auto* p = static_cast<int*>(shmem_align(256, 4 * sizeof(int)));
  EXPECT_NE(p, nullptr);
  if (p) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 256, 0u);
    shmem_int_p(&p[1], pe::me() + 100, pe::right());
    shmem_barrier_all();
    EXPECT_EQ(p[1], pe::left() + 100);
  }
  shmem_free(p);
}

TEST(Conform, FenceAndQuietOnInvalidContextDoNothing) {
  shmem_ctx_fence(SHMEM_CTX_INVALID);
  shmem_ctx_quiet(SHMEM_CTX_INVALID);
  const int target = pe::right();
  shmem_ctx_pe_quiet(SHMEM_CTX_INVALID, &target, 1);
  shmem_ctx_destroy(SHMEM_CTX_INVALID);
  shmem_team_t team = SHMEM_TEAM_WORLD;
  EXPECT_NE(shmem_ctx_get_team(SHMEM_CTX_INVALID, &team), 0);
  EXPECT_EQ(team, SHMEM_TEAM_INVALID);
  shmem_barrier_all();
}

// shmem_sync(team), the 1.5 form, beside the deprecated four-argument form (C++ overloads; the C
// macro is tested in tests/generic).
TEST(Conform, ShmemSyncHasBothForms) {
  static long pSync[SHMEM_SYNC_SIZE];
  int (*team_form)(shmem_team_t) = shmem_sync;
  void (*active_set_form)(int, int, int, long*) = shmem_sync;
  EXPECT_NE(team_form, nullptr);
  EXPECT_NE(active_set_form, nullptr);
  auto* flag = static_cast<int*>(shmem_calloc(1, sizeof(int)));
  ASSERT_NE(flag, nullptr);
  shmem_int_atomic_set(flag, 1, pe::right());
  shmem_quiet();
  EXPECT_EQ(shmem_sync(SHMEM_TEAM_WORLD), 0);
  shmem_sync(0, 0, pe::npes(), pSync);
  shmem_int_wait_until(flag, SHMEM_CMP_EQ, 1);
  EXPECT_EQ(shmem_team_sync(SHMEM_TEAM_WORLD), 0);
  shmem_free(flag);
}

// An active set without the last PE: its members reduce and synchronise; the last PE's calls (which
// the specification leaves undefined) return without doing anything and without taking the members
// down. Checks mode reports such a call instead (tests/errors).
TEST(ActiveSetConform, PeOutsideTheSetReturnsWithoutAction) {
  if (pe::npes() < 2) GTEST_SKIP() << "needs a PE outside the set";
  if (checks_on()) GTEST_SKIP() << "checks mode reports a call from outside the set";
  static long pSync[SHMEM_REDUCE_SYNC_SIZE];
  static long pWrk[SHMEM_REDUCE_MIN_WRKDATA_SIZE];
  auto* src = static_cast<long*>(shmem_malloc(2 * sizeof(long)));
  auto* dst = static_cast<long*>(shmem_malloc(3 * sizeof(long)));
  ASSERT_NE(src, nullptr);
  ASSERT_NE(dst, nullptr);
  const int size = pe::npes() - 1;
  src[0] = pe::me() + 1;
  src[1] = 1;
  dst[0] = dst[1] = dst[2] = -1;
  shmem_barrier_all();
  shmem_barrier(0, 0, size, pSync);
  shmem_sync(0, 0, size, pSync);
  shmem_long_sum_to_all(dst, src, 2, 0, 0, size, pWrk, pSync);
  shmem_broadcast64(&dst[2], &src[0], 1, 0, 0, 0, size, pSync);  // root: PE 0, whose src[0] is 1
  if (pe::me() < size) {
    EXPECT_EQ(dst[0], long{size} * (size + 1) / 2) << "sum over the set";
    EXPECT_EQ(dst[1], size) << "sum over the set";
    if (pe::me() != 0) {
      EXPECT_EQ(dst[2], 1) << "broadcast from the set's root";
    }
  } else {
    for (int i = 0; i < 3; ++i) EXPECT_EQ(dst[i], -1) << "the PE outside the set must not be written";
  }
  shmem_barrier_all();
  shmem_free(dst);
  shmem_free(src);
}

}  // namespace
