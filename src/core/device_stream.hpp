// SPDX-License-Identifier: BSD-3-Clause
// Host calls that queue work on a program's CUDA stream (the shmemx_*_on_stream family): ordered
// with the kernels on that stream and capturable in a CUDA graph. Each validates its arguments and
// ends the job with a message naming the call and argument when they are wrong.
#pragma once
#include <cstddef>
#include <cstdint>

#include "causeway/device/world.cuh"
#include "core/runtime.hpp"

namespace causeway::core {

void stream_put(Runtime& rt, void* dest, const void* source, std::size_t bytes, int pe, void* stream,
                const char* call);
void stream_get(Runtime& rt, void* dest, const void* source, std::size_t bytes, int pe, void* stream,
                const char* call);
// The data, then the signal (SHMEM_SIGNAL_SET or _ADD) once the data is there.
void stream_put_signal(Runtime& rt, void* dest, const void* source, std::size_t bytes, uint64_t* sig_addr,
                       uint64_t signal, int sig_op, int pe, void* stream, const char* call);
void stream_signal_wait_until(Runtime& rt, uint64_t* sig_addr, int cmp, uint64_t value, void* stream,
                              const char* call);
void stream_barrier_all(Runtime& rt, void* stream, const char* call);

// The element types of the allreduce on a stream; the values are launch_allreduce_sum's `type`.
enum class SumType : int { f32 = 0, f16 = 1, bf16 = 2 };
// Collective: dest = the sum over PEs of source (nelems elements of `type`), in the device heap.
void stream_allreduce_sum(Runtime& rt, SumType type, void* dest, const void* source, std::size_t nelems,
                          void* stream, const char* call);
// Collective: shmem_alltoallmem on device memory.
void stream_alltoall(Runtime& rt, void* dest, const void* source, std::size_t bytes_per_pe, void* stream,
                     const char* call);

// The device barrier's words take the first bytes of the reserve carved at the start of every PE's
// device heap (core/device_heap.cpp); the scratch of the collectives on a stream follows them.
inline constexpr std::size_t kSyncAreaBytes = (sizeof(device::sync_area) + 255) / 256 * 256;
// That scratch's size: CAUSEWAY_CUDA_COLL_SCRATCH, at most 1/16 of the heap, in whole 256 bytes (the
// same on every PE: the setting and the heap size are).
inline std::size_t coll_scratch_bytes(const util::Config& config, std::size_t heap_size) {
  const std::size_t cap = heap_size / 16;
  return (config.cuda_coll_scratch < cap ? config.cuda_coll_scratch : cap) / 256 * 256;
}

}  // namespace causeway::core
