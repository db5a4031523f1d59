// SPDX-License-Identifier: BSD-3-Clause
// Point-to-point synchronization: wait for (or test) a symmetric variable that other PEs update,
// over the shmem_TYPENAME_wait_until / _test C functions, expanded from CW_P2P_SYNC_TYPES.
#pragma once

#include <shmem.h>

#include <cstddef>
#include <span>
#include <type_traits>

#include "causeway/type_dispatch.hpp"

namespace causeway {

// Comparison operators, with the SHMEM_CMP_* values.
enum class cmp : int {
  eq = SHMEM_CMP_EQ,
  ne = SHMEM_CMP_NE,
  gt = SHMEM_CMP_GT,
  ge = SHMEM_CMP_GE,
  lt = SHMEM_CMP_LT,
  le = SHMEM_CMP_LE,
};

namespace detail {

#define CW_CPP_P2P_SYNC(TYPE, NAME)                                                                 \
  struct p2p_sync_##NAME {                                                                          \
    using type = TYPE;                                                                              \
    static void wait_until(TYPE* v, int c, TYPE x) noexcept { shmem_##NAME##_wait_until(v, c, x); } \
    static bool test(TYPE* v, int c, TYPE x) noexcept { return shmem_##NAME##_test(v, c, x) != 0; } \
    static void wait_until_all(TYPE* v, std::size_t n, int c, TYPE x) noexcept {                    \
      shmem_##NAME##_wait_until_all(v, n, nullptr, c, x);                                           \
    }                                                                                               \
    static std::size_t wait_until_any(TYPE* v, std::size_t n, int c, TYPE x) noexcept {             \
      return shmem_##NAME##_wait_until_any(v, n, nullptr, c, x);                                    \
    }                                                                                               \
    static bool test_all(TYPE* v, std::size_t n, int c, TYPE x) noexcept {                          \
      return shmem_##NAME##_test_all(v, n, nullptr, c, x) != 0;                                     \
    }                                                                                               \
    static std::size_t test_any(TYPE* v, std::size_t n, int c, TYPE x) noexcept {                   \
      return shmem_##NAME##_test_any(v, n, nullptr, c, x);                                          \
    }                                                                                               \
  };
CW_P2P_SYNC_TYPES(CW_CPP_P2P_SYNC)
#undef CW_CPP_P2P_SYNC

#define CW_CPP_OPS_P2P_SYNC(TYPE, NAME) , p2p_sync_##NAME
template <class T>
using p2p_sync_ops = typename find_ops<T CW_P2P_SYNC_TYPES(CW_CPP_OPS_P2P_SYNC)>::type;
#undef CW_CPP_OPS_P2P_SYNC

template <class T>
inline constexpr bool in_openshmem_p2p_sync_types = !std::is_same_v<p2p_sync_ops<T>, no_ops>;

}  // namespace detail

// T is in the OpenSHMEM point-to-point synchronization types (short, int, long, long long, their
// unsigned forms, the fixed-width 32/64-bit integers, size_t, ptrdiff_t).
template <class T>
concept p2p_sync_type = detail::in_openshmem_p2p_sync_types<T>;

// Blocks until `*ivar` (symmetric, updated by other PEs) compares `c` to `value`.
template <p2p_sync_type T>
void wait_until(T* ivar, cmp c, std::type_identity_t<T> value) noexcept {
  detail::p2p_sync_ops<T>::wait_until(ivar, static_cast<int>(c), value);
}

// Whether `*ivar` compares `c` to `value` now.
template <p2p_sync_type T>
[[nodiscard]] bool test(T* ivar, cmp c, std::type_identity_t<T> value) noexcept {
  return detail::p2p_sync_ops<T>::test(ivar, static_cast<int>(c), value);
}

// Blocks until every element of `ivars` compares `c` to `value`.
template <p2p_sync_type T>
void wait_until_all(std::span<T> ivars, cmp c, std::type_identity_t<T> value) noexcept {
  detail::p2p_sync_ops<T>::wait_until_all(ivars.data(), ivars.size(), static_cast<int>(c), value);
}

// Blocks until some element compares `c` to `value`; returns its index (SIZE_MAX for no elements).
template <p2p_sync_type T>
std::size_t wait_until_any(std::span<T> ivars, cmp c, std::type_identity_t<T> value) noexcept {
  return detail::p2p_sync_ops<T>::wait_until_any(ivars.data(), ivars.size(), static_cast<int>(c), value);
}

// Whether every element compares `c` to `value` now.
template <p2p_sync_type T>
[[nodiscard]] bool test_all(std::span<T> ivars, cmp c, std::type_identity_t<T> value) noexcept {
  return detail::p2p_sync_ops<T>::test_all(ivars.data(), ivars.size(), static_cast<int>(c), value);
}

// The index of an element that compares `c` to `value` now, or SIZE_MAX.
template <p2p_sync_type T>
[[nodiscard]] std::size_t test_any(std::span<T> ivars, cmp c, std::type_identity_t<T> value) noexcept {
  return detail::p2p_sync_ops<T>::test_any(ivars.data(), ivars.size(), static_cast<int>(c), value);
}

}  // namespace causeway
