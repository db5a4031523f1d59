// SPDX-License-Identifier: BSD-3-Clause
// In-kernel collectives over all PEs: allreduce_sum_block (float, __half, __nv_bfloat16, summed in
// fp32) and alltoall_block. Each is run by every thread of ONE block per PE, and is collective: every
// PE must launch a kernel whose block makes the same calls, in the same order and with the same
// sizes, including the device barriers (barrier_all_block, sync_all_block, the barrier on a stream),
// whose counters the direct allreduce and alltoall share. The kernels of all PEs must be running at
// once (see sync.cuh); only that one block spins, so several PEs can share a GPU.
//
// allreduce_sum_block takes one of two algorithms by size (every PE takes the same one):
//   LL, up to kAllreduceLLMaxBytes per PE: every PE writes its whole source into its slot of every
//     peer's scratch as 16-byte packets {data0, flag, data1, flag} (8 bytes of payload, the epoch
//     twice), and each PE sums the packets locally once their flags show this call's epoch. One
//     crossing of the fabric, no barrier. The epoch comes from a counter in the scratch (below).
//   direct, larger: a barrier (every PE's source is ready), then PE p sums chunk p of every PE's
//     source through peer pointers and stores the sum into every PE's dest, then a closing barrier.
// Both add the PEs' values in PE order, in fp32, so every PE gets the same bits either way.
//
// The scratch (allreduce_scratch_bytes) is symmetric device memory, 16-byte aligned, zeroed once
// before its first use (shmemx_malloc_kind, then cudaMemset 0) and never again: its first word is
// this PE's count of LL allreduces, which only grows; packets of alternate calls go to alternate
// halves, so a fast PE cannot overwrite a packet a slow one has not read yet. One scratch serves one
// collective at a time (the same scratch in every call, on every PE).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <type_traits>

#include "causeway/device/checks.cuh"
#include "causeway/device/rma.cuh"
#include "causeway/device/scope.cuh"
#include "causeway/device/signal.cuh"
#include "causeway/device/sync.cuh"
#include "causeway/device/world.cuh"

