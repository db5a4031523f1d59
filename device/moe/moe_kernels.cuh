// SPDX-License-Identifier: BSD-3-Clause
// The kernels of libcauseway_moe (include/causeway/moe.h): dispatch and combine, one kernel each.
//
// dispatch, fixed layout (max_recv_tokens = 0): a block per expert e (grid-stride). It walks this
//   PE's tokens in chunks of a block; the tokens of a chunk that chose e get consecutive slots (a
//   ballot per warp, then the warps' counts in order), so rows keep token order with no atomics and
//   no counting pass. A warp copies each picked row, 16 bytes a lane, straight into e's PE's recv_x
//   at the (e, me) block's place, lane 0 writes {token, k}. When the block is done with e it sets that
//   PE's signal word for (e, me) to epoch << 32 | rows. Then every block waits for the signals of its
//   share of (local expert, source) pairs and records the counts.
// dispatch, packed layout: the same walk first only counts, and sends each expert's PE the count
//   for (e, me); block 0 of every PE waits for its pairs' counts, lays the pairs out one after
//   another (expert by expert, then by source) and sends each source the offset of its block; then
//   the walk sends the rows there and the done signal. Two more one-way trips than the fixed layout,
//   for a receive area of the rows that arrive instead of the worst case.
// combine: a block per (local expert, source) pair copies the outputs of that pair's rows back to
//   the source's comb[token][k] and sets the source's signal word for the expert to epoch << 32.
//   Then every block waits for all num_experts signal words and sums its tokens.
//
// The blocks of a kernel wait for signals other blocks (of this and other PEs) set, so every block
// of every PE on a GPU must be resident at once: the host sizes the grid to its share of the GPU.
// The epoch lives on the device (the last block of combine advances it), so a CUDA graph that
// captured the calls replays correctly; waits compare the epoch for equality, so it may wrap.
// Nothing is cleared between calls. A signal word is set again only after its reader is done with
// it: a PE's next dispatch follows its combine, which waited for every expert PE's outputs, and an
// expert PE sends outputs only after its dispatch read every source's words and rows. The packed
// layout's offset words go the other way (expert PE to source) and are safe the same way: an expert
// PE's next dispatch follows its combine, which waited for the source's combine, which follows the
// source's dispatch that read the offset.
#pragma once
#include <cuda_bf16.h>

#include <cstdint>

#include "causeway/device/causeway_device.cuh"

