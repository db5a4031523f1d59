// SPDX-License-Identifier: BSD-3-Clause
// Point-to-point synchronisation for every type of CW_P2P_SYNC_TYPES: the six comparisons of
// wait_until and test, the _all/_any/_some and _vector forms with status masks, on values that a
// remote PE sets after a delay.
#include <shmem.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pe_util.hpp"

namespace {

#define P2P_TRAITS(TYPE, NAME)                                                                   \
  struct Sync_##NAME {                                                                           \
    using T = TYPE;                                                                              \
    static constexpr const char* name = #NAME;                                                   \
    static void p(T* d, T v, int pe) { shmem_##NAME##_p(d, v, pe); }                             \
    static void wait_until(T* v, int c, T x) { shmem_##NAME##_wait_until(v, c, x); }             \
    static void wait_until_all(T* v, size_t n, const int* s, int c, T x) {                       \
      shmem_##NAME##_wait_until_all(v, n, s, c, x);                                              \
    }                                                                                            \
    static size_t wait_until_any(T* v, size_t n, const int* s, int c, T x) {                     \
      return shmem_##NAME##_wait_until_any(v, n, s, c, x);                                       \
    }                                                                                            \
    static size_t wait_until_some(T* v, size_t n, size_t* i, const int* s, int c, T x) {         \
      return shmem_##NAME##_wait_until_some(v, n, i, s, c, x);                                   \
    }                                                                                            \
    static void wait_until_all_vector(T* v, size_t n, const int* s, int c, T* x) {               \
      shmem_##NAME##_wait_until_all_vector(v, n, s, c, x);                                       \
    }                                                                                            \
    static size_t wait_until_any_vector(T* v, size_t n, const int* s, int c, T* x) {             \
      return shmem_##NAME##_wait_until_any_vector(v, n, s, c, x);                                \
    }                                                                                            \
    static size_t wait_until_some_vector(T* v, size_t n, size_t* i, const int* s, int c, T* x) { \
      return shmem_##NAME##_wait_until_some_vector(v, n, i, s, c, x);                            \
    }                                                                                            \
    static int test(T* v, int c, T x) { return shmem_##NAME##_test(v, c, x); }                   \
    static int test_all(T* v, size_t n, const int* s, int c, T x) {                              \
      return shmem_##NAME##_test_all(v, n, s, c, x);                                             \
    }                                                                                            \
    static size_t test_any(T* v, size_t n, const int* s, int c, T x) {                           \
      return shmem_##NAME##_test_any(v, n, s, c, x);                                             \
    }                                                                                            \
    static size_t test_some(T* v, size_t n, size_t* i, const int* s, int c, T x) {               \
      return shmem_##NAME##_test_some(v, n, i, s, c, x);                                         \
    }                                                                                            \
    static int test_all_vector(T* v, size_t n, const int* s, int c, T* x) {                      \
      return shmem_##NAME##_test_all_vector(v, n, s, c, x);                                      \
    }                                                                                            \
    static size_t test_any_vector(T* v, size_t n, const int* s, int c, T* x) {                   \
      return shmem_##NAME##_test_any_vector(v, n, s, c, x);                                      \
    }                                                                                            \
    static size_t test_some_vector(T* v, size_t n, size_t* i, const int* s, int c, T* x) {       \
      return shmem_##NAME##_test_some_vector(v, n, i, s, c, x);                                  \
    }                                                                                            \
  };
CW_P2P_SYNC_TYPES(P2P_TRAITS)
#undef P2P_TRAITS
#define P2P_NAME(TYPE, NAME) , Sync_##NAME
using SyncTypes = pe::DropFirst<void CW_P2P_SYNC_TYPES(P2P_NAME)>::type;
#undef P2P_NAME

constexpr int kDelayMs = 2;  // how long the remote writer waits before writing
constexpr std::size_t kN = 6;

template <class T>
void store(T* p, T v) {
  __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

// Every PE's ivars are written by its left neighbour while it waits. In two phases, so that where
// possible the writer is a PE that is not itself waiting: in phase p, PEs with me % 2 == p wait and
// their left neighbours write (after a delay, so the waiter is usually already waiting). With an odd
// PE count (or one PE) some PE writes and then waits in the same phase: writes never block.
template <class Write, class Wait>
void left_writes_while_waiting(Write write_to_right, Wait wait_mine) {
  for (int phase = 0; phase < 2; ++phase) {
    if (pe::right() % 2 == phase) {
      pe::sleep_ms(kDelayMs);
      write_to_right(pe::right());
      shmem_quiet();
    }
    if (pe::me() % 2 == phase) wait_mine();
    shmem_barrier_all();
  }
}

template <class R>
class Wait : public ::testing::Test {
 protected:
  using T = typename R::T;

  // Symmetric ivars: in the heap, or in a global array.
  static T* ivars(bool global) {
    return reinterpret_cast<T*>(global ? pe::g_global_small + 8192 : pe::heap_region() + 8192);
  }
  static void reset(T* v, T x = T(0)) {
    for (std::size_t i = 0; i < kN; ++i) store(&v[i], x);
  }
};
TYPED_TEST_SUITE(Wait, SyncTypes, pe::TraitsName);

// Status mask used by the _all/_any/_some tests: elements 1 and 4 are excluded.
const int kStatus[kN] = {0, 1, 0, 0, 1, 0};
const int kAllExcluded[kN] = {1, 1, 1, 1, 1, 1};

// All six comparisons on a local value, true and false, through test and (satisfied) wait_until.
TYPED_TEST(Wait, SixComparisonsLocally) {
  using R = TypeParam;
  using T = typename R::T;
  T* v = this->ivars(false);
  store(v, T(5));
  struct Case {
    int cmp;
    T operand;
    int expect;
  };
  const Case cases[] = {
      {SHMEM_CMP_EQ, T(5), 1}, {SHMEM_CMP_EQ, T(4), 0}, {SHMEM_CMP_NE, T(4), 1}, {SHMEM_CMP_NE, T(5), 0},
      {SHMEM_CMP_GT, T(4), 1}, {SHMEM_CMP_GT, T(5), 0}, {SHMEM_CMP_GE, T(5), 1}, {SHMEM_CMP_GE, T(6), 0},
      {SHMEM_CMP_LT, T(6), 1}, {SHMEM_CMP_LT, T(5), 0}, {SHMEM_CMP_LE, T(5), 1}, {SHMEM_CMP_LE, T(4), 0},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(R::test(v, c.cmp, c.operand), c.expect)
        << "cmp " << c.cmp << " operand " << pe::show(c.operand);
    if (c.expect) R::wait_until(v, c.cmp, c.operand);  // holds already: returns at once
  }
  if constexpr (std::is_signed_v<T>) {
    store(v, T(-3));
    EXPECT_EQ(R::test(v, SHMEM_CMP_LT, T(0)), 1) << "signed comparison";
    EXPECT_EQ(R::test(v, SHMEM_CMP_GT, T(-4)), 1);
  } else {
    store(v, T(-1));  // the largest value
    EXPECT_EQ(R::test(v, SHMEM_CMP_GT, T(1)), 1) << "unsigned comparison";
  }
  shmem_barrier_all();
}

// wait_until returns once the remote write makes the comparison hold, for each comparison.
TYPED_TEST(Wait, WaitUntilRemoteWriteEachComparison) {
  using R = TypeParam;
  using T = typename R::T;
  struct Case {
    int cmp;
    T initial, operand, final_value;
  };
  const Case cases[] = {
      {SHMEM_CMP_EQ, T(0), T(7), T(7)}, {SHMEM_CMP_NE, T(0), T(0), T(7)}, {SHMEM_CMP_GT, T(0), T(6), T(7)},
      {SHMEM_CMP_GE, T(0), T(7), T(7)}, {SHMEM_CMP_LT, T(9), T(8), T(7)}, {SHMEM_CMP_LE, T(9), T(7), T(7)},
  };
  for (bool global : {false, true}) {
    T* v = this->ivars(global);
    for (const Case& c : cases) {
      store(&v[0], c.initial);
      store(&v[1], T(0));
      shmem_barrier_all();
      left_writes_while_waiting(
          [&](int to) {
            R::p(&v[1], T(3), to);  // written first: must not end the wait
            R::p(&v[0], c.final_value, to);
          },
          [&] {
            R::wait_until(&v[0], c.cmp, c.operand);
            EXPECT_EQ(v[0], c.final_value) << (global ? "global" : "heap") << " cmp " << c.cmp;
            EXPECT_EQ(R::test(&v[0], c.cmp, c.operand), 1);
          });
    }
  }
}

TYPED_TEST(Wait, AllAnySomeWithStatus) {
  using R = TypeParam;
  using T = typename R::T;
  for (bool global : {false, true}) {
    SCOPED_TRACE(global ? "global" : "heap");
    T* v = this->ivars(global);
    std::size_t idx[kN];

    // _all: the excluded elements never hold, yet the wait ends once every included one does.
    this->reset(v);
    shmem_barrier_all();
    left_writes_while_waiting(
        [&](int to) {
          for (std::size_t i : {0, 2, 3, 5}) R::p(&v[i], T(7), to);
        },
        [&] {
          R::wait_until_all(v, kN, kStatus, SHMEM_CMP_EQ, T(7));
          for (std::size_t i : {0, 2, 3, 5}) {
            EXPECT_EQ(v[i], T(7)) << "element " << i;
          }
          EXPECT_EQ(R::test_all(v, kN, kStatus, SHMEM_CMP_EQ, T(7)), 1);
          EXPECT_EQ(R::test_all(v, kN, nullptr, SHMEM_CMP_EQ, T(7)), 0) << "elements 1 and 4 are 0";
        });
    // _all without a mask: waits for the excluded ones too.
    left_writes_while_waiting(
        [&](int to) {
          for (std::size_t i : {1, 4}) R::p(&v[i], T(7), to);
        },
        [&] {
          R::wait_until_all(v, kN, nullptr, SHMEM_CMP_EQ, T(7));
          EXPECT_EQ(R::test_all(v, kN, nullptr, SHMEM_CMP_EQ, T(7)), 1);
        });

    // _any: element 1 already holds but is excluded; the answer must be the one written remotely.
    this->reset(v);
    store(&v[1], T(7));
    store(&v[4], T(7));
    shmem_barrier_all();
    EXPECT_EQ(R::test_any(v, kN, kStatus, SHMEM_CMP_EQ, T(7)), SIZE_MAX) << "only excluded elements hold";
    shmem_barrier_all();  // checked before anyone writes
    left_writes_while_waiting([&](int to) { R::p(&v[3], T(7), to); },
                              [&] {
                                EXPECT_EQ(R::wait_until_any(v, kN, kStatus, SHMEM_CMP_EQ, T(7)), 3u);
                                EXPECT_EQ(R::test_any(v, kN, kStatus, SHMEM_CMP_EQ, T(7)), 3u);
                                const std::size_t any = R::test_any(v, kN, nullptr, SHMEM_CMP_EQ, T(7));
                                EXPECT_TRUE(any == 1 || any == 3 || any == 4) << any;
                                EXPECT_EQ(R::test_any(v, kN, nullptr, SHMEM_CMP_EQ, T(99)), SIZE_MAX);
                              });

    // _some: returns at least one satisfied included index, never an excluded one.
    this->reset(v);
    store(&v[4], T(7));
    shmem_barrier_all();
    EXPECT_EQ(R::test_some(v, kN, idx, kStatus, SHMEM_CMP_EQ, T(7)), 0u);
    shmem_barrier_all();
    left_writes_while_waiting(
        [&](int to) {
          R::p(&v[2], T(7), to);
          R::p(&v[5], T(7), to);
        },
        [&] {
          const std::size_t count = R::wait_until_some(v, kN, idx, kStatus, SHMEM_CMP_EQ, T(7));
          EXPECT_GE(count, 1u);
          EXPECT_LE(count, 2u);
          for (std::size_t k = 0; k < count && k < 2; ++k) {
            EXPECT_TRUE(idx[k] == 2 || idx[k] == 5) << idx[k];
          }
          if (count == 2) {
            EXPECT_NE(idx[0], idx[1]);
          }
        });
    // After the barrier both writes have landed.
    std::size_t count = R::test_some(v, kN, idx, kStatus, SHMEM_CMP_EQ, T(7));
    EXPECT_EQ(count, 2u);
    if (count == 2) {
      std::sort(idx, idx + 2);
      EXPECT_EQ(idx[0], 2u);
      EXPECT_EQ(idx[1], 5u);
    }
    count = R::test_some(v, kN, idx, nullptr, SHMEM_CMP_EQ, T(7));
    EXPECT_EQ(count, 3u);
    if (count == 3) {
      std::sort(idx, idx + 3);
      EXPECT_EQ(idx[0], 2u);
      EXPECT_EQ(idx[1], 4u);
      EXPECT_EQ(idx[2], 5u);
    }
    shmem_barrier_all();
  }
}

// Every element excluded: _any gives SIZE_MAX, _some gives 0, _all holds at once, without waiting.
TYPED_TEST(Wait, EveryElementExcluded) {
  using R = TypeParam;
  using T = typename R::T;
  T* v = this->ivars(false);
  this->reset(v);
  T values[kN] = {T(1), T(2), T(3), T(4), T(5), T(6)};
  std::size_t idx[kN];
  EXPECT_EQ(R::wait_until_any(v, kN, kAllExcluded, SHMEM_CMP_EQ, T(1)), SIZE_MAX);
  EXPECT_EQ(R::wait_until_some(v, kN, idx, kAllExcluded, SHMEM_CMP_EQ, T(1)), 0u);
  R::wait_until_all(v, kN, kAllExcluded, SHMEM_CMP_EQ, T(1));
  EXPECT_EQ(R::test_any(v, kN, kAllExcluded, SHMEM_CMP_EQ, T(0)), SIZE_MAX)
      << "even though every element holds";
  EXPECT_EQ(R::test_some(v, kN, idx, kAllExcluded, SHMEM_CMP_EQ, T(0)), 0u);
  EXPECT_EQ(R::test_all(v, kN, kAllExcluded, SHMEM_CMP_EQ, T(1)), 1);
  EXPECT_EQ(R::wait_until_any_vector(v, kN, kAllExcluded, SHMEM_CMP_EQ, values), SIZE_MAX);
  EXPECT_EQ(R::wait_until_some_vector(v, kN, idx, kAllExcluded, SHMEM_CMP_EQ, values), 0u);
  R::wait_until_all_vector(v, kN, kAllExcluded, SHMEM_CMP_EQ, values);
  EXPECT_EQ(R::test_any_vector(v, kN, kAllExcluded, SHMEM_CMP_NE, values), SIZE_MAX);
  EXPECT_EQ(R::test_some_vector(v, kN, idx, kAllExcluded, SHMEM_CMP_NE, values), 0u);
  EXPECT_EQ(R::test_all_vector(v, kN, kAllExcluded, SHMEM_CMP_EQ, values), 1);
  // Zero elements: nothing to wait for either.
  EXPECT_EQ(R::test_any(v, 0, nullptr, SHMEM_CMP_EQ, T(0)), SIZE_MAX);
  EXPECT_EQ(R::test_some(v, 0, idx, nullptr, SHMEM_CMP_EQ, T(0)), 0u);
  EXPECT_EQ(R::test_all(v, 0, nullptr, SHMEM_CMP_EQ, T(1)), 1);
  shmem_barrier_all();
}

// The _vector forms compare element i with cmp_values[i].
TYPED_TEST(Wait, VectorForms) {
  using R = TypeParam;
  using T = typename R::T;
  T* v = this->ivars(false);
  T values[kN];
  for (std::size_t i = 0; i < kN; ++i) values[i] = T(10 + i);
  std::size_t idx[kN];

  // all_vector with GE: each included element must reach its own value.
  this->reset(v);
  shmem_barrier_all();
  EXPECT_EQ(R::test_all_vector(v, kN, kStatus, SHMEM_CMP_GE, values), 0);
  shmem_barrier_all();
  left_writes_while_waiting(
      [&](int to) {
        // Element 2 first gets a value that satisfies element 0's operand but not its own.
        R::p(&v[2], T(10), to);
        for (std::size_t i : {0, 3, 5}) R::p(&v[i], T(10 + i), to);
        R::p(&v[2], T(12), to);
      },
      [&] {
        R::wait_until_all_vector(v, kN, kStatus, SHMEM_CMP_GE, values);
        EXPECT_GE(v[2], T(12)) << "the wait ended before element 2 reached its own operand";
        EXPECT_EQ(R::test_all_vector(v, kN, kStatus, SHMEM_CMP_GE, values), 1);
        EXPECT_EQ(R::test_all_vector(v, kN, nullptr, SHMEM_CMP_GE, values), 0);
      });

  // any_vector with EQ: element 0 holds 11 (element 1's operand, not its own); element 1 holds its
  // own operand but is excluded; the remote write to element 3 is the answer.
  this->reset(v);
  store(&v[0], T(11));
  store(&v[1], T(11));
  shmem_barrier_all();
  EXPECT_EQ(R::test_any_vector(v, kN, kStatus, SHMEM_CMP_EQ, values), SIZE_MAX);
  shmem_barrier_all();
  left_writes_while_waiting([&](int to) { R::p(&v[3], T(13), to); },
                            [&] {
                              EXPECT_EQ(R::wait_until_any_vector(v, kN, kStatus, SHMEM_CMP_EQ, values), 3u);
                              EXPECT_EQ(R::test_any_vector(v, kN, kStatus, SHMEM_CMP_EQ, values), 3u);
                            });

  // some_vector with NE against the current values: changed elements are reported.
  this->reset(v);
  T zeros[kN] = {};
  shmem_barrier_all();
  EXPECT_EQ(R::test_some_vector(v, kN, idx, nullptr, SHMEM_CMP_NE, zeros), 0u);
  shmem_barrier_all();
  left_writes_while_waiting(
      [&](int to) {
        R::p(&v[4], T(1), to);  // excluded
        R::p(&v[0], T(1), to);
        R::p(&v[5], T(1), to);
      },
      [&] {
        const std::size_t count = R::wait_until_some_vector(v, kN, idx, kStatus, SHMEM_CMP_NE, zeros);
        EXPECT_GE(count, 1u);
        EXPECT_LE(count, 2u);
        for (std::size_t k = 0; k < count && k < 2; ++k) {
          EXPECT_TRUE(idx[k] == 0 || idx[k] == 5) << idx[k];
        }
      });
  const std::size_t count = R::test_some_vector(v, kN, idx, kStatus, SHMEM_CMP_NE, zeros);
  EXPECT_EQ(count, 2u);
  if (count == 2) {
    std::sort(idx, idx + 2);
    EXPECT_EQ(idx[0], 0u);
    EXPECT_EQ(idx[1], 5u);
  }
  shmem_barrier_all();
}

// Deprecated shmem_TYPE_wait: waits while the value equals cmp_value.
#define DEP_WAIT_TRAITS(TYPE, NAME)                                  \
  struct DepWait_##NAME {                                            \
    using T = TYPE;                                                  \
    static constexpr const char* name = #NAME;                       \
    static void wait(T* v, T x) { shmem_##NAME##_wait(v, x); }       \
    static void p(T* d, T v, int pe) { shmem_##NAME##_p(d, v, pe); } \
  };
CW_DEPRECATED_WAIT_TYPES(DEP_WAIT_TRAITS)
#undef DEP_WAIT_TRAITS
#define DEP_WAIT_NAME(TYPE, NAME) , DepWait_##NAME
using DepWaitTypes = pe::DropFirst<void CW_DEPRECATED_WAIT_TYPES(DEP_WAIT_NAME)>::type;
#undef DEP_WAIT_NAME

template <class R>
class WaitDeprecated : public ::testing::Test {};
TYPED_TEST_SUITE(WaitDeprecated, DepWaitTypes, pe::TraitsName);

TYPED_TEST(WaitDeprecated, WaitsWhileEqual) {
  using R = TypeParam;
  using T = typename R::T;
  T* v = reinterpret_cast<T*>(pe::heap_region() + 8192);
  store(v, T(0));
  shmem_barrier_all();
  left_writes_while_waiting([&](int to) { R::p(v, T(5), to); },
                            [&] {
                              R::wait(v, T(0));
                              EXPECT_EQ(*v, T(5));
                            });
}

// The untyped deprecated names, on long.
TEST(WaitDeprecatedLong, ShmemWaitAndShmemWaitUntil) {
  long* v = reinterpret_cast<long*>(pe::heap_region() + 8192);
  store(&v[0], 0L);
  store(&v[1], 0L);
  shmem_barrier_all();
  left_writes_while_waiting([&](int to) { shmem_long_p(&v[0], 9L, to); },
                            [&] {
                              shmem_wait(&v[0], 0L);
                              EXPECT_EQ(v[0], 9L);
                            });
  left_writes_while_waiting([&](int to) { shmem_long_p(&v[1], 20L, to); },
                            [&] {
                              shmem_wait_until(&v[1], SHMEM_CMP_GE, 20L);
                              EXPECT_EQ(v[1], 20L);
                            });
}

// A word that another PE writes with shmem_p while this one polls it: every value read is one that
// was put, never the bytes of two. Causeway writes an aligned element whole on memory the CPU reaches
// (self, shm, and the executing side of loopback_async); a NIC's receive path (ucx, ofi) decides for
// itself, so those rows skip. Every value repeats one byte, so a torn read shows as unequal bytes.
template <class T>
bool one_byte_repeated(T x) {
  const auto b = static_cast<unsigned char>(x);
  for (std::size_t i = 1; i < sizeof(T); ++i)
    if (static_cast<unsigned char>(x >> (8 * i)) != b) return false;
  return true;
}
template <class T>
T repeated(unsigned char b) {
  T x = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) x = static_cast<T>(x | T(b) << (8 * i));
  return x;
}

TEST(WaitPolledWord, PutsOfEveryWidthAreSeenWhole) {
  if (pe::npes() < 2) GTEST_SKIP() << "needs a writer and a reader";
  if (pe::transport_listed("ucx") || pe::transport_listed("ofi"))
    GTEST_SKIP() << "a NIC's receive path decides how a put's bytes land";
  struct Words {
    uint64_t w64;
    uint32_t w32;
    uint16_t w16;
    uint64_t done;
  };
  auto* words = static_cast<Words*>(shmem_calloc(1, sizeof(Words)));
  shmem_barrier_all();
  constexpr int kPuts = 50000;
  if (pe::me() == 0) {
    for (int i = 0; i < kPuts; ++i) {
      const auto b = static_cast<unsigned char>(1 + i % 254);
      shmem_uint64_p(&words->w64, repeated<uint64_t>(b), 1);
      shmem_uint32_p(&words->w32, repeated<uint32_t>(b), 1);
      shmem_uint16_p(&words->w16, repeated<uint16_t>(b), 1);
      if (i % 8 == 7) shmem_quiet();  // deferring transports perform them here, while PE 1 reads
    }
    shmem_quiet();
    shmem_uint64_atomic_set(&words->done, 1, 1);
  } else if (pe::me() == 1) {
    long reads = 0, torn64 = 0, torn32 = 0, torn16 = 0;
    for (bool last = false; !last; ++reads) {
      last = __atomic_load_n(&words->done, __ATOMIC_ACQUIRE) != 0;  // a tight loop: reads race the puts
      torn64 += !one_byte_repeated(__atomic_load_n(&words->w64, __ATOMIC_RELAXED));
      torn32 += !one_byte_repeated(__atomic_load_n(&words->w32, __ATOMIC_RELAXED));
      torn16 += !one_byte_repeated(__atomic_load_n(&words->w16, __ATOMIC_RELAXED));
    }
    EXPECT_EQ(torn64, 0) << "of " << reads << " reads of a 64-bit word";
    EXPECT_EQ(torn32, 0) << "of " << reads << " reads of a 32-bit word";
    EXPECT_EQ(torn16, 0) << "of " << reads << " reads of a 16-bit word";
    EXPECT_EQ(words->w64, repeated<uint64_t>(static_cast<unsigned char>(1 + (kPuts - 1) % 254)));
  }
  shmem_barrier_all();
  shmem_free(words);
}

}  // namespace
