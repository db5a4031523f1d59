// SPDX-License-Identifier: BSD-3-Clause
// Team collectives on std::span (a sym_array converts): broadcast, collect, fcollect, alltoall, and
// reductions and prefix sums that take a standard function object for the operation. The data
// movers take any trivially copyable T (over shmem_broadcastmem, ...); the operation and element
// type of a reduction are mapped at compile time to its shmem_TYPENAME_OP_reduce routine through
// tables expanded from the reduction type lists of causeway/shmem_collectives.h, and a combination
// OpenSHMEM lacks is a static_assert naming what is allowed.
//
// Every call is collective over the team: each member calls it with the same root and counts.
// `src` and `dest` must be symmetric (sym_array storage or other shmem_malloc'd memory). Failures
// the C layer reports back (rather than ending the job) throw std::runtime_error.
#pragma once

#include <shmem.h>

#include <cassert>
#include <complex>
#include <cstddef>
#include <functional>
#include <ranges>
#include <span>
#include <stdexcept>
#include <type_traits>

#include "causeway/rma.hpp"
#include "causeway/team.hpp"
#include "causeway/type_dispatch.hpp"

namespace causeway {

// ---- Function objects for the min/max reductions (the standard library has none) ----

// The lesser of two values (the first when neither is less), as std::min.
template <class T = void>
struct minimum {
  constexpr const T& operator()(const T& a, const T& b) const { return b < a ? b : a; }
};
template <>
struct minimum<void> {
  using is_transparent = void;
  template <class A, class B>
  constexpr std::common_type_t<A, B> operator()(const A& a, const B& b) const {
    return b < a ? b : a;
  }
};

// The greater of two values (the first when neither is greater), as std::max.
template <class T = void>
struct maximum {
  constexpr const T& operator()(const T& a, const T& b) const { return a < b ? b : a; }
};
template <>
struct maximum<void> {
  using is_transparent = void;
  template <class A, class B>
  constexpr std::common_type_t<A, B> operator()(const A& a, const B& b) const {
    return a < b ? b : a;
  }
};

namespace detail {

// ---- Reduction tables, one struct per type-list entry: f(team, dest, source, nreduce) ----
#define CW_CPP_REDUCE_FN(TYPE, NAME, OP, FN)                                      \
  static int FN(shmem_team_t t, TYPE* d, const TYPE* s, std::size_t n) noexcept { \
    return shmem_##NAME##_##OP(t, d, s, n);                                       \
  }
#define CW_CPP_REDUCE_BITWISE(TYPE, NAME)          \
  struct reduce_bitwise_##NAME {                   \
    using type = TYPE;                             \
    CW_CPP_REDUCE_FN(TYPE, NAME, and_reduce, and_) \
    CW_CPP_REDUCE_FN(TYPE, NAME, or_reduce, or_)   \
    CW_CPP_REDUCE_FN(TYPE, NAME, xor_reduce, xor_) \
  };
#define CW_CPP_REDUCE_MINMAX(TYPE, NAME)          \
  struct reduce_minmax_##NAME {                   \
    using type = TYPE;                            \
    CW_CPP_REDUCE_FN(TYPE, NAME, min_reduce, min) \
    CW_CPP_REDUCE_FN(TYPE, NAME, max_reduce, max) \
  };
#define CW_CPP_REDUCE_ARITH(TYPE, NAME)              \
  struct reduce_arith_##NAME {                       \
    using type = TYPE;                               \
    CW_CPP_REDUCE_FN(TYPE, NAME, sum_reduce, sum)    \
    CW_CPP_REDUCE_FN(TYPE, NAME, prod_reduce, prod)  \
    CW_CPP_REDUCE_FN(TYPE, NAME, sum_inscan, inscan) \
    CW_CPP_REDUCE_FN(TYPE, NAME, sum_exscan, exscan) \
  };
CW_REDUCE_BITWISE_TYPES(CW_CPP_REDUCE_BITWISE)
CW_REDUCE_MINMAX_TYPES(CW_CPP_REDUCE_MINMAX)
CW_CXX_REDUCE_ARITH_TYPES(CW_CPP_REDUCE_ARITH)
#undef CW_CPP_REDUCE_BITWISE
#undef CW_CPP_REDUCE_MINMAX
#undef CW_CPP_REDUCE_ARITH
#undef CW_CPP_REDUCE_FN

