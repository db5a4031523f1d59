// SPDX-License-Identifier: BSD-3-Clause
// The shmemx_*_on_stream calls (shmemx.h): host calls that queue their work on a CUDA stream.
#include <shmem.h>
#include <shmemx.h>

#include "core/checks.hpp"
#include "core/device_stream.hpp"

using namespace causeway;

void shmemx_putmem_on_stream(void* dest, const void* source, size_t nbytes, int pe, void* stream) {
  constexpr const char* call = "shmemx_putmem_on_stream";
  core::stream_put(core::runtime(call), dest, source, nbytes, pe, stream, call);
}

void shmemx_getmem_on_stream(void* dest, const void* source, size_t nbytes, int pe, void* stream) {
  constexpr const char* call = "shmemx_getmem_on_stream";
  core::stream_get(core::runtime(call), dest, source, nbytes, pe, stream, call);
}

void shmemx_putmem_signal_on_stream(void* dest, const void* source, size_t nbytes, uint64_t* sig_addr,
                                    uint64_t signal, int sig_op, int pe, void* stream) {
  constexpr const char* call = "shmemx_putmem_signal_on_stream";
  core::stream_put_signal(core::runtime(call), dest, source, nbytes, sig_addr, signal, sig_op, pe, stream,
                          call);
}

void shmemx_signal_wait_until_on_stream(uint64_t* sig_addr, int cmp, uint64_t cmp_value, void* stream) {
  constexpr const char* call = "shmemx_signal_wait_until_on_stream";
  core::stream_signal_wait_until(core::runtime(call), sig_addr, cmp, cmp_value, stream, call);
}

// Everything queued on a stream by these calls is complete when the stream gets past it, so there
// is nothing to add; kept for programs written against NVSHMEM's set.
void shmemx_quiet_on_stream(void* stream) {
  (void)stream;
  core::runtime("shmemx_quiet_on_stream");
}

void shmemx_barrier_all_on_stream(void* stream) {
  constexpr const char* call = "shmemx_barrier_all_on_stream";
  core::stream_barrier_all(core::runtime(call), stream, call);
}

void shmemx_float_sum_allreduce_on_stream(float* dest, const float* source, size_t nelems, void* stream) {
  constexpr const char* call = "shmemx_float_sum_allreduce_on_stream";
  core::stream_allreduce_sum(core::runtime(call), core::SumType::f32, dest, source, nelems, stream, call);
}

void shmemx_fp16_sum_allreduce_on_stream(void* dest, const void* source, size_t nelems, void* stream) {
  constexpr const char* call = "shmemx_fp16_sum_allreduce_on_stream";
  core::stream_allreduce_sum(core::runtime(call), core::SumType::f16, dest, source, nelems, stream, call);
}

void shmemx_bf16_sum_allreduce_on_stream(void* dest, const void* source, size_t nelems, void* stream) {
  constexpr const char* call = "shmemx_bf16_sum_allreduce_on_stream";
  core::stream_allreduce_sum(core::runtime(call), core::SumType::bf16, dest, source, nelems, stream, call);
}

void shmemx_alltoallmem_on_stream(void* dest, const void* source, size_t bytes_per_pe, void* stream) {
  constexpr const char* call = "shmemx_alltoallmem_on_stream";
  core::stream_alltoall(core::runtime(call), dest, source, bytes_per_pe, stream, call);
}
