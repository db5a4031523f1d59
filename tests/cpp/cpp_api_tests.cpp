// SPDX-License-Identifier: BSD-3-Clause
// Tests of the C++ API (include/causeway/*.hpp), run by every PE under causeway-run (also as one PE
// on its own). Every test is collective: each PE runs the same tests in the same order, and no
// assertion may skip a collective call (hence EXPECT_*, not ASSERT_*, before barriers).
#include <gtest/gtest.h>
#include <shmemx.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <new>
#include <numeric>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "causeway/causeway.hpp"
#include "cpp_test_main.hpp"

namespace cw = causeway;

namespace {

cw::runtime* g_rt = nullptr;

int me() { return g_rt->my_pe(); }
int npes() { return g_rt->n_pes(); }
int right() { return (me() + 1) % npes(); }
int left() { return (me() + npes() - 1) % npes(); }

// A trivially copyable record bigger than any word: put/get/p/g move it as bytes.
struct Particle {
  int id;
  double pos[3];
  char tag[5];
  friend bool operator==(const Particle&, const Particle&) = default;
};
static_assert(std::is_trivially_copyable_v<Particle>);

// Four bytes but byte-aligned: p/g must not take the 32-bit word path.
struct Rgba {
  unsigned char r, g, b, a;
  friend bool operator==(const Rgba&, const Rgba&) = default;
};

// Over-aligned: sym_array allocates it with shmem_align.
struct alignas(64) CacheLine {
  std::uint64_t words[8];
};

// The value PE `pe` writes into element `i` of a test array, distinct per PE and element.
template <class T>
T value_for(int pe, int i) {
  if constexpr (std::is_same_v<T, Particle>) {
    Particle v{pe * 1000 + i, {pe + 0.25, i + 0.5, -1.0 * pe}, {}};
    v.tag[0] = static_cast<char>('a' + pe % 26);
    v.tag[4] = static_cast<char>('A' + i % 26);
    return v;
  } else if constexpr (std::is_same_v<T, Rgba>) {
    return Rgba{static_cast<unsigned char>(pe), static_cast<unsigned char>(i), 7, 255};
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(pe * 1000 + i) + static_cast<T>(0.125);
  } else {
    return static_cast<T>(pe * 1000 + i + 1);
  }
}

// ---- runtime ----

TEST(Runtime, Queries) {
  EXPECT_GE(npes(), 1);
  EXPECT_GE(me(), 0);
  EXPECT_LT(me(), npes());
  EXPECT_EQ(me(), shmem_my_pe());
  EXPECT_EQ(npes(), shmem_n_pes());
  int provided = -1;
  shmem_query_thread(&provided);
  EXPECT_EQ(static_cast<int>(g_rt->thread_level()), provided);
  EXPECT_GE(g_rt->thread_level(), cw::thread_level::single);
  EXPECT_LE(g_rt->thread_level(), cw::thread_level::multiple);
}

TEST(Runtime, OrderingCallsAreCollectiveSafe) {
  g_rt->fence();
  g_rt->quiet();
  g_rt->sync_all();
  g_rt->barrier_all();
  static_assert(!std::is_copy_constructible_v<cw::runtime> && !std::is_move_constructible_v<cw::runtime>);
  static_assert(!std::is_copy_assignable_v<cw::runtime> && !std::is_move_assignable_v<cw::runtime>);
}

// ---- sym_array ----

TEST(SymArray, AllocateZeroedAndFree) {
  const std::size_t before = shmemx_heap_bytes_in_use();
  {
    cw::sym_array<int> a(100);
    EXPECT_EQ(a.size(), 100u);
    EXPECT_FALSE(a.empty());
    EXPECT_NE(a.data(), nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data()) % alignof(int), 0u);
    EXPECT_TRUE(std::all_of(a.begin(), a.end(), [](int x) { return x == 0; }));
    EXPECT_EQ(a.end() - a.begin(), 100);
    EXPECT_GE(shmemx_heap_bytes_in_use(), before + 100 * sizeof(int));
    g_rt->barrier_all();
  }
  EXPECT_EQ(shmemx_heap_bytes_in_use(), before);  // the destructor freed it
}

