// SPDX-License-Identifier: BSD-3-Clause
// Deprecated active-set collectives: barrier, sync, broadcast/collect/fcollect/alltoall(s) 32/64 and
// the TYPE_OP_to_all reductions of the old type table, over several active sets, including two
// disjoint sets running at the same time and one pSync reused back to back.
#include "coll_util.hpp"

using namespace ct;

namespace {

long pSync_a[SHMEM_REDUCE_SYNC_SIZE];
long pSync_b[SHMEM_REDUCE_SYNC_SIZE];

struct Set {
  int start, log_stride, size;
  std::vector<int> pes() const {
    std::vector<int> v;
    for (int i = 0; i < size; ++i) v.push_back(start + i * (1 << log_stride));
    return v;
  }
  bool contains(int pe) const {
    for (int p : pes())
      if (p == pe) return true;
    return false;
  }
  int rank(int pe) const {
    const auto v = pes();
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v[i] == pe) return static_cast<int>(i);
    return -1;
  }
};

// Active sets this PE belongs to, in the same order on every PE; the caller runs each then meets
// the others at a world barrier.
std::vector<Set> sets() {
  const int n = npes();
  std::vector<Set> v = {{0, 0, n}, {n - 1, 0, 1}};
  if (n >= 2) {
    v.push_back({0, 1, (n + 1) / 2});  // the even PEs
    v.push_back({1, 1, n / 2});        // the odd PEs: runs at the same time as the even set
  }
  if (n >= 5) v.push_back({1, 2, (n - 2) / 4 + 1});
  return v;
}

template <class F>
void for_sets(F&& f) {
  // The even and odd sets are disjoint: each PE runs its own, concurrently with the other set.
  for (const Set& s : sets()) {
    if (s.contains(me())) f(s);
    shmem_barrier_all();
  }
}

TEST(ActiveSet, BarrierAndSyncReusePSync) {
  static long flag;
  for_sets([&](const Set& s) {
    for (int round = 1; round <= 20; ++round) {
      // Each PE tells the next PE of the set it arrived; after the barrier, it has been told.
      const auto pes = s.pes();
      const int next = pes[(s.rank(me()) + 1) % pes.size()];
      shmem_long_p(&flag, round, next);
      shmem_barrier(s.start, s.log_stride, s.size, pSync_a);  // completes the put
      EXPECT_EQ(flag, round);
      shmem_sync(s.start, s.log_stride, s.size, pSync_a);
    }
  });
  for (long v : pSync_a) EXPECT_EQ(v, SHMEM_SYNC_VALUE);
}