#define CW_CPP_OPS_REDUCE_BITWISE(TYPE, NAME) , reduce_bitwise_##NAME
#define CW_CPP_OPS_REDUCE_MINMAX(TYPE, NAME) , reduce_minmax_##NAME
#define CW_CPP_OPS_REDUCE_ARITH(TYPE, NAME) , reduce_arith_##NAME
template <class T>
using reduce_bitwise_ops = typename find_ops<T CW_REDUCE_BITWISE_TYPES(CW_CPP_OPS_REDUCE_BITWISE)>::type;
template <class T>
using reduce_minmax_ops = typename find_ops<T CW_REDUCE_MINMAX_TYPES(CW_CPP_OPS_REDUCE_MINMAX)>::type;
template <class T>
using reduce_arith_ops = typename find_ops<T CW_CXX_REDUCE_ARITH_TYPES(CW_CPP_OPS_REDUCE_ARITH)>::type;
#undef CW_CPP_OPS_REDUCE_BITWISE
#undef CW_CPP_OPS_REDUCE_MINMAX
#undef CW_CPP_OPS_REDUCE_ARITH

template <class T>
inline constexpr bool in_openshmem_bitwise_reduce_types = !std::is_same_v<reduce_bitwise_ops<T>, no_ops>;
template <class T>
inline constexpr bool in_openshmem_minmax_reduce_types = !std::is_same_v<reduce_minmax_ops<T>, no_ops>;
template <class T>
inline constexpr bool in_openshmem_arith_reduce_types = !std::is_same_v<reduce_arith_ops<T>, no_ops>;

// ---- Function object -> reduction ----
enum class reduce_kind { none, sum, prod, and_, or_, xor_, min, max };

// The operator's transparent form (std::plus<>) or its form on the element type (std::plus<T>).
template <template <class> class Fn, class Op, class T>
inline constexpr bool is_op = std::is_same_v<Op, Fn<void>> || std::is_same_v<Op, Fn<T>>;

template <class Op, class T>
inline constexpr reduce_kind reduce_kind_of = is_op<std::plus, Op, T>         ? reduce_kind::sum
                                              : is_op<std::multiplies, Op, T> ? reduce_kind::prod
                                              : is_op<std::bit_and, Op, T>    ? reduce_kind::and_
                                              : is_op<std::bit_or, Op, T>     ? reduce_kind::or_
                                              : is_op<std::bit_xor, Op, T>    ? reduce_kind::xor_
                                              : is_op<minimum, Op, T>         ? reduce_kind::min
                                              : is_op<maximum, Op, T>         ? reduce_kind::max
                                                                              : reduce_kind::none;

inline void check_rc(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(what);
}

template <class T>
inline constexpr bool is_span = false;
template <class T, std::size_t E>
inline constexpr bool is_span<std::span<T, E>> = true;

// A contiguous range that is not a span (a sym_array, a std::vector, ...): the span overloads
// cannot deduce T from it, so a forwarding overload makes the span.
template <class R>
concept contiguous_non_span =
    std::ranges::contiguous_range<R> && std::ranges::sized_range<R> && !is_span<std::remove_cvref_t<R>>;
template <class R>
using range_elem = std::remove_reference_t<std::ranges::range_reference_t<R>>;

}  // namespace detail

// ---- Data movement (any trivially copyable T) ----

// Copies `src` of the team's PE `root` into `dest` of every member (root included); src.size()
// elements, and dest must hold that many.
template <rma_type T>
void broadcast(const team& t, std::span<T> dest, std::type_identity_t<std::span<const T>> src, int root) {
  assert(dest.size() >= src.size());
  detail::check_rc(shmem_broadcastmem(t.native_handle(), dest.data(), src.data(), src.size_bytes(), root),
                   "causeway::broadcast: shmem_broadcastmem failed");
}

// Concatenates every member's `src`, in team order, into every member's `dest`; src.size() may
// differ per PE, and dest must hold the total.
template <rma_type T>
void collect(const team& t, std::span<T> dest, std::type_identity_t<std::span<const T>> src) {
  assert(dest.size() >= src.size());
  detail::check_rc(shmem_collectmem(t.native_handle(), dest.data(), src.data(), src.size_bytes()),
                   "causeway::collect: shmem_collectmem failed");
}

