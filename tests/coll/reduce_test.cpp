// SPDX-License-Identifier: BSD-3-Clause
// Reductions (every type and operation of the spec's team table), in place and not, across the
// one-shot and two-shot sizes, on every team shape; 1 MiB; and the 1.6 inclusive/exclusive scans.
// Reference results are computed locally with the same semantics (integer sums and products wrap).
#include <algorithm>

#include "coll_util.hpp"

using namespace ct;

namespace {

enum class Op { And, Or, Xor, Max, Min, Sum, Prod };
const char* name(Op op) {
  static const char* names[] = {"and", "or", "xor", "max", "min", "sum", "prod"};
  return names[static_cast<int>(op)];
}

template <class T>
struct is_complex : std::false_type {};
template <class T>
struct is_complex<std::complex<T>> : std::true_type {};

template <class T>
using Wide = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <class T>
T apply(Op op, T a, T b) {
  if constexpr (is_complex<T>::value) {
    return op == Op::Sum ? a + b : a * b;
  } else if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case Op::Max: return a > b ? a : b;
      case Op::Min: return a < b ? a : b;
      case Op::Sum: return a + b;
      default: return a * b;
    }
  } else {
    switch (op) {
      case Op::And: return static_cast<T>(a & b);
      case Op::Or: return static_cast<T>(a | b);
      case Op::Xor: return static_cast<T>(a ^ b);
      case Op::Max: return a > b ? a : b;
      case Op::Min: return a < b ? a : b;
      case Op::Sum: return static_cast<T>(static_cast<Wide<T>>(a) + static_cast<Wide<T>>(b));
      default: return static_cast<T>(static_cast<Wide<T>>(a) * static_cast<Wide<T>>(b));
    }
  }
}

// Contributions chosen so that every result is exact in any order (small integers; products of
// 1, 2, -1 and, for complex, of 1, i, -1, 1+i).
template <class T>
T contribution(Op op, int pe, std::size_t i) {
  const uint64_t h = mix(static_cast<uint64_t>(pe) * 1000003u + i);
  if constexpr (is_complex<T>::value) {
    using R = typename T::value_type;
    if (op == Op::Sum)
      return T(static_cast<R>(static_cast<int>(h % 21) - 10), static_cast<R>(static_cast<int>(h >> 8) % 7));
    static const T units[] = {T(1, 0), T(0, 1), T(-1, 0), T(1, 1)};
    return units[h % 4];
  } else {
    switch (op) {
      case Op::And: return static_cast<T>(~(uint64_t{1} << (h % (8 * sizeof(T)))));
      case Op::Or: return static_cast<T>(uint64_t{1} << (h % (8 * sizeof(T))));
      case Op::Xor: return static_cast<T>(h);
      case Op::Max:
      case Op::Min: return static_cast<T>(static_cast<int>(h % 100) - (std::is_signed_v<T> ? 50 : 0));
      case Op::Sum: return static_cast<T>(static_cast<int>(h % 9) - (std::is_signed_v<T> ? 4 : 0));
      default: {
        const int k = static_cast<int>(h % 6);
        if (std::is_signed_v<T> && k == 0) return static_cast<T>(-1);
        return static_cast<T>(k == 1 ? 2 : 1);
      }
    }
  }
}

template <class T>
using ReduceFn = int (*)(shmem_team_t, T*, const T*, size_t);

template <class T>
void check_reduce(Op op, ReduceFn<T> fn, shmem_team_t team, T* dst, T* src, std::size_t count, bool in_place,
                  const std::string& what) {
  const std::vector<int> m = members(team);
  T* out = in_place ? src : dst;
  for (std::size_t i = 0; i < count; ++i) src[i] = contribution<T>(op, me(), i);
  if (!in_place)
    for (std::size_t i = 0; i < count + 1; ++i) dst[i] = T(7);
  shmem_team_sync(team);
  EXPECT_EQ(fn(team, out, src, count), 0);
  int bad = 0;
  for (std::size_t i = 0; i < count; ++i) {
    T want = contribution<T>(op, m[0], i);
    for (std::size_t r = 1; r < m.size(); ++r) want = apply(op, want, contribution<T>(op, m[r], i));
    if (!(out[i] == want) && ++bad <= 3)
      ADD_FAILURE() << what << ": element " << i << " of " << count << " is wrong";
  }
  if (!in_place) {
    EXPECT_TRUE(dst[count] == T(7)) << what << ": wrote past the end";
  }
  shmem_team_sync(team);
}

