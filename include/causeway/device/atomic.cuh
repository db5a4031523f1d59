// SPDX-License-Identifier: BSD-3-Clause
// Thread-scope atomics on a peer's symmetric object, as system-scope cuda::atomic_ref operations.
// Relaxed order: like SHMEM atomics they are unordered with other accesses except through
// fence/quiet (sync.cuh). Bitwise ones take only unsigned integer types.
#pragma once

#include <cuda/atomic>
#include <type_traits>

#include "causeway/device/checks.cuh"
#include "causeway/device/world.cuh"

namespace causeway::device {

namespace detail {

// int32_t, uint32_t, int64_t and uint64_t are aliases of these on every CUDA host platform.
template <typename T>
inline constexpr bool is_amo_int =
    std::is_same_v<T, int> || std::is_same_v<T, unsigned int> || std::is_same_v<T, long> ||
    std::is_same_v<T, unsigned long> || std::is_same_v<T, long long> || std::is_same_v<T, unsigned long long>;

template <typename T>
inline constexpr bool is_amo_bitwise = is_amo_int<T> &&
                                       (std::is_unsigned_v<T> || std::is_same_v<T, int32_t> ||
                                        std::is_same_v<T, int64_t>);

template <typename T>
inline constexpr bool is_amo_extended =
    is_amo_int<T> || std::is_same_v<T, float> || std::is_same_v<T, double>;

template <typename T>
using system_ref = cuda::atomic_ref<T, cuda::thread_scope_system>;

inline constexpr auto relaxed = cuda::memory_order_relaxed;

// rmw: a read-modify-write, which a link without native atomics would not keep atomic (an aligned
// load or store alone is atomic on any link).
template <typename T>
__device__ inline system_ref<T> amo_ref(const world& w, const T* sym, int pe, const char* what,
                                        bool rmw = true) {
  return system_ref<T>(*peer_ptr_checked(w, const_cast<T*>(sym), 1, pe, what, "address", rmw));
}

}  // namespace detail

template <typename T>
[[nodiscard]] __device__ inline T atomic_fetch(const world& w, const T* src, int pe) {
  static_assert(detail::is_amo_extended<T>, "atomic_fetch: T must be an integer AMO type, float or double");
  return detail::amo_ref(w, src, pe, "atomic_fetch", false).load(detail::relaxed);
}

template <typename T>
__device__ inline void atomic_set(const world& w, T* dst, std::type_identity_t<T> value, int pe) {
  static_assert(detail::is_amo_extended<T>, "atomic_set: T must be an integer AMO type, float or double");
  detail::amo_ref(w, dst, pe, "atomic_set", false).store(value, detail::relaxed);
}

template <typename T>
__device__ inline T atomic_swap(const world& w, T* dst, std::type_identity_t<T> value, int pe) {
  static_assert(detail::is_amo_extended<T>, "atomic_swap: T must be an integer AMO type, float or double");
  return detail::amo_ref(w, dst, pe, "atomic_swap").exchange(value, detail::relaxed);
}

// Stores value if the peer's object equals cond; returns what it held before either way.
template <typename T>
__device__ inline T atomic_compare_swap(const world& w, T* dst, std::type_identity_t<T> cond,
                                        std::type_identity_t<T> value, int pe) {
  static_assert(detail::is_amo_int<T>, "atomic_compare_swap: T must be an integer AMO type");
  T expected = cond;
  detail::amo_ref(w, dst, pe, "atomic_compare_swap")
      .compare_exchange_strong(expected, value, detail::relaxed);
  return expected;  // on failure compare_exchange loaded the current value into it
}

template <typename T>
__device__ inline T atomic_fetch_add(const world& w, T* dst, std::type_identity_t<T> value, int pe) {
  static_assert(detail::is_amo_int<T>, "atomic_fetch_add: T must be an integer AMO type");
  return detail::amo_ref(w, dst, pe, "atomic_fetch_add").fetch_add(value, detail::relaxed);
}

template <typename T>
__device__ inline void atomic_add(const world& w, T* dst, std::type_identity_t<T> value, int pe) {
  static_assert(detail::is_amo_int<T>, "atomic_add: T must be an integer AMO type");
  detail::amo_ref(w, dst, pe, "atomic_add").fetch_add(value, detail::relaxed);
}

template <typename T>
__device__ inline T atomic_fetch_inc(const world& w, T* dst, int pe) {
  static_assert(detail::is_amo_int<T>, "atomic_fetch_inc: T must be an integer AMO type");
  return detail::amo_ref(w, dst, pe, "atomic_fetch_inc").fetch_add(T{1}, detail::relaxed);
}

template <typename T>
__device__ inline void atomic_inc(const world& w, T* dst, int pe) {
  static_assert(detail::is_amo_int<T>, "atomic_inc: T must be an integer AMO type");
  detail::amo_ref(w, dst, pe, "atomic_inc").fetch_add(T{1}, detail::relaxed);
}

// The bitwise family: atomic_fetch_and / atomic_and, _or, _xor (the OpenSHMEM bitwise types:
// unsigned integers and int32_t/int64_t).
#define CAUSEWAY_DEVICE_BITWISE_AMO(op)                                                                  \
  template <typename T>                                                                                  \
  __device__ inline T atomic_fetch_##op(const world& w, T* dst, std::type_identity_t<T> value, int pe) { \
    static_assert(detail::is_amo_bitwise<T>, "atomic_fetch_" #op ": T must be a bitwise AMO type");      \
    return detail::amo_ref(w, dst, pe, "atomic_fetch_" #op).fetch_##op(value, detail::relaxed);          \
  }                                                                                                      \
  template <typename T>                                                                                  \
  __device__ inline void atomic_##op(const world& w, T* dst, std::type_identity_t<T> value, int pe) {    \
    static_assert(detail::is_amo_bitwise<T>, "atomic_" #op ": T must be a bitwise AMO type");            \
    detail::amo_ref(w, dst, pe, "atomic_" #op).fetch_##op(value, detail::relaxed);                       \
  }
CAUSEWAY_DEVICE_BITWISE_AMO(and)
CAUSEWAY_DEVICE_BITWISE_AMO(or)
CAUSEWAY_DEVICE_BITWISE_AMO(xor)
#undef CAUSEWAY_DEVICE_BITWISE_AMO

}  // namespace causeway::device
