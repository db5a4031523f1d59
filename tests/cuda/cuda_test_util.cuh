// SPDX-License-Identifier: BSD-3-Clause
// What every GPU test file shares (cuda_host_tests, cuda_kernel_tests, cuda_coll_tests,
// cuda_stream_tests, moe_layer_tests, all linked into cuda_tests and cuda_tests_checks and run by every PE
// under causeway-run, with tests/pe/pe_main.cpp's main): the skip without a device heap, CUDA_OK, the
// symmetric device allocation and the read-back. Inline in a named namespace so that one copy of
// each (and of unmapped_pe's collective allocation) serves every file.
//
// Kernels of different processes on one GPU run concurrently only under MPS; otherwise they are
// time-sliced. Every test is correct either way: kernels that wait for another PE's kernel bound
// their waits with a timeout that reports instead of hanging, and the host's barriers separate
// the phases that need no concurrency.
#pragma once

#include <cuda.h>
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>
#include <shmem.h>
#include <shmemx.h>
#include <strings.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "causeway/device/causeway_device.cuh"
#include "causeway/device/host.hpp"

namespace cuda_tests {

namespace dev = causeway::device;
using dev::scope;

inline constexpr uint64_t kWaitTimeoutNs = 20'000'000'000;  // a kernel's wait reports after 20 s

inline bool has_gpu() { return shmemx_cuda_device() >= 0; }

// CAUSEWAY_EXPECT_GPU=1 (scripts/gpu-check) turns the skip into a failure: on a GPU machine a
// device heap that does not come up is a bug, not a reason to skip.
inline bool gpu_expected() {
  const char* v = std::getenv("CAUSEWAY_EXPECT_GPU");
  return v && *v && std::strcmp(v, "0") != 0;
}

#define CUDA_OK(call) \
  ASSERT_EQ(cudaSuccess, (call)) << #call << ": " << cudaGetErrorString(cudaGetLastError())

// A PE whose device heap a kernel cannot reach from some PE's GPU, or -1 (every test here reaches
// peers from kernels or through the same mappings: one node, with peer access). The same answer on
// every PE, so that all skip a test or none does.
inline int unmapped_pe() {
  static const int pe = [] {
    // Collective, once, at the same test on every PE (they run the same tests in order): it makes
    // the device heap if no test has yet, so that the handle exists.
    static void* const heap_made = shmemx_malloc_kind(SHMEMX_MEM_CUDA, 256);
    int mine = -1;
    if (!heap_made) {
      mine = 0;
    } else {
      const dev::world w = dev::this_world();
      std::vector<dev::route> route(w.n_pes);
      if (cudaMemcpy(route.data(), w.route_of, route.size() * sizeof(dev::route), cudaMemcpyDeviceToHost) !=
          cudaSuccess)
        mine = 0;
      for (int p = 0; p < w.n_pes && mine < 0; ++p)
        if (route[p] == dev::route::none) mine = p;
    }
    static int* const slots = static_cast<int*>(shmem_malloc(2 * sizeof(int)));
    slots[0] = mine;
    shmem_barrier_all();
    shmem_int_max_reduce(SHMEM_TEAM_WORLD, &slots[1], &slots[0], 1);
    return slots[1];
  }();
  return pe;
}

// Skips without a device heap, or when a peer's heap is not mapped on this GPU (then a kernel's
// access would fault and end every later CUDA call); otherwise makes the library's GPU for this PE
// current, so the test's kernels run where its device memory is.
#define SKIP_WITHOUT_GPU()                                                                                   \
  do {                                                                                                       \
    if (!has_gpu()) {                                                                                        \
      if (gpu_expected()) FAIL() << "CAUSEWAY_EXPECT_GPU is set but this job has no device heap";            \
      GTEST_SKIP() << "no device heap on this machine (no CUDA device, or CAUSEWAY_CUDA_HEAP_SIZE=0)";       \
    }                                                                                                        \
    CUDA_OK(cudaSetDevice(shmemx_cuda_device()));                                                            \
    if (unmapped_pe() >= 0) {                                                                                \
      if (gpu_expected()) FAIL() << "PE " << unmapped_pe() << "'s device heap is not mapped on this GPU";    \
      GTEST_SKIP() << "PE " << unmapped_pe() << "'s device heap is not mapped on this GPU (no peer access)"; \
    }                                                                                                        \
  } while (0)

// Before a host barrier: this PE's device work (memsets, copies, kernels) is done, so peers and the
// library's own stream see it.
#define DEVICE_DONE() CUDA_OK(cudaDeviceSynchronize())

template <class T>
T* device_alloc(std::size_t n) {
  return static_cast<T*>(shmemx_malloc_kind(SHMEMX_MEM_CUDA, n * sizeof(T)));
}

template <class T>
std::vector<T> read_local(const T* p, std::size_t n) {
  std::vector<T> out(n);
  EXPECT_EQ(cudaSuccess, cudaMemcpy(out.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost));
  return out;
}

inline int next_pe() { return (shmem_my_pe() + 1) % shmem_n_pes(); }
inline int prev_pe() { return (shmem_my_pe() + shmem_n_pes() - 1) % shmem_n_pes(); }

}  // namespace cuda_tests
