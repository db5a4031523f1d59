// SPDX-License-Identifier: BSD-3-Clause
// The few calls perf/cuda_bench.cu makes, over Causeway's device API or, built with
// CW_BENCH_NVSHMEM, over NVSHMEM's, so one benchmark source gives the side-by-side rows. Only the
// names differ: every kernel and every timing loop is shared.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#ifdef CW_BENCH_NVSHMEM
#include <nvshmem.h>
#include <nvshmemx.h>
#include <unistd.h>

#include <string>
#else
#include <shmem.h>
#include <shmemx.h>

#include "causeway/device/causeway_device.cuh"
#include "causeway/device/host.hpp"
#endif

namespace bench {

enum class scope { thread, warp, block };

#ifdef CW_BENCH_NVSHMEM
inline constexpr const char* kLibrary = "nvshmem";

// NVSHMEM's device calls need no handle; the struct keeps the kernels' signatures the same.
struct handle {
  int my_pe;
  int n_pes;
};

// Under causeway-run (CAUSEWAY_RANK/CAUSEWAY_SIZE) rank 0 publishes NVSHMEM's unique id in a file
// the launcher's children share; alone, the job is one PE. No PMI or MPI is needed either way.
inline int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

inline bool init() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) return false;
  const int rank = env_int("CAUSEWAY_RANK", 0), size = env_int("CAUSEWAY_SIZE", 1);
  // One host: the rank modulo the GPUs, as Causeway's default.
  if (cudaSetDevice(env_int("CAUSEWAY_CUDA_DEVICE", rank % devices)) != cudaSuccess) return false;
  nvshmemx_uniqueid_t id = NVSHMEMX_UNIQUEID_INITIALIZER;
  const std::string path = "/tmp/cw-bench-nvshmem-uid." + std::to_string(getppid());
  if (rank == 0) {
    nvshmemx_get_uniqueid(&id);
    const std::string tmp = path + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f || std::fwrite(&id, sizeof id, 1, f) != 1 || std::fclose(f) != 0 ||
        std::rename(tmp.c_str(), path.c_str()))
      return false;
  } else {
    FILE* f = nullptr;
    for (int tries = 0; tries < 30000 && !(f = std::fopen(path.c_str(), "rb")); ++tries) usleep(1000);
    if (!f || std::fread(&id, sizeof id, 1, f) != 1) return false;
    std::fclose(f);
  }
  nvshmemx_init_attr_t attr = NVSHMEMX_INIT_ATTR_INITIALIZER;
  nvshmemx_set_attr_uniqueid_args(rank, size, &id, &attr);
  nvshmemx_init_attr(NVSHMEMX_INIT_WITH_UNIQUEID, &attr);
  nvshmem_barrier_all();
  if (rank == 0) std::remove(path.c_str());
  return true;
}
inline int device() {
  int d = -1;
  return cudaGetDevice(&d) == cudaSuccess ? d : -1;
}
inline int my_pe() { return nvshmem_my_pe(); }
inline int n_pes() { return nvshmem_n_pes(); }
inline handle world() { return {nvshmem_my_pe(), nvshmem_n_pes()}; }
inline void* malloc(std::size_t bytes) { return nvshmem_malloc(bytes); }
inline void free(void* p) { nvshmem_free(p); }
inline void barrier_all() { nvshmem_barrier_all(); }
[[noreturn]] inline void global_exit(int status) {
  nvshmem_global_exit(status);
  std::exit(status);
}
inline void finalize() { nvshmem_finalize(); }
// Complete on return, as Causeway's host put on device memory is.
inline void host_putmem(void* dst, const void* src, std::size_t bytes, int pe) {
  nvshmem_putmem(dst, src, bytes, pe);
  nvshmem_quiet();
}
inline void putmem_on_stream(void* dst, const void* src, std::size_t bytes, int pe, cudaStream_t s) {
  nvshmemx_putmem_on_stream(dst, src, bytes, pe, s);
}
inline void putmem_signal_on_stream(void* dst, const void* src, std::size_t bytes, uint64_t* sig,
                                    uint64_t value, int pe, cudaStream_t s) {
  nvshmemx_putmem_signal_on_stream(dst, src, bytes, sig, value, NVSHMEM_SIGNAL_SET, pe, s);
}
inline void signal_wait_ge_on_stream(uint64_t* sig, uint64_t value, cudaStream_t s) {
  nvshmemx_signal_wait_until_on_stream(sig, NVSHMEM_CMP_GE, value, s);
}

