// SPDX-License-Identifier: BSD-3-Clause
// Ordering and completion (fence, quiet) and the device-side barriers across PEs
// (barrier_all_block, sync_all_block; barrier_all_grid, sync_all_grid).
#pragma once

#include <cooperative_groups.h>

#include <cstdint>
#include <cstdio>
#include <cuda/atomic>

#include "causeway/device/checks.cuh"
#include "causeway/device/scope.cuh"
#include "causeway/device/signal.cuh"
#include "causeway/device/world.cuh"

namespace causeway::device {

// Orders this scope's earlier puts, AMOs and signals to each PE before its later ones. On p2p routes
// that takes the same system-scope fence as quiet.
template <scope S>
__device__ inline void fence(const world&) {
  sync<S>();
  __threadfence_system();
  sync<S>();
}

// Completes this scope's earlier puts and AMOs: p2p stores are complete once fenced at system scope.
template <scope S>
__device__ inline void quiet(const world&) {
  sync<S>();
  __threadfence_system();
  sync<S>();
}

namespace detail {

// Dissemination barrier over all PEs, run by one thread per PE. In round r each PE sets the round[r]
// counter of the PE 2^r after it to this barrier's epoch and waits for its own round[r] to reach
// the epoch. Each counter has one writer (the PE 2^r before) and only grows, so no reset is needed
// between barriers.
__device__ inline void dissemination_barrier(const world& w, const char* what) {
  auto* local = reinterpret_cast<sync_area*>(w.heap_base + w.sync_offset);
#ifdef CAUSEWAY_DEVICE_CHECKS
  check_version(w, what);
  check_range(w, local, sizeof(sync_area), alignof(sync_area), what, "sync area");
#endif
  const uint64_t epoch = ++local->epoch;  // only this PE's barrier thread writes it
  for (int r = 0; r < sync_area::kMaxRounds && (int64_t{1} << r) < w.n_pes; ++r) {
    const int to = static_cast<int>((w.my_pe + (int64_t{1} << r)) % w.n_pes);
    uint64_t* peer = peer_ptr_checked(w, &local->round[r], 1, to, what, "sync area");
    // A store of the epoch, not an add: this PE is the counter's only writer, and a store stays
    // atomic on a link without native atomics (route p2p_no_atomics).
    cuda::atomic_ref<uint64_t, cuda::thread_scope_system>(*peer).store(epoch, cuda::memory_order_release);
    const int from = static_cast<int>((w.my_pe - (int64_t{1} << r) % w.n_pes + w.n_pes) % w.n_pes);
    wait_impl(&w, &local->round[r], cmp::ge, epoch, CAUSEWAY_DEVICE_WAIT_TIMEOUT_NS, what, "barrier counter",
              from);
  }
}

}  // namespace detail

// Barriers across all PEs, for device code. Every thread of exactly ONE block per PE must call
// them, the same number of times on every PE; other blocks take no part and are not ordered by them.
// The host must launch the kernels of all PEs so they run concurrently (a kernel spins until every
// PE arrives). Kernels of different processes sharing a GPU only run concurrently under MPS; without
// it time-slicing still lets them finish, slowly. The sync_area must be zeroed before first use.

// Completes this block's earlier puts and AMOs (quiet), then waits for every PE to arrive.
__device__ inline void barrier_all_block(const world& w) {
  __syncthreads();
  if (detail::block_rank() == 0) {
    __threadfence_system();  // the quiet: after __syncthreads it covers the whole block's stores
    detail::dissemination_barrier(w, "barrier_all_block");
  }
  __syncthreads();
}

// Waits for every PE to arrive, without completing outstanding puts and AMOs.
__device__ inline void sync_all_block(const world& w) {
  __syncthreads();
  if (detail::block_rank() == 0) detail::dissemination_barrier(w, "sync_all_block");
  __syncthreads();
}

namespace detail {

// The grid of a cooperative launch. cooperative_groups' grid sync is header-only in CUDA 12 and 13
// (a counter in a workspace the driver passes to cooperative launches), so it needs no -rdc.
__device__ inline cooperative_groups::grid_group cooperative_grid(const world& w, const char* what) {
  cooperative_groups::grid_group grid = cooperative_groups::this_grid();
#ifdef CAUSEWAY_DEVICE_CHECKS
  // Without a cooperative launch the driver passes no workspace. grid.sync() would trap anyway, but
  // silently; one thread says why, and the others give its line time to get out before they trap.
  if (!grid.is_valid()) {
    if (grid.thread_rank() == 0) {
      printf(
          "causeway device [PE %d] %s: the grid was not launched cooperatively; launch it with "
          "causeway::device::launch_cooperative (host.hpp) or cudaLaunchCooperativeKernel\n",
          static_cast<int>(w.my_pe), what);
    } else {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 700
#pragma unroll 1
      for (int i = 0; i < 100; ++i) __nanosleep(1000000);  // about 0.1 s
#endif
    }
    __trap();
  }
#else
  (void)w;
  (void)what;
#endif
  return grid;
}

}  // namespace detail

// Barriers across all PEs for a whole grid. Every thread of every block of a grid launched
// cooperatively (launch_cooperative in host.hpp) must call them, the same number of times on every
// PE, and the grids of all PEs must run at once, as for the block barriers. Between two grid syncs
// the grid's first thread runs the block barriers' protocol on their counters: call them in the same
// order as the other device barriers (and the device collectives) on every PE.

// Completes every block's earlier puts and AMOs (quiet), then waits for every PE to arrive.
__device__ inline void barrier_all_grid(const world& w) {
  cooperative_groups::grid_group grid = detail::cooperative_grid(w, "barrier_all_grid");
  // Each block fences its own stores at system scope, as barrier_all_block does, rather than
  // trusting the grid sync's GPU-scope release to carry other SMs' stores to peer GPUs.
  __syncthreads();
  if (detail::block_rank() == 0) __threadfence_system();
  grid.sync();  // every block's stores are fenced before the first thread starts the PE barrier
  if (grid.thread_rank() == 0) detail::dissemination_barrier(w, "barrier_all_grid");
  grid.sync();  // nobody leaves before every PE has arrived
}

// Waits for every PE to arrive, without completing outstanding puts and AMOs.
__device__ inline void sync_all_grid(const world& w) {
  cooperative_groups::grid_group grid = detail::cooperative_grid(w, "sync_all_grid");
  grid.sync();
  if (grid.thread_rank() == 0) detail::dissemination_barrier(w, "sync_all_grid");
  grid.sync();
}

}  // namespace causeway::device
