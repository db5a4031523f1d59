// SPDX-License-Identifier: BSD-3-Clause
// MoE expert-parallel dispatch and combine as GPU kernels over the device API (the GPU twin of
// moe_cpu.c; the problem is in moe_common.h). Payloads are bf16, sums fp32.
//
//   causeway-run -n 4 build/examples/moe/moe_cuda [tokens=N] [hidden=N] [top_k=N] [experts=N]
//                [routing=random|hot|sparse] [seed=N] [mode=ll|bulk|layer|packed|both|all] [iters=N]
//
// ll   one kernel per iteration, no host inside it. Every 16-byte store is an LL packet
//      {data0, epoch, data1, epoch}: the receiver polls a packet until both flags hold this
//      iteration's epoch, so data and "it has arrived" travel in one store and no fence or signal is
//      needed. Epochs grow every iteration and are never reset, so nothing is cleared in between.
//      Each warp sends its rows (to the slot the host's prefix count gave them at the expert's PE:
//      the routing is fixed here; a real layer would count on the device), then runs the experts on
//      rows as they land, writing outputs as packets straight into the source's combine area, then
//      sums its tokens' outputs as they come back.
// bulk three kernels: dispatch (block-scope puts, then one signal per destination PE carrying
//      epoch << 32 | rows, set by the last block to finish), experts (wait for each source's
//      signal, compute, put the outputs back, signal each source), combine.
// layer the library a model calls (libcauseway_moe, include/causeway/moe.h): its dispatch kernel, an
//      experts kernel of this program's on the rows it delivered, its combine kernel. Routing is
//      the device's input here (topk_idx), not a host prefix count. Needs hidden % 8 == 0; not in
//      the NVSHMEM build. packed: the same with the layer's packed layout. both = ll and bulk;
//      all (the default) = every mode built.
//
// Several PEs may share one GPU and the kernels spin on each other's data, so every PE launches at
// most (SMs / PEs on its GPU) blocks: all PEs' blocks fit on the GPU at once. Kernels of different
// processes run concurrently only under MPS; without it they take turns and are slow, but finish.
//
// PE 0 prints one line per mode: the median time of an iteration against two floors measured in the
// same run (a device-to-device copy of the bytes moved, and the same routing done by local gathers).
// Every PE checks its row counts and sums against a host reference. No GPU: exit 77 (skipped).
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>
#include <shmem.h>
#include <shmemx.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "causeway/device/causeway_device.cuh"
#include "causeway/device/host.hpp"
#include "moe_common.h"
#ifdef MOE_WITH_LAYER
#include "causeway/moe.h"
#endif