namespace causeway::moe {

namespace dev = causeway::device;

inline constexpr int kThreads = 256;
inline constexpr int kWarps = kThreads / 32;

// What both kernels read; pointers into the device heap (symmetric) unless said otherwise.
struct Layer {
  int me, n_pes, num_experts, local_experts, hidden, max_tokens, top_k;
  int row_vectors;                   // hidden / 8: 16-byte vectors per row
  int max_recv = 0;                  // rows of the packed layout; 0: the fixed layout
  uint4* recv_x = nullptr;           // [rows][row_vectors]: fixed, local * n_pes * max_tokens rows
  int2* recv_src = nullptr;          // [rows]: {token at the source, k}
  uint64_t* dispatch_sig = nullptr;  // [local][n_pes]: epoch << 32 | rows, set by the source when done
  int* recv_count = nullptr;         // [local][n_pes], written by this PE's dispatch kernel
  int* recv_offset = nullptr;        // [local][n_pes]: the pair's first row (fixed: set once by the host)
  uint64_t* count_sig = nullptr;     // packed: [local][n_pes], epoch << 32 | rows about to come
  uint64_t* offset_sig = nullptr;    // packed: [num_experts], epoch << 32 | where my rows for e go
  uint4* comb = nullptr;            // [max_tokens][top_k][row_vectors]: my tokens' outputs, set by expert PEs
  uint64_t* combine_sig = nullptr;  // [num_experts]: epoch << 32, set by the expert's PE
  uint32_t* epoch = nullptr;        // local: the last epoch combined (0 at first)
  unsigned long long* combine_done = nullptr;  // local: blocks that finished combine, never reset
  uint64_t wait_timeout_ns = 0;                // 0: wait forever
};

// Waits until the local signal word carries `epoch` in its top half; returns the word. After
// L.wait_timeout_ns it says which word and PE it waited for, and traps.
__device__ inline uint64_t wait_epoch(const Layer& L, uint64_t* sig, uint32_t epoch, const char* call,
                                      const char* word, int index, int from_pe) {
  cuda::atomic_ref<uint64_t, cuda::thread_scope_system> ref(*sig);
  uint64_t v = ref.load(cuda::memory_order_acquire);
  const uint64_t start = L.wait_timeout_ns ? dev::detail::global_ns() : 0;
  for (unsigned ns = 32; uint32_t(v >> 32) != epoch; v = ref.load(cuda::memory_order_acquire)) {
    if (L.wait_timeout_ns && dev::detail::global_ns() - start > L.wait_timeout_ns) {
      printf(
          "%s: PE %d: PE %d has not set %s %d for epoch %u after %llu s (it holds epoch %u): did it make the "
          "same call?\n",
          call, L.me, from_pe, word, index, epoch,
          static_cast<unsigned long long>(L.wait_timeout_ns / 1000000000), uint32_t(v >> 32));
      __trap();
    }
    dev::detail::backoff(ns);
  }
  return v;
}

// Entry i of topk_idx (int32 or int64, as the caller's framework made it).
__device__ inline long long topk_entry(const void* topk_idx, int idx_bytes, size_t i) {
  return idx_bytes == 8 ? static_cast<const long long*>(topk_idx)[i] : static_cast<const int*>(topk_idx)[i];
}

__device__ inline void set_signal(const dev::world& w, uint64_t* sig, uint64_t value, int pe) {
  // A zero-byte putmem_signal: a system fence, then the release store of the signal.
  dev::putmem_signal<dev::scope::thread>(w, sig, nullptr, 0, sig, value, dev::signal_op::set, pe);
}

__device__ inline void copy_row(uint4* dst, const uint4* src, int vectors, int lane) {
  for (int j = lane; j < vectors; j += 32) dst[j] = src[j];
}

// Traps on an entry outside [-1, num_experts): it would route nowhere and its output never return.
__device__ inline void check_topk(const Layer& L, const void* topk_idx, int idx_bytes, int tokens) {
  const size_t n = size_t(tokens) * L.top_k;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    const long long e = topk_entry(topk_idx, idx_bytes, i);
    if (e < -1 || e >= L.num_experts) {
      printf("causeway_moe_dispatch: PE %d: argument 'topk_idx' [%llu][%llu] = %lld is not in [-1, %d)\n",
             L.me, static_cast<unsigned long long>(i / L.top_k), static_cast<unsigned long long>(i % L.top_k),
             e, L.num_experts);
      __trap();
    }
  }
}

