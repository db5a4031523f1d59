// SPDX-License-Identifier: BSD-3-Clause
// The kernels core queues on a program's stream (core/device_kernels.cu): a wait on a local device
// word and the all-PE device barrier. Only built with CUDA.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "causeway/device/world.cuh"

namespace causeway::core {

// Holds `stream` until the local word at `word` compares `cmp` (SHMEM_CMP_*) to `value`.
cudaError_t launch_wait_until(cudaStream_t stream, uint64_t* word, int cmp, uint64_t value);
// The device barrier (quiet, then every PE arrives) as a one-block kernel on `stream`.
cudaError_t launch_barrier_all(cudaStream_t stream, const device::world& w);

// Loads the module of the kernels above now: with lazy loading their first launch may wait for the
// whole device to be idle, which a kernel spinning on a peer never is.
cudaError_t preload_kernels();

}  // namespace causeway::core