namespace {

namespace dev = causeway::device;
using dev::scope;
using bf16 = __nv_bfloat16;

constexpr int kThreads = 256;                       // every kernel's block
constexpr int kBatch = 8;                           // LL packets one thread loads before checking any
constexpr int kChunk = 4096;                        // bulk expert outputs staged in shared memory
constexpr uint64_t kTimeoutNs = 20'000'000'000ull;  // a wait that long reports and traps

void check_cuda(cudaError_t e, const char* call) {
  if (e == cudaSuccess) return;
  std::fprintf(stderr, "moe_cuda: PE %d: %s: %s\n", shmem_my_pe(), call, cudaGetErrorString(e));
  shmem_global_exit(1);
}
#define CK(call) check_cuda((call), #call)

// What every kernel reads: this PE's routing and tokens, and where results go. Rows are padded to
// hp = hidden rounded up to 8 elements, so every row starts 16-byte aligned.
struct Moe {
  int me, n_pes, tokens, hidden, hp, top_k, per_pe;
  size_t cap;                       // rows one source can send one PE: tokens * min(top_k, per_pe)
  const bf16* x = nullptr;          // [tokens][hp]
  const int* expert = nullptr;      // [tokens * top_k]
  const float* weight = nullptr;    // [tokens * top_k]
  const int* slot = nullptr;        // [tokens * top_k]: the row's slot at its expert's PE (token order)
  const int* send_count = nullptr;  // [n_pes]: rows to each PE
  float* y = nullptr;               // [tokens][hidden]
  int* recv_count = nullptr;        // [n_pes]: rows received from each PE (checked by the host)
};

// LL areas, symmetric, in packets (uint4). P = hp / 4 packets carry a row.
struct Ll {
  uint4* recv;  // [source][2 + cap * (1 + P)]: count packets (by epoch parity), then rows (meta + P)
  uint4* comb;  // [tokens * top_k][P]: my tokens' expert outputs
  uint4* ack;   // [n_pes]: "I have read your count this epoch", from each PE
};

struct Bulk {
  bf16* rows;                          // symmetric [source][cap][hp]
  int4* meta;                          // symmetric [source][cap]: {token, k, expert, 0}
  bf16* comb;                          // symmetric [tokens * top_k][hp]
  uint64_t* dispatch_sig;              // symmetric [source]: epoch << 32 | rows
  uint64_t* combine_sig;               // symmetric [expert PE]: epoch << 32 | rows returned
  unsigned long long* done = nullptr;  // local [2]: blocks done (dispatch, experts), never reset
};

// ---- Small device helpers ----

__device__ inline uint64_t now_ns() {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// One LL packet in one 16-byte volatile store (generic address: local or a peer's mapped heap),
// {data0, epoch, data1, epoch}. Each 8-byte half carries the flag and is one 64-bit element of the
// vector store and load (PTX keeps each element whole, not the vector), so even if the store lands,
// or the load reads, in halves, a reader never takes a half from an older epoch.
__device__ inline void ll_put(uint4* p, uint32_t d0, uint32_t d1, uint32_t flag) {
  const uint64_t lo = uint64_t(flag) << 32 | d0, hi = uint64_t(flag) << 32 | d1;
  asm volatile("st.volatile.v2.u64 [%0], {%1, %2};" ::"l"(p), "l"(lo), "l"(hi) : "memory");
}

__device__ inline uint4 ll_load(const uint4* p) {
  uint64_t lo, hi;
  asm volatile("ld.volatile.v2.u64 {%0, %1}, [%2];" : "=l"(lo), "=l"(hi) : "l"(p) : "memory");
  return make_uint4(uint32_t(lo), uint32_t(lo >> 32), uint32_t(hi), uint32_t(hi >> 32));
}

// at_least: the flag may be newer (acks, which carry no data); otherwise it must be this epoch.
__device__ inline bool ll_ready(uint4 v, uint32_t flag, bool at_least = false) {
  if (at_least) return int32_t(v.y - flag) >= 0 && int32_t(v.w - flag) >= 0;
  return v.y == flag && v.w == flag;
}

// Spins until the packet is ready; after kTimeoutNs says which packet and traps (the host then
// reports the failed kernel) instead of hanging the job.
__device__ inline uint4 ll_spin(const uint4* p, uint32_t flag, int me, bool at_least = false) {
  uint4 v = ll_load(p);
  if (ll_ready(v, flag, at_least)) return v;
  const uint64_t start = now_ns();
  for (uint32_t spins = 1; !ll_ready(v = ll_load(p), flag, at_least); ++spins) {
    if (spins % 1024 == 0 && now_ns() - start > kTimeoutNs) {
      printf("moe_cuda: PE %d: LL packet %p still lacks epoch %u after 20 s (flags %u %u)\n", me,
             (const void*)p, flag, v.y, v.w);
      __trap();
    }
  }
  return v;
}

// Waits for n <= kBatch packets p, p + stride, ...: all loads are issued before any is checked, so
// their latencies overlap; only packets not there yet are polled again.
__device__ inline void ll_wait(const uint4* p, size_t stride, int n, uint32_t flag, int me,
                               uint2 (&out)[kBatch]) {
  uint4 v[kBatch];
#pragma unroll
  for (int i = 0; i < kBatch; ++i)
    if (i < n) v[i] = ll_load(p + i * stride);
#pragma unroll
  for (int i = 0; i < kBatch; ++i)
    if (i < n) {
      if (!ll_ready(v[i], flag)) v[i] = ll_spin(p + i * stride, flag, me);
      out[i] = make_uint2(v[i].x, v[i].z);
    }
}

__device__ inline float2 unpack2(uint32_t u) {
  __nv_bfloat162 b;
  memcpy(&b, &u, sizeof b);
  return __bfloat1622float2(b);
}

__device__ inline uint32_t pack2(float a, float b) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(a, b);
  uint32_t u;
  memcpy(&u, &v, sizeof u);
  return u;
}

// moe_expert on the device (moe_common.h is host C). __fmul_rn/__fadd_rn keep nvcc from fusing
// them into an fma, so the bf16 outputs are bit for bit the host reference's.
__device__ inline float expert_fn(int e, float v) {
  return __fadd_rn(__fmul_rn(v, 1.0f + (float)e / 16.0f), (float)e * 0.01f);
}

__device__ inline uint32_t expert2(int e, uint32_t u) {
  const float2 f = unpack2(u);
  return pack2(expert_fn(e, f.x), expert_fn(e, f.y));
}

__device__ inline uint4 expert8(int e, uint4 v) {
  return make_uint4(expert2(e, v.x), expert2(e, v.y), expert2(e, v.z), expert2(e, v.w));
}

// y[t] = sum_k weight[t][k] * row(t, k) for this block's tokens; row u = t * top_k + k is at
// rows + (row_of ? row_of[u] : u) * hp.
__device__ void combine_tokens(const Moe& m, const bf16* rows, const int* row_of) {
  for (int t = blockIdx.x; t < m.tokens; t += gridDim.x)
    for (int h = threadIdx.x * 8; h < m.hidden; h += blockDim.x * 8) {
      float acc[8] = {};
      for (int k = 0; k < m.top_k; ++k) {
        const int u = t * m.top_k + k;
        const float wt = m.weight[u];
        const uint4 v = *reinterpret_cast<const uint4*>(rows + size_t(row_of ? row_of[u] : u) * m.hp + h);
        const uint32_t q[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int i = 0; i < 4; ++i) {
          const float2 f = unpack2(q[i]);
          acc[2 * i] += wt * f.x;
          acc[2 * i + 1] += wt * f.y;
        }
      }
      for (int i = 0; i < 8 && h + i < m.hidden; ++i) m.y[size_t(t) * m.hidden + h + i] = acc[i];
    }
}

// ---- ll: one kernel ----

__global__ void __launch_bounds__(kThreads) ll_kernel(dev::world w, Moe m, Ll b, uint32_t epoch) {
  const int lane = threadIdx.x % 32;
  const int warp = int((blockIdx.x * blockDim.x + threadIdx.x) / 32),
            warps = int(gridDim.x * blockDim.x / 32);
  const int P = m.hp / 4, K = m.top_k;
  const size_t row_packets = 1 + size_t(P), area = 2 + m.cap * row_packets;

  // (a) Send. The count packet goes in the slot of this epoch's parity: a receiver still reading the
  // previous epoch's is never overwritten (see the acks at the end).
  if (warp == 0)
    for (int pe = lane; pe < m.n_pes; pe += 32)
      ll_put(dev::peer_ptr(w, b.recv + m.me * area + (epoch & 1), pe), uint32_t(m.send_count[pe]), 0, epoch);
  for (int u = warp; u < m.tokens * K; u += warps) {  // a warp per (token, k) row
    const int e = m.expert[u];
    uint4* dst = dev::peer_ptr(w, b.recv + m.me * area + 2 + m.slot[u] * row_packets, e / m.per_pe);
    const uint2* src = reinterpret_cast<const uint2*>(m.x + size_t(u / K) * m.hp);
    if (lane == 0) ll_put(dst, uint32_t(u), uint32_t(e), epoch);  // meta: where the output returns
    for (int j = lane; j < P; j += 32) {
      const uint2 v = src[j];
      ll_put(dst + 1 + j, v.x, v.y, epoch);
    }
  }
  __syncthreads();  // all of this block's sends are issued before any of its warps starts spinning

  // (b) Experts, source by source; rows spread over all warps of the grid (base keeps the spread
  // even across sources). Outputs go straight back as packets into the source's combine area.
  size_t base = 0;
  for (int i = 0; i < m.n_pes; ++i) {
    const int s = (m.me + i) % m.n_pes;
    const uint4* from = b.recv + s * area;
    const uint32_t count = ll_spin(from + (epoch & 1), epoch, m.me).x;
    if (warp == 0 && lane == 0) {
      m.recv_count[s] = int(count);
      ll_put(dev::peer_ptr(w, b.ack + m.me, s), 0, 0, epoch);
    }
    for (size_t r = (warp + warps - base % warps) % warps; r < count; r += warps) {
      const uint4* row = from + 2 + r * row_packets;
      const uint4 meta = ll_spin(row, epoch, m.me);
      uint4* out = dev::peer_ptr(w, b.comb + size_t(meta.x) * P, s);
      for (int j0 = lane; j0 < P; j0 += 32 * kBatch) {
        const int n = min(kBatch, (P - 1 - j0) / 32 + 1);
        uint2 v[kBatch];
        ll_wait(row + 1 + j0, 32, n, epoch, m.me, v);
#pragma unroll
        for (int q = 0; q < kBatch; ++q)
          if (q < n)
            ll_put(out + j0 + 32 * q, expert2(int(meta.z), v[q].x), expert2(int(meta.z), v[q].y), epoch);
      }
    }
    base += count;
  }

  // (c) Combine: a thread per (token, packet), its top_k outputs loaded together.
  const size_t items = size_t(m.tokens) * P;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < items;
       i += size_t(gridDim.x) * blockDim.x) {
    const int t = int(i / P), j = int(i % P);
    float acc[4] = {};
    for (int k0 = 0; k0 < K; k0 += kBatch) {
      const int n = min(kBatch, K - k0);
      uint2 v[kBatch];
      ll_wait(b.comb + (size_t(t) * K + k0) * P + j, P, n, epoch, m.me, v);
#pragma unroll
      for (int q = 0; q < kBatch; ++q)
        if (q < n) {
          const float wt = m.weight[t * K + k0 + q];
          const float2 lo = unpack2(v[q].x), hi = unpack2(v[q].y);
          acc[0] += wt * lo.x;
          acc[1] += wt * lo.y;
          acc[2] += wt * hi.x;
          acc[3] += wt * hi.y;
        }
    }
    for (int q = 0; q < 4 && 4 * j + q < m.hidden; ++q) m.y[size_t(t) * m.hidden + 4 * j + q] = acc[q];
  }