// Walks this PE's tokens for expert e; with `rows`, sends the picked rows there (and {token, k} to
// `src`) in token order. Returns how many tokens picked e. Called by a whole block.
__device__ inline int walk_expert(const Layer& L, const uint4* x, const void* topk_idx, int idx_bytes,
                                  int tokens, int e, uint4* rows, int2* src) {
  __shared__ int warp_rows[kWarps];
  __shared__ int2 picked[kThreads];  // {token, k} of this chunk's rows, in slot order
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  int sent = 0;
  for (int t0 = 0; t0 < tokens; t0 += kThreads) {
    const int t = t0 + threadIdx.x;
    int k_hit = -1;
    if (t < tokens)
      for (int k = 0; k < L.top_k; ++k)
        if (topk_entry(topk_idx, idx_bytes, size_t(t) * L.top_k + k) == e) {
          if (k_hit >= 0) {
            printf(
                "causeway_moe_dispatch: PE %d: argument 'topk_idx' [%d] names expert %d twice (k = %d and "
                "%d)\n",
                L.me, t, e, k_hit, k);
            __trap();
          }
          k_hit = k;
        }
    const unsigned hits = __ballot_sync(0xffffffffu, k_hit >= 0);
    if (lane == 0) warp_rows[warp] = __popc(hits);
    __syncthreads();
    int before = 0, chunk_rows = 0;
    for (int i = 0; i < kWarps; ++i) {
      before += i < warp ? warp_rows[i] : 0;
      chunk_rows += warp_rows[i];
    }
    if (rows && k_hit >= 0) picked[before + __popc(hits & ((1u << lane) - 1))] = make_int2(t, k_hit);
    __syncthreads();
    for (int p = warp; rows && p < chunk_rows; p += kWarps) {
      const int2 tk = picked[p];
      copy_row(rows + size_t(sent + p) * L.row_vectors, x + size_t(tk.x) * L.row_vectors, L.row_vectors,
               lane);
      if (lane == 0) src[sent + p] = tk;
    }
    sent += chunk_rows;
    __syncthreads();  // picked and warp_rows are reused by the next chunk
  }
  return sent;
}

// Sends this PE's rows for expert e into e's PE's recv_x from row first_row on, then sets that PE's
// signal for (e, me). Called by a whole block.
__device__ inline void send_expert(const dev::world& w, const Layer& L, const uint4* x, const void* topk_idx,
                                   int idx_bytes, int tokens, int e, size_t first_row, uint32_t epoch) {
  const int pe = e / L.local_experts, pair = (e % L.local_experts) * L.n_pes + L.me;
  uint4* rows = dev::peer_ptr(w, L.recv_x + first_row * L.row_vectors, pe);
  int2* src = dev::peer_ptr(w, L.recv_src + first_row, pe);
  const int sent = walk_expert(L, x, topk_idx, idx_bytes, tokens, e, rows, src);
  // Every thread's stores happened before walk_expert's last barrier; thread 0's fence orders them
  // before the signal.
  if (threadIdx.x == 0) set_signal(w, L.dispatch_sig + pair, uint64_t(epoch) << 32 | uint32_t(sent), pe);
}

inline constexpr uint32_t kNoRoom = 0xffffffffu;  // the offset word of a PE that has no room

// Packed layout, block 0: waits for the counts of this PE's (local expert, source) pairs, lays the
// pairs out in that order and sends each source the offset of its block for each of my experts.
__device__ inline void place_pairs(const dev::world& w, const Layer& L, uint32_t epoch) {
  __shared__ long long overflow;  // the rows that arrive, when more than max_recv; else 0
  const int pairs = L.local_experts * L.n_pes;
  for (int i = threadIdx.x; i < pairs; i += blockDim.x)
    L.recv_count[i] =
        int(uint32_t(wait_epoch(L, L.count_sig + i, epoch, "causeway_moe_dispatch",
                                "the row count (packed) of local expert", i / L.n_pes, i % L.n_pes)));
  __syncthreads();
  // recv_offset = exclusive prefix sum of the counts, a block's worth of pairs at a time (a warp
  // scan by shuffles, then the warps' totals in order).
  __shared__ long long carried;  // rows before this chunk of pairs
  __shared__ int warp_total[kWarps];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (threadIdx.x == 0) carried = 0;
  __syncthreads();
  for (int first = 0; first < pairs; first += blockDim.x) {
    const int i = first + threadIdx.x, count = i < pairs ? L.recv_count[i] : 0;
    int inclusive = count;
    for (int d = 1; d < 32; d *= 2) {
      const int below = __shfl_up_sync(0xffffffffu, inclusive, d);
      if (lane >= d) inclusive += below;
    }
    if (lane == 31) warp_total[warp] = inclusive;
    __syncthreads();
    long long before = carried;
    for (int v = 0; v < warp; ++v) before += warp_total[v];
    if (i < pairs) L.recv_offset[i] = int(before + inclusive - count);  // past max_recv only on overflow
    __syncthreads();  // every thread has read carried and warp_total
    if (threadIdx.x == blockDim.x - 1) carried = before + inclusive;
    __syncthreads();
  }
  if (threadIdx.x == 0) overflow = carried > L.max_recv ? carried : 0;
  __syncthreads();
  // On overflow every source gets kNoRoom and stops at once instead of waiting out the timeout;
  // this PE reports the numbers.
  for (int i = threadIdx.x; i < pairs; i += blockDim.x)
    set_signal(w, L.offset_sig + L.me * L.local_experts + i / L.n_pes,
               uint64_t(epoch) << 32 | (overflow ? kNoRoom : uint32_t(L.recv_offset[i])), i % L.n_pes);
  __syncthreads();
  if (overflow && threadIdx.x == 0) {
    printf(
        "causeway_moe_dispatch: PE %d: %lld rows are dispatched to its experts, more than max_recv_tokens = "
        "%d\n",
        L.me, overflow, L.max_recv);
    __trap();
  }
}