template <class Word>
void check_sized(int bits) {
  constexpr std::size_t kMax = 3000;
  Sym<Word> src(kMax * static_cast<std::size_t>(npes()) * 2),
      dst(kMax * static_cast<std::size_t>(npes()) * 3 + 1);
  auto bcast = bits == 32 ? shmem_broadcast32 : shmem_broadcast64;
  auto collect = bits == 32 ? shmem_collect32 : shmem_collect64;
  auto fcollect = bits == 32 ? shmem_fcollect32 : shmem_fcollect64;
  auto alltoall = bits == 32 ? shmem_alltoall32 : shmem_alltoall64;
  auto alltoalls = bits == 32 ? shmem_alltoalls32 : shmem_alltoalls64;
  for_sets([&](const Set& s) {
    const auto pes = s.pes();
    const std::size_t n = pes.size(), mine = static_cast<std::size_t>(s.rank(me()));
    for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{9}, kMax}) {
      const std::string what = std::to_string(bits) + "-bit, set (" + std::to_string(s.start) + "," +
                               std::to_string(s.log_stride) + "," + std::to_string(s.size) + "), " +
                               std::to_string(count) + " elements";
      // Broadcast: dest is not written on the root.
      for (int root : {0, static_cast<int>(n) - 1}) {
        for (std::size_t i = 0; i < count; ++i) {
          src[i] = data_value<Word>(me(), i, 1);
          dst[i] = 5;
        }
        shmem_sync(s.start, s.log_stride, s.size, pSync_a);
        bcast(dst.get(), src.get(), count, root, s.start, s.log_stride, s.size, pSync_b);
        int bad = 0;
        for (std::size_t i = 0; i < count; ++i)
          bad += dst[i] != (static_cast<int>(mine) == root ? Word(5) : data_value<Word>(pes[root], i, 1));
        EXPECT_EQ(bad, 0) << what << " broadcast root " << root;
      }
      // Collect (PE k of the set contributes k+count%3 elements) and fcollect.
      shmem_sync(s.start, s.log_stride, s.size, pSync_a);
      const std::size_t c = std::min(count, mine + count % 3);
      for (std::size_t i = 0; i < c; ++i) src[i] = data_value<Word>(me(), i, 2);
      collect(dst.get(), src.get(), c, s.start, s.log_stride, s.size, pSync_b);
      std::size_t at = 0;
      int bad = 0;
      for (std::size_t r = 0; r < n; ++r)
        for (std::size_t i = 0; i < std::min(count, r + count % 3); ++i)
          bad += dst[at++] != data_value<Word>(pes[r], i, 2);
      EXPECT_EQ(bad, 0) << what << " collect";
      shmem_sync(s.start, s.log_stride, s.size, pSync_a);
      for (std::size_t i = 0; i < count; ++i) src[i] = data_value<Word>(me(), i, 3);
      fcollect(dst.get(), src.get(), count, s.start, s.log_stride, s.size, pSync_b);
      bad = 0;
      for (std::size_t i = 0; i < count * n; ++i)
        bad += dst[i] != data_value<Word>(pes[i / count], i % count, 3);
      EXPECT_EQ(bad, 0) << what << " fcollect";
      // Alltoall and a strided alltoalls.
      shmem_sync(s.start, s.log_stride, s.size, pSync_a);
      for (std::size_t i = 0; i < count * n; ++i) src[i] = data_value<Word>(me(), i, 4);
      alltoall(dst.get(), src.get(), count, s.start, s.log_stride, s.size, pSync_b);
      bad = 0;
      for (std::size_t i = 0; i < count * n; ++i)
        bad += dst[i] != data_value<Word>(pes[i / count], mine * count + i % count, 4);
      EXPECT_EQ(bad, 0) << what << " alltoall";
      shmem_sync(s.start, s.log_stride, s.size, pSync_a);
      for (std::size_t i = 0; i < 2 * count * n; ++i) src[i] = data_value<Word>(me(), i, 5);
      alltoalls(dst.get(), src.get(), 3, 2, count, s.start, s.log_stride, s.size, pSync_b);
      bad = 0;
      for (std::size_t e = 0; e < count * n; ++e)
        bad += dst[3 * e] != data_value<Word>(pes[e / count], 2 * (mine * count + e % count), 5);
      EXPECT_EQ(bad, 0) << what << " alltoalls";
      shmem_sync(s.start, s.log_stride, s.size, pSync_a);
    }
  });
  for (long v : pSync_b) EXPECT_EQ(v, SHMEM_SYNC_VALUE) << "pSync must be left as it was";
}

TEST(ActiveSet, Sized32) { check_sized<uint32_t>(32); }
TEST(ActiveSet, Sized64) { check_sized<uint64_t>(64); }

// TYPE_OP_to_all for every type and operation of the active-set table.
template <class T>
using ToAll = void (*)(T*, const T*, int, int, int, int, T*, long*);

template <class T>
T value(int pe, int i, int op) {
  const int h =
      static_cast<int>(mix(static_cast<uint64_t>(pe) * 131 + static_cast<uint64_t>(i) * 7 + op) % 1000);
  if (op == 6) return T(h % 5 == 0 ? 2 : 1);             // prod
  if (op == 0) return static_cast<T>(~(1 << (h % 15)));  // and
  if (op == 1) return static_cast<T>(1 << (h % 15));     // or
  return T(h % 100 - 50);
}