  // A PE acks once one of its warps has read my count; its next kernel (the next ack) starts only
  // when all its warps have. So after every ack of this epoch, my kernel two epochs on, the next to
  // write this parity slot, cannot overtake a reader. Without acks a PE that sends a peer nothing
  // could run ahead of it. Rows need none: their outputs came back, so they were read.
  if (warp == 0)
    for (int pe = lane; pe < m.n_pes; pe += 32) ll_spin(b.ack + pe, epoch, m.me, true);
}

// ---- bulk: three kernels ----

// True in thread 0 of the last block of the grid to get here. Every block fences its stores at
// system scope before counting, so a signal the last block then sends covers all blocks' puts. The
// counter is never reset: the last block of epoch e brings it to e * gridDim.x.
__device__ inline bool last_block(unsigned long long* done, uint32_t epoch) {
  __syncthreads();
  if (threadIdx.x != 0) return false;
  __threadfence_system();
  if (atomicAdd(done, 1ull) + 1 != (unsigned long long)epoch * gridDim.x) return false;
  __threadfence();  // see the other blocks' fenced stores before signalling
  return true;
}

__global__ void __launch_bounds__(kThreads) bulk_dispatch(dev::world w, Moe m, Bulk b, uint32_t epoch) {
  for (int u = blockIdx.x; u < m.tokens * m.top_k; u += gridDim.x) {  // a block per row
    const int e = m.expert[u], pe = e / m.per_pe;
    const size_t at = m.me * m.cap + m.slot[u];
    dev::put<scope::block>(w, b.rows + at * m.hp, m.x + size_t(u / m.top_k) * m.hp, m.hidden, pe);
    if (threadIdx.x == 0) dev::p(w, b.meta + at, make_int4(u / m.top_k, u % m.top_k, e, 0), pe);
  }
  if (last_block(b.done, epoch))
    for (int pe = 0; pe < m.n_pes; ++pe)  // a zero-byte putmem_signal: fence, then the signal
      dev::putmem_signal<scope::thread>(w, b.rows, nullptr, 0, b.dispatch_sig + m.me,
                                        uint64_t(epoch) << 32 | uint32_t(m.send_count[pe]),
                                        dev::signal_op::set, pe);
}

