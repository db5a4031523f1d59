// SPDX-License-Identifier: BSD-3-Clause
// Which threads cooperate in one device API call: a single thread, a warp or a whole block. The
// scoped calls split their work over rank_in<S>() / size_of<S>() and end with sync<S>().
#pragma once

namespace causeway::device {

enum class scope { thread, warp, block };

namespace detail {

// Warps are cut from the linear thread index, whatever the block's shape.
__device__ inline unsigned block_rank() {
  return threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
}
__device__ inline unsigned block_size() { return blockDim.x * blockDim.y * blockDim.z; }

// The last warp of a block whose size is not a multiple of 32 has fewer lanes; __syncwarp must not
// name lanes that do not exist.
__device__ inline unsigned warp_lanes() {
  const unsigned first = block_rank() & ~31u;
  const unsigned left = block_size() - first;
  return left < 32u ? left : 32u;
}
__device__ inline unsigned warp_mask() {
  const unsigned n = warp_lanes();
  return n == 32u ? 0xffffffffu : (1u << n) - 1u;
}

}  // namespace detail

// This thread's index among the threads of the scope, in [0, size_of<S>()).
template <scope S>
__device__ inline unsigned rank_in() {
  if constexpr (S == scope::thread) {
    return 0;
  } else if constexpr (S == scope::warp) {
    return detail::block_rank() & 31u;
  } else {
    return detail::block_rank();
  }
}

// How many threads share a call at scope S.
template <scope S>
__device__ inline unsigned size_of() {
  if constexpr (S == scope::thread) {
    return 1;
  } else if constexpr (S == scope::warp) {
    return detail::warp_lanes();
  } else {
    return detail::block_size();
  }
}

// Barrier (with memory ordering at block scope) over the threads of the scope.
template <scope S>
__device__ inline void sync() {
  if constexpr (S == scope::warp) {
    __syncwarp(detail::warp_mask());
  } else if constexpr (S == scope::block) {
    __syncthreads();
  }
}

}  // namespace causeway::device
