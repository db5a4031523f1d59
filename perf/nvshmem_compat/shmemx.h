// SPDX-License-Identifier: BSD-3-Clause
// The Causeway extensions the side-by-side programs call, over NVSHMEM (see nvshmem_compat.hpp).
#pragma once
#include "shmem.h"

#define SHMEMX_MEM_HOST 0
#define SHMEMX_MEM_CUDA 1

inline void* shmemx_malloc_kind(int kind, std::size_t bytes) {
  return kind == SHMEMX_MEM_CUDA ? nvshmem_malloc(bytes) : shmem_malloc(bytes);
}
inline int shmemx_cuda_device() { return nvshmem_compat::self().up ? nvshmem_compat::self().device : -1; }
inline void shmemx_barrier_all_on_stream(void* stream) {
  nvshmemx_barrier_all_on_stream(static_cast<cudaStream_t>(stream));
}
inline void shmemx_putmem_on_stream(void* dest, const void* source, std::size_t bytes, int pe, void* stream) {
  nvshmemx_putmem_on_stream(dest, source, bytes, pe, static_cast<cudaStream_t>(stream));
}
inline void shmemx_putmem_signal_on_stream(void* dest, const void* source, std::size_t bytes,
                                           uint64_t* sig_addr, uint64_t signal, int sig_op, int pe,
                                           void* stream) {
  nvshmemx_putmem_signal_on_stream(dest, source, bytes, sig_addr, signal, nvshmem_compat::signal_op(sig_op),
                                   pe, static_cast<cudaStream_t>(stream));
}
inline void shmemx_signal_wait_until_on_stream(uint64_t* sig_addr, int cmp, uint64_t cmp_value,
                                               void* stream) {
  nvshmemx_signal_wait_until_on_stream(sig_addr, nvshmem_compat::cmp(cmp), cmp_value,
                                       static_cast<cudaStream_t>(stream));
}