__global__ void __launch_bounds__(kThreads) bulk_expert(dev::world w, Moe m, Bulk b, uint32_t epoch) {
  __shared__ uint4 out[kChunk / 8];  // one chunk of a row's outputs
  __shared__ uint32_t count;
  size_t base = 0;
  for (int i = 0; i < m.n_pes; ++i) {
    const int s = (m.me + i) % m.n_pes;
    if (threadIdx.x == 0) {
      count = uint32_t(
          dev::signal_wait_until(w, b.dispatch_sig + s, dev::cmp::ge, uint64_t(epoch) << 32, kTimeoutNs));
      if (blockIdx.x == 0) m.recv_count[s] = int(count);
    }
    __syncthreads();
    const uint32_t n = count;
    for (size_t r = (blockIdx.x + gridDim.x - base % gridDim.x) % gridDim.x; r < n; r += gridDim.x) {
      const size_t at = s * m.cap + r;
      const int4 meta = b.meta[at];
      const uint4* in = reinterpret_cast<const uint4*>(b.rows + at * m.hp);
      bf16* dst = b.comb + (size_t(meta.x) * m.top_k + meta.y) * m.hp;
      for (int h0 = 0; h0 < m.hidden; h0 += kChunk) {
        const int len = min(kChunk, m.hp - h0);
        for (int h = threadIdx.x * 8; h < len; h += blockDim.x * 8)
          out[h / 8] = expert8(meta.z, in[(h0 + h) / 8]);
        __syncthreads();
        dev::put<scope::block>(w, dst + h0, reinterpret_cast<const bf16*>(out), min(len, m.hidden - h0),
                               s);  // ends with a sync
      }
    }
    base += n;
    __syncthreads();  // everyone has read `count` before thread 0 overwrites it
  }
  if (last_block(b.done + 1, epoch))
    for (int pe = 0; pe < m.n_pes; ++pe)
      dev::putmem_signal<scope::thread>(
          w, b.comb, nullptr, 0, b.combine_sig + m.me,
          uint64_t(epoch) << 32 | uint32_t(dev::signal_fetch(b.dispatch_sig + pe)), dev::signal_op::set, pe);
}

__global__ void __launch_bounds__(kThreads) bulk_combine(dev::world w, Moe m, Bulk b, uint32_t epoch) {
  for (int pe = threadIdx.x; pe < m.n_pes; pe += blockDim.x)
    dev::signal_wait_until(w, b.combine_sig + pe, dev::cmp::ge, uint64_t(epoch) << 32, kTimeoutNs);
  __syncthreads();
  combine_tokens(m, b.comb, nullptr);
}

// ---- The local floor: the same routing in one process, no PE in between ----

__global__ void __launch_bounds__(kThreads) local_gather(Moe m, bf16* packed, const int* row_of) {
  for (int u = blockIdx.x; u < m.tokens * m.top_k; u += gridDim.x) {
    const uint4* src = reinterpret_cast<const uint4*>(m.x + size_t(u / m.top_k) * m.hp);
    uint4* dst = reinterpret_cast<uint4*>(packed + size_t(row_of[u]) * m.hp);
    const int e = m.expert[u];
    for (int h = threadIdx.x; h < m.hp / 8; h += blockDim.x) dst[h] = expert8(e, src[h]);
  }
}

