// SPDX-License-Identifier: BSD-3-Clause
// Device-initiated RMA over peer mappings: single-element p/g, and cooperative put/get (typed and
// byte forms, blocking and _nbi) at thread, warp or block scope.
//
// A scoped call must be made by every thread of the scope with the same arguments; the copy is
// split over the threads, and the call ends with sync<S>() so the whole scope sees it finished.
// On a p2p route an _nbi call does the same work as the blocking one: its stores are issued when it
// returns, but as with the blocking forms a put is only known to be complete at the target (visible
// to the target PE and to other PEs) after fence/quiet (sync.cuh), or a put_signal's release.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "causeway/device/checks.cuh"
#include "causeway/device/scope.cuh"
#include "causeway/device/world.cuh"

namespace causeway::device {

namespace detail {

// Copies whole W-sized words [0, n) split over the scope. Plain (not __restrict__) pointers on
// purpose: a read-only (.nc) load is wrong for peer memory that may change during the kernel.
template <typename W>
__device__ inline void copy_words(W* dst, const W* src, size_t n, unsigned rank, unsigned nthreads) {
#pragma unroll 4
  for (size_t i = rank; i < n; i += nthreads) dst[i] = src[i];
}

// Byte copy over the scope, using the widest word (16, 8, 4 bytes) that the two pointers share an
// alignment for: unaligned head bytes, a word body, then tail bytes.
template <typename W>
__device__ inline bool try_copy_words(unsigned char* dst, const unsigned char* src, size_t bytes,
                                      unsigned rank, unsigned nthreads) {
  constexpr uintptr_t mask = sizeof(W) - 1;
  const uintptr_t d = reinterpret_cast<uintptr_t>(dst);
  if (((d ^ reinterpret_cast<uintptr_t>(src)) & mask) != 0) return false;
  size_t head = (sizeof(W) - (d & mask)) & mask;
  if (head > bytes) head = bytes;
  const size_t words = (bytes - head) / sizeof(W);
  const size_t tail_start = head + words * sizeof(W);
  // Head and tail are under 16 bytes each: give them to threads from the top down so they overlap
  // with the body's first words instead of all landing on rank 0.
  for (size_t i = rank; i < head; i += nthreads) dst[i] = src[i];
  copy_words(reinterpret_cast<W*>(dst + head), reinterpret_cast<const W*>(src + head), words, rank, nthreads);
  for (size_t i = tail_start + (nthreads - 1 - rank); i < bytes; i += nthreads) dst[i] = src[i];
  return true;
}

template <scope S>
__device__ inline void copy_bytes(void* dst, const void* src, size_t bytes) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  const unsigned rank = rank_in<S>();
  const unsigned n = size_of<S>();
  if (try_copy_words<uint4>(d, s, bytes, rank, n)) return;
  if (try_copy_words<uint64_t>(d, s, bytes, rank, n)) return;
  if (try_copy_words<uint32_t>(d, s, bytes, rank, n)) return;
  copy_words(d, s, bytes, rank, n);
}

// Validates once per scope (rank 0 prints and traps), and syncs so no thread of the scope touches
// memory before the check has passed. Nothing at all without CAUSEWAY_DEVICE_CHECKS.
template <scope S>
__device__ inline void check_scoped(const world& w, const void* sym, size_t bytes, size_t align, int pe,
                                    const char* what, const char* arg) {
#ifdef CAUSEWAY_DEVICE_CHECKS
  if (rank_in<S>() == 0) check_remote(w, sym, bytes, align, pe, what, arg);
  sync<S>();
#else
  (void)w;
  (void)sym;
  (void)bytes;
  (void)align;
  (void)pe;
  (void)what;
  (void)arg;
#endif
}

template <scope S>
__device__ inline void putmem_impl(const world& w, void* dst, const void* src, size_t bytes, size_t align,
                                   int pe, const char* what) {
  check_scoped<S>(w, dst, bytes, align, pe, what, "dest");
  if (bytes != 0) copy_bytes<S>(translate(w, dst, pe), src, bytes);
  sync<S>();
}

template <scope S>
__device__ inline void getmem_impl(const world& w, void* dst, const void* src, size_t bytes, size_t align,
                                   int pe, const char* what) {
  check_scoped<S>(w, src, bytes, align, pe, what, "source");
  if (bytes != 0) copy_bytes<S>(dst, translate(w, src, pe), bytes);
  sync<S>();
}

// Scalars go through a volatile access so a g in a polling loop is reloaded every time.
template <typename T>
inline constexpr bool volatile_ok = std::is_arithmetic_v<T> || std::is_enum_v<T> || std::is_pointer_v<T>;

}  // namespace detail