// As collect, with the same src.size() on every member; dest holds src.size() * t.n_pes().
template <rma_type T>
void fcollect(const team& t, std::span<T> dest, std::type_identity_t<std::span<const T>> src) {
  assert(dest.size() >= src.size() * static_cast<std::size_t>(t.n_pes() > 0 ? t.n_pes() : 0));
  detail::check_rc(shmem_fcollectmem(t.native_handle(), dest.data(), src.data(), src.size_bytes()),
                   "causeway::fcollect: shmem_fcollectmem failed");
}

// `src` holds t.n_pes() equal blocks; block j goes to member j, into block i of its `dest` (i this
// PE's team number). dest holds src.size() elements.
template <rma_type T>
void alltoall(const team& t, std::span<T> dest, std::type_identity_t<std::span<const T>> src) {
  const int n = t.n_pes();
  const std::size_t block = n > 0 ? src.size() / static_cast<std::size_t>(n) : 0;
  assert(n <= 0 || src.size() % static_cast<std::size_t>(n) == 0);
  assert(dest.size() >= src.size());
  detail::check_rc(shmem_alltoallmem(t.native_handle(), dest.data(), src.data(), block * sizeof(T)),
                   "causeway::alltoall: shmem_alltoallmem failed");
}

// ---- Reductions: dest[i] = op over the members of src[i], for i < src.size() ----
// Op: std::plus<>, std::multiplies<> (sum, prod), std::bit_and<>, std::bit_or<>, std::bit_xor<>
// (and, or, xor), causeway::minimum<>, causeway::maximum<> (min, max), or the same with <T>.
template <class T, class Op>
void reduce(const team& t, std::span<T> dest, std::type_identity_t<std::span<const T>> src, Op op) {
  (void)op;  // only its type matters
  constexpr detail::reduce_kind kind = detail::reduce_kind_of<std::remove_cvref_t<Op>, std::remove_cv_t<T>>;
  static_assert(kind != detail::reduce_kind::none,
                "causeway::reduce: unsupported reduction operation; the allowed ops are std::plus<>, "
                "std::multiplies<>, std::bit_and<>, std::bit_or<>, std::bit_xor<>, causeway::minimum<> and "
                "causeway::maximum<> (or each with <T>, T the element type)");
  assert(dest.size() >= src.size());
  const shmem_team_t h = t.native_handle();
  int rc = 0;
  if constexpr (kind == detail::reduce_kind::sum || kind == detail::reduce_kind::prod) {
    static_assert(
        detail::in_openshmem_arith_reduce_types<T>,
        "causeway::reduce: std::plus and std::multiplies need T in the OpenSHMEM sum/prod reduction "
        "types (the standard integer and floating types, std::complex<float>, std::complex<double>)");
    if constexpr (detail::in_openshmem_arith_reduce_types<T>) {
      using ops = detail::reduce_arith_ops<T>;
      rc = kind == detail::reduce_kind::sum ? ops::sum(h, dest.data(), src.data(), src.size())
                                            : ops::prod(h, dest.data(), src.data(), src.size());
    }
  } else if constexpr (kind == detail::reduce_kind::min || kind == detail::reduce_kind::max) {
    static_assert(detail::in_openshmem_minmax_reduce_types<T>,
                  "causeway::reduce: causeway::minimum and causeway::maximum need T in the OpenSHMEM min/max "
                  "reduction types (the standard integer and floating types; no complex)");
    if constexpr (detail::in_openshmem_minmax_reduce_types<T>) {
      using ops = detail::reduce_minmax_ops<T>;
      rc = kind == detail::reduce_kind::min ? ops::min(h, dest.data(), src.data(), src.size())
                                            : ops::max(h, dest.data(), src.data(), src.size());
    }
  } else if constexpr (kind != detail::reduce_kind::none) {
    static_assert(
        detail::in_openshmem_bitwise_reduce_types<T>,
        "causeway::reduce: std::bit_and, std::bit_or and std::bit_xor need T in the OpenSHMEM bitwise "
        "reduction types (unsigned char/short/int/long/long long, the fixed-width integers, size_t; "
        "no floating point)");
    if constexpr (detail::in_openshmem_bitwise_reduce_types<T>) {
      using ops = detail::reduce_bitwise_ops<T>;
      rc = kind == detail::reduce_kind::and_  ? ops::and_(h, dest.data(), src.data(), src.size())
           : kind == detail::reduce_kind::or_ ? ops::or_(h, dest.data(), src.data(), src.size())
                                              : ops::xor_(h, dest.data(), src.data(), src.size());
    }
  }
  detail::check_rc(rc, "causeway::reduce: the shmem_TYPENAME_OP_reduce call failed");
}