template <class T>
T combine(int op, T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    if (op == 0) return a & b;
    if (op == 1) return a | b;
    if (op == 2) return a ^ b;
  }
  if constexpr (!std::is_same_v<T, std::complex<double>> && !std::is_same_v<T, std::complex<float>>) {
    if (op == 3) return a > b ? a : b;
    if (op == 4) return a < b ? a : b;
  }
  if (op == 5) return a + b;
  return a * b;
}

template <class T>
void check_to_all(const std::vector<std::pair<int, ToAll<T>>>& ops, const char* type) {
  static_assert(sizeof(T) <= 32);
  Sym<T> src(2001), dst(2001), wrk(SHMEM_REDUCE_MIN_WRKDATA_SIZE + 1001);
  for_sets([&](const Set& s) {
    const auto pes = s.pes();
    for (const auto& [op, fn] : ops)
      for (int count : {0, 1, 10, 2000}) {
        for (int i = 0; i < count; ++i) src[i] = value<T>(me(), i, op);
        shmem_sync(s.start, s.log_stride, s.size, pSync_a);
        fn(dst.get(), src.get(), count, s.start, s.log_stride, s.size, wrk.get(), pSync_b);
        int bad = 0;
        for (int i = 0; i < count; ++i) {
          T want = value<T>(pes[0], i, op);
          for (std::size_t r = 1; r < pes.size(); ++r) want = combine(op, want, value<T>(pes[r], i, op));
          bad += !(dst[i] == want);
        }
        EXPECT_EQ(bad, 0) << "shmem_" << type << " op " << op << " on (" << s.start << "," << s.log_stride
                          << "," << s.size << "), " << count << " elements";
        shmem_sync(s.start, s.log_stride, s.size, pSync_a);
      }
  });
}

#define CW_TEST_TO_ALL_BITWISE(TYPE, NAME)                                                               \
  TEST(ActiveSet, NAME##_and_or_xor_to_all) {                                                            \
    check_to_all<TYPE>(                                                                                  \
        {{0, shmem_##NAME##_and_to_all}, {1, shmem_##NAME##_or_to_all}, {2, shmem_##NAME##_xor_to_all}}, \
        #NAME);                                                                                          \
  }
#define CW_TEST_TO_ALL_MINMAX(TYPE, NAME)                                                        \
  TEST(ActiveSet, NAME##_max_min_to_all) {                                                       \
    check_to_all<TYPE>({{3, shmem_##NAME##_max_to_all}, {4, shmem_##NAME##_min_to_all}}, #NAME); \
  }
#define CW_TEST_TO_ALL_ARITH(TYPE, NAME)                                                          \
  TEST(ActiveSet, NAME##_sum_prod_to_all) {                                                       \
    check_to_all<TYPE>({{5, shmem_##NAME##_sum_to_all}, {6, shmem_##NAME##_prod_to_all}}, #NAME); \
  }
CW_TO_ALL_BITWISE_TYPES(CW_TEST_TO_ALL_BITWISE)
CW_TO_ALL_MINMAX_TYPES(CW_TEST_TO_ALL_MINMAX)
CW_CXX_TO_ALL_ARITH_TYPES(CW_TEST_TO_ALL_ARITH)
#undef CW_TEST_TO_ALL_BITWISE
#undef CW_TEST_TO_ALL_MINMAX
#undef CW_TEST_TO_ALL_ARITH

// Active-set and team collectives interleave freely on the same PEs.
TEST(ActiveSet, InterleavedWithTeams) {
  static long a[16], b[16], src[16];
  for (int i = 0; i < 16; ++i) src[i] = me() + i;
  shmem_barrier_all();
  for (int round = 0; round < 10; ++round) {
    shmem_long_sum_to_all(a, src, 16, 0, 0, npes(), b, pSync_a);
    EXPECT_EQ(shmem_long_sum_reduce(SHMEM_TEAM_WORLD, b, src, 16), 0);
    for (int i = 0; i < 16; ++i) {
      EXPECT_EQ(a[i], static_cast<long>(npes()) * (npes() - 1) / 2 + static_cast<long>(i) * npes());
      EXPECT_EQ(b[i], a[i]);
    }
    shmem_barrier_all();
  }
}

}  // namespace
