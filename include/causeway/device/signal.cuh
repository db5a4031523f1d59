// SPDX-License-Identifier: BSD-3-Clause
// Put-with-signal and point-to-point waits on the device: put_signal[_nbi], putmem_signal[_nbi],
// signal_fetch, signal_wait_until, wait_until and test. The waits spin on the local PE's word with
// system-scope acquire loads, so data put before a signal is visible once the wait returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cuda/atomic>
#include <type_traits>

#include "causeway/device/checks.cuh"
#include "causeway/device/rma.cuh"
#include "causeway/device/scope.cuh"
#include "causeway/device/world.cuh"

namespace causeway::device {

// What a put_signal does to the signal word; the values are SHMEM_SIGNAL_SET / SHMEM_SIGNAL_ADD.
enum class signal_op : int { set = 0, add = 1 };

// Comparison of a waited-on word with a value; the values are SHMEM_CMP_*.
enum class cmp : int { eq = 0, ne = 1, gt = 2, ge = 3, lt = 4, le = 5 };

namespace detail {

// Types a device wait/test accepts: SHMEM's point-to-point synchronisation types (size_t,
// ptrdiff_t and the fixed-width ones are aliases of these).
template <typename T>
inline constexpr bool is_wait_int =
    std::is_same_v<T, short> || std::is_same_v<T, unsigned short> || std::is_same_v<T, int> ||
    std::is_same_v<T, unsigned int> || std::is_same_v<T, long> || std::is_same_v<T, unsigned long> ||
    std::is_same_v<T, long long> || std::is_same_v<T, unsigned long long>;

template <typename T>
__device__ inline bool compare(T seen, cmp c, T value) {
  switch (c) {
    case cmp::eq: return seen == value;
    case cmp::ne: return seen != value;
    case cmp::gt: return seen > value;
    case cmp::ge: return seen >= value;
    case cmp::lt: return seen < value;
    case cmp::le: return seen <= value;
  }
  return false;
}

__device__ inline const char* cmp_name(cmp c) {
  switch (c) {
    case cmp::eq: return "eq";
    case cmp::ne: return "ne";
    case cmp::gt: return "gt";
    case cmp::ge: return "ge";
    case cmp::lt: return "lt";
    case cmp::le: return "le";
  }
  return "?";
}

__device__ inline uint64_t global_ns() {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// Exponential backoff between polls, capped so a wait still reacts within about a microsecond.
__device__ inline void backoff(unsigned& ns) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 700
  __nanosleep(ns);
  if (ns < 1024) ns *= 2;
#else
  (void)ns;
#endif
}

template <typename T>
__device__ inline T load_acquire(const T* local) {
  return cuda::atomic_ref<T, cuda::thread_scope_system>(*const_cast<T*>(local))
      .load(cuda::memory_order_acquire);
}

// Spins until compare(*local, c, value) holds and returns the value that satisfied it. With a
// nonzero timeout_ns it gives up after that long: prints what it waited for (`what` is the call, `noun`
// the kind of word, `from_pe` the PE expected to write it, if known) and traps.
template <typename T>
__device__ inline T wait_impl(const world* w, T* local, cmp c, T value, uint64_t timeout_ns, const char* what,
                              const char* noun, int from_pe = -1) {
  const uint64_t start = timeout_ns != 0 ? global_ns() : 0;
  unsigned ns = 32;
  for (;;) {
    const T seen = load_acquire(local);
    if (compare(seen, c, value)) return seen;
    if (timeout_ns != 0) {
      const uint64_t waited = global_ns() - start;
      if (waited >= timeout_ns) {
        const int me = w != nullptr ? static_cast<int>(w->my_pe) : -1;
        if (from_pe >= 0)
          printf("causeway device [PE %d] %s: PE %d has not written the %s below\n", me, what, from_pe, noun);
        if constexpr (std::is_signed_v<T>) {
          printf(
              "causeway device [PE %d] %s: timed out after %llu ns waiting for %s at %p (cmp %s, value %lld, "
              "last seen %lld)\n",
              me, what, static_cast<unsigned long long>(waited), noun, static_cast<void*>(local), cmp_name(c),
              static_cast<long long>(value), static_cast<long long>(seen));
        } else {
          printf(
              "causeway device [PE %d] %s: timed out after %llu ns waiting for %s at %p (cmp %s, value %llu, "
              "last seen %llu)\n",
              me, what, static_cast<unsigned long long>(waited), noun, static_cast<void*>(local), cmp_name(c),
              static_cast<unsigned long long>(value), static_cast<unsigned long long>(seen));
        }
        __trap();
      }
    }
    backoff(ns);
  }
}

template <scope S>
__device__ inline void putmem_signal_impl(const world& w, void* dst, const void* src, size_t bytes,
                                          size_t align, uint64_t* sig, uint64_t value, signal_op op, int pe,
                                          const char* what) {
#ifdef CAUSEWAY_DEVICE_CHECKS
  if (rank_in<S>() == 0) {
    check_remote(w, dst, bytes, align, pe, what, "dest");
    check_range(w, sig, sizeof(uint64_t), alignof(uint64_t), what, "signal");
    if (op == signal_op::add) check_route(w, pe, what, true);
    if (op != signal_op::set && op != signal_op::add) {
      printf("causeway device [PE %d] %s: signal op %d is neither set (0) nor add (1)\n",
             static_cast<int>(w.my_pe), what, static_cast<int>(op));
      __trap();
    }
  }
  sync<S>();
#endif
  if (bytes != 0) copy_bytes<S>(translate(w, dst, pe), src, bytes);
  sync<S>();
  if (rank_in<S>() == 0) {
    // The scope's stores reached rank 0 through sync<S>; the system fence and the release make all
    // of them visible before the signal is.
    __threadfence_system();
    cuda::atomic_ref<uint64_t, cuda::thread_scope_system> ref(*translate(w, sig, pe));
    if (op == signal_op::add) {
      ref.fetch_add(value, cuda::memory_order_release);
    } else {
      ref.store(value, cuda::memory_order_release);
    }
  }
  sync<S>();
}

}  // namespace detail

// Copy nelems elements to PE pe's dst, then update PE pe's copy of the symmetric signal word sig.
// A PE that sees the signal (signal_wait_until, wait_until) also sees the data.
template <scope S, typename T>
__device__ inline void put_signal(const world& w, T* dst, const T* src, size_t nelems, uint64_t* sig,
                                  uint64_t value, signal_op op, int pe) {
  static_assert(std::is_trivially_copyable_v<T>, "put_signal: T must be trivially copyable");
  detail::putmem_signal_impl<S>(w, dst, src, nelems * sizeof(T), alignof(T), sig, value, op, pe,
                                "put_signal");
}

// Same as put_signal on a p2p route (the signal is already written on return).
template <scope S, typename T>
__device__ inline void put_signal_nbi(const world& w, T* dst, const T* src, size_t nelems, uint64_t* sig,
                                      uint64_t value, signal_op op, int pe) {
  static_assert(std::is_trivially_copyable_v<T>, "put_signal_nbi: T must be trivially copyable");
  detail::putmem_signal_impl<S>(w, dst, src, nelems * sizeof(T), alignof(T), sig, value, op, pe,
                                "put_signal_nbi");
}

template <scope S>
__device__ inline void putmem_signal(const world& w, void* dst, const void* src, size_t bytes, uint64_t* sig,
                                     uint64_t value, signal_op op, int pe) {
  detail::putmem_signal_impl<S>(w, dst, src, bytes, 1, sig, value, op, pe, "putmem_signal");
}

template <scope S>
__device__ inline void putmem_signal_nbi(const world& w, void* dst, const void* src, size_t bytes,
                                         uint64_t* sig, uint64_t value, signal_op op, int pe) {
  detail::putmem_signal_impl<S>(w, dst, src, bytes, 1, sig, value, op, pe, "putmem_signal_nbi");
}

// The local signal word's current value (acquire).
[[nodiscard]] __device__ inline uint64_t signal_fetch(const uint64_t* sig) {
  return detail::load_acquire(sig);
}

// Waits until the local signal word compares true with value; returns the value that satisfied it.
__device__ inline uint64_t signal_wait_until(uint64_t* sig, cmp c, uint64_t value) {
  return detail::wait_impl<uint64_t>(nullptr, sig, c, value, 0, "signal_wait_until", "signal");
}

// As above, but traps with a message naming this PE after timeout_ns (0: wait forever).
__device__ inline uint64_t signal_wait_until(const world& w, uint64_t* sig, cmp c, uint64_t value,
                                             uint64_t timeout_ns) {
#ifdef CAUSEWAY_DEVICE_CHECKS
  detail::check_version(w, "signal_wait_until");
  detail::check_range(w, sig, sizeof(uint64_t), alignof(uint64_t), "signal_wait_until", "signal");
#endif
  return detail::wait_impl<uint64_t>(&w, sig, c, value, timeout_ns, "signal_wait_until", "signal");
}

// Waits until the local ivar compares true with value; returns the value that satisfied it.
template <typename T>
__device__ inline T wait_until(T* ivar, cmp c, std::type_identity_t<T> value) {
  static_assert(detail::is_wait_int<T>, "wait_until: T must be a SHMEM point-to-point synchronisation type");
  return detail::wait_impl<T>(nullptr, ivar, c, value, 0, "wait_until", "ivar");
}

// As above, but traps with a message naming this PE after timeout_ns (0: wait forever).
template <typename T>
__device__ inline T wait_until(const world& w, T* ivar, cmp c, std::type_identity_t<T> value,
                               uint64_t timeout_ns) {
  static_assert(detail::is_wait_int<T>, "wait_until: T must be a SHMEM point-to-point synchronisation type");
#ifdef CAUSEWAY_DEVICE_CHECKS
  detail::check_version(w, "wait_until");
  detail::check_range(w, ivar, sizeof(T), alignof(T), "wait_until", "ivar");
#endif
  return detail::wait_impl<T>(&w, ivar, c, value, timeout_ns, "wait_until", "ivar");
}

// Whether the local ivar compares true with value now (one acquire load, no waiting).
template <typename T>
[[nodiscard]] __device__ inline bool test(T* ivar, cmp c, std::type_identity_t<T> value) {
  static_assert(detail::is_wait_int<T>, "test: T must be a SHMEM point-to-point synchronisation type");
  return detail::compare(detail::load_acquire(ivar), c, value);
}

}  // namespace causeway::device
