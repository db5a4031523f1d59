// SPDX-License-Identifier: BSD-3-Clause
// Symmetric address translation (peer_ptr, ptr) and the argument checks of the device API. Define
// CAUSEWAY_DEVICE_CHECKS before including any device header to validate PEs, heap ranges and routes
// in every call: a bad argument prints what was wrong and traps the kernel. Without it there are no
// checks, so a bad argument is undefined behaviour, as in SHMEM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <type_traits>

#include "causeway/device/world.cuh"

// How long the waits a kernel cannot be told a timeout for (device barriers, the collectives'
// packet waits) spin before they print what they waited for, and for which PE, and trap: 0 waits
// forever. Checks mode defaults to 60 s, so a PE that never arrives ends a test instead of hanging
// it; define this before including the headers to choose.
#ifndef CAUSEWAY_DEVICE_WAIT_TIMEOUT_NS
#ifdef CAUSEWAY_DEVICE_CHECKS
#define CAUSEWAY_DEVICE_WAIT_TIMEOUT_NS 60000000000ull
#else
#define CAUSEWAY_DEVICE_WAIT_TIMEOUT_NS 0ull
#endif
#endif

namespace causeway::device {

namespace detail {

// sizeof/alignof that also accept void, so the byte-oriented calls share the typed paths.
template <typename T>
struct unit_of {
  static constexpr size_t size = sizeof(T), align = alignof(T);
};
template <typename T>
requires std::is_void_v<T>
struct unit_of<T> {
  static constexpr size_t size = 1, align = 1;
};
template <typename T>
inline constexpr size_t size_or_one = unit_of<std::remove_cv_t<T>>::size;
template <typename T>
inline constexpr size_t align_or_one = unit_of<std::remove_cv_t<T>>::align;

// The unchecked translation: the same offset in PE pe's heap, as this GPU maps it.
template <typename T>
__device__ inline T* translate(const world& w, T* sym, int pe) {
  return reinterpret_cast<T*>(w.peer_base[pe] + (reinterpret_cast<uintptr_t>(sym) - w.heap_base));
}

__device__ inline void check_version(const world& w, const char* what) {
  if (w.version != kWorldVersion) {
    printf("causeway device [PE %d] %s: world has layout version %u, this header expects %u\n",
           static_cast<int>(w.my_pe), what, static_cast<unsigned>(w.version),
           static_cast<unsigned>(kWorldVersion));
    __trap();
  }
}

__device__ inline void check_pe(const world& w, int pe, const char* what) {
  if (pe < 0 || pe >= w.n_pes) {
    printf("causeway device [PE %d] %s: PE %d is out of range (0..%d)\n", static_cast<int>(w.my_pe), what, pe,
           static_cast<int>(w.n_pes) - 1);
    __trap();
  }
}

// atomic: the access is an atomic read-modify-write, which a route without native atomics
// would silently break.
__device__ inline void check_route(const world& w, int pe, const char* what, bool atomic = false) {
  if (w.route_of[pe] == route::none || w.peer_base[pe] == 0) {
    printf(
        "causeway device [PE %d] %s: PE %d is not reachable from a kernel on this GPU (no peer "
        "mapping); use the host API\n",
        static_cast<int>(w.my_pe), what, pe);
    __trap();
  }
  if (atomic && w.route_of[pe] != route::p2p) {
    printf(
        "causeway device [PE %d] %s: the link from this GPU to PE %d's has no native atomics, so an "
        "atomic update from a kernel here would not be atomic there\n",
        static_cast<int>(w.my_pe), what, pe);
    __trap();
  }
}

// [sym, sym + bytes) must lie in this PE's heap; written so that no sum can overflow.
__device__ inline void check_range(const world& w, const void* sym, size_t bytes, size_t align,
                                   const char* what, const char* arg) {
  const uint64_t off = reinterpret_cast<uintptr_t>(sym) - w.heap_base;
  if (off >= w.heap_size || bytes > w.heap_size - off) {
    printf(
        "causeway device [PE %d] %s: %s %p (%llu bytes) is not inside the symmetric heap [%p, "
        "%p)\n",
        static_cast<int>(w.my_pe), what, arg, sym, static_cast<unsigned long long>(bytes),
        reinterpret_cast<void*>(w.heap_base), reinterpret_cast<void*>(w.heap_base + w.heap_size));
    __trap();
  }
  if (reinterpret_cast<uintptr_t>(sym) % align != 0) {
    printf("causeway device [PE %d] %s: %s %p is not aligned to %llu bytes\n", static_cast<int>(w.my_pe),
           what, arg, sym, static_cast<unsigned long long>(align));
    __trap();
  }
}

// Everything a remote access needs: a valid world, a PE in range that a kernel can reach, and a
// symmetric range. A zero-byte range is not checked, since a zero-length transfer touches nothing.
__device__ inline void check_remote(const world& w, const void* sym, size_t bytes, size_t align, int pe,
                                    const char* what, const char* arg, bool atomic = false) {
  check_version(w, what);
  check_pe(w, pe, what);
  check_route(w, pe, what, atomic);
  if (bytes != 0) check_range(w, sym, bytes, align, what, arg);
}

// translate(), validated in checks mode. `what` names the public call in messages.
template <typename T>
__device__ inline T* peer_ptr_checked(const world& w, T* sym, size_t nelems, int pe, const char* what,
                                      const char* arg, bool atomic = false) {
#ifdef CAUSEWAY_DEVICE_CHECKS
  check_remote(w, sym, nelems * size_or_one<T>, align_or_one<T>, pe, what, arg, atomic);
#else
  (void)nelems;
  (void)what;
  (void)arg;
  (void)atomic;
#endif
  return translate(w, sym, pe);
}

}  // namespace detail

// PE pe's copy of the symmetric object at sym, for direct loads and stores (and atomics where the
// route is route::p2p). The PE must be reachable; checks mode traps otherwise.
template <typename T>
[[nodiscard]] __device__ inline T* peer_ptr(const world& w, T* sym, int pe) {
  return detail::peer_ptr_checked(w, sym, 1, pe, "peer_ptr", "address");
}

// Like shmem_ptr: PE pe's copy of sym, or nullptr when no kernel on this GPU can reach that PE.
template <typename T>
[[nodiscard]] __device__ inline T* ptr(const world& w, const T* sym, int pe) {
#ifdef CAUSEWAY_DEVICE_CHECKS
  detail::check_version(w, "ptr");
  detail::check_pe(w, pe, "ptr");
  detail::check_range(w, sym, detail::size_or_one<T>, 1, "ptr", "address");
#endif
  if (w.route_of[pe] == route::none || w.peer_base[pe] == 0) return nullptr;
  return detail::translate(w, const_cast<T*>(sym), pe);
}

}  // namespace causeway::device