TEST(SymArray, FilledAndUninitialized) {
  cw::sym_array<double> filled(16, 2.5);
  EXPECT_TRUE(std::all_of(filled.begin(), filled.end(), [](double x) { return x == 2.5; }));
  cw::sym_array<long> raw(8, cw::uninitialized);
  EXPECT_EQ(raw.size(), 8u);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<long>(i);
  EXPECT_EQ(std::accumulate(raw.begin(), raw.end(), 0L), 28L);
  // The filled array is visible to peers as soon as the constructor returns.
  EXPECT_EQ(cw::g(filled.data() + 15, right()), 2.5);
  g_rt->barrier_all();
}

TEST(SymArray, SymmetricAcrossPes) {
  cw::sym_array<int> a(4);
  cw::sym_array<int> b(4);
  // Same offsets on every PE: PE 0's addresses, broadcast through a put, match ours.
  cw::sym_array<std::uintptr_t> addr(2);
  if (me() == 0) {
    const std::array<std::uintptr_t, 2> mine{reinterpret_cast<std::uintptr_t>(a.data()),
                                             reinterpret_cast<std::uintptr_t>(b.data())};
    for (int pe = 0; pe < npes(); ++pe) cw::put(addr, mine, pe);
  }
  g_rt->barrier_all();
  EXPECT_EQ(addr[1] - addr[0],
            reinterpret_cast<std::uintptr_t>(b.data()) - reinterpret_cast<std::uintptr_t>(a.data()));
  g_rt->barrier_all();
}

TEST(SymArray, OverAlignedUsesAlign) {
  cw::sym_array<CacheLine> lines(3);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(lines.data()) % 64, 0u);
  EXPECT_EQ(lines[2].words[7], 0u);  // zero-filled through the shmem_align path too
  CacheLine mine{};
  for (int w = 0; w < 8; ++w)
    mine.words[w] = static_cast<std::uint64_t>(me()) << 8 | static_cast<unsigned>(w);
  cw::put(lines.data() + 1, std::span<const CacheLine>(&mine, 1), right());
  g_rt->barrier_all();
  EXPECT_EQ(lines[1].words[5], static_cast<std::uint64_t>(left()) << 8 | 5u);
  g_rt->barrier_all();
}