// ---- Prefix sums (OpenSHMEM 1.6 scans): Op must be std::plus<> (or std::plus<T>) ----
namespace detail {
template <bool Inclusive, class T, class Op>
void scan(const team& t, std::span<T> dest, std::span<const T> src) {
  static_assert(
      reduce_kind_of<std::remove_cvref_t<Op>, std::remove_cv_t<T>> == reduce_kind::sum,
      "causeway::inclusive_scan/exclusive_scan: unsupported scan operation; OpenSHMEM scans are sums, "
      "so the only allowed op is std::plus<> (or std::plus<T>, T the element type)");
  static_assert(
      in_openshmem_arith_reduce_types<T>,
      "causeway::inclusive_scan/exclusive_scan need T in the OpenSHMEM sum reduction types (the standard "
      "integer and floating types, std::complex<float>, std::complex<double>)");
  if constexpr (reduce_kind_of<std::remove_cvref_t<Op>, std::remove_cv_t<T>> == reduce_kind::sum &&
                in_openshmem_arith_reduce_types<T>) {
    assert(dest.size() >= src.size());
    using ops = reduce_arith_ops<T>;
    const int rc = Inclusive ? ops::inscan(t.native_handle(), dest.data(), src.data(), src.size())
                             : ops::exscan(t.native_handle(), dest.data(), src.data(), src.size());
    check_rc(rc, "causeway::inclusive_scan/exclusive_scan: the shmem_TYPENAME_sum_{in,ex}scan call failed");
  }
}
}  // namespace detail

// dest[i] = the sum of src[i] over the members numbered 0..my_pe() of the team.
template <class T, class Op = std::plus<>>
void inclusive_scan(const team& t, std::span<T> dest, std::type_identity_t<std::span<const T>> src, Op = {}) {
  detail::scan<true, T, Op>(t, dest, src);
}
// dest[i] = the sum of src[i] over the members numbered 0..my_pe()-1 (zero on member 0).
template <class T, class Op = std::plus<>>
void exclusive_scan(const team& t, std::span<T> dest, std::type_identity_t<std::span<const T>> src, Op = {}) {
  detail::scan<false, T, Op>(t, dest, src);
}

// ---- The same with `dest` a sym_array (or another contiguous range that is not a span) ----
template <detail::contiguous_non_span D>
void broadcast(const team& t, D& dest, std::type_identity_t<std::span<const detail::range_elem<D>>> src,
               int root) {
  broadcast(t, std::span<detail::range_elem<D>>(dest), src, root);
}
template <detail::contiguous_non_span D>
void collect(const team& t, D& dest, std::type_identity_t<std::span<const detail::range_elem<D>>> src) {
  collect(t, std::span<detail::range_elem<D>>(dest), src);
}
template <detail::contiguous_non_span D>
void fcollect(const team& t, D& dest, std::type_identity_t<std::span<const detail::range_elem<D>>> src) {
  fcollect(t, std::span<detail::range_elem<D>>(dest), src);
}
template <detail::contiguous_non_span D>
void alltoall(const team& t, D& dest, std::type_identity_t<std::span<const detail::range_elem<D>>> src) {
  alltoall(t, std::span<detail::range_elem<D>>(dest), src);
}
template <detail::contiguous_non_span D, class Op>
void reduce(const team& t, D& dest, std::type_identity_t<std::span<const detail::range_elem<D>>> src, Op op) {
  reduce(t, std::span<detail::range_elem<D>>(dest), src, op);
}
template <detail::contiguous_non_span D, class Op = std::plus<>>
void inclusive_scan(const team& t, D& dest, std::type_identity_t<std::span<const detail::range_elem<D>>> src,
                    Op op = {}) {
  inclusive_scan(t, std::span<detail::range_elem<D>>(dest), src, op);
}
template <detail::contiguous_non_span D, class Op = std::plus<>>
void exclusive_scan(const team& t, D& dest, std::type_identity_t<std::span<const detail::range_elem<D>>> src,
                    Op op = {}) {
  exclusive_scan(t, std::span<detail::range_elem<D>>(dest), src, op);
}

}  // namespace causeway