namespace causeway::device {

// Per-PE source bytes up to which allreduce_sum_block takes the LL path.
inline constexpr size_t kAllreduceLLMaxBytes = 16384;

namespace detail {

// The scratch: a header (the epoch counter, padded), then the LL packets. A packet's place depends
// only on its line, sender and half, never on the size of the call, so calls of different sizes can
// share one scratch: lines come in groups of 32 (a warp's 512 contiguous bytes), and each group holds
// [sender][half][32 lines].
inline constexpr size_t kCollHeaderBytes = 256;
inline constexpr size_t kLLLineBytes = 16, kLLPayloadBytes = 8, kLLGroupLines = 32;

struct coll_header {
  uint64_t epoch;  // LL allreduces this PE has run with this scratch (only its block writes it)
};

__host__ __device__ constexpr size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

template <typename T>
inline constexpr bool is_sum_type =
    std::is_same_v<T, float> || std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;

}  // namespace detail

// Scratch bytes every PE must pass to allreduce_sum_block for calls of up to nelems elements of
// elem_size bytes with n_pes PEs. Grows with nelems up to the LL limit and is constant beyond (the
// direct path needs no scratch), so the value for the largest call serves every smaller one.
__host__ __device__ constexpr size_t allreduce_scratch_bytes(int n_pes, size_t nelems, size_t elem_size) {
  const size_t bytes = elem_size == 0                              ? 0
                       : nelems > kAllreduceLLMaxBytes / elem_size ? kAllreduceLLMaxBytes
                                                                   : nelems * elem_size;
  const size_t groups =
      detail::ceil_div(detail::ceil_div(bytes, detail::kLLPayloadBytes), detail::kLLGroupLines);
  return detail::kCollHeaderBytes + groups * static_cast<size_t>(n_pes > 0 ? n_pes : 0) * 2 *
                                        detail::kLLGroupLines * detail::kLLLineBytes;
}

namespace detail {

// Host code too: the tests and benchmarks compute their references with them.
template <typename T>
__host__ __device__ inline float to_f32(T v) {
  if constexpr (std::is_same_v<T, float>) {
    return v;
  } else if constexpr (std::is_same_v<T, __half>) {
    return __half2float(v);
  } else {
    return __bfloat162float(v);
  }
}

template <typename T>
__host__ __device__ inline T from_f32(float v) {
  if constexpr (std::is_same_v<T, float>) {
    return v;
  } else if constexpr (std::is_same_v<T, __half>) {
    return __float2half_rn(v);
  } else {
    return __float2bfloat16_rn(v);
  }
}

// acc[i] += element i of the word `raw` (W holds sizeof(W) / sizeof(T) elements).
template <typename T, typename W>
__device__ inline void accumulate(float* acc, const W& raw) {
  constexpr int k = sizeof(W) / sizeof(T);
  T v[k];
  memcpy(v, &raw, sizeof(W));
#pragma unroll
  for (int i = 0; i < k; ++i) acc[i] += to_f32(v[i]);
}

template <typename T, typename W>
__device__ inline W pack(const float* acc) {
  constexpr int k = sizeof(W) / sizeof(T);
  T v[k];
#pragma unroll
  for (int i = 0; i < k; ++i) v[i] = from_f32<T>(acc[i]);
  W raw;
  memcpy(&raw, v, sizeof(W));
  return raw;
}

// Line l of a `bytes`-byte buffer: its 8 bytes, zero past the end. Byte by byte for the last line and
// for a buffer that is not 8-byte aligned (elements are 2 or 4 bytes, so that is rare).
__device__ inline uint2 load_payload(const unsigned char* src, size_t bytes, size_t l) {
  const size_t at = l * kLLPayloadBytes;
  if (at + kLLPayloadBytes <= bytes && (reinterpret_cast<uintptr_t>(src) & 7) == 0)
    return *reinterpret_cast<const uint2*>(src + at);
  unsigned char b[kLLPayloadBytes] = {};
  for (size_t i = 0; i < kLLPayloadBytes && at + i < bytes; ++i) b[i] = src[at + i];
  uint2 v;
  memcpy(&v, b, sizeof v);
  return v;
}

__device__ inline void store_payload(unsigned char* dst, size_t bytes, size_t l, uint2 v) {
  const size_t at = l * kLLPayloadBytes;
  if (at + kLLPayloadBytes <= bytes && (reinterpret_cast<uintptr_t>(dst) & 7) == 0) {
    *reinterpret_cast<uint2*>(dst + at) = v;
    return;
  }
  unsigned char b[kLLPayloadBytes];
  memcpy(b, &v, sizeof v);
  for (size_t i = 0; i < kLLPayloadBytes && at + i < bytes; ++i) dst[at + i] = b[i];
}

// This PE's copy of the packet for line l from `sender`, in half `half` of the scratch.
__device__ inline uint4* ll_line(void* scratch, int n_pes, size_t l, int sender, unsigned half) {
  const size_t group = l / kLLGroupLines, lane = l % kLLGroupLines;
  const size_t index =
      ((group * static_cast<size_t>(n_pes) + static_cast<size_t>(sender)) * 2 + half) * kLLGroupLines + lane;
  return reinterpret_cast<uint4*>(static_cast<unsigned char*>(scratch) + kCollHeaderBytes) + index;
}

// One 16-byte volatile store of two 8-byte words {data, flag}: in memory {data0, flag, data1, flag}.
// The store may reach a reader in two parts, but each aligned 8-byte word is single-copy atomic, so
// each carries its own flag: a reader that sees the flag in a word sees that word's data.
__device__ inline void ll_store(uint4* line, uint2 payload, uint32_t flag) {
  const uint64_t tag = static_cast<uint64_t>(flag) << 32;
  asm volatile("st.volatile.v2.u64 [%0], {%1, %2};" ::"l"(line), "l"(tag | payload.x), "l"(tag | payload.y)
               : "memory");
}

// Spins (volatile loads: never a stale L1 line) until both words of the packet carry `flag`; after
// CAUSEWAY_DEVICE_WAIT_TIMEOUT_NS (if not 0) says which PE's packet never came, and traps.
__device__ inline uint2 ll_wait(const world& w, const uint4* line, uint32_t flag, int sender,
                                const char* what) {
  unsigned spins = 0, ns = 32;
  const uint64_t timeout_ns = CAUSEWAY_DEVICE_WAIT_TIMEOUT_NS;  // a variable: 0 is a valid setting
  const uint64_t start = timeout_ns != 0 ? global_ns() : 0;
  for (;;) {
    uint64_t lo, hi;
    asm volatile("ld.volatile.v2.u64 {%0, %1}, [%2];" : "=l"(lo), "=l"(hi) : "l"(line) : "memory");
    if (static_cast<uint32_t>(lo >> 32) == flag && static_cast<uint32_t>(hi >> 32) == flag)
      return make_uint2(static_cast<uint32_t>(lo), static_cast<uint32_t>(hi));
    if (++spins > 256) {
      backoff(ns);  // a PE far behind (time-sliced GPU): stop hammering memory
      if (timeout_ns != 0 && global_ns() - start >= timeout_ns) {
        printf(
            "causeway device [PE %d] %s: timed out waiting for PE %d's packet at %p (epoch %u; holds %u, "
            "%u)\n",
            static_cast<int>(w.my_pe), what, sender, static_cast<const void*>(line), flag,
            static_cast<unsigned>(lo >> 32), static_cast<unsigned>(hi >> 32));
        __trap();
      }
    }
  }
}

// barrier_all_block under the collective's name: completes this block's stores to peers (system
// fence after __syncthreads covers the whole block), then waits for every PE.
__device__ inline void coll_barrier(const world& w, const char* what) {
  __syncthreads();
  if (block_rank() == 0) {
    __threadfence_system();
    dissemination_barrier(w, what);
  }
  __syncthreads();
}

// Checks mode: what every collective needs (a current world, every PE reachable from this GPU).
__device__ inline void check_coll_world(const world& w, const char* what) {
  check_version(w, what);
  for (int pe = 0; pe < w.n_pes; ++pe) check_route(w, pe, what);
}

__device__ inline void check_coll_bytes(const world& w, size_t count, size_t unit, const char* what,
                                        const char* arg) {
  if (unit != 0 && count > SIZE_MAX / unit) {
    printf("causeway device [PE %d] %s: %s = %llu overflows a byte count\n", static_cast<int>(w.my_pe), what,
           arg, static_cast<unsigned long long>(count));
    __trap();
  }
}

// [a, a + a_bytes) and [b, b + b_bytes) share no byte (same_ok: or are exactly the same range).
__device__ inline void check_disjoint(const world& w, const void* a, size_t a_bytes, const void* b,
                                      size_t b_bytes, bool same_ok, const char* what, const char* a_name,
                                      const char* b_name) {
  const uintptr_t x = reinterpret_cast<uintptr_t>(a), y = reinterpret_cast<uintptr_t>(b);
  if (a_bytes == 0 || b_bytes == 0 || (same_ok && x == y && a_bytes == b_bytes)) return;
  if (x < y + b_bytes && y < x + a_bytes) {
    printf("causeway device [PE %d] %s: %s %p (%llu bytes) overlaps %s %p (%llu bytes)%s\n",
           static_cast<int>(w.my_pe), what, a_name, a, static_cast<unsigned long long>(a_bytes), b_name, b,
           static_cast<unsigned long long>(b_bytes),
           same_ok ? "; they must be the same buffer or disjoint" : "");
    __trap();
  }
}

template <typename T>
__device__ inline void check_allreduce(const world& w, const T* dest, const T* source, size_t nelems,
                                       const void* scratch, bool ll, const char* what) {
#ifdef CAUSEWAY_DEVICE_CHECKS
  if (block_rank() == 0) {
    check_coll_world(w, what);
    check_coll_bytes(w, nelems, sizeof(T), what, "nelems");
    const size_t bytes = nelems * sizeof(T);
    if (bytes != 0) {
      check_range(w, dest, bytes, alignof(T), what, "dest");
      check_range(w, source, bytes, alignof(T), what, "source");
      check_disjoint(w, dest, bytes, source, bytes, true, what, "dest", "source");
      if (ll && w.n_pes > 1) {
        const size_t need = allreduce_scratch_bytes(w.n_pes, nelems, sizeof(T));
        check_range(w, scratch, need, 16, what, "scratch");
        check_disjoint(w, scratch, need, dest, bytes, false, what, "scratch", "dest");
        check_disjoint(w, scratch, need, source, bytes, false, what, "scratch", "source");
      }
    }
  }
  __syncthreads();
#else
  (void)w;
  (void)dest;
  (void)source;
  (void)nelems;
  (void)scratch;
  (void)ll;
  (void)what;
#endif
}

// LL: push, then reduce. A thread handles the same lines in both loops, so dest may be source: the
// thread that overwrites a line of it has already pushed that line.
template <typename T>
__device__ inline void allreduce_ll(const world& w, T* dest, const T* source, size_t nelems, void* scratch) {
  constexpr int k = kLLPayloadBytes / sizeof(T);
  const size_t bytes = nelems * sizeof(T), lines = ceil_div(bytes, kLLPayloadBytes);
  const unsigned rank = block_rank(), nthreads = block_size();
  const int me = w.my_pe, n = w.n_pes;
  auto* header = static_cast<coll_header*>(scratch);
  // Every thread reads the count before thread 0 bumps it (the caller's __syncthreads ordered the
  // previous call's bump before this read).
  const uint64_t epoch = header->epoch + 1;
  __syncthreads();
  if (rank == 0) header->epoch = epoch;
  // Stale packets hold an older epoch: the one two calls back in this half, or 0 (never used). The
  // flag is its low 32 bits, so a line would have to lie unused for 2^32 calls to be misread.
  const auto flag = static_cast<uint32_t>(epoch);
  const auto half = static_cast<unsigned>(epoch & 1);
  const auto* src = reinterpret_cast<const unsigned char*>(source);
  for (size_t l = rank; l < lines; l += nthreads) {
    const uint2 payload = load_payload(src, bytes, l);
    for (int i = 1; i < n; ++i) {  // starting after this PE, so the PEs spread over their peers
      const int to = (me + i) % n;
      ll_store(translate(w, ll_line(scratch, n, l, me, half), to), payload, flag);
    }
  }
  for (size_t l = rank; l < lines; l += nthreads) {
    float acc[k] = {};
    for (int q = 0; q < n; ++q)
      accumulate<T>(acc, q == me
                             ? load_payload(src, bytes, l)
                             : ll_wait(w, ll_line(scratch, n, l, q, half), flag, q, "allreduce_sum_block"));
    store_payload(reinterpret_cast<unsigned char*>(dest), bytes, l, pack<T, uint2>(acc));
  }
  // The next LL call (which may write this half again on peers) starts after every packet was read.
  __syncthreads();
}

// Direct: reduce-scatter by loads through peer pointers, all-gather by stores through them. Chunks
// are whole 16-byte vectors; each thread keeps kUnroll vectors in flight per PE. dest may be source:
// chunk p of every PE's buffers is read and written only by PE p, by one thread per element, which
// reads it before it writes it.
template <typename T>
__device__ inline void allreduce_direct(const world& w, T* dest, const T* source, size_t nelems,
                                        const char* what) {
  constexpr size_t kVec = 16 / sizeof(T);
  constexpr unsigned kUnroll = 4;
  const unsigned rank = block_rank(), nthreads = block_size();
  const int me = w.my_pe, n = w.n_pes;
  // Every PE's source is complete and visible (each fenced it before arriving), and every PE's dest
  // is free of the calls before this one.
  coll_barrier(w, what);
  const size_t chunk = ceil_div(ceil_div(nelems, static_cast<size_t>(n)), kVec) * kVec;
  const size_t lo = static_cast<size_t>(me) * chunk < nelems ? static_cast<size_t>(me) * chunk : nelems;
  const size_t hi = nelems - lo < chunk ? nelems : lo + chunk;
  size_t tail = lo;  // the elements from here to hi go one at a time
  if (((reinterpret_cast<uintptr_t>(source) | reinterpret_cast<uintptr_t>(dest)) & 15) == 0) {
    const size_t nvec = (hi - lo) / kVec;
    tail = lo + nvec * kVec;
    for (size_t v0 = rank; v0 < nvec; v0 += static_cast<size_t>(nthreads) * kUnroll) {
      float acc[kUnroll][kVec] = {};
      for (int q = 0; q < n; ++q) {
        const auto* s = reinterpret_cast<const uint4*>(translate(w, source + lo, q));
        uint4 raw[kUnroll];
#pragma unroll
        for (unsigned j = 0; j < kUnroll; ++j)
          if (const size_t v = v0 + j * nthreads; v < nvec) raw[j] = s[v];
#pragma unroll
        for (unsigned j = 0; j < kUnroll; ++j)
          if (v0 + j * nthreads < nvec) accumulate<T>(acc[j], raw[j]);
      }
      uint4 sum[kUnroll];
#pragma unroll
      for (unsigned j = 0; j < kUnroll; ++j) sum[j] = pack<T, uint4>(acc[j]);
      for (int i = 0; i < n; ++i) {
        const int to = (me + i) % n;
        auto* d = reinterpret_cast<uint4*>(translate(w, dest + lo, to));
#pragma unroll
        for (unsigned j = 0; j < kUnroll; ++j)
          if (const size_t v = v0 + j * nthreads; v < nvec) d[v] = sum[j];
      }
    }
  }
  for (size_t e = tail + rank; e < hi; e += nthreads) {
    float acc = 0.0f;
    for (int q = 0; q < n; ++q) acc += to_f32(*translate(w, source + e, q));
    const T sum = from_f32<T>(acc);
    for (int i = 0; i < n; ++i) *translate(w, dest + e, (me + i) % n) = sum;
  }
  // Every PE's chunk is in every dest, and nobody reads this PE's source any more.
  coll_barrier(w, what);
}

// The allreduce with the algorithm chosen by the caller (the same on every PE): the library's
// stream kernel also checks that its scratch holds the LL packets.
template <typename T>
__device__ inline void allreduce_sum_impl(const world& w, T* dest, const T* source, size_t nelems,
                                          void* scratch, bool ll, const char* what) {
  static_assert(is_sum_type<T>, "allreduce_sum_block: T must be float, __half or __nv_bfloat16");
  __syncthreads();  // the block's writes to source, and any earlier use of the scratch, come first
  check_allreduce(w, dest, source, nelems, scratch, ll, what);
  if (nelems == 0) return;
  if (w.n_pes == 1) {
    if (dest != source) copy_bytes<scope::block>(dest, source, nelems * sizeof(T));
    __syncthreads();
    return;
  }
  if (ll) {
    allreduce_ll(w, dest, source, nelems, scratch);
  } else {
    allreduce_direct(w, dest, source, nelems, what);
  }
}

}  // namespace detail

// dest[i] = the sum over all PEs of source[i], on every PE, for i < nelems (accumulated in fp32,
// in PE order: every PE gets the same bits). dest, source and scratch are symmetric device-heap
// addresses; dest and source are the same buffer or disjoint; scratch holds at least
// allreduce_scratch_bytes(n_pes, nelems, sizeof(T)) bytes (see the top of this file). On return
// this PE's dest is complete and its source may be reused.
template <typename T>
__device__ inline void allreduce_sum_block(const world& w, T* dest, const T* source, size_t nelems,
                                           void* scratch) {
  detail::allreduce_sum_impl(w, dest, source, nelems, scratch, nelems <= kAllreduceLLMaxBytes / sizeof(T),
                             "allreduce_sum_block");
}

// Block j of source (bytes_per_pe bytes at source + j * bytes_per_pe) goes to block my_pe of dest on
// PE j, by stores through peer pointers, then a barrier: on return every PE's dest is complete and
// source may be reused (shmem_alltoallmem). dest and source are symmetric and disjoint. As with
// shmem_alltoallmem a peer may write this PE's dest as soon as it enters, so two calls into the
// same dest need a barrier between this PE's reads of the first result and the second call.
__device__ inline void alltoall_block(const world& w, void* dest, const void* source, size_t bytes_per_pe) {
  constexpr const char* what = "alltoall_block";
  __syncthreads();
#ifdef CAUSEWAY_DEVICE_CHECKS
  if (detail::block_rank() == 0) {
    detail::check_coll_world(w, what);
    detail::check_coll_bytes(w, bytes_per_pe, static_cast<size_t>(w.n_pes), what, "bytes_per_pe");
    const size_t bytes = bytes_per_pe * static_cast<size_t>(w.n_pes);
    if (bytes != 0) {
      detail::check_range(w, dest, bytes, 1, what, "dest");
      detail::check_range(w, source, bytes, 1, what, "source");
      detail::check_disjoint(w, dest, bytes, source, bytes, false, what, "dest", "source");
    }
  }
  __syncthreads();
#endif
  if (bytes_per_pe == 0) return;
  auto* d = static_cast<unsigned char*>(dest) + static_cast<size_t>(w.my_pe) * bytes_per_pe;
  const auto* s = static_cast<const unsigned char*>(source);
  for (int i = 0; i < w.n_pes; ++i) {  // this PE first (a local copy), then the ones after it
    const int to = (w.my_pe + i) % w.n_pes;
    detail::copy_bytes<scope::block>(detail::translate(w, d, to), s + static_cast<size_t>(to) * bytes_per_pe,
                                     bytes_per_pe);
  }
  detail::coll_barrier(w, what);
}

}  // namespace causeway::device