__global__ void __launch_bounds__(kThreads) local_combine(Moe m, const bf16* packed, const int* row_of) {
  combine_tokens(m, packed, row_of);
}

// ---- layer: libcauseway_moe, with this program's experts in between ----

#ifdef MOE_WITH_LAYER
constexpr bool kHaveLayer = true;

// expert_fn on every row the layer delivered, in place, in either layout: a block per (local
// expert, source) pair, whose rows start at recv_offset.
__global__ void __launch_bounds__(kThreads)
    layer_experts(causeway_moe_buffers b, int row_vectors, int first_expert) {
  for (int pair = blockIdx.x; pair < b.local_experts * b.n_pes; pair += gridDim.x) {
    const int e = first_expert + pair / b.n_pes;
    uint4* rows = static_cast<uint4*>(b.recv_x) + size_t(b.recv_offset[pair]) * row_vectors;
    const size_t n = size_t(b.recv_count[pair]) * row_vectors;
    for (size_t j = threadIdx.x; j < n; j += blockDim.x) rows[j] = expert8(e, rows[j]);
  }
}

void layer_check(int rc) {
  if (rc == 0) return;
  std::fprintf(stderr, "moe_cuda: %s\n", causeway_moe_last_error());
  shmem_global_exit(1);
}

class LayerMode {
 public:
  // Collective, as causeway_moe_create is. packed: the packed layout, sized for the most rows this
  // problem can send one PE (each source's tokens, each reaching a PE at most min(top_k, its
  // experts) times).
  void start(const moe_config& c, int npes, bool packed) {
    const int per_pe = c.experts / npes;
    const causeway_moe_config config{
        c.experts,
        c.hidden,
        std::max(c.tokens, 1),
        c.top_k,
        int(kTimeoutNs / 1000000000),
        packed ? int(std::clamp<long long>(1LL * npes * c.tokens * std::min(c.top_k, per_pe), 1, INT32_MAX))
               : 0};
    layer_check(causeway_moe_create(&config, &layer_));
    layer_check(causeway_moe_get_buffers(layer_, &b_));
    first_expert_ = shmem_my_pe() * (c.experts / npes);
    CK(cudaMalloc(&y_, std::max<size_t>(size_t(c.tokens) * c.hidden * sizeof(bf16), 256)));
  }
  void launch(const Moe& m, int blocks, cudaStream_t st) {
    layer_check(causeway_moe_dispatch(layer_, m.x, m.expert, 4, m.tokens, st));
    layer_experts<<<blocks, kThreads, 0, st>>>(b_, m.hidden / 8, first_expert_);
    CK(cudaGetLastError());
    layer_check(causeway_moe_combine(layer_, b_.recv_x, m.expert, 4, m.weight, y_, m.tokens, st));
  }
  void poison_y(size_t n, cudaStream_t st) { CK(cudaMemsetAsync(y_, 0xff, std::max<size_t>(n * 2, 1), st)); }
  std::vector<float> y(size_t n) const {
    std::vector<bf16> raw(n);
    if (n) CK(cudaMemcpy(raw.data(), y_, n * sizeof(bf16), cudaMemcpyDeviceToHost));
    std::vector<float> out(n);
    for (size_t i = 0; i < n; ++i) out[i] = __bfloat162float(raw[i]);
    return out;
  }
  std::vector<int> rows_from(int npes) const {  // summed over my experts
    std::vector<int> by_pair(size_t(b_.local_experts) * npes), out(npes);
    CK(cudaMemcpy(by_pair.data(), b_.recv_count, by_pair.size() * sizeof(int), cudaMemcpyDeviceToHost));
    for (size_t i = 0; i < by_pair.size(); ++i) out[i % npes] += by_pair[i];
    return out;
  }
  void finish() {  // collective
    layer_check(causeway_moe_destroy(layer_));
    CK(cudaFree(y_));
  }

 private:
  causeway_moe* layer_ = nullptr;
  causeway_moe_buffers b_{};
  bf16* y_ = nullptr;
  int first_expert_ = 0;
};
#else
constexpr bool kHaveLayer = false;
class LayerMode {  // not built: never started (run_layer is false)
 public:
  void start(const moe_config&, int, bool) {}
  void launch(const Moe&, int, cudaStream_t) {}
  void poison_y(size_t, cudaStream_t) {}
  std::vector<float> y(size_t) const { return {}; }
  std::vector<int> rows_from(int) const { return {}; }
  void finish() {}
};
#endif

// ---- Host ----

template <class T>
T* device_alloc(size_t n) {
  void* p = nullptr;
  CK(cudaMalloc(&p, std::max<size_t>(n * sizeof(T), 256)));
  return static_cast<T*>(p);
}

template <class T>
T* upload(const std::vector<T>& v) {
  T* p = device_alloc<T>(v.size());
  if (!v.empty()) CK(cudaMemcpy(p, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice));
  return p;
}

template <class T>
std::vector<T> download(const T* p, size_t n) {
  std::vector<T> v(n);
  if (n) CK(cudaMemcpy(v.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost));
  return v;
}

