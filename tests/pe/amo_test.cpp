// SPDX-License-Identifier: BSD-3-Clause
// Atomic memory operations: every operation of every type group (standard, extended with float and
// double, bitwise), fetching, non-fetching and non-blocking forms, on the heap and on globals; many
// PEs hitting one word on PE 0 with exact final values; and the deprecated 1.3 names.
#include <shmem.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "pe_util.hpp"

namespace {

#define STD_TRAITS(TYPE, NAME)                                                                               \
  struct Std_##NAME {                                                                                        \
    using T = TYPE;                                                                                          \
    static constexpr const char* name = #NAME;                                                               \
    static T fetch_inc(T* d, int pe) { return shmem_##NAME##_atomic_fetch_inc(d, pe); }                      \
    static void inc(T* d, int pe) { shmem_##NAME##_atomic_inc(d, pe); }                                      \
    static T fetch_add(T* d, T v, int pe) { return shmem_##NAME##_atomic_fetch_add(d, v, pe); }              \
    static void add(T* d, T v, int pe) { shmem_##NAME##_atomic_add(d, v, pe); }                              \
    static T compare_swap(T* d, T c, T v, int pe) {                                                          \
      return shmem_##NAME##_atomic_compare_swap(d, c, v, pe);                                                \
    }                                                                                                        \
    static void fetch_inc_nbi(T* f, T* d, int pe) { shmem_##NAME##_atomic_fetch_inc_nbi(f, d, pe); }         \
    static void fetch_add_nbi(T* f, T* d, T v, int pe) { shmem_##NAME##_atomic_fetch_add_nbi(f, d, v, pe); } \
    static void compare_swap_nbi(T* f, T* d, T c, T v, int pe) {                                             \
      shmem_##NAME##_atomic_compare_swap_nbi(f, d, c, v, pe);                                                \
    }                                                                                                        \
  };
CW_AMO_STANDARD_TYPES(STD_TRAITS)
#undef STD_TRAITS

#define EXT_TRAITS(TYPE, NAME)                                                                     \
  struct Ext_##NAME {                                                                              \
    using T = TYPE;                                                                                \
    static constexpr const char* name = #NAME;                                                     \
    static T fetch(const T* s, int pe) { return shmem_##NAME##_atomic_fetch(s, pe); }              \
    static void set(T* d, T v, int pe) { shmem_##NAME##_atomic_set(d, v, pe); }                    \
    static T swap(T* d, T v, int pe) { return shmem_##NAME##_atomic_swap(d, v, pe); }              \
    static void fetch_nbi(T* f, const T* s, int pe) { shmem_##NAME##_atomic_fetch_nbi(f, s, pe); } \
    static void swap_nbi(T* f, T* d, T v, int pe) { shmem_##NAME##_atomic_swap_nbi(f, d, v, pe); } \
  };
CW_AMO_EXTENDED_TYPES(EXT_TRAITS)
#undef EXT_TRAITS

#define BIT_TRAITS(TYPE, NAME)                                                                               \
  struct Bit_##NAME {                                                                                        \
    using T = TYPE;                                                                                          \
    static constexpr const char* name = #NAME;                                                               \
    static T fetch_and(T* d, T v, int pe) { return shmem_##NAME##_atomic_fetch_and(d, v, pe); }              \
    static void and_(T* d, T v, int pe) { shmem_##NAME##_atomic_and(d, v, pe); }                             \
    static T fetch_or(T* d, T v, int pe) { return shmem_##NAME##_atomic_fetch_or(d, v, pe); }                \
    static void or_(T* d, T v, int pe) { shmem_##NAME##_atomic_or(d, v, pe); }                               \
    static T fetch_xor(T* d, T v, int pe) { return shmem_##NAME##_atomic_fetch_xor(d, v, pe); }              \
    static void xor_(T* d, T v, int pe) { shmem_##NAME##_atomic_xor(d, v, pe); }                             \
    static void fetch_and_nbi(T* f, T* d, T v, int pe) { shmem_##NAME##_atomic_fetch_and_nbi(f, d, v, pe); } \
    static void fetch_or_nbi(T* f, T* d, T v, int pe) { shmem_##NAME##_atomic_fetch_or_nbi(f, d, v, pe); }   \
    static void fetch_xor_nbi(T* f, T* d, T v, int pe) { shmem_##NAME##_atomic_fetch_xor_nbi(f, d, v, pe); } \
  };
CW_AMO_BITWISE_TYPES(BIT_TRAITS)
#undef BIT_TRAITS

#define STD_NAME(TYPE, NAME) , Std_##NAME
#define EXT_NAME(TYPE, NAME) , Ext_##NAME
#define BIT_NAME(TYPE, NAME) , Bit_##NAME
using StdTypes = pe::DropFirst<void CW_AMO_STANDARD_TYPES(STD_NAME)>::type;
using ExtTypes = pe::DropFirst<void CW_AMO_EXTENDED_TYPES(EXT_NAME)>::type;
using BitTypes = pe::DropFirst<void CW_AMO_BITWISE_TYPES(BIT_NAME)>::type;
#undef STD_NAME
#undef EXT_NAME
#undef BIT_NAME

constexpr int kIters = 25;  // atomics per PE in the contention tests

// Local reads of a word that peers update atomically.
template <class T>
T load(const T* p) {
  T v;
  __atomic_load(p, &v, __ATOMIC_ACQUIRE);
  return v;
}
template <class T>
void store(T* p, T v) {
  __atomic_store(p, &v, __ATOMIC_RELEASE);
}

// Where the words live: the start of a 4 KiB-aligned symmetric area, either in the heap or a global.
template <class T>
T* words(bool global) {
  return reinterpret_cast<T*>(global ? pe::g_global_small : pe::heap_region());
}

// Gathers every PE's `mine[0..k)` on PE 0 (at `area`, symmetric) and returns the concatenation there.
template <class T>
std::vector<T> gather_on_0(T* area, const std::vector<T>& mine) {
  shmem_barrier_all();
  shmem_putmem(area + pe::me() * mine.size(), mine.data(), mine.size() * sizeof(T), 0);
  shmem_barrier_all();
  if (pe::me() != 0) return {};
  return std::vector<T>(area, area + mine.size() * pe::npes());
}

// Gather area: well clear of the words the atomics use.
template <class T>
T* gather_area(bool global) {
  return reinterpret_cast<T*>(reinterpret_cast<unsigned char*>(words<T>(global)) + 4096);
}

// ---------------------------------------------------------------------------------------------
// Standard AMOs: inc, fetch_inc, add, fetch_add, compare_swap and their _nbi forms.

template <class R>
class AmoStandard : public ::testing::Test {
 protected:
  using T = typename R::T;

  // Each PE applies a known sequence to its right neighbour's word; the word ends exactly right.
  static void sequence(bool global) {
    T* w = words<T>(global);
    store(&w[0], T(10));
    store(&w[1], T(0));   // neighbour: must never change
    store(&w[2], T(-1));  // all ones: wraps to 0 on increment, without carrying into w[3]
    store(&w[3], T(0));
    shmem_barrier_all();
    const int to = pe::right();
    EXPECT_EQ(R::fetch_inc(&w[0], to), T(10));
    R::inc(&w[0], to);
    EXPECT_EQ(R::fetch_add(&w[0], T(5), to), T(12));
    R::add(&w[0], T(3), to);
    EXPECT_EQ(R::compare_swap(&w[0], T(19), T(99), to), T(20)) << "compare fails: no swap";
    EXPECT_EQ(R::compare_swap(&w[0], T(20), T(30), to), T(20));
    T f = T(0);
    R::fetch_inc_nbi(&f, &w[0], to);
    shmem_quiet();
    EXPECT_EQ(f, T(30));
    R::fetch_add_nbi(&f, &w[0], T(4), to);
    shmem_quiet();
    EXPECT_EQ(f, T(31));
    R::compare_swap_nbi(&f, &w[0], T(35), T(40), to);
    shmem_quiet();
    EXPECT_EQ(f, T(35));
    R::compare_swap_nbi(&f, &w[0], T(0), T(1), to);
    shmem_quiet();
    EXPECT_EQ(f, T(40));
    R::inc(&w[2], to);
    // Adding the all-ones value subtracts one (two's complement for signed, modulo for unsigned).
    R::add(&w[3], T(7), to);
    EXPECT_EQ(R::fetch_add(&w[3], T(-1), to), T(7));
    shmem_barrier_all();
    EXPECT_EQ(load(&w[0]), T(40));
    EXPECT_EQ(load(&w[1]), T(0)) << "the next word was changed";
    EXPECT_EQ(load(&w[2]), T(0)) << "increment of all ones did not wrap to 0";
    EXPECT_EQ(load(&w[3]), T(6)) << "a carry from the word before, or add of -1 wrong";
    shmem_barrier_all();
  }

  // Every PE: kIters fetch_inc, then fetch_add(me+1) (half of them _nbi), then compare-and-swap
  // increments, all on one word of PE 0. Exact totals, and every fetched value is unique.
  static void contention(bool global) {
    T* w = words<T>(global);
    T* area = gather_area<T>(global);
    const int n = pe::npes();
    if (pe::me() == 0) store(&w[0], T(0));
    shmem_barrier_all();

    std::vector<T> got(kIters);
    for (int k = 0; k < kIters; ++k) got[k] = R::fetch_inc(&w[0], 0);
    auto all = gather_on_0(area, got);
    if (pe::me() == 0) {
      EXPECT_EQ(load(&w[0]), T(n * kIters));
      std::sort(all.begin(), all.end());
      for (int i = 0; i < n * kIters; ++i)
        if (all[i] != T(i)) {
          ADD_FAILURE() << "fetch_inc results are not 0.." << n * kIters - 1 << ": sorted position " << i
                        << " holds " << pe::show(all[i]);
          break;
        }
    }
    shmem_barrier_all();  // PE 0 has read the word before anyone changes it again

    // fetch_add: every PE adds me+1; the fetched values (old values) are all distinct.
    for (int k = 0; k < kIters; ++k) {
      if (k % 2)
        R::fetch_add_nbi(&got[k], &w[0], T(pe::me() + 1), 0);
      else
        got[k] = R::fetch_add(&w[0], T(pe::me() + 1), 0);
    }
    shmem_quiet();
    all = gather_on_0(area, got);
    const long base = long(n) * kIters, added = long(kIters) * n * (n + 1) / 2;
    if (pe::me() == 0) {
      EXPECT_EQ(load(&w[0]), T(base + added));
      std::sort(all.begin(), all.end());
      EXPECT_TRUE(std::adjacent_find(all.begin(), all.end()) == all.end())
          << "two fetch_adds saw the same value";
      EXPECT_GE(all.front(), T(base));
      EXPECT_LT(all.back(), T(base + added));
    }
    shmem_barrier_all();

    // compare_swap: increment by CAS until kIters of this PE's swaps succeed.
    for (int k = 0; k < kIters; ++k) {
      T seen = R::fetch_add(&w[0], T(0), 0);  // an atomic read
      for (;;) {
        T old;
        if (k % 2) {
          old = R::compare_swap(&w[0], seen, T(seen + 1), 0);
        } else {
          R::compare_swap_nbi(&old, &w[0], seen, T(seen + 1), 0);
          shmem_quiet();
        }
        if (old == seen) break;
        seen = old;
      }
      got[k] = seen;
    }
    all = gather_on_0(area, got);
    if (pe::me() == 0) {
      EXPECT_EQ(load(&w[0]), T(base + added + long(n) * kIters));
      std::sort(all.begin(), all.end());
      for (int i = 0; i < n * kIters; ++i)
        if (all[i] != T(base + added + i)) {
          ADD_FAILURE() << "successful compare_swaps did not see every value once: sorted position " << i
                        << " holds " << pe::show(all[i]);
          break;
        }
    }
    shmem_barrier_all();
    // The increments themselves: every PE inc's kIters times.
    for (int k = 0; k < kIters; ++k) R::inc(&w[0], 0);
    shmem_barrier_all();
    if (pe::me() == 0) {
      EXPECT_EQ(load(&w[0]), T(base + added + 2L * n * kIters));
    }
    shmem_barrier_all();
  }
};
TYPED_TEST_SUITE(AmoStandard, StdTypes, pe::TraitsName);

TYPED_TEST(AmoStandard, SequenceHeap) { this->sequence(false); }
TYPED_TEST(AmoStandard, SequenceGlobal) {
  SKIP_IF_GLOBAL_ATOMICS_UNSUPPORTED();
  this->sequence(true);
}
TYPED_TEST(AmoStandard, ContentionHeap) { this->contention(false); }
TYPED_TEST(AmoStandard, ContentionGlobal) {
  SKIP_IF_GLOBAL_ATOMICS_UNSUPPORTED();
  this->contention(true);
}

// ---------------------------------------------------------------------------------------------
// Extended AMOs: fetch, set, swap (and _nbi), float and double included.

template <class R>
class AmoExtended : public ::testing::Test {
 protected:
  using T = typename R::T;

  static void sequence(bool global) {
    T* w = words<T>(global);
    store(&w[0], T(11));
    store(&w[1], T(0));
    shmem_barrier_all();
    const int to = pe::right();
    EXPECT_EQ(R::fetch(&w[0], to), T(11));
    R::set(&w[0], T(22), to);
    EXPECT_EQ(R::fetch(&w[0], to), T(22));
    EXPECT_EQ(R::swap(&w[0], T(33), to), T(22));
    T f = T(0);
    R::fetch_nbi(&f, &w[0], to);
    shmem_quiet();
    EXPECT_EQ(f, T(33));
    R::swap_nbi(&f, &w[0], T(44), to);
    shmem_quiet();
    EXPECT_EQ(f, T(33));
    if constexpr (std::is_floating_point_v<T>) {
      // The bit pattern travels intact: a negative fraction and a value with every mantissa bit.
      const T odd = T(-7.25), fine = std::numeric_limits<T>::epsilon() + T(1);
      EXPECT_EQ(R::swap(&w[1], odd, to), T(0));
      EXPECT_EQ(R::fetch(&w[1], to), odd);
      R::set(&w[1], fine, to);
    } else {
      const T big = std::numeric_limits<T>::max(), small = std::numeric_limits<T>::min();
      EXPECT_EQ(R::swap(&w[1], big, to), T(0));
      EXPECT_EQ(R::fetch(&w[1], to), big);
      R::set(&w[1], small, to);
    }
    shmem_barrier_all();
    EXPECT_EQ(load(&w[0]), T(44));
    if constexpr (std::is_floating_point_v<T>)
      EXPECT_EQ(load(&w[1]), std::numeric_limits<T>::epsilon() + T(1));
    else
      EXPECT_EQ(load(&w[1]), std::numeric_limits<T>::min());
    shmem_barrier_all();
  }

  // Every PE swaps kIters unique values into one word of PE 0. Whatever the interleaving, the values
  // fetched plus the final value are exactly the initial value plus every value swapped in.
  static void contention(bool global) {
    T* w = words<T>(global);
    T* area = gather_area<T>(global);
    const int n = pe::npes();
    if (pe::me() == 0) store(&w[0], T(0));
    shmem_barrier_all();
    std::vector<T> got(kIters);
    for (int k = 0; k < kIters; ++k) {
      const T mine = T(pe::me() * kIters + k + 1);
      if (k % 3 == 1)
        R::swap_nbi(&got[k], &w[0], mine, 0);
      else
        got[k] = R::swap(&w[0], mine, 0);
      if (k % 5 == 0) (void)R::fetch(&w[0], 0);
    }
    shmem_quiet();
    auto all = gather_on_0(area, got);
    if (pe::me() == 0) {
      all.push_back(load(&w[0]));
      std::sort(all.begin(), all.end());
      for (int i = 0; i <= n * kIters; ++i)
        if (all[i] != T(i)) {
          ADD_FAILURE() << "swap lost or duplicated a value: sorted position " << i << " holds "
                        << pe::show(all[i]);
          break;
        }
    }
    shmem_barrier_all();
    // set from every PE: the word ends with one of the values set.
    R::set(&w[0], T(1000 + pe::me()), 0);
    shmem_barrier_all();
    if (pe::me() == 0) {
      const T last = load(&w[0]);
      EXPECT_TRUE(last >= T(1000) && last < T(1000 + n)) << pe::show(last);
    }
    shmem_barrier_all();
  }
};
TYPED_TEST_SUITE(AmoExtended, ExtTypes, pe::TraitsName);

TYPED_TEST(AmoExtended, SequenceHeap) { this->sequence(false); }
TYPED_TEST(AmoExtended, SequenceGlobal) {
  SKIP_IF_GLOBAL_ATOMICS_UNSUPPORTED();
  this->sequence(true);
}
TYPED_TEST(AmoExtended, ContentionHeap) { this->contention(false); }
TYPED_TEST(AmoExtended, ContentionGlobal) {
  SKIP_IF_GLOBAL_ATOMICS_UNSUPPORTED();
  this->contention(true);
}

// ---------------------------------------------------------------------------------------------
// Bitwise AMOs: and, or, xor, fetching and not, and the fetching _nbi forms.

template <class R>
class AmoBitwise : public ::testing::Test {
 protected:
  using T = typename R::T;
  using U = std::make_unsigned_t<T>;

  // Full-width patterns, so an operation on the wrong width shows in the high bits.
  static T pattern(uint64_t k) { return static_cast<T>(static_cast<U>(pe::mix(k * 7919 + 13))); }

  static void sequence(bool global) {
    T* w = words<T>(global);
    const T start = pattern(1);
    store(&w[0], start);
    store(&w[1], T(0));
    shmem_barrier_all();
    const int to = pe::right();
    T model = start, f = T(0);
    EXPECT_EQ(R::fetch_and(&w[0], pattern(2), to), model);
    model &= pattern(2);
    R::and_(&w[0], pattern(3) | pattern(4), to);
    model &= pattern(3) | pattern(4);
    EXPECT_EQ(R::fetch_or(&w[0], pattern(5), to), model);
    model |= pattern(5);
    R::or_(&w[0], pattern(6) & pattern(7), to);
    model |= pattern(6) & pattern(7);
    EXPECT_EQ(R::fetch_xor(&w[0], pattern(8), to), model);
    model ^= pattern(8);
    R::xor_(&w[0], pattern(9), to);
    model ^= pattern(9);
    R::fetch_and_nbi(&f, &w[0], ~pattern(10), to);
    shmem_quiet();
    EXPECT_EQ(f, model);
    model &= ~pattern(10);
    R::fetch_or_nbi(&f, &w[0], pattern(11), to);
    shmem_quiet();
    EXPECT_EQ(f, model);
    model |= pattern(11);
    R::fetch_xor_nbi(&f, &w[0], pattern(12), to);
    shmem_quiet();
    EXPECT_EQ(f, model);
    model ^= pattern(12);
    shmem_barrier_all();
    // Every PE applied the same sequence to its neighbour, so every PE's word equals the model.
    EXPECT_EQ(load(&w[0]), model);
    EXPECT_EQ(load(&w[1]), T(0)) << "the next word was changed";
    shmem_barrier_all();
  }

  // Every PE sets, flips and clears its own bits of one word on PE 0.
  static void contention(bool global) {
    T* w = words<T>(global);
    const int n = pe::npes();
    const T bit = static_cast<T>(U(1) << pe::me());
    const T high = static_cast<T>(U(1) << (sizeof(T) * 8 - 1 - pe::me()));  // mirrored into the top bits
    T all_bits = T(0);
    for (int p = 0; p < n; ++p) all_bits |= static_cast<T>((U(1) << p) | (U(1) << (sizeof(T) * 8 - 1 - p)));
    if (pe::me() == 0) store(&w[0], T(0));
    shmem_barrier_all();
    T f = R::fetch_or(&w[0], bit, 0);
    EXPECT_EQ(f & bit, T(0)) << "this PE's bit was set before it set it";
    R::fetch_or_nbi(&f, &w[0], high, 0);
    shmem_quiet();
    EXPECT_EQ(f & high, T(0));
    shmem_barrier_all();
    if (pe::me() == 0) {
      EXPECT_EQ(load(&w[0]), all_bits);
    }
    shmem_barrier_all();
    // xor each PE's low bit kIters times: an odd count, so every low bit ends cleared.
    for (int k = 0; k < kIters; ++k) {
      if (k % 2)
        R::xor_(&w[0], bit, 0);
      else
        (void)R::fetch_xor(&w[0], bit, 0);
    }
    shmem_barrier_all();
    if (pe::me() == 0) {
      EXPECT_EQ(load(&w[0]), T(all_bits & ~T((U(1) << n) - 1)));
    }
    shmem_barrier_all();
    // and: every PE clears its high bit; nothing else changes.
    R::fetch_and_nbi(&f, &w[0], T(~high), 0);
    shmem_quiet();
    EXPECT_NE(f & high, T(0)) << "this PE's high bit was cleared by someone else";
    shmem_barrier_all();
    if (pe::me() == 0) {
      EXPECT_EQ(load(&w[0]), T(0));
    }
    shmem_barrier_all();
  }
};
TYPED_TEST_SUITE(AmoBitwise, BitTypes, pe::TraitsName);

static_assert(kIters % 2 == 1, "the xor contention test expects an odd count");

TYPED_TEST(AmoBitwise, SequenceHeap) { this->sequence(false); }
TYPED_TEST(AmoBitwise, SequenceGlobal) {
  SKIP_IF_GLOBAL_ATOMICS_UNSUPPORTED();
  this->sequence(true);
}
TYPED_TEST(AmoBitwise, ContentionHeap) { this->contention(false); }
TYPED_TEST(AmoBitwise, ContentionGlobal) {
  SKIP_IF_GLOBAL_ATOMICS_UNSUPPORTED();
  this->contention(true);
}

// ---------------------------------------------------------------------------------------------
// Deprecated names (OpenSHMEM 1.3) still behave like the current ones.

#define DEP_TRAITS(TYPE, NAME)                                                           \
  struct Dep_##NAME {                                                                    \
    using T = TYPE;                                                                      \
    static constexpr const char* name = #NAME;                                           \
    static T finc(T* d, int pe) { return shmem_##NAME##_finc(d, pe); }                   \
    static void inc(T* d, int pe) { shmem_##NAME##_inc(d, pe); }                         \
    static T fadd(T* d, T v, int pe) { return shmem_##NAME##_fadd(d, v, pe); }           \
    static void add(T* d, T v, int pe) { shmem_##NAME##_add(d, v, pe); }                 \
    static T cswap(T* d, T c, T v, int pe) { return shmem_##NAME##_cswap(d, c, v, pe); } \
  };
CW_DEPRECATED_AMO_TYPES(DEP_TRAITS)
#undef DEP_TRAITS
#define DEP_EXT_TRAITS(TYPE, NAME)                                             \
  struct DepExt_##NAME {                                                       \
    using T = TYPE;                                                            \
    static constexpr const char* name = #NAME;                                 \
    static T fetch(const T* s, int pe) { return shmem_##NAME##_fetch(s, pe); } \
    static void set(T* d, T v, int pe) { shmem_##NAME##_set(d, v, pe); }       \
    static T swap(T* d, T v, int pe) { return shmem_##NAME##_swap(d, v, pe); } \
  };
CW_DEPRECATED_EXTENDED_AMO_TYPES(DEP_EXT_TRAITS)
#undef DEP_EXT_TRAITS
#define DEP_NAME(TYPE, NAME) , Dep_##NAME
#define DEP_EXT_NAME(TYPE, NAME) , DepExt_##NAME
using DepTypes = pe::DropFirst<void CW_DEPRECATED_AMO_TYPES(DEP_NAME)>::type;
using DepExtTypes = pe::DropFirst<void CW_DEPRECATED_EXTENDED_AMO_TYPES(DEP_EXT_NAME)>::type;
#undef DEP_NAME
#undef DEP_EXT_NAME

template <class R>
class AmoDeprecated : public ::testing::Test {};
TYPED_TEST_SUITE(AmoDeprecated, DepTypes, pe::TraitsName);

TYPED_TEST(AmoDeprecated, FincIncFaddAddCswap) {
  using R = TypeParam;
  using T = typename R::T;
  T* w = words<T>(false);
  store(&w[0], T(5));
  shmem_barrier_all();
  const int to = pe::right();
  EXPECT_EQ(R::finc(&w[0], to), T(5));
  R::inc(&w[0], to);
  EXPECT_EQ(R::fadd(&w[0], T(10), to), T(7));
  R::add(&w[0], T(3), to);
  EXPECT_EQ(R::cswap(&w[0], T(1), T(2), to), T(20));
  EXPECT_EQ(R::cswap(&w[0], T(20), T(21), to), T(20));
  shmem_barrier_all();
  EXPECT_EQ(load(&w[0]), T(21));
  // Contended: every PE finc's PE 0's word.
  if (pe::me() == 0) store(&w[1], T(0));
  shmem_barrier_all();
  for (int k = 0; k < kIters; ++k) (void)R::finc(&w[1], 0);
  shmem_barrier_all();
  if (pe::me() == 0) {
    EXPECT_EQ(load(&w[1]), T(pe::npes() * kIters));
  }
  shmem_barrier_all();
}

template <class R>
class AmoDeprecatedExtended : public ::testing::Test {};
TYPED_TEST_SUITE(AmoDeprecatedExtended, DepExtTypes, pe::TraitsName);

TYPED_TEST(AmoDeprecatedExtended, FetchSetSwap) {
  using R = TypeParam;
  using T = typename R::T;
  T* w = words<T>(false);
  store(&w[0], T(3));
  shmem_barrier_all();
  const int to = pe::right();
  EXPECT_EQ(R::fetch(&w[0], to), T(3));
  R::set(&w[0], T(9), to);
  EXPECT_EQ(R::swap(&w[0], T(12), to), T(9));
  shmem_barrier_all();
  EXPECT_EQ(load(&w[0]), T(12));
  shmem_barrier_all();
}

TEST(AmoDeprecatedNames, ShmemSwapAndLongForms) {
  long* w = words<long>(false);
  store(&w[0], 100L);
  store(&w[1], 0L);
  shmem_barrier_all();
  const int to = pe::right();
  EXPECT_EQ(shmem_swap(&w[0], 200L, to), 100L);
  EXPECT_EQ(shmem_long_swap(&w[0], 300L, to), 200L);
  EXPECT_EQ(shmem_long_finc(&w[0], to), 300L);
  EXPECT_EQ(shmem_int_fadd(reinterpret_cast<int*>(&w[1]), 4, to), 0);
  EXPECT_EQ(shmem_int_cswap(reinterpret_cast<int*>(&w[1]), 4, 8, to), 4);
  shmem_barrier_all();
  EXPECT_EQ(load(&w[0]), 301L);
  EXPECT_EQ(load(reinterpret_cast<int*>(&w[1])), 8);
  shmem_barrier_all();
}

}  // namespace