__global__ void __launch_bounds__(kThreads)
    dispatch_kernel(dev::world w, Layer L, const uint4* x, const void* topk_idx, int idx_bytes, int tokens) {
  const uint32_t epoch = *L.epoch + 1;
  check_topk(L, topk_idx, idx_bytes, tokens);
  const int pairs = L.local_experts * L.n_pes;
  if (L.max_recv == 0) {
    for (int e = blockIdx.x; e < L.num_experts; e += gridDim.x) {
      const int pair = (e % L.local_experts) * L.n_pes + L.me;
      send_expert(w, L, x, topk_idx, idx_bytes, tokens, e, size_t(pair) * L.max_tokens, epoch);
      __syncthreads();
    }
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < pairs; i += gridDim.x * blockDim.x) {
      const uint64_t v = wait_epoch(L, L.dispatch_sig + i, epoch, "causeway_moe_dispatch",
                                    "the row count of local expert", i / L.n_pes, i % L.n_pes);
      L.recv_count[i] = int(uint32_t(v));
    }
    return;
  }
  // Packed. (a) Counts to each expert's PE; nothing here waits, so block 0 reaches (b).
  for (int e = blockIdx.x; e < L.num_experts; e += gridDim.x) {
    const int rows = walk_expert(L, x, topk_idx, idx_bytes, tokens, e, nullptr, nullptr);
    if (threadIdx.x == 0)
      set_signal(w, L.count_sig + (e % L.local_experts) * L.n_pes + L.me,
                 uint64_t(epoch) << 32 | uint32_t(rows), e / L.local_experts);
  }
  // (b) Where each source's rows go here.
  if (blockIdx.x == 0) place_pairs(w, L, epoch);
  // (c) The rows, at the offsets the experts' PEs gave.
  __shared__ int first_row;
  for (int e = blockIdx.x; e < L.num_experts; e += gridDim.x) {
    if (threadIdx.x == 0) {
      const uint32_t offset =
          uint32_t(wait_epoch(L, L.offset_sig + e, epoch, "causeway_moe_dispatch",
                              "the row offset (packed) for expert", e, e / L.local_experts));
      if (offset == kNoRoom) {
        printf(
            "causeway_moe_dispatch: PE %d: PE %d has no room for its rows (more than max_recv_tokens arrive "
            "there; it says how many)\n",
            L.me, e / L.local_experts);
        __trap();
      }
      first_row = int(offset);
    }
    __syncthreads();
    send_expert(w, L, x, topk_idx, idx_bytes, tokens, e, size_t(first_row), epoch);
    __syncthreads();  // first_row is rewritten for the next expert
  }
  // (d) Every source's rows for my experts are here once its done signal is. A count other than the
  // announced one means topk_idx changed between the walks (another stream writing it): the rows
  // may have gone past the pair's place, so stop.
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < pairs; i += gridDim.x * blockDim.x) {
    const uint32_t sent = uint32_t(wait_epoch(L, L.dispatch_sig + i, epoch, "causeway_moe_dispatch",
                                              "the rows (packed) of local expert", i / L.n_pes, i % L.n_pes));
    const int announced = __ldcg(L.recv_count + i);  // block 0 wrote it, before the offsets went out
    if (sent != uint32_t(announced)) {
      printf(
          "causeway_moe_dispatch: PE %d: PE %d announced %d rows for local expert %d and sent %u: was its "
          "topk_idx changed during the call?\n",
          L.me, i % L.n_pes, announced, i / L.n_pes, sent);
      __trap();
    }
  }
}