template <class T>
void check_ops(const std::vector<std::pair<Op, ReduceFn<T>>>& ops, const char* type) {
  const std::vector<std::size_t> counts = sizes<T>();
  const std::size_t most = *std::max_element(counts.begin(), counts.end());
  Sym<T> src(most + 1), dst(most + 1);
  for_shapes(core_shapes(), [&](shmem_team_t team, const char* shape) {
    for (const auto& [op, fn] : ops)
      for (std::size_t count : counts) {
        const std::string what = std::string("shmem_") + type + "_" + name(op) + "_reduce on " + shape;
        check_reduce(op, fn, team, dst.get(), src.get(), count, false, what);
        if (count == 7 || count == most)
          check_reduce(op, fn, team, dst.get(), src.get(), count, true, what + " in place");
      }
  });
}

#define CW_TEST_BITWISE(TYPE, NAME)                         \
  TEST(Reduce, NAME##_and_or_xor) {                         \
    check_ops<TYPE>({{Op::And, shmem_##NAME##_and_reduce},  \
                     {Op::Or, shmem_##NAME##_or_reduce},    \
                     {Op::Xor, shmem_##NAME##_xor_reduce}}, \
                    #NAME);                                 \
  }
#define CW_TEST_MINMAX(TYPE, NAME)                                                                        \
  TEST(Reduce, NAME##_max_min) {                                                                          \
    check_ops<TYPE>({{Op::Max, shmem_##NAME##_max_reduce}, {Op::Min, shmem_##NAME##_min_reduce}}, #NAME); \
  }
#define CW_TEST_ARITH(TYPE, NAME)                                                                           \
  TEST(Reduce, NAME##_sum_prod) {                                                                           \
    check_ops<TYPE>({{Op::Sum, shmem_##NAME##_sum_reduce}, {Op::Prod, shmem_##NAME##_prod_reduce}}, #NAME); \
  }
CW_REDUCE_BITWISE_TYPES(CW_TEST_BITWISE)
CW_REDUCE_MINMAX_TYPES(CW_TEST_MINMAX)
CW_CXX_REDUCE_ARITH_TYPES(CW_TEST_ARITH)
#undef CW_TEST_BITWISE
#undef CW_TEST_MINMAX
#undef CW_TEST_ARITH

// Representative types on every shape.
TEST(Reduce, EveryShape) {
  Sym<double> dsrc(5000), ddst(5000);
  Sym<unsigned> usrc(5000), udst(5000);
  Sym<std::complex<float>> csrc(5000), cdst(5000);
  for_shapes(all_shapes(), [&](shmem_team_t team, const char* shape) {
    for (std::size_t count : {std::size_t{1}, std::size_t{7}, std::size_t{600}, std::size_t{4999}}) {
      const std::string what = std::string(shape) + " " + std::to_string(count);
      check_reduce<double>(Op::Sum, shmem_double_sum_reduce, team, ddst.get(), dsrc.get(), count, false,
                           what);
      check_reduce<double>(Op::Min, shmem_double_min_reduce, team, ddst.get(), dsrc.get(), count, true, what);
      check_reduce<unsigned>(Op::Xor, shmem_uint_xor_reduce, team, udst.get(), usrc.get(), count, false,
                             what);
      check_reduce<std::complex<float>>(Op::Prod, shmem_complexf_prod_reduce, team, cdst.get(), csrc.get(),
                                        count, false, what);
    }
  });
}

TEST(Reduce, OneMiB) {
  const std::size_t count = kMiB / sizeof(double);
  Sym<double> src(count + 1), dst(count + 1);
  Sym<long> lsrc(kMiB / sizeof(long) + 1), ldst(kMiB / sizeof(long) + 1);
  for_shapes(core_shapes(), [&](shmem_team_t team, const char* shape) {
    check_reduce<double>(Op::Sum, shmem_double_sum_reduce, team, dst.get(), src.get(), count, false, shape);
    check_reduce<double>(Op::Sum, shmem_double_sum_reduce, team, dst.get(), src.get(), count - 3, true,
                         shape);
    check_reduce<long>(Op::Max, shmem_long_max_reduce, team, ldst.get(), lsrc.get(), kMiB / sizeof(long),
                       false, shape);
  });
}

// Every PE gets bit-identical floating point results, even when rounding makes the order matter.
TEST(Reduce, FloatResultsIdenticalOnEveryPE) {
  const std::size_t count = 3000;
  Sym<double> src(count), dst(count);
  Sym<double> all(count * static_cast<std::size_t>(npes()));
  for (std::size_t i = 0; i < count; ++i) src[i] = 1.0 / (3.0 + me() * 7.0 + static_cast<double>(i));
  for (std::size_t c : {std::size_t{5}, count}) {
    shmem_barrier_all();
    EXPECT_EQ(shmem_double_sum_reduce(SHMEM_TEAM_WORLD, dst.get(), src.get(), c), 0);
    shmem_barrier_all();
    EXPECT_EQ(shmem_double_fcollect(SHMEM_TEAM_WORLD, all.get(), dst.get(), c), 0);
    for (int pe = 0; pe < npes(); ++pe)
      EXPECT_EQ(std::memcmp(all.get() + static_cast<std::size_t>(pe) * c, dst.get(), c * sizeof(double)), 0)
          << "PE " << pe;
  }
  shmem_barrier_all();
}

// ---- Scans (OpenSHMEM 1.6) ----

template <class T>
void check_scan(shmem_team_t team, int (*fn)(shmem_team_t, T*, const T*, size_t), bool inclusive, T* dst,
                T* src, std::size_t count, bool in_place, const std::string& what) {
  const std::vector<int> m = members(team);
  const int mine = shmem_team_my_pe(team);
  T* out = in_place ? src : dst;
  for (std::size_t i = 0; i < count; ++i) src[i] = contribution<T>(Op::Sum, me(), i);
  shmem_team_sync(team);
  EXPECT_EQ(fn(team, out, src, count), 0);
  int bad = 0;
  for (std::size_t i = 0; i < count; ++i) {
    T want = T(0);
    for (int r = 0; r < (inclusive ? mine + 1 : mine); ++r)
      want = apply(Op::Sum, want, contribution<T>(Op::Sum, m[r], i));
    if (!(out[i] == want) && ++bad <= 3) ADD_FAILURE() << what << ": element " << i << " is wrong";
  }
  shmem_team_sync(team);
}

template <class T>
void check_scans(int (*in)(shmem_team_t, T*, const T*, size_t), int (*ex)(shmem_team_t, T*, const T*, size_t),
                 const std::vector<Shape>& shapes, const char* type) {
  const std::vector<std::size_t> counts = {0, 1, 7, 4096 / sizeof(T) + 3, 20000};
  Sym<T> src(20001), dst(20001);
  for_shapes(shapes, [&](shmem_team_t team, const char* shape) {
    for (std::size_t count : counts)
      for (bool in_place : {false, true}) {
        const std::string what = std::string(type) + " on " + shape + (in_place ? " in place" : "");
        check_scan(team, in, true, dst.get(), src.get(), count, in_place, what + " inscan");
        check_scan(team, ex, false, dst.get(), src.get(), count, in_place, what + " exscan");
      }
  });
}

TEST(Scan, Int) { check_scans<int>(shmem_int_sum_inscan, shmem_int_sum_exscan, all_shapes(), "int"); }
TEST(Scan, Double) {
  check_scans<double>(shmem_double_sum_inscan, shmem_double_sum_exscan, core_shapes(), "double");
}
TEST(Scan, Uint8) {
  check_scans<uint8_t>(shmem_uint8_sum_inscan, shmem_uint8_sum_exscan, core_shapes(), "uint8");
}
TEST(Scan, Complexd) {
  check_scans<std::complex<double>>(shmem_complexd_sum_inscan, shmem_complexd_sum_exscan, core_shapes(),
                                    "complexd");
}

}  // namespace
