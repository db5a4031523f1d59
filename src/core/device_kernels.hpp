// SPDX-License-Identifier: BSD-3-Clause
// The kernels core queues on a program's stream (core/device_kernels.cu): a wait on a local device
// word, the all-PE device barrier and the device collectives. Only built with CUDA.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "causeway/device/world.cuh"

namespace causeway::core {

// Holds `stream` until the local word at `word` compares `cmp` (SHMEM_CMP_*) to `value`; after
// `timeout_ns` (if not 0) the kernel reports PE `my_pe`'s wait and traps.
cudaError_t launch_wait_until(cudaStream_t stream, int my_pe, uint64_t* word, int cmp, uint64_t value,
                              uint64_t timeout_ns);
// The device barrier (quiet, then every PE arrives) as a one-block kernel on `stream`.
cudaError_t launch_barrier_all(cudaStream_t stream, const device::world& w);

// dest = the sum over PEs of source, nelems elements of `type` (a SumType, core/device_stream.hpp),
// as a one-block kernel (device::allreduce_sum_block); LL only when the packets fit `scratch`.
cudaError_t launch_allreduce_sum(cudaStream_t stream, const device::world& w, int type, void* dest,
                                 const void* source, std::size_t nelems, void* scratch,
                                 std::size_t scratch_bytes);
// device::alltoall_block as a one-block kernel.
cudaError_t launch_alltoall(cudaStream_t stream, const device::world& w, void* dest, const void* source,
                            std::size_t bytes_per_pe);

// Loads the module of the kernels above now: with lazy loading their first launch may wait for the
// whole device to be idle, which a kernel spinning on a peer never is.
cudaError_t preload_kernels();

}  // namespace causeway::core
