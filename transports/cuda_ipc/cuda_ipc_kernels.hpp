// SPDX-License-Identifier: BSD-3-Clause
// The device code cuda_ipc's host calls need (a host AMO on device memory runs as a one-thread
// kernel, so it is atomic with kernels' system-scope atomics on the same word). Kept to one small
// nvcc translation unit: nvcc is slow.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

namespace causeway::tl::cuda_ipc {

enum class KernelAmo : int { fetch, set, swap, compare_swap, add, bit_and, bit_or, bit_xor };

// Performs `op` on the `width`-byte (4 or 8) word at `target` (a device address) on `stream`; the
// old value goes to `old_value` (device-accessible memory), zero-extended.
cudaError_t launch_amo(cudaStream_t stream, void* target, KernelAmo op, int width, uint64_t operand,
                       uint64_t compare, uint64_t* old_value);

// Sets (or adds `value` to, when `add`) the word at `target` on `stream`, after a system-scope fence:
// everything earlier on the stream is visible to whoever sees the new value.
cudaError_t launch_signal(cudaStream_t stream, uint64_t* target, uint64_t value, bool add);

// Loads the module of the kernels above now rather than at their first launch.
cudaError_t preload_kernels();

}  // namespace causeway::tl::cuda_ipc
