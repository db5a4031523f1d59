// SPDX-License-Identifier: BSD-3-Clause
// The device calls of the side-by-side programs (perf/cuda_bench.cu, examples/moe/moe_cuda.cu), with
// Causeway's names and semantics, over NVSHMEM's device API (see ../../nvshmem_compat.hpp).
#pragma once
#include <cstdint>
#include <type_traits>

#include "../../shmem.h"

namespace causeway::device {

enum class scope { thread, warp, block };
enum class route : uint8_t { none = 0, p2p = 1 };
enum class signal_op : int { set = 0, add = 1 };
enum class cmp : int {
  eq = SHMEM_CMP_EQ,
  ne = SHMEM_CMP_NE,
  gt = SHMEM_CMP_GT,
  ge = SHMEM_CMP_GE,
  lt = SHMEM_CMP_LT,
  le = SHMEM_CMP_LE
};

struct world {
  int32_t my_pe;
  int32_t n_pes;
  const route* route_of;  // device array [n_pes]: p2p where nvshmem_ptr maps the PE
};

namespace detail {
__device__ inline int nv_cmp(cmp c) {
  switch (c) {
    case cmp::eq: return NVSHMEM_CMP_EQ;
    case cmp::ne: return NVSHMEM_CMP_NE;
    case cmp::gt: return NVSHMEM_CMP_GT;
    case cmp::ge: return NVSHMEM_CMP_GE;
    case cmp::lt: return NVSHMEM_CMP_LT;
    default: return NVSHMEM_CMP_LE;
  }
}
__device__ inline int nv_op(signal_op op) {
  return op == signal_op::add ? NVSHMEM_SIGNAL_ADD : NVSHMEM_SIGNAL_SET;
}
}  // namespace detail

template <typename T>
[[nodiscard]] __device__ inline T* peer_ptr(const world&, T* sym, int pe) {
  return static_cast<T*>(nvshmem_ptr(sym, pe));
}

template <scope S>
__device__ inline void putmem(const world&, void* dst, const void* src, size_t bytes, int pe) {
  if constexpr (S == scope::block)
    nvshmemx_putmem_block(dst, src, bytes, pe);
  else if constexpr (S == scope::warp)
    nvshmemx_putmem_warp(dst, src, bytes, pe);
  else
    nvshmem_putmem(dst, src, bytes, pe);
}
template <scope S>
__device__ inline void getmem(const world&, void* dst, const void* src, size_t bytes, int pe) {
  if constexpr (S == scope::block)
    nvshmemx_getmem_block(dst, src, bytes, pe);
  else if constexpr (S == scope::warp)
    nvshmemx_getmem_warp(dst, src, bytes, pe);
  else
    nvshmem_getmem(dst, src, bytes, pe);
}
template <scope S, typename T>
__device__ inline void put(const world& w, T* dst, const T* src, size_t nelems, int pe) {
  putmem<S>(w, dst, src, nelems * sizeof(T), pe);
}

// NVSHMEM's own p and g where it has the type; other types (the MoE example's int4 row metadata)
// as one store or load through the mapped peer.
template <typename T>
__device__ inline void p(const world& w, T* dst, std::type_identity_t<T> value, int pe) {
  if constexpr (std::is_same_v<T, long>)
    nvshmem_long_p(dst, value, pe);
  else
    *peer_ptr(w, dst, pe) = value;
}
template <typename T>
[[nodiscard]] __device__ inline T g(const world& w, const T* src, int pe) {
  if constexpr (std::is_same_v<T, long>)
    return nvshmem_long_g(src, pe);
  else
    return *peer_ptr(w, src, pe);
}

template <scope S>
__device__ inline void quiet(const world&) {
  static_assert(S == scope::thread, "the side-by-side programs quiet from one thread");
  nvshmem_quiet();
}

// Causeway's put_signal orders every earlier store of the calling scope before the signal (the MoE
// example signals once for puts made by many blocks): the quiet keeps that here.
template <scope S>
__device__ inline void putmem_signal(const world&, void* dst, const void* src, size_t bytes, uint64_t* sig,
                                     uint64_t value, signal_op op, int pe) {
  static_assert(S == scope::thread, "the side-by-side programs signal from one thread");
  nvshmem_quiet();
  nvshmem_putmem_signal(dst, src, bytes, sig, value, detail::nv_op(op), pe);
}
template <scope S, typename T>
__device__ inline void put_signal(const world& w, T* dst, const T* src, size_t nelems, uint64_t* sig,
                                  uint64_t value, signal_op op, int pe) {
  putmem_signal<S>(w, dst, src, nelems * sizeof(T), sig, value, op, pe);
}

[[nodiscard]] __device__ inline uint64_t signal_fetch(const uint64_t* sig) {
  return nvshmem_signal_fetch(const_cast<uint64_t*>(sig));
}
__device__ inline uint64_t signal_wait_until(uint64_t* sig, cmp c, uint64_t value) {
  return nvshmem_signal_wait_until(sig, detail::nv_cmp(c), value);
}
// NVSHMEM's wait has no timeout: the one given is not enforced.
__device__ inline uint64_t signal_wait_until(const world&, uint64_t* sig, cmp c, uint64_t value, uint64_t) {
  return signal_wait_until(sig, c, value);
}

}  // namespace causeway::device
