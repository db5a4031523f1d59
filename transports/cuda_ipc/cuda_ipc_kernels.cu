// SPDX-License-Identifier: BSD-3-Clause
#include <cuda/atomic>

#include "transports/cuda_ipc/cuda_ipc_kernels.hpp"

namespace causeway::tl::cuda_ipc {

namespace {

template <class T>
__device__ T apply(T* target, KernelAmo op, T operand, T compare) {
  cuda::atomic_ref<T, cuda::thread_scope_system> word(*target);
  switch (op) {
    case KernelAmo::fetch: return word.load(cuda::std::memory_order_relaxed);
    case KernelAmo::set: word.store(operand, cuda::std::memory_order_relaxed); return T{};
    case KernelAmo::swap: return word.exchange(operand, cuda::std::memory_order_relaxed);
    case KernelAmo::compare_swap:
      word.compare_exchange_strong(compare, operand, cuda::std::memory_order_relaxed);
      return compare;  // the old value, whether or not it matched
    case KernelAmo::add: return word.fetch_add(operand, cuda::std::memory_order_relaxed);
    case KernelAmo::bit_and: return word.fetch_and(operand, cuda::std::memory_order_relaxed);
    case KernelAmo::bit_or: return word.fetch_or(operand, cuda::std::memory_order_relaxed);
    case KernelAmo::bit_xor: return word.fetch_xor(operand, cuda::std::memory_order_relaxed);
  }
  return T{};
}

__global__ void amo_kernel(void* target, KernelAmo op, int width, uint64_t operand, uint64_t compare,
                           uint64_t* old_value) {
  if (width == 8)
    *old_value = apply(static_cast<unsigned long long*>(target), op, static_cast<unsigned long long>(operand),
                       static_cast<unsigned long long>(compare));
  else
    *old_value = apply(static_cast<unsigned int*>(target), op, static_cast<unsigned int>(operand),
                       static_cast<unsigned int>(compare));
}

__global__ void signal_kernel(uint64_t* target, uint64_t value, bool add) {
  __threadfence_system();
  cuda::atomic_ref<unsigned long long, cuda::thread_scope_system> word(
      *reinterpret_cast<unsigned long long*>(target));
  if (add)
    word.fetch_add(value, cuda::std::memory_order_release);
  else
    word.store(value, cuda::std::memory_order_release);
}

}  // namespace

cudaError_t launch_signal(cudaStream_t stream, uint64_t* target, uint64_t value, bool add) {
  cudaGetLastError();  // an older, uncleared error is not this launch's
  signal_kernel<<<1, 1, 0, stream>>>(target, value, add);
  return cudaGetLastError();
}

cudaError_t launch_amo(cudaStream_t stream, void* target, KernelAmo op, int width, uint64_t operand,
                       uint64_t compare, uint64_t* old_value) {
  cudaGetLastError();
  amo_kernel<<<1, 1, 0, stream>>>(target, op, width, operand, compare, old_value);
  return cudaGetLastError();
}

cudaError_t preload_kernels() {
  cudaFuncAttributes attributes;
  const cudaError_t e = cudaFuncGetAttributes(&attributes, amo_kernel);
  return e != cudaSuccess ? e : cudaFuncGetAttributes(&attributes, signal_kernel);
}

}  // namespace causeway::tl::cuda_ipc