// Store one element to PE pe's copy of dst (thread scope).
template <typename T>
__device__ inline void p(const world& w, T* dst, std::type_identity_t<T> value, int pe) {
  static_assert(std::is_trivially_copyable_v<T>, "p: T must be trivially copyable");
  T* peer = detail::peer_ptr_checked(w, dst, 1, pe, "p", "dest");
  if constexpr (detail::volatile_ok<T>) {
    *static_cast<volatile T*>(peer) = value;
  } else {
    *peer = value;
  }
}

// Load one element from PE pe's copy of src (thread scope).
template <typename T>
[[nodiscard]] __device__ inline T g(const world& w, const T* src, int pe) {
  static_assert(std::is_trivially_copyable_v<T>, "g: T must be trivially copyable");
  const T* peer = detail::peer_ptr_checked(w, src, 1, pe, "g", "source");
  if constexpr (detail::volatile_ok<T>) {
    return *static_cast<const volatile T*>(peer);
  } else {
    return *peer;
  }
}

// Copy nelems elements from local src to PE pe's copy of symmetric dst.
template <scope S, typename T>
__device__ inline void put(const world& w, T* dst, const T* src, size_t nelems, int pe) {
  static_assert(std::is_trivially_copyable_v<T>, "put: T must be trivially copyable");
  detail::putmem_impl<S>(w, dst, src, nelems * sizeof(T), alignof(T), pe, "put");
}

// Copy nelems elements from PE pe's copy of symmetric src to local dst.
template <scope S, typename T>
__device__ inline void get(const world& w, T* dst, const T* src, size_t nelems, int pe) {
  static_assert(std::is_trivially_copyable_v<T>, "get: T must be trivially copyable");
  detail::getmem_impl<S>(w, dst, src, nelems * sizeof(T), alignof(T), pe, "get");
}

// Same as put on a p2p route; completion at the target is at fence/quiet.
template <scope S, typename T>
__device__ inline void put_nbi(const world& w, T* dst, const T* src, size_t nelems, int pe) {
  static_assert(std::is_trivially_copyable_v<T>, "put_nbi: T must be trivially copyable");
  detail::putmem_impl<S>(w, dst, src, nelems * sizeof(T), alignof(T), pe, "put_nbi");
}

// Same as get on a p2p route: dst is already complete on return (quiet is still the portable way
// to wait for it).
template <scope S, typename T>
__device__ inline void get_nbi(const world& w, T* dst, const T* src, size_t nelems, int pe) {
  static_assert(std::is_trivially_copyable_v<T>, "get_nbi: T must be trivially copyable");
  detail::getmem_impl<S>(w, dst, src, nelems * sizeof(T), alignof(T), pe, "get_nbi");
}

template <scope S>
__device__ inline void putmem(const world& w, void* dst, const void* src, size_t bytes, int pe) {
  detail::putmem_impl<S>(w, dst, src, bytes, 1, pe, "putmem");
}

template <scope S>
__device__ inline void getmem(const world& w, void* dst, const void* src, size_t bytes, int pe) {
  detail::getmem_impl<S>(w, dst, src, bytes, 1, pe, "getmem");
}

template <scope S>
__device__ inline void putmem_nbi(const world& w, void* dst, const void* src, size_t bytes, int pe) {
  detail::putmem_impl<S>(w, dst, src, bytes, 1, pe, "putmem_nbi");
}

template <scope S>
__device__ inline void getmem_nbi(const world& w, void* dst, const void* src, size_t bytes, int pe) {
  detail::getmem_impl<S>(w, dst, src, bytes, 1, pe, "getmem_nbi");
}

}  // namespace causeway::device