// Median microseconds of `launch` over iters runs (after two untimed ones). A device barrier on the
// stream before each run starts every PE's run together; it is outside the timed events.
template <class F>
double median_us(cudaStream_t st, int iters, F launch) {
  std::vector<cudaEvent_t> ev(2 * size_t(iters));
  for (auto& e : ev) CK(cudaEventCreate(&e));
  for (int i = -2; i < iters; ++i) {
    shmemx_barrier_all_on_stream(st);
    if (i >= 0) CK(cudaEventRecord(ev[2 * i], st));
    launch();
    if (i >= 0) CK(cudaEventRecord(ev[2 * i + 1], st));
  }
  CK(cudaStreamSynchronize(st));
  std::vector<double> us(iters);
  for (int i = 0; i < iters; ++i) {
    float ms = 0;
    CK(cudaEventElapsedTime(&ms, ev[2 * i], ev[2 * i + 1]));
    us[i] = ms * 1e3;
  }
  for (auto& e : ev) CK(cudaEventDestroy(e));
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

[[noreturn]] void mismatch(const char* mode, const char* what, long a, long b, double got, double expect) {
  std::fprintf(stderr, "moe_cuda: PE %d: MISMATCH %s: %s (%ld, %ld): got %.7g, expected %.7g\n",
               shmem_my_pe(), mode, what, a, b, got, expect);
  shmem_global_exit(1);
  std::abort();
}

}  // namespace

