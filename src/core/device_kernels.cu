// SPDX-License-Identifier: BSD-3-Clause
#include "causeway/device/causeway_device.cuh"
#include "core/device_kernels.hpp"

namespace causeway::core {

namespace {

// With a nonzero timeout (checks mode) it reports the PE, the word and the comparison, and traps.
__global__ void wait_until_kernel(int my_pe, uint64_t* word, int cmp, uint64_t value, uint64_t timeout_ns) {
  device::world w{};
  w.my_pe = my_pe;  // the report's PE: the wait reads nothing else of the world
  device::detail::wait_impl<uint64_t>(&w, word, static_cast<device::cmp>(cmp), value, timeout_ns,
                                      "shmemx_signal_wait_until_on_stream", "signal");
}

__global__ void barrier_all_kernel(device::world w) { device::barrier_all_block(w); }

// One block per PE (the collectives spin in one block only); 512 threads keep enough loads in flight.
constexpr unsigned kCollThreads = 512;

template <typename T>
__global__ void __launch_bounds__(kCollThreads)
    allreduce_sum_kernel(device::world w, T* dest, const T* source, size_t nelems, void* scratch, bool ll) {
  device::detail::allreduce_sum_impl(w, dest, source, nelems, scratch, ll, "allreduce_sum_block");
}

__global__ void __launch_bounds__(kCollThreads)
    alltoall_kernel(device::world w, void* dest, const void* source, size_t bytes_per_pe) {
  device::alltoall_block(w, dest, source, bytes_per_pe);
}

// LL where the device API would take it and the library's scratch holds its packets, else direct:
// the same choice on every PE, since n_pes and the scratch size are.
template <typename T>
void launch_sum(cudaStream_t stream, const device::world& w, void* dest, const void* source, size_t nelems,
                void* scratch, size_t scratch_bytes) {
  const bool ll = nelems <= device::kAllreduceLLMaxBytes / sizeof(T) &&
                  device::allreduce_scratch_bytes(w.n_pes, nelems, sizeof(T)) <= scratch_bytes;
  allreduce_sum_kernel<T><<<1, kCollThreads, 0, stream>>>(w, static_cast<T*>(dest),
                                                          static_cast<const T*>(source), nelems, scratch, ll);
}

}  // namespace

// Launch errors are read with cudaGetLastError, which also returns an older error nobody cleared:
// cleared first, so a good launch is not reported as failed.
cudaError_t launch_wait_until(cudaStream_t stream, int my_pe, uint64_t* word, int cmp, uint64_t value,
                              uint64_t timeout_ns) {
  cudaGetLastError();
  wait_until_kernel<<<1, 1, 0, stream>>>(my_pe, word, cmp, value, timeout_ns);
  return cudaGetLastError();
}

cudaError_t launch_barrier_all(cudaStream_t stream, const device::world& w) {
  cudaGetLastError();
  barrier_all_kernel<<<1, 32, 0, stream>>>(w);
  return cudaGetLastError();
}

cudaError_t launch_allreduce_sum(cudaStream_t stream, const device::world& w, int type, void* dest,
                                 const void* source, std::size_t nelems, void* scratch,
                                 std::size_t scratch_bytes) {
  cudaGetLastError();
  switch (type) {
    case 0: launch_sum<float>(stream, w, dest, source, nelems, scratch, scratch_bytes); break;
    case 1: launch_sum<__half>(stream, w, dest, source, nelems, scratch, scratch_bytes); break;
    case 2: launch_sum<__nv_bfloat16>(stream, w, dest, source, nelems, scratch, scratch_bytes); break;
    default: return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

cudaError_t launch_alltoall(cudaStream_t stream, const device::world& w, void* dest, const void* source,
                            std::size_t bytes_per_pe) {
  cudaGetLastError();
  alltoall_kernel<<<1, kCollThreads, 0, stream>>>(w, dest, source, bytes_per_pe);
  return cudaGetLastError();
}

cudaError_t preload_kernels() {
  const void* const kernels[] = {
      reinterpret_cast<const void*>(&wait_until_kernel),
      reinterpret_cast<const void*>(&barrier_all_kernel),
      reinterpret_cast<const void*>(&allreduce_sum_kernel<float>),
      reinterpret_cast<const void*>(&allreduce_sum_kernel<__half>),
      reinterpret_cast<const void*>(&allreduce_sum_kernel<__nv_bfloat16>),
      reinterpret_cast<const void*>(&alltoall_kernel),
  };
  for (const void* kernel : kernels) {
    cudaFuncAttributes attributes;
    if (const cudaError_t e = cudaFuncGetAttributes(&attributes, kernel); e != cudaSuccess) return e;
  }
  return cudaSuccess;
}

}  // namespace causeway::core
