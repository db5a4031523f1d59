// SPDX-License-Identifier: BSD-3-Clause
// Causeway's CUDA device API in one include. Header-only: no -rdc, no device globals; every call
// takes the causeway::device::world handle the host passes to the kernel by value.
//
//   world.cuh   world, route, sync_area: the handle and its layout
//   scope.cuh   scope::{thread, warp, block}, rank_in<S>, size_of<S>, sync<S>
//   checks.cuh  peer_ptr, ptr; CAUSEWAY_DEVICE_CHECKS turns on argument checks that trap
//   rma.cuh     p, g, put/get[_nbi]<S, T>, putmem/getmem[_nbi]<S>
//   atomic.cuh  atomic_{fetch, set, swap, compare_swap, [fetch_]add, [fetch_]inc, [fetch_]and/or/xor}
//   signal.cuh  put_signal[_nbi]<S, T>, putmem_signal[_nbi]<S>, signal_fetch, signal_wait_until,
//               wait_until, test; signal_op, cmp
//   sync.cuh    fence<S>, quiet<S>, barrier_all_block, sync_all_block, barrier_all_grid, sync_all_grid
//               (cooperative launch: launch_cooperative, max_cooperative_blocks in host.hpp)
//   coll.cuh    allreduce_sum_block<T> (float, __half, __nv_bfloat16), allreduce_scratch_bytes,
//               alltoall_block (one block per PE, collective)
//
// Example: each PE's block sends its slice to the next PE and raises a flag there.
//
//   namespace cwd = causeway::device;
//   __global__ void ring(cwd::world w, float* dst, const float* src, size_t n, uint64_t* flag) {
//     const int next = (w.my_pe + 1) % w.n_pes;
//     cwd::put_signal<cwd::scope::block>(w, dst, src, n, flag, 1, cwd::signal_op::set, next);
//     if (threadIdx.x == 0) cwd::signal_wait_until(flag, cwd::cmp::eq, 1);
//     __syncthreads();  // dst now holds the previous PE's slice
//   }
#pragma once

#include "causeway/device/atomic.cuh"
#include "causeway/device/checks.cuh"
#include "causeway/device/coll.cuh"
#include "causeway/device/rma.cuh"
#include "causeway/device/scope.cuh"
#include "causeway/device/signal.cuh"
#include "causeway/device/sync.cuh"
#include "causeway/device/world.cuh"
