// SPDX-License-Identifier: BSD-3-Clause
// The OpenSHMEM host calls of the side-by-side programs, over NVSHMEM (see nvshmem_compat.hpp).
#pragma once
#include <cstdint>

#include "nvshmem_compat.hpp"

#define SHMEM_CMP_EQ 0
#define SHMEM_CMP_NE 1
#define SHMEM_CMP_GT 2
#define SHMEM_CMP_GE 3
#define SHMEM_CMP_LT 4
#define SHMEM_CMP_LE 5
#define SHMEM_SIGNAL_SET 0
#define SHMEM_SIGNAL_ADD 1

namespace nvshmem_compat {
inline int cmp(int shmem_cmp) {
  switch (shmem_cmp) {
    case SHMEM_CMP_EQ: return NVSHMEM_CMP_EQ;
    case SHMEM_CMP_NE: return NVSHMEM_CMP_NE;
    case SHMEM_CMP_GT: return NVSHMEM_CMP_GT;
    case SHMEM_CMP_GE: return NVSHMEM_CMP_GE;
    case SHMEM_CMP_LT: return NVSHMEM_CMP_LT;
    default: return NVSHMEM_CMP_LE;
  }
}
inline int signal_op(int shmem_op) {
  return shmem_op == SHMEM_SIGNAL_ADD ? NVSHMEM_SIGNAL_ADD : NVSHMEM_SIGNAL_SET;
}
}  // namespace nvshmem_compat

inline void shmem_init() { nvshmem_compat::init(); }
inline int shmem_my_pe() { return nvshmem_compat::self().up ? nvshmem_my_pe() : 0; }
inline int shmem_n_pes() { return nvshmem_compat::self().up ? nvshmem_n_pes() : 1; }
inline void shmem_finalize() {
  if (nvshmem_compat::self().up) nvshmem_finalize();
  nvshmem_compat::self().up = false;
}
inline void shmem_global_exit(int status) {
  if (nvshmem_compat::self().up) nvshmem_global_exit(status);
  std::exit(status);
}
inline void shmem_barrier_all() { nvshmem_barrier_all(); }

// NVSHMEM has no symmetric host memory: a host block here is this process's own, so a put into it
// works for this PE only (the side-by-side runs are 1-PE runs: NVSHMEM takes one PE per GPU).
inline void* shmem_malloc(std::size_t bytes) { return std::malloc(bytes); }
inline void shmem_free(void* p) {
  if (p && nvshmem_ptr(p, nvshmem_my_pe()) == p)
    nvshmem_free(p);
  else
    std::free(p);
}
inline void shmem_uint64_p(uint64_t* dest, uint64_t value, int pe) {
  if (pe != nvshmem_my_pe()) {
    std::fprintf(stderr, "nvshmem_compat: shmem_uint64_p to PE %d's host memory: NVSHMEM has none\n", pe);
    shmem_global_exit(1);
  }
  *dest = value;
}
// Complete on return, as Causeway's host put into device memory is.
inline void shmem_putmem(void* dest, const void* source, std::size_t bytes, int pe) {
  nvshmem_putmem(dest, source, bytes, pe);
  nvshmem_quiet();
}
