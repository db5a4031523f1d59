// SPDX-License-Identifier: BSD-3-Clause
// Host calls that queue work on a program's CUDA stream (the shmemx_*_on_stream family): ordered
// with the kernels on that stream and capturable in a CUDA graph. Each validates its arguments and
// ends the job with a message naming the call and argument when they are wrong.
#pragma once
#include <cstddef>
#include <cstdint>

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

}  // namespace causeway::core
