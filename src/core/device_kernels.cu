// SPDX-License-Identifier: BSD-3-Clause
#include "causeway/device/causeway_device.cuh"
#include "core/device_kernels.hpp"

namespace causeway::core {

namespace {

__global__ void wait_until_kernel(uint64_t* word, int cmp, uint64_t value) {
  device::signal_wait_until(word, static_cast<device::cmp>(cmp), value);
}

__global__ void barrier_all_kernel(device::world w) { device::barrier_all_block(w); }

}  // namespace

// Launch errors are read with cudaGetLastError, which also returns an older error nobody cleared:
// cleared first, so a good launch is not reported as failed.
cudaError_t launch_wait_until(cudaStream_t stream, uint64_t* word, int cmp, uint64_t value) {
  cudaGetLastError();
  wait_until_kernel<<<1, 1, 0, stream>>>(word, cmp, value);
  return cudaGetLastError();
}

cudaError_t launch_barrier_all(cudaStream_t stream, const device::world& w) {
  cudaGetLastError();
  barrier_all_kernel<<<1, 32, 0, stream>>>(w);
  return cudaGetLastError();
}

cudaError_t preload_kernels() {
  cudaFuncAttributes attributes;
  const cudaError_t e = cudaFuncGetAttributes(&attributes, wait_until_kernel);
  return e != cudaSuccess ? e : cudaFuncGetAttributes(&attributes, barrier_all_kernel);
}

}  // namespace causeway::core