__global__ void __launch_bounds__(kThreads)
    combine_kernel(dev::world w, Layer L, const uint4* expert_out, const void* topk_idx, int idx_bytes,
                   const float* topk_weights, uint4* y, int tokens) {
  const uint32_t epoch = *L.epoch + 1;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int pairs = L.local_experts * L.n_pes;
  // (a) Outputs back home: a block per (local expert, source) pair.
  for (int pair = blockIdx.x; pair < pairs; pair += gridDim.x) {
    const int source = pair % L.n_pes, expert = L.me * L.local_experts + pair / L.n_pes;
    // The fixed layout's places never move (recv_offset is only a copy of them for the caller).
    const size_t first_row = L.max_recv ? size_t(L.recv_offset[pair]) : size_t(pair) * L.max_tokens;
    const int rows = L.recv_count[pair];
    for (int r = warp; r < rows; r += kWarps) {
      const int2 tk = L.recv_src[first_row + r];
      uint4* dst = dev::peer_ptr(w, L.comb + (size_t(tk.x) * L.top_k + tk.y) * L.row_vectors, source);
      copy_row(dst, expert_out + (first_row + r) * L.row_vectors, L.row_vectors, lane);
    }
    __syncthreads();
    if (threadIdx.x == 0) set_signal(w, L.combine_sig + expert, uint64_t(epoch) << 32, source);
  }
  // (b) Every expert's outputs for my tokens are here once its signal is.
  for (int e = threadIdx.x; e < L.num_experts; e += blockDim.x)
    wait_epoch(L, L.combine_sig + e, epoch, "causeway_moe_combine", "the outputs of expert", e,
               e / L.local_experts);
  __syncthreads();
  // (c) y[t] = sum_k weight * output, a thread per 8 values; .cg loads skip the (incoherent) L1.
  const size_t items = size_t(tokens) * L.row_vectors;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < items;
       i += size_t(gridDim.x) * blockDim.x) {
    const size_t t = i / L.row_vectors, j = i % L.row_vectors;
    float acc[8] = {};
    for (int k = 0; k < L.top_k; ++k) {
      if (topk_entry(topk_idx, idx_bytes, t * L.top_k + k) < 0) continue;
      const float wt = topk_weights[t * L.top_k + k];
      const uint4 raw = __ldcg(L.comb + (t * L.top_k + k) * L.row_vectors + j);
      __nv_bfloat16 v[8];
      memcpy(v, &raw, sizeof raw);
#pragma unroll
      for (int h = 0; h < 8; ++h) acc[h] += wt * __bfloat162float(v[h]);
    }
    __nv_bfloat16 sum[8];
#pragma unroll
    for (int h = 0; h < 8; ++h) sum[h] = __float2bfloat16_rn(acc[h]);
    uint4 packed;  // one 16-byte store
    memcpy(&packed, sum, sizeof sum);
    y[i] = packed;
  }
  // The last block to finish advances the epoch for the next calls. Every block read it at its start;
  // the fence keeps that read before the block's count.
  __syncthreads();
  if (threadIdx.x == 0) {
    __threadfence();
    cuda::atomic_ref<unsigned long long, cuda::thread_scope_device> done(*L.combine_done);
    if ((done.fetch_add(1, cuda::memory_order_acq_rel) + 1) % gridDim.x == 0) *L.epoch = epoch;
  }
}

}  // namespace causeway::moe