template <scope S>
__device__ inline void putmem(const handle&, void* dst, const void* src, std::size_t bytes, int pe) {
  if constexpr (S == scope::block)
    nvshmemx_putmem_block(dst, src, bytes, pe);
  else if constexpr (S == scope::warp)
    nvshmemx_putmem_warp(dst, src, bytes, pe);
  else
    nvshmem_putmem(dst, src, bytes, pe);
}
template <scope S>
__device__ inline void getmem(const handle&, void* dst, const void* src, std::size_t bytes, int pe) {
  if constexpr (S == scope::block)
    nvshmemx_getmem_block(dst, src, bytes, pe);
  else if constexpr (S == scope::warp)
    nvshmemx_getmem_warp(dst, src, bytes, pe);
  else
    nvshmem_getmem(dst, src, bytes, pe);
}
__device__ inline void p(const handle&, long* dst, long value, int pe) { nvshmem_long_p(dst, value, pe); }
__device__ inline long g(const handle&, const long* src, int pe) { return nvshmem_long_g(src, pe); }
__device__ inline void quiet(const handle&) { nvshmem_quiet(); }
__device__ inline void put_signal(const handle&, long* dst, const long* src, uint64_t* sig, uint64_t value,
                                  int pe) {
  nvshmem_long_put_signal(dst, src, 1, sig, value, NVSHMEM_SIGNAL_SET, pe);
}
__device__ inline void signal_wait_ge(uint64_t* sig, uint64_t value) {
  nvshmem_signal_wait_until(sig, NVSHMEM_CMP_GE, value);
}

#else
inline constexpr const char* kLibrary = "causeway";
namespace dev = causeway::device;
using handle = dev::world;

inline bool init() {
  shmem_init();
  if (shmemx_cuda_device() >= 0) return true;
  shmem_finalize();
  return false;
}
inline int device() { return shmemx_cuda_device(); }
inline int my_pe() { return shmem_my_pe(); }
inline int n_pes() { return shmem_n_pes(); }
inline handle world() { return dev::this_world(); }
inline void* malloc(std::size_t bytes) { return shmemx_malloc_kind(SHMEMX_MEM_CUDA, bytes); }
inline void free(void* p) { shmem_free(p); }
inline void barrier_all() { shmem_barrier_all(); }
[[noreturn]] inline void global_exit(int status) {
  shmem_global_exit(status);
  std::exit(status);
}
inline void finalize() { shmem_finalize(); }
inline void host_putmem(void* dst, const void* src, std::size_t bytes, int pe) {
  shmem_putmem(dst, src, bytes, pe);
}
inline void putmem_on_stream(void* dst, const void* src, std::size_t bytes, int pe, cudaStream_t s) {
  shmemx_putmem_on_stream(dst, src, bytes, pe, s);
}
inline void putmem_signal_on_stream(void* dst, const void* src, std::size_t bytes, uint64_t* sig,
                                    uint64_t value, int pe, cudaStream_t s) {
  shmemx_putmem_signal_on_stream(dst, src, bytes, sig, value, SHMEM_SIGNAL_SET, pe, s);
}
inline void signal_wait_ge_on_stream(uint64_t* sig, uint64_t value, cudaStream_t s) {
  shmemx_signal_wait_until_on_stream(sig, SHMEM_CMP_GE, value, s);
}

template <scope S>
inline constexpr dev::scope kScope = S == scope::block  ? dev::scope::block
                                     : S == scope::warp ? dev::scope::warp
                                                        : dev::scope::thread;
template <scope S>
__device__ inline void putmem(const handle& w, void* dst, const void* src, std::size_t bytes, int pe) {
  dev::putmem<kScope<S>>(w, dst, src, bytes, pe);
}
template <scope S>
__device__ inline void getmem(const handle& w, void* dst, const void* src, std::size_t bytes, int pe) {
  dev::getmem<kScope<S>>(w, dst, src, bytes, pe);
}
__device__ inline void p(const handle& w, long* dst, long value, int pe) { dev::p(w, dst, value, pe); }
__device__ inline long g(const handle& w, const long* src, int pe) { return dev::g(w, src, pe); }
__device__ inline void quiet(const handle& w) { dev::quiet<dev::scope::thread>(w); }
__device__ inline void put_signal(const handle& w, long* dst, const long* src, uint64_t* sig, uint64_t value,
                                  int pe) {
  dev::put_signal<dev::scope::thread>(w, dst, src, 1, sig, value, dev::signal_op::set, pe);
}
__device__ inline void signal_wait_ge(uint64_t* sig, uint64_t value) {
  dev::signal_wait_until(sig, dev::cmp::ge, value);
}
#endif

}  // namespace bench
