// SPDX-License-Identifier: BSD-3-Clause
// The host side of the device API: the handle of this PE's device heap, for kernels to take by
// value, and the cooperative launch that the grid barriers (barrier_all_grid, sync_all_grid) need.
// C programs call shmemx_cuda_world (shmemx.h) instead. Header-only, compiled by the program's own
// compiler against its CUDA runtime.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>
#include <shmemx.h>

#include <array>
#include <cstddef>
#include <cstdio>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

#include "causeway/device/world.cuh"

namespace causeway::device {

// Throws std::runtime_error when the job has no device heap (the library logs why).
inline world this_world() {
  world w{};
  if (shmemx_cuda_world(&w, sizeof w) != 0) throw std::runtime_error("causeway: this job has no device heap");
  return w;
}

// shmemx_float_sum_allreduce_on_stream, _fp16_ or _bf16_ by the element type (float, __half,
// __nv_bfloat16): collective, as those are.
template <typename T>
inline void sum_allreduce_on_stream(T* dest, const T* source, std::size_t nelems, cudaStream_t stream) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>,
                "sum_allreduce_on_stream: float, __half or __nv_bfloat16");
  if constexpr (std::is_same_v<T, float>) {
    shmemx_float_sum_allreduce_on_stream(dest, source, nelems, stream);
  } else if constexpr (std::is_same_v<T, __half>) {
    shmemx_fp16_sum_allreduce_on_stream(dest, source, nelems, stream);
  } else {
    shmemx_bf16_sum_allreduce_on_stream(dest, source, nelems, stream);
  }
}

namespace detail {

// How many blocks of `kernel` fit on the current device at once, or an error: the device cannot
// launch cooperatively (cudaErrorNotSupported), or a query failed.
inline cudaError_t cooperative_capacity(const void* kernel, unsigned threads, std::size_t smem, int& device,
                                        int& per_sm, int& sms) {
  int coop = 0;
  cudaError_t err = cudaGetDevice(&device);
  if (err == cudaSuccess) err = cudaDeviceGetAttribute(&coop, cudaDevAttrCooperativeLaunch, device);
  if (err == cudaSuccess && coop == 0) err = cudaErrorNotSupported;
  if (err == cudaSuccess) err = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
  if (err == cudaSuccess)
    err = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, static_cast<int>(threads), smem);
  return err;
}

inline unsigned threads_of(dim3 block) { return block.x * block.y * block.z; }

}  // namespace detail

// The most blocks of `block` threads (with `smem` bytes of dynamic shared memory) that a cooperative
// launch of `kernel` can have on the current device, divided among `pes_sharing_gpu` PEs whose grids
// must be resident at the same time (MPS: see doc/gpu.md; the library does not know how many PEs
// share a GPU, so the program says). 0 when the kernel cannot be launched cooperatively there.
template <class... Params>
[[nodiscard]] inline int max_cooperative_blocks(void (*kernel)(Params...), dim3 block, std::size_t smem = 0,
                                                int pes_sharing_gpu = 1) {
  int device = 0, per_sm = 0, sms = 0;
  if (detail::cooperative_capacity(reinterpret_cast<const void*>(kernel), detail::threads_of(block), smem,
                                   device, per_sm, sms) != cudaSuccess)
    return 0;
  return per_sm * sms / (pes_sharing_gpu > 1 ? pes_sharing_gpu : 1);
}

// Launches `kernel` on `stream` as cudaLaunchCooperativeKernel does, so that every block of the grid
// is resident at once (what barrier_all_grid and sync_all_grid need), after checking that it can be:
// a device without cooperative launch, or a grid larger than max_cooperative_blocks(kernel, block,
// smem), is refused with a line on stderr that names the call and the sizes, and the CUDA error
// (cudaErrorNotSupported, cudaErrorCooperativeLaunchTooLarge) is returned; nothing is launched. The
// check is for this PE's grid alone: PEs sharing a GPU under MPS must size their grids to share it.
// `args` are converted to the kernel's parameter types, as in a <<<>>> launch.
template <class... Params, class... Args>
[[nodiscard]] cudaError_t launch_cooperative(void (*kernel)(Params...), dim3 grid, dim3 block,
                                             std::size_t smem, cudaStream_t stream, Args&&... args) {
  static_assert(sizeof...(Params) == sizeof...(Args),
                "launch_cooperative: one argument per kernel parameter");
  static_assert((std::is_convertible_v<Args&&, std::remove_cvref_t<Params>> && ...),
                "launch_cooperative: each argument must convert implicitly to its parameter, as in <<<>>>");
  const unsigned threads = detail::threads_of(block);
  const unsigned long long blocks = 1ull * grid.x * grid.y * grid.z;
  int device = 0, per_sm = 0, sms = 0;
  const cudaError_t err =
      detail::cooperative_capacity(reinterpret_cast<const void*>(kernel), threads, smem, device, per_sm, sms);
  if (err != cudaSuccess) {
    std::fprintf(stderr, "causeway launch_cooperative: cannot launch cooperatively on device %d: %s\n",
                 device,
                 err == cudaErrorNotSupported ? "the device does not support cooperative launch"
                                              : cudaGetErrorString(err));
    return err;
  }
  const unsigned long long fit = 1ull * static_cast<unsigned>(per_sm) * static_cast<unsigned>(sms);
  if (blocks == 0 || threads == 0 || fit == 0) {
    std::fprintf(stderr,
                 "causeway launch_cooperative: %s on device %d (grid %u x %u x %u, block of %u threads, %zu "
                 "bytes of dynamic shared memory)\n",
                 fit == 0
                     ? "no block of this kernel fits (too many threads per block, or dynamic shared memory "
                       "over 48 KiB without cudaFuncAttributeMaxDynamicSharedMemorySize)"
                     : "an empty grid or block",
                 device, grid.x, grid.y, grid.z, threads, smem);
    return cudaErrorInvalidConfiguration;
  }
  if (blocks > fit) {
    std::fprintf(stderr,
                 "causeway launch_cooperative: grid of %llu blocks (%u x %u x %u) cannot be co-resident on "
                 "device %d: at most %llu blocks of %u threads with %zu bytes of dynamic shared memory fit "
                 "(%d per SM x %d SMs); size the grid with max_cooperative_blocks\n",
                 blocks, grid.x, grid.y, grid.z, device, fit, threads, smem, per_sm, sms);
    return cudaErrorCooperativeLaunchTooLarge;
  }
  // The runtime takes a pointer to each parameter's value, of the parameter's own type.
  std::tuple<std::remove_cvref_t<Params>...> values(std::forward<Args>(args)...);
  std::array<void*, sizeof...(Params) + 1> pointers = std::apply(
      [](auto&... v) {
        return std::array<void*, sizeof...(Params) + 1>{static_cast<void*>(&v)..., nullptr};
      },
      values);
  const cudaError_t launched = cudaLaunchCooperativeKernel(reinterpret_cast<const void*>(kernel), grid, block,
                                                           pointers.data(), smem, stream);
  if (launched != cudaSuccess)
    std::fprintf(stderr, "causeway launch_cooperative: cudaLaunchCooperativeKernel on device %d: %s\n",
                 device, cudaGetErrorString(launched));
  return launched;
}

}  // namespace causeway::device