int main(int argc, char** argv) {
  shmem_init();
  const int me = shmem_my_pe(), npes = shmem_n_pes();
  moe_config cfg;
  char error[256];
  int iters = 20;
  const char* mode = "all";
  for (int i = 1; i < argc; ++i) {
    if (!std::strncmp(argv[i], "iters=", 6)) iters = std::max(1, std::atoi(argv[i] + 6));
    if (!std::strncmp(argv[i], "mode=", 5)) mode = argv[i] + 5;
  }
  const bool all = !std::strcmp(mode, "all"), both = !std::strcmp(mode, "both");
  const bool run_ll = all || both || !std::strcmp(mode, "ll");
  const bool run_bulk = all || both || !std::strcmp(mode, "bulk");
  const bool parsed = moe_parse(&cfg, npes, argc, argv, error, sizeof error) == 0;
  // The layer needs 16-byte rows; "all" leaves it out where they are not.
  const bool run_layer = kHaveLayer && ((all && cfg.hidden % 8 == 0) || !std::strcmp(mode, "layer"));
  const bool run_packed = kHaveLayer && ((all && cfg.hidden % 8 == 0) || !std::strcmp(mode, "packed"));
  const char* bad = !parsed ? error
                    : !run_ll && !run_bulk && !run_layer && !run_packed
                        ? "mode must be ll, bulk, layer, packed, both or all (layer and packed only "
                          "where libcauseway_moe was built)"
                    : (run_layer || run_packed) && cfg.hidden % 8
                        ? "modes layer and packed need hidden % 8 == 0"
                        : nullptr;
  if (bad) {
    if (me == 0) std::fprintf(stderr, "moe_cuda: %s\n", bad);
    shmem_finalize();
    return 2;
  }

  // No GPU here: skip (77), unless the caller said there must be one (scripts/gpu-check). The
  // decision is shmemx_cuda_device's, which every PE agreed on at init: a PE deciding alone would
  // leave its peers in the collective allocation below.
  int devices = 0;
  const cudaError_t count_err = cudaGetDeviceCount(&devices);
  if (shmemx_cuda_device() < 0) {
    const char* expect = std::getenv("CAUSEWAY_EXPECT_GPU");
    const bool expected = expect && *expect && std::strcmp(expect, "0") != 0;
    if (me == 0)
      std::printf("moe_cuda: no CUDA device or device heap here (%s): %s\n",
                  count_err != cudaSuccess ? cudaGetErrorString(count_err)
                  : devices == 0           ? "no device"
                                           : "no device heap",
                  expected ? "failing, CAUSEWAY_EXPECT_GPU is set" : "skipped");
    shmem_finalize();
    return expected ? 1 : 77;
  }
  CK(cudaSetDevice(shmemx_cuda_device()));

  const int T = cfg.tokens, H = cfg.hidden, K = cfg.top_k, per_pe = cfg.experts / npes;
  const char* const routing[] = {"random", "hot", "sparse"};  // by enum moe_routing
  const int hp = (H + 7) / 8 * 8, P = hp / 4;
  const size_t rows = size_t(T) * K, cap = size_t(T) * std::min(K, per_pe);

  // Symmetric buffers, the same sizes in the same order on every PE.
  const size_t ll_area = 2 + cap * (1 + size_t(P));
  const size_t sizes[] = {run_ll ? npes * ll_area * 16 : 0,   run_ll ? rows * P * 16 : 0,
                          run_ll ? size_t(npes) * 16 : 0,     run_bulk ? npes * cap * hp * 2 : 0,
                          run_bulk ? npes * cap * 16 : 0,     run_bulk ? rows * hp * 2 : 0,
                          run_bulk ? 2 * size_t(npes) * 8 : 0};
  void* sym[7] = {};
  size_t heap_needed = 0;
  for (size_t s : sizes) heap_needed += s ? (s + 255) / 256 * 256 : 0;
  for (int i = 0; i < 7; ++i) {
    if (!sizes[i]) continue;
    if (!(sym[i] = shmemx_malloc_kind(SHMEMX_MEM_CUDA, sizes[i]))) {
      if (me == 0)
        std::fprintf(stderr,
                     "moe_cuda: needs about %zu MiB of device heap per PE: set CAUSEWAY_CUDA_HEAP_SIZE\n",
                     (heap_needed >> 20) + 1);
      shmem_global_exit(1);
    }
    CK(cudaMemset(sym[i], 0, sizes[i]));  // epoch 0 is never used, so zeroed packets are "not arrived"
  }
  CK(cudaDeviceSynchronize());
  shmem_barrier_all();  // no PE writes into a peer's buffers before the peer has zeroed them
  const dev::world w = dev::this_world();
  const std::vector<dev::route> route = download(w.route_of, npes);
  for (int pe = 0; pe < npes; ++pe)
    if (route[pe] == dev::route::none) {  // LL packets and signal sets: stores, no atomics
      std::fprintf(stderr, "moe_cuda: PE %d: PE %d's device heap is not reachable from a kernel here\n", me,
                   pe);
      shmem_global_exit(1);
    }

  // Blocks per PE: all PEs on this GPU (found by the GPU's UUID) must fit at once.
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, shmemx_cuda_device()));
  uint64_t uuid[2];
  std::memcpy(uuid, prop.uuid.bytes, sizeof uuid);
  auto* ids = static_cast<uint64_t*>(shmem_malloc(npes * sizeof(uint64_t)));
  for (int pe = 0; pe < npes; ++pe) shmem_uint64_p(&ids[me], uuid[0] ^ uuid[1], pe);
  shmem_barrier_all();
  int sharing = 0;
  for (int pe = 0; pe < npes; ++pe) sharing += ids[pe] == (uuid[0] ^ uuid[1]);
  shmem_free(ids);
  const int blocks = std::max(1, prop.multiProcessorCount / sharing);

  // Routing: the slot of every row at its expert's PE is a prefix count in token order.
  std::vector<int> expert(rows), slot(rows), send_count(npes), row_of(rows), packed_base(npes);
  std::vector<float> weight(rows);
  for (int t = 0; t < T; ++t) {
    moe_route(&cfg, me, t, &expert[size_t(t) * K], &weight[size_t(t) * K]);
    for (int k = 0; k < K; ++k) slot[size_t(t) * K + k] = send_count[expert[size_t(t) * K + k] / per_pe]++;
  }
  for (int pe = 1; pe < npes; ++pe) packed_base[pe] = packed_base[pe - 1] + send_count[pe - 1];
  for (size_t u = 0; u < rows; ++u) row_of[u] = packed_base[expert[u] / per_pe] + slot[u];
  std::vector<bf16> x(size_t(T) * hp, __float2bfloat16(0.0f));
  for (int t = 0; t < T; ++t)
    for (int h = 0; h < H; ++h) x[size_t(t) * hp + h] = __float2bfloat16(moe_token_value(me, t, h));

  Moe m{me, npes, T, H, hp, K, per_pe, cap};
  m.x = upload(x);
  m.expert = upload(expert);
  m.weight = upload(weight);
  m.slot = upload(slot);
  m.send_count = upload(send_count);
  m.y = device_alloc<float>(size_t(T) * H);
  m.recv_count = device_alloc<int>(npes);
  const Ll ll{static_cast<uint4*>(sym[0]), static_cast<uint4*>(sym[1]), static_cast<uint4*>(sym[2])};
  auto* sigs = static_cast<uint64_t*>(sym[6]);
  Bulk bulk{static_cast<bf16*>(sym[3]), static_cast<int4*>(sym[4]), static_cast<bf16*>(sym[5]), sigs,
            sigs + npes};
  bulk.done = device_alloc<unsigned long long>(2);
  cudaStream_t st;
  CK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
  // On the kernels' stream: a non-blocking stream is not ordered after the legacy default one.
  CK(cudaMemsetAsync(bulk.done, 0, 2 * sizeof(unsigned long long), st));

  // The reference: what every source sends here, and this PE's combined tokens.
  std::vector<int> expect_count(npes);
  std::vector<int> e_s(K);
  std::vector<float> w_s(K);
  for (int s = 0; s < npes; ++s)
    for (int t = 0; t < T; ++t) {
      moe_route(&cfg, s, t, e_s.data(), w_s.data());
      for (int k = 0; k < K; ++k) expect_count[s] += e_s[k] / per_pe == me;
    }
  std::vector<float> ref(size_t(T) * H), scale(size_t(T) * H), xb(H);
  for (int t = 0; t < T; ++t) {
    for (int h = 0; h < H; ++h) xb[h] = __bfloat162float(x[size_t(t) * hp + h]);
    for (int k = 0; k < K; ++k) {
      const int e = expert[size_t(t) * K + k];
      const float wt = weight[size_t(t) * K + k];
      for (int h = 0; h < H; ++h) {
        const float term = wt * __bfloat162float(__float2bfloat16(moe_expert(e, xb[h])));
        ref[size_t(t) * H + h] += term;
        scale[size_t(t) * H + h] += std::fabs(term);
      }
    }
  }

  // The floors, on every PE at once (as the modes run): a device-to-device copy of the bytes the
  // modes move (rows out and back), and the same gather, experts and sums done locally.
  const size_t moved = 2 * rows * H * sizeof(bf16);
  char* copy_a = device_alloc<char>(moved);
  char* copy_b = device_alloc<char>(moved);
  bf16* packed = device_alloc<bf16>(rows * hp);
  int* row_of_d = upload(row_of);
  const double d2d_us =
      median_us(st, iters, [&] { CK(cudaMemcpyAsync(copy_b, copy_a, moved, cudaMemcpyDeviceToDevice, st)); });
  const double local_us = median_us(st, iters, [&] {
    local_gather<<<blocks, kThreads, 0, st>>>(m, packed, row_of_d);
    local_combine<<<blocks, kThreads, 0, st>>>(m, packed, row_of_d);
    CK(cudaGetLastError());
  });

  uint32_t ll_epoch = 0, bulk_epoch = 0;
  for (const char* name : {"ll", "bulk", "layer", "packed"}) {
    const bool is_ll = !std::strcmp(name, "ll"), is_packed = !std::strcmp(name, "packed");
    const bool is_layer = is_packed || !std::strcmp(name, "layer");
    if (!(is_ll ? run_ll : is_packed ? run_packed : is_layer ? run_layer : run_bulk)) continue;
    LayerMode layer;  // one layer at a time: the packed one needs less device heap
    if (is_layer) layer.start(cfg, npes, is_packed);
    CK(cudaMemsetAsync(m.y, 0xff, std::max<size_t>(size_t(T) * H * sizeof(float), 1),
                       st));  // NaN until written
    CK(cudaMemsetAsync(m.recv_count, 0xff, npes * sizeof(int), st));
    if (is_layer) layer.poison_y(size_t(T) * H, st);
    const double us = median_us(st, iters, [&] {
      if (is_layer) return layer.launch(m, blocks, st);
      if (is_ll) {
        ll_kernel<<<blocks, kThreads, 0, st>>>(w, m, ll, ++ll_epoch);
        CK(cudaGetLastError());
        return;
      }
      ++bulk_epoch;
      bulk_dispatch<<<blocks, kThreads, 0, st>>>(w, m, bulk, bulk_epoch);
      bulk_expert<<<blocks, kThreads, 0, st>>>(w, m, bulk, bulk_epoch);
      bulk_combine<<<blocks, kThreads, 0, st>>>(w, m, bulk, bulk_epoch);
      CK(cudaGetLastError());
    });
    const std::vector<float> y = is_layer ? layer.y(size_t(T) * H) : download(m.y, size_t(T) * H);
    const std::vector<int> got_count = is_layer ? layer.rows_from(npes) : download(m.recv_count, npes);
    for (int s = 0; s < npes; ++s)
      if (got_count[s] != expect_count[s])
        mismatch(name, "rows received from PE", s, 0, got_count[s], expect_count[s]);
    // Outputs are bf16-exact; only the fp32 sums' order and fusing may differ from the host's, and
    // the layer rounds its sums to bf16 (half an ulp: at most 2^-8 of the sum).
    const float tolerance = is_layer ? 7e-3f : 5e-3f;
    for (size_t i = 0; i < y.size(); ++i)
      if (!(std::fabs(y[i] - ref[i]) <= tolerance * scale[i] + 1e-6f))
        mismatch(name, "y (token, h)", long(i / H), long(i % H), y[i], ref[i]);
    shmem_barrier_all();
    if (me == 0)
      std::printf(
          "moe_cuda %s: tokens=%d hidden=%d top_k=%d experts=%d routing=%s pes=%d: %.1f us (d2d floor "
          "%.1f us = %.2fx, local gather %.1f us = %.2fx)\n",
          name, T, H, K, cfg.experts, routing[cfg.routing], npes, us, d2d_us, d2d_us / us, local_us,
          local_us / us);
    if (is_layer) layer.finish();
  }

  CK(cudaStreamSynchronize(st));
  CK(cudaStreamDestroy(st));
  for (void* p :
       {(void*)m.x, (void*)m.expert, (void*)m.weight, (void*)m.slot, (void*)m.send_count, (void*)m.y,
        (void*)m.recv_count, (void*)bulk.done, (void*)copy_a, (void*)copy_b, (void*)packed, (void*)row_of_d})
    CK(cudaFree(p));
  shmem_barrier_all();
  for (int i = 6; i >= 0; --i)
    if (sym[i]) shmem_free(sym[i]);
  shmem_finalize();
  return 0;
}