TEST(SymArray, MoveTransfersOwnership) {
  const std::size_t before = shmemx_heap_bytes_in_use();
  cw::sym_array<int> a(10, 7);
  int* const p = a.data();
  cw::sym_array<int> b(std::move(a));  // not collective: nothing is allocated or freed
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(b.size(), 10u);
  EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(a.size(), 0u);
  EXPECT_TRUE(a.empty());

  cw::sym_array<int> c(5);
  const std::size_t with_both = shmemx_heap_bytes_in_use();
  c = std::move(b);  // frees c's old block (collective), takes b's
  EXPECT_EQ(c.data(), p);
  EXPECT_EQ(c[9], 7);
  EXPECT_EQ(b.data(), nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_LT(shmemx_heap_bytes_in_use(), with_both);

  cw::sym_array<int> empty;
  EXPECT_EQ(empty.data(), nullptr);
  EXPECT_EQ(empty.remote_ptr(me()), nullptr);
  empty = std::move(c);
  EXPECT_EQ(empty.data(), p);
  c = cw::sym_array<int>();  // c owns nothing: assigning over it frees nothing, collectively or not

  static_assert(!std::is_copy_constructible_v<cw::sym_array<int>>);
  static_assert(std::is_nothrow_move_constructible_v<cw::sym_array<int>>);
  { cw::sym_array<int> dying = std::move(empty); }  // collective free of the one remaining block
  EXPECT_EQ(shmemx_heap_bytes_in_use(), before);
}

TEST(SymArray, LocalSpanAndRemotePtr) {
  cw::sym_array<int> a(8);
  std::span<int> s = a.local();
  EXPECT_EQ(s.data(), a.data());
  EXPECT_EQ(s.size(), 8u);
  std::iota(s.begin(), s.end(), me() * 10);
  const cw::sym_array<int>& ca = a;
  std::span<const int> cs = ca.local();
  EXPECT_EQ(cs[3], me() * 10 + 3);

  // Direct pointers exist only where the path has them (CAUSEWAY_DIRECT_ACCESS=0 gives none at all).
  if (int* self = a.remote_ptr(me())) {
    EXPECT_EQ(self, a.data());
  }
  g_rt->barrier_all();
  // A peer's copy may or may not be; when it is, loads through it see the peer's data.
  if (int* r = a.remote_ptr(right())) {
    EXPECT_EQ(r[3], right() * 10 + 3);
  }
  EXPECT_EQ(a.remote_ptr(-1), nullptr);
  g_rt->barrier_all();
}

TEST(SymArray, ExhaustionThrowsBadAllocOnEveryPe) {
  const std::size_t before = shmemx_heap_bytes_in_use();
  // Larger than any heap: shmem_malloc returns NULL on every PE, so every PE throws.
  EXPECT_THROW(cw::sym_array<char>{std::size_t{1} << 50}, std::bad_alloc);
  // Overflowing n * sizeof(T) throws before any collective call.
  EXPECT_THROW(cw::sym_array<double>{std::numeric_limits<std::size_t>::max()}, std::bad_array_new_length);
  EXPECT_EQ(shmemx_heap_bytes_in_use(), before);
  cw::sym_array<int> still_works(4, 1);  // the heap is intact and the PEs still agree
  EXPECT_EQ(cw::g(still_works.data() + 3, right()), 1);
  g_rt->barrier_all();
}

// ---- RMA ----

template <class T>
void rma_roundtrip() {
  constexpr int n = 6;
  cw::sym_array<T> dst(n);
  cw::sym_array<T> dst_ptr(n);
  cw::sym_array<T> src(n);
  std::vector<T> mine(n);
  for (int i = 0; i < n; ++i) mine[i] = value_for<T>(me(), i);
  std::copy(mine.begin(), mine.end(), src.begin());
  g_rt->barrier_all();

  // Blocking put to the right neighbour, through sym_array and through a plain pointer.
  cw::put(dst, mine, right());
  cw::put(dst_ptr.data() + 2, std::span<const T>(mine).first(3), right());
  g_rt->barrier_all();
  for (int i = 0; i < n; ++i) EXPECT_TRUE(dst[i] == value_for<T>(left(), i)) << "put element " << i;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(dst_ptr[2 + i] == value_for<T>(left(), i)) << "put element " << i;

  // Blocking get from the right neighbour, into a vector (as a span) and from a plain pointer.
  std::vector<T> got(n);
  cw::get(got, src, right());
  for (int i = 0; i < n; ++i) EXPECT_TRUE(got[i] == value_for<T>(right(), i)) << "get element " << i;
  std::array<T, 2> two{};
  cw::get(two, src.data() + 4, right());
  EXPECT_TRUE(two[1] == value_for<T>(right(), 5));

  // Single elements.
  EXPECT_TRUE(cw::g(src.data() + 1, right()) == value_for<T>(right(), 1));
  g_rt->barrier_all();
  cw::p(dst.data() + 5, value_for<T>(me(), 42), right());
  g_rt->barrier_all();
  EXPECT_TRUE(dst[5] == value_for<T>(left(), 42));

  // Non-blocking forms complete at quiet.
  std::vector<T> nb(n);
  cw::get_nbi(nb, src, left());
  cw::put_nbi(dst, std::span<const T>(mine).last(2), left());
  cw::put_nbi(dst_ptr.data(), std::span<const T>(mine).first(1), left());
  g_rt->quiet();
  for (int i = 0; i < n; ++i) EXPECT_TRUE(nb[i] == value_for<T>(left(), i)) << "get_nbi element " << i;
  g_rt->barrier_all();
  EXPECT_TRUE(dst[0] == value_for<T>(right(), 4) && dst[1] == value_for<T>(right(), 5));
  EXPECT_TRUE(dst_ptr[0] == value_for<T>(right(), 0));
  std::array<T, 1> one{};
  cw::get_nbi(one, dst_ptr.data() + 2, right());
  g_rt->quiet();
  EXPECT_TRUE(one[0] == value_for<T>(me(), 0));
  g_rt->barrier_all();
}

TEST(Rma, Int) { rma_roundtrip<int>(); }
TEST(Rma, Double) { rma_roundtrip<double>(); }
TEST(Rma, TriviallyCopyableStruct) { rma_roundtrip<Particle>(); }
TEST(Rma, ByteAlignedFourByteStruct) { rma_roundtrip<Rgba>(); }
TEST(Rma, Char) { rma_roundtrip<char>(); }
TEST(Rma, Short) { rma_roundtrip<short>(); }
TEST(Rma, Float) { rma_roundtrip<float>(); }
TEST(Rma, UnsignedLongLong) { rma_roundtrip<unsigned long long>(); }

TEST(Rma, MixedArgumentTypes) {
  cw::sym_array<long> a(3);
  cw::p(a.data(), 5, right());  // the value converts to the destination's type
  g_rt->barrier_all();
  EXPECT_EQ(a[0], 5L);
  g_rt->barrier_all();  // everyone has read a[0] before it is overwritten
  const std::vector<long> v{1, 2, 3};
  cw::put(a, v, right());
  g_rt->barrier_all();
  EXPECT_EQ(a[2], 3L);
  g_rt->barrier_all();
}

// ---- Atomics ----

constexpr int kAdds = 500;

// Every PE adds to PE 0's counter concurrently; the total is exact and each PE's fetches increase.
template <class T>
void standard_group() {
  cw::sym_array<T> w(4);
  T last{};
  bool increasing = true;
  for (int i = 0; i < kAdds; ++i) {
    const T old = cw::atomic_fetch_add(&w[0], 3, 0);
    if (i > 0 && !(old > last)) increasing = false;
    last = old;
    cw::atomic_add(&w[1], 2, 0);
    cw::atomic_inc(&w[2], 0);
    const T before_inc = cw::atomic_fetch_inc(&w[3], 0);
    if (before_inc >= static_cast<T>(npes() * kAdds)) increasing = false;
  }
  EXPECT_TRUE(increasing);
  g_rt->barrier_all();
  if (me() == 0) {
    EXPECT_EQ(w[0], static_cast<T>(3 * kAdds * npes()));
    EXPECT_EQ(w[1], static_cast<T>(2 * kAdds * npes()));
    EXPECT_EQ(w[2], static_cast<T>(kAdds * npes()));
    EXPECT_EQ(w[3], static_cast<T>(kAdds * npes()));
  }
  g_rt->barrier_all();

  // compare_swap: every PE races to claim PE 0's w[0] (reset to 0); exactly one wins.
  if (me() == 0) w[0] = 0;
  g_rt->barrier_all();
  const T prev = cw::atomic_compare_swap(&w[0], 0, static_cast<T>(me() + 1), 0);
  cw::sym_array<int> winners(1);
  if (prev == 0) cw::atomic_inc(winners.data(), 0);
  g_rt->barrier_all();
  if (me() == 0) {
    EXPECT_EQ(winners[0], 1);
    EXPECT_GE(w[0], static_cast<T>(1));
    EXPECT_LE(w[0], static_cast<T>(npes()));
  }
  // A failing compare_swap changes nothing and still returns the old value.
  EXPECT_EQ(cw::atomic_compare_swap(&w[1], 12345, 1, 0), static_cast<T>(2 * kAdds * npes()));
  g_rt->barrier_all();
}

TEST(Atomic, StandardInt) { standard_group<int>(); }
TEST(Atomic, StandardLong) { standard_group<long>(); }
TEST(Atomic, StandardUnsignedLongLong) { standard_group<unsigned long long>(); }
TEST(Atomic, StandardSizeT) { standard_group<std::size_t>(); }
TEST(Atomic, StandardInt32) { standard_group<std::int32_t>(); }

// set / fetch / swap into this PE's slot on the right neighbour.
template <class T>
void extended_group() {
  const int n = npes();
  cw::sym_array<T> slots(static_cast<std::size_t>(n));
  const T v1 = static_cast<T>(me()) + static_cast<T>(0.5);
  const T v2 = static_cast<T>(me() * 2 + 1);
  cw::atomic_set(&slots[me()], v1, right());
  EXPECT_EQ(cw::atomic_fetch(&slots[me()], right()), v1);
  EXPECT_EQ(cw::atomic_swap(&slots[me()], v2, right()), v1);
  EXPECT_EQ(cw::atomic_fetch(static_cast<const T*>(&slots[me()]), right()), v2);
  g_rt->barrier_all();
  EXPECT_EQ(slots[left()], static_cast<T>(left() * 2 + 1));
  g_rt->barrier_all();
}

TEST(Atomic, ExtendedFloat) { extended_group<float>(); }
TEST(Atomic, ExtendedDouble) { extended_group<double>(); }
TEST(Atomic, ExtendedLong) { extended_group<long>(); }
TEST(Atomic, ExtendedUnsignedInt) { extended_group<unsigned int>(); }

// Each PE owns bit `me` of PE 0's words: or sets it, and clears it, xor flips it, concurrently.
template <class T>
void bitwise_group() {
  ASSERT_LE(npes(), static_cast<int>(8 * sizeof(T)));  // before any collective call: all PEs agree
  const T all = npes() == static_cast<int>(8 * sizeof(T)) ? ~T{0} : static_cast<T>((T{1} << npes()) - 1);
  const T bit = static_cast<T>(T{1} << me());
  cw::sym_array<T> w(6, ~T{0});
  if (me() == 0) {
    w[0] = 0;  // or
    w[1] = 0;  // fetch_or
    w[4] = 0;  // xor
    w[5] = 0;  // fetch_xor
  }
  g_rt->barrier_all();
  cw::atomic_or(&w[0], bit, 0);
  const T fo = cw::atomic_fetch_or(&w[1], bit, 0);
  EXPECT_EQ(fo & bit, T{0});  // nobody else touches this PE's bit
  cw::atomic_and(&w[2], static_cast<T>(~bit), 0);
  const T fa = cw::atomic_fetch_and(&w[3], static_cast<T>(~bit), 0);
  EXPECT_EQ(fa & bit, bit);
  cw::atomic_xor(&w[4], bit, 0);
  const T fx = cw::atomic_fetch_xor(&w[5], bit, 0);
  EXPECT_EQ(fx & bit, T{0});
  g_rt->barrier_all();
  if (me() == 0) {
    EXPECT_EQ(w[0], all);
    EXPECT_EQ(w[1], all);
    EXPECT_EQ(w[2], static_cast<T>(~all));
    EXPECT_EQ(w[3], static_cast<T>(~all));
    EXPECT_EQ(w[4], all);
    EXPECT_EQ(w[5], all);
  }
  g_rt->barrier_all();
}

TEST(Atomic, BitwiseUnsignedLong) { bitwise_group<unsigned long>(); }
TEST(Atomic, BitwiseUint32) { bitwise_group<std::uint32_t>(); }
TEST(Atomic, BitwiseUnsignedInt) { bitwise_group<unsigned int>(); }

template <class T>
concept can_fetch_add = requires(T* p, T v) {
  cw::atomic_fetch_add(p, v, 0);
};
template <class T>
concept can_put = requires(T* p, std::span<const T> s) {
  cw::put(p, s, 0);
};

// The concepts say which groups each type is in, as the OpenSHMEM tables do.
TEST(Atomic, TypeGroups) {
  static_assert(cw::standard_amo_type<int> && cw::standard_amo_type<std::size_t> &&
                cw::standard_amo_type<std::ptrdiff_t> && cw::standard_amo_type<unsigned long long>);
  static_assert(!cw::standard_amo_type<float> && !cw::standard_amo_type<short> &&
                !cw::standard_amo_type<char> && !cw::standard_amo_type<Particle> &&
                !cw::standard_amo_type<const int>);
  static_assert(cw::extended_amo_type<float> && cw::extended_amo_type<double> && cw::extended_amo_type<long>);
  static_assert(!cw::extended_amo_type<long double> && !cw::extended_amo_type<Rgba>);
  static_assert(cw::bitwise_amo_type<unsigned int> && cw::bitwise_amo_type<std::int64_t> &&
                cw::bitwise_amo_type<std::uint32_t>);
  static_assert(!cw::bitwise_amo_type<double> && !cw::bitwise_amo_type<unsigned short>);
  static_assert(cw::p2p_sync_type<short> && cw::p2p_sync_type<unsigned long> && !cw::p2p_sync_type<double>);
  static_assert(cw::rma_type<Particle> && !cw::rma_type<std::string> && !cw::rma_type<const int>);
  // A call the concepts reject is not viable, so generic code can test for it.
  static_assert(can_fetch_add<long> && can_fetch_add<std::uint64_t>);
  static_assert(!can_fetch_add<float> && !can_fetch_add<Particle>);
  static_assert(can_put<Particle> && !can_put<std::string>);
  g_rt->barrier_all();
}

// ---- Point-to-point synchronization ----

TEST(Wait, WaitUntilDrivenByRemotePut) {
  cw::sym_array<double> payload(4);
  cw::sym_array<long> flag(1);
  const std::array<double, 4> data{me() + 0.5, me() + 1.5, me() + 2.5, me() + 3.5};
  cw::put(payload, data, right());
  g_rt->fence();  // the payload lands before the flag
  cw::p(flag.data(), me() + 1L, right());
  cw::wait_until(flag.data(), cw::cmp::eq, left() + 1L);
  EXPECT_TRUE(cw::test(flag.data(), cw::cmp::ge, 1));
  EXPECT_FALSE(cw::test(flag.data(), cw::cmp::gt, left() + 1L));
  EXPECT_EQ(payload[0], left() + 0.5);
  EXPECT_EQ(payload[3], left() + 3.5);
  g_rt->barrier_all();
}

TEST(Wait, EveryComparison) {
  cw::sym_array<int> flag(1);
  cw::atomic_set(flag.data(), 10, right());
  cw::wait_until(flag.data(), cw::cmp::ne, 0);
  cw::wait_until(flag.data(), cw::cmp::gt, 9);
  cw::wait_until(flag.data(), cw::cmp::ge, 10);
  cw::wait_until(flag.data(), cw::cmp::lt, 11);
  cw::wait_until(flag.data(), cw::cmp::le, 10);
  cw::wait_until(flag.data(), cw::cmp::eq, 10);
  EXPECT_TRUE(cw::test(flag.data(), cw::cmp::eq, 10));
  EXPECT_FALSE(cw::test(flag.data(), cw::cmp::lt, 10));
  g_rt->barrier_all();
}

TEST(Wait, AllAndAnyOverSpan) {
  const int n = npes();
  cw::sym_array<std::uint64_t> arrived(static_cast<std::size_t>(n));
  std::span<std::uint64_t> ivars = arrived.local();
  EXPECT_EQ(cw::test_any(ivars, cw::cmp::ne, 0), SIZE_MAX);  // nobody has signalled before this barrier
  g_rt->barrier_all();
  for (int pe = 0; pe < n; ++pe) cw::p(&arrived[me()], std::uint64_t{1}, pe);  // "I am here" to all
  const std::size_t some = cw::wait_until_any(ivars, cw::cmp::eq, 1);
  EXPECT_LT(some, static_cast<std::size_t>(n));
  cw::wait_until_all(ivars, cw::cmp::eq, 1);
  EXPECT_TRUE(cw::test_all(ivars, cw::cmp::eq, 1));
  EXPECT_EQ(cw::test_any(ivars, cw::cmp::gt, 1), SIZE_MAX);
  g_rt->barrier_all();
}

}  // namespace

int main(int argc, char** argv) { return causeway_test::run_all_tests(argc, argv, g_rt); }
