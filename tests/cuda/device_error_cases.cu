// SPDX-License-Identifier: BSD-3-Clause
// Bad input on the device path, one case per run (tests/errors/error_tests.cpp, suite Device, runs
// each under `causeway-run -n 2` and reads stderr). Built with CAUSEWAY_DEVICE_CHECKS and a 2 s
// CAUSEWAY_DEVICE_WAIT_TIMEOUT_NS: PE 1's kernel must print what was wrong (PE, call, argument or
// the PE it waited for) and trap, and the program then ends the job; so must the library's wait on a
// stream under CAUSEWAY_CUDA_WAIT_TIMEOUT. Device printf goes to stdout,
// so stdout is made stderr first. Without a GPU every case says "no CUDA device" and exits 1.
#include <cuda_runtime_api.h>
#include <shmem.h>
#include <shmemx.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "causeway/device/causeway_device.cuh"
#include "causeway/device/host.hpp"

namespace {

namespace dev = causeway::device;
using dev::scope;

__global__ void p_to_pe(dev::world w, long* x, int pe) { dev::p(w, x, 1L, pe); }

__global__ void put_to(dev::world w, long* dest, const long* source, int pe) {
  dev::putmem<scope::thread>(w, dest, source, sizeof(long), pe);
}

__global__ void wait_signal(dev::world w, uint64_t* sig) {
  (void)dev::signal_wait_until(w, sig, dev::cmp::ge, uint64_t{1}, 500'000'000);
}

__global__ void barrier(dev::world w) { dev::barrier_all_block(w); }

[[noreturn]] void end(int status, const char* what) {
  std::fflush(stdout);
  std::fprintf(stderr, "PE %d: device_error_cases: %s\n", shmem_my_pe(), what);
  std::fflush(stderr);
  shmem_global_exit(status);
  _exit(status);
}

}  // namespace

int main(int argc, char** argv) {
  dup2(STDERR_FILENO, STDOUT_FILENO);
  shmem_init();
  const char* name = argc > 1 ? argv[1] : "";
  long* x = static_cast<long*>(shmemx_malloc_kind(SHMEMX_MEM_CUDA, 4096));
  if (!x || shmemx_cuda_device() < 0) end(1, "no CUDA device: nothing to check");
  if (cudaSetDevice(shmemx_cuda_device()) != cudaSuccess || cudaMemset(x, 0, 4096) != cudaSuccess ||
      cudaDeviceSynchronize() != cudaSuccess)
    end(1, "cannot clear the test's device memory");
  shmem_barrier_all();
  const dev::world w = dev::this_world();
  if (shmem_my_pe() == 1) {
    long* outside = nullptr;  // device memory, but not the symmetric heap's
    cudaStream_t stream = nullptr;
    if (cudaMalloc(&outside, 64) != cudaSuccess || cudaStreamCreate(&stream) != cudaSuccess)
      end(1, "cudaMalloc or cudaStreamCreate failed");
    if (!std::strcmp(name, "pe_out_of_range"))
      p_to_pe<<<1, 1>>>(w, x, shmem_n_pes());
    else if (!std::strcmp(name, "not_symmetric"))
      put_to<<<1, 1>>>(w, outside, x, 0);
    else if (!std::strcmp(name, "signal_timeout"))
      wait_signal<<<1, 1>>>(w, reinterpret_cast<uint64_t*>(x + 8));
    else if (!std::strcmp(name, "barrier_timeout"))  // PE 0 never enters the device barrier
      barrier<<<1, 32>>>(w);
    else if (!std::strcmp(name,
                          "stream_wait_timeout"))  // nobody sets the word (CAUSEWAY_CUDA_WAIT_TIMEOUT=2)
      shmemx_signal_wait_until_on_stream(reinterpret_cast<uint64_t*>(x + 16), SHMEM_CMP_EQ, 5, stream);
    else
      end(2, "unknown case");
    const cudaError_t e = cudaDeviceSynchronize();
    if (e == cudaSuccess) end(99, "the kernel returned instead of trapping");
    char line[256];
    std::snprintf(line, sizeof line, "the kernel stopped: %s", cudaGetErrorString(e));
    end(1, line);
  }
  shmem_barrier_all();  // PE 1 ends the job first
  shmem_finalize();
  return 0;
}
