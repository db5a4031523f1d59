// SPDX-License-Identifier: BSD-3-Clause
// GPU collectives: Causeway's device allreduce and alltoall against baselines measured in the same run.
//
//   allreduce_f32, allreduce_f16, allreduce_bf16   causeway::device::allreduce_sum_block (fp32 sums)
//   alltoall                                       causeway::device::alltoall_block
//
// `bytes` is the size of each PE's source (and dest): nelems * sizeof(T) for the allreduce, n_pes
// blocks of bytes / n_pes for the alltoall. Sizes go from 8 B to --max-size (64 MiB) in x4 steps and
// include 16 KiB, the largest allreduce on the LL path. Every size is timed five ways, in microseconds
// per operation:
//
//   in-kernel   one one-block kernel per PE that makes the call N times (the cost of the collective)
//   launch      N one-block kernels of one call each (adds the launch and the kernel's start)
//   stream      shmemx_*_on_stream N times (the library's one-block kernel, as programs call it)
//   memcpy      cudaMemcpyAsync device-to-device of the same bytes on the same stream: the floor
//   nccl        ncclAllReduce (sum) / ncclAlltoAll on a 1-rank communicator, only when built with
//               NCCL and the job has 1 PE (NCCL takes one rank per GPU)
//
// Every result (the three Causeway forms and NCCL) is checked once per size against a host
// reference: fp32 sums added in PE order must match bit for bit; fp16/bf16 may differ by the
// rounding of the final conversion. A mismatch names the PE, benchmark, form and size and ends the
// job with status 1.
//
//   causeway-run -n 2 perf/cuda_coll_bench [--max-size 64M] [--iters 100] [--json FILE]
//
// Without a CUDA device it says so and exits 0 (1 when CAUSEWAY_EXPECT_GPU is set, as on a GPU
// machine in scripts/gpu-check). Several PEs may share a GPU; without MPS their kernels take turns,
// and the output says which it was.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>
#include <shmem.h>
#include <shmemx.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "causeway/device/causeway_device.cuh"
#include "causeway/device/host.hpp"

#if CW_HAVE_NCCL
#include <nccl.h>
#endif

namespace {

namespace dev = causeway::device;

#define CHECK_CUDA(call)                                                             \
  do {                                                                               \
    cudaError_t e_ = (call);                                                         \
    if (e_ != cudaSuccess) {                                                         \
      std::fprintf(stderr, "cuda_coll_bench: PE %d: %s: %s\n", shmem_my_pe(), #call, \
                   cudaGetErrorString(e_));                                          \
      shmem_global_exit(1);                                                          \
    }                                                                                \
  } while (0)

#if CW_HAVE_NCCL
#define CHECK_NCCL(call)                                                             \
  do {                                                                               \
    ncclResult_t r_ = (call);                                                        \
    if (r_ != ncclSuccess) {                                                         \
      std::fprintf(stderr, "cuda_coll_bench: PE %d: %s: %s\n", shmem_my_pe(), #call, \
                   ncclGetErrorString(r_));                                          \
      shmem_global_exit(1);                                                          \
    }                                                                                \
  } while (0)
#endif

constexpr unsigned kThreads = 512;  // as the library's stream collectives: enough loads in flight

// ---- Kernels: one block per PE, `calls` collectives in a row ----

template <typename T>
__global__ void __launch_bounds__(kThreads)
    allreduce_calls(dev::world w, T* dest, const T* source, size_t nelems, void* scratch, int calls) {
  for (int i = 0; i < calls; ++i) dev::allreduce_sum_block(w, dest, source, nelems, scratch);
}

// Nothing reads dest between the calls, so no barrier is needed between them (coll.cuh).
__global__ void __launch_bounds__(kThreads)
    alltoall_calls(dev::world w, void* dest, const void* source, size_t bytes_per_pe, int calls) {
  for (int i = 0; i < calls; ++i) dev::alltoall_block(w, dest, source, bytes_per_pe);
}

// ---- Inputs and references, all on the host (the device only computes the collectives) ----

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Element i of PE pe's source: 24 significant bits in [-1, 1), so fp32 sums round and the order of
// the additions shows in the bits.
float test_value(int pe, size_t i) {
  const uint64_t h = mix((uint64_t(pe) << 48) ^ i);
  return float(int32_t(h >> 40) - (1 << 23)) * 0x1p-23f;
}

// Byte `off` of PE pe's alltoall source.
unsigned char test_byte(int pe, size_t off) {
  return static_cast<unsigned char>(mix((uint64_t(pe) << 48) ^ (uint64_t(1) << 47) ^ (off >> 3)) >>
                                    (8 * (off & 7)));
}

using causeway::device::detail::from_f32;
using causeway::device::detail::to_f32;

template <typename T>
const char* type_name() {
  if constexpr (std::is_same_v<T, float>) {
    return "f32";
  } else if constexpr (std::is_same_v<T, __half>) {
    return "f16";
  } else {
    return "bf16";
  }
}

// One unit in the last place of T at |x| (its subnormal spacing near 0): the most the final
// conversion of the fp32 sum to T may move it. fp32 is compared bit for bit instead.
template <typename T>
float ulp_of(float x) {
  constexpr int mantissa = std::is_same_v<T, __half> ? 10 : 7;
  constexpr int lowest = std::is_same_v<T, __half> ? -24 : -133;
  const int e = x == 0.0f ? lowest + mantissa : std::ilogb(x);
  return std::ldexp(1.0f, std::max(e - mantissa, lowest));
}

// This PE's source and the sum every PE must get, for elements [0, n): fp32 additions in PE order,
// as the device adds them.
template <typename T>
void allreduce_inputs(int me, int npes, size_t n, std::vector<T>* mine, std::vector<float>* sum) {
  mine->resize(n);
  sum->resize(n);
  for (size_t i = 0; i < n; ++i) {
    float acc = 0.0f;
    for (int q = 0; q < npes; ++q) {
      const T v = from_f32<T>(test_value(q, i));
      if (q == me) (*mine)[i] = v;
      acc += to_f32(v);
    }
    (*sum)[i] = acc;
  }
}

[[noreturn]] void mismatch(const char* bench, const char* form, size_t bytes, size_t at, double got,
                           double expected) {
  std::fprintf(stderr,
               "cuda_coll_bench: PE %d: MISMATCH %s (%s) at %zu bytes: element %zu is %.9g, expected %.9g\n",
               shmem_my_pe(), bench, form, bytes, at, got, expected);
  shmem_global_exit(1);
  std::abort();
}

template <typename T>
void check_allreduce(const char* bench, const char* form, const void* dest, size_t n,
                     const std::vector<float>& sum) {
  std::vector<T> got(n);
  CHECK_CUDA(cudaMemcpy(got.data(), dest, n * sizeof(T), cudaMemcpyDeviceToHost));
  for (size_t i = 0; i < n; ++i) {
    const float g = to_f32(got[i]);
    bool ok;
    if constexpr (std::is_same_v<T, float>) {
      ok = std::memcmp(&g, &sum[i], sizeof g) == 0;
    } else {
      ok = std::fabs(g - sum[i]) <= ulp_of<T>(sum[i]);  // false for NaN (an element never written)
    }
    if (!ok) mismatch(bench, form, n * sizeof(T), i, g, sum[i]);
  }
}

// Block j of dest came from PE j: its block my_pe.
void check_alltoall(int me, int npes, const char* form, const void* dest, size_t bytes_per_pe) {
  const size_t bytes = bytes_per_pe * npes;
  std::vector<unsigned char> got(bytes);
  CHECK_CUDA(cudaMemcpy(got.data(), dest, bytes, cudaMemcpyDeviceToHost));
  for (int j = 0; j < npes; ++j)
    for (size_t x = 0; x < bytes_per_pe; ++x) {
      const unsigned char expected = test_byte(j, me * bytes_per_pe + x);
      if (got[j * bytes_per_pe + x] != expected)
        mismatch("alltoall", form, bytes, j * bytes_per_pe + x, got[j * bytes_per_pe + x], expected);
    }
}

// ---- The run ----

struct Row {
  std::string bench;
  std::string algo;  // ll / direct (allreduce), stores (alltoall)
  size_t bytes;
  double kernel_us, launch_us, stream_us, memcpy_us, nccl_us;  // nccl_us < 0: not measured
};

struct Bench {
  int me = 0, npes = 0, iters = 0;
  size_t max_bytes = 0;
  cudaStream_t st = nullptr;
  cudaEvent_t ev0 = nullptr, ev1 = nullptr;
  dev::world w{};
  void* scratch = nullptr;              // the in-kernel allreduces' (the stream calls use the library's)
  char *src = nullptr, *dst = nullptr;  // symmetric, max_bytes each
  bool nccl = false;
#if CW_HAVE_NCCL
  ncclComm_t comm = nullptr;
  char *nccl_src = nullptr, *nccl_dst = nullptr;  // cudaMalloc, as an NCCL program has them
#endif
  std::vector<Row> rows{};

  // The same count on every PE (the collectives must match): N at small sizes, fewer (at least 5)
  // where one call moves more than 256 KiB.
  int calls_for(size_t bytes) const {
    const double scaled = double(iters) * double(256 << 10) / double(bytes);
    return std::max(std::min(iters, 5), int(std::min<double>(iters, scaled)));
  }

  // Microseconds per operation: `ops` operations queued by `body` on the stream, after `warm` (one
  // untimed operation: first-launch and lazy setup costs). A barrier on the stream lines up every
  // PE's start, outside the timed events.
  template <class Warm, class Body>
  double time_us(int ops, Warm warm, Body body) {
    warm();
    shmemx_barrier_all_on_stream(st);
    CHECK_CUDA(cudaEventRecord(ev0, st));
    body();
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaEventRecord(ev1, st));
    CHECK_CUDA(cudaEventSynchronize(ev1));
    float ms = 0;
    CHECK_CUDA(cudaEventElapsedTime(&ms, ev0, ev1));
    return double(ms) * 1e3 / ops;
  }

  // Poisons dest (NaN in every float type) so a result not written fails the check; no peer writes
  // it for the next form before every PE has done so.
  void clear(void* dest, size_t bytes) {
    CHECK_CUDA(cudaMemsetAsync(dest, 0xff, bytes, st));
    CHECK_CUDA(cudaStreamSynchronize(st));
    shmem_barrier_all();
  }

  // A copy from pageable memory may return before it lands, and the non-blocking stream is not
  // ordered after it: wait for it, then for every PE (peers read this source).
  void upload_done() {
    CHECK_CUDA(cudaDeviceSynchronize());
    shmem_barrier_all();
  }

  double memcpy_us(size_t bytes, int n) {
    auto copy = [&] { CHECK_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, st)); };
    return time_us(n, copy, [&] {
      for (int i = 0; i < n; ++i) copy();
    });
  }

  template <typename T>
  void allreduce(const std::vector<size_t>& sizes) {
    const std::string bench = std::string("allreduce_") + type_name<T>();
    const size_t max_n = max_bytes / sizeof(T);
    std::vector<T> mine;
    std::vector<float> sum;
    allreduce_inputs<T>(me, npes, max_n, &mine, &sum);
    CHECK_CUDA(cudaMemcpy(src, mine.data(), max_n * sizeof(T), cudaMemcpyHostToDevice));
#if CW_HAVE_NCCL
    if (nccl) CHECK_CUDA(cudaMemcpy(nccl_src, mine.data(), max_n * sizeof(T), cudaMemcpyHostToDevice));
#endif
    upload_done();
    T* d = reinterpret_cast<T*>(dst);
    const T* s = reinterpret_cast<const T*>(src);
    for (const size_t size : sizes) {
      const size_t n = size / sizeof(T), bytes = n * sizeof(T);
      if (n == 0) continue;
      const int calls = calls_for(bytes);
      Row r{bench, n <= dev::kAllreduceLLMaxBytes / sizeof(T) ? "ll" : "direct", bytes, 0, 0, 0, 0, -1};
      auto once = [&] { allreduce_calls<T><<<1, kThreads, 0, st>>>(w, d, s, n, scratch, 1); };

      clear(d, bytes);
      r.kernel_us = time_us(calls, once,
                            [&] { allreduce_calls<T><<<1, kThreads, 0, st>>>(w, d, s, n, scratch, calls); });
      check_allreduce<T>(bench.c_str(), "in-kernel", d, n, sum);

      clear(d, bytes);
      r.launch_us = time_us(calls, once, [&] {
        for (int i = 0; i < calls; ++i) once();
      });
      check_allreduce<T>(bench.c_str(), "launch", d, n, sum);

      clear(d, bytes);
      auto on_stream = [&] { dev::sum_allreduce_on_stream(d, s, n, st); };
      r.stream_us = time_us(calls, on_stream, [&] {
        for (int i = 0; i < calls; ++i) on_stream();
      });
      check_allreduce<T>(bench.c_str(), "stream", d, n, sum);

      r.memcpy_us = memcpy_us(bytes, calls);
#if CW_HAVE_NCCL
      if (nccl) {
        constexpr ncclDataType_t type = std::is_same_v<T, float>    ? ncclFloat32
                                        : std::is_same_v<T, __half> ? ncclFloat16
                                                                    : ncclBfloat16;
        CHECK_CUDA(cudaMemsetAsync(nccl_dst, 0xff, bytes, st));
        auto op = [&] { CHECK_NCCL(ncclAllReduce(nccl_src, nccl_dst, n, type, ncclSum, comm, st)); };
        r.nccl_us = time_us(calls, op, [&] {
          for (int i = 0; i < calls; ++i) op();
        });
        check_allreduce<T>(bench.c_str(), "nccl", nccl_dst, n, sum);
      }
#endif
      rows.push_back(r);
    }
  }

  void alltoall(const std::vector<size_t>& sizes) {
    std::vector<unsigned char> mine(max_bytes);
    for (size_t off = 0; off < max_bytes; ++off) mine[off] = test_byte(me, off);
    CHECK_CUDA(cudaMemcpy(src, mine.data(), max_bytes, cudaMemcpyHostToDevice));
#if CW_HAVE_NCCL
    if (nccl) CHECK_CUDA(cudaMemcpy(nccl_src, mine.data(), max_bytes, cudaMemcpyHostToDevice));
#endif
    upload_done();
    for (const size_t size : sizes) {
      const size_t per_pe = size / npes, bytes = per_pe * npes;
      if (per_pe == 0) continue;
      const int calls = calls_for(bytes);
      Row r{"alltoall", "stores", bytes, 0, 0, 0, 0, -1};
      auto once = [&] { alltoall_calls<<<1, kThreads, 0, st>>>(w, dst, src, per_pe, 1); };

      clear(dst, bytes);
      r.kernel_us =
          time_us(calls, once, [&] { alltoall_calls<<<1, kThreads, 0, st>>>(w, dst, src, per_pe, calls); });
      check_alltoall(me, npes, "in-kernel", dst, per_pe);

      clear(dst, bytes);
      r.launch_us = time_us(calls, once, [&] {
        for (int i = 0; i < calls; ++i) once();
      });
      check_alltoall(me, npes, "launch", dst, per_pe);

      clear(dst, bytes);
      auto on_stream = [&] { shmemx_alltoallmem_on_stream(dst, src, per_pe, st); };
      r.stream_us = time_us(calls, on_stream, [&] {
        for (int i = 0; i < calls; ++i) on_stream();
      });
      check_alltoall(me, npes, "stream", dst, per_pe);

      r.memcpy_us = memcpy_us(bytes, calls);
#if CW_HAVE_NCCL
      if (nccl) {
        CHECK_CUDA(cudaMemsetAsync(nccl_dst, 0xff, bytes, st));
        auto op = [&] {
#if NCCL_VERSION_CODE >= NCCL_VERSION(2, 28, 0)  // ncclAlltoAll came with NCCL 2.28.3
          CHECK_NCCL(ncclAlltoAll(nccl_src, nccl_dst, per_pe, ncclUint8, comm, st));
#else  // NCCL before 2.28: the alltoall as grouped point-to-point (here only to this rank itself)
          CHECK_NCCL(ncclGroupStart());
          CHECK_NCCL(ncclSend(nccl_src, per_pe, ncclUint8, 0, comm, st));
          CHECK_NCCL(ncclRecv(nccl_dst, per_pe, ncclUint8, 0, comm, st));
          CHECK_NCCL(ncclGroupEnd());
#endif
        };
        r.nccl_us = time_us(calls, op, [&] {
          for (int i = 0; i < calls; ++i) op();
        });
        check_alltoall(me, npes, "nccl", nccl_dst, per_pe);
      }
#endif
      rows.push_back(r);
    }
  }
};

// The driver's word (CUDA 12.x and later): contexts on this GPU are MPS clients, so the PEs'
// kernels run at once rather than by time slices.
bool under_mps() {
  int mps = 0;
  return cudaDeviceGetAttribute(&mps, cudaDevAttrMpsEnabled, shmemx_cuda_device()) == cudaSuccess && mps != 0;
}

// "64M", "16K", "1G" or plain bytes; 0 when it is none of these.
size_t parse_size(const char* s) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (end == s) return 0;
  const int shift = !std::strcmp(end, "")    ? 0
                    : !std::strcmp(end, "K") ? 10
                    : !std::strcmp(end, "M") ? 20
                    : !std::strcmp(end, "G") ? 30
                                             : -1;
  return shift < 0 ? 0 : size_t(v) << shift;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  return out + "\"";
}

void print_us(double us) {
  if (us < 0)
    std::printf(" %12s", "-");
  else
    std::printf(" %12.2f", us);
}

}  // namespace

int main(int argc, char** argv) {
  const char* json_path = nullptr;
  size_t max_bytes = size_t(64) << 20;
  int iters = 100;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) {
      json_path = argv[++i];
    } else if (!std::strcmp(argv[i], "--max-size") && i + 1 < argc) {
      max_bytes = parse_size(argv[++i]);
    } else if (!std::strcmp(argv[i], "--iters") && i + 1 < argc) {
      iters = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: cuda_coll_bench [--max-size BYTES[K|M|G]] [--iters N] [--json FILE]\n");
      return 2;
    }
  }
  if (max_bytes < 8 || iters < 1) {
    std::fprintf(stderr, "cuda_coll_bench: --max-size must be at least 8 bytes and --iters at least 1\n");
    return 2;
  }

  shmem_init();
  const int me = shmem_my_pe(), npes = shmem_n_pes();
  // Every PE agreed at init whether the device heap can exist, so all of them take the same branch.
  if (shmemx_cuda_device() < 0) {
    const char* expect = std::getenv("CAUSEWAY_EXPECT_GPU");
    const bool expected = expect && *expect && std::strcmp(expect, "0") != 0;
    if (me == 0)
      std::printf("cuda_coll_bench: no device heap (no CUDA device here): nothing measured%s\n",
                  expected ? "; failing, CAUSEWAY_EXPECT_GPU is set" : "");
    shmem_finalize();
    return expected ? 1 : 0;
  }
  const int gpu = shmemx_cuda_device();
  CHECK_CUDA(cudaSetDevice(gpu));

  // Sizes: 8 B, then 16 B x4 up to the limit (16 KiB, the largest LL allreduce, is one), then the limit.
  std::vector<size_t> sizes{8};
  for (size_t s = 16; s <= max_bytes; s *= 4) sizes.push_back(s);
  if (sizes.back() < max_bytes) sizes.push_back(max_bytes);

  Bench b;
  b.me = me;
  b.npes = npes;
  b.iters = iters;
  b.max_bytes = max_bytes;
  const size_t scratch_bytes = dev::allreduce_scratch_bytes(npes, dev::kAllreduceLLMaxBytes, 1);
  b.src = static_cast<char*>(shmemx_malloc_kind(SHMEMX_MEM_CUDA, max_bytes));
  b.dst = static_cast<char*>(shmemx_malloc_kind(SHMEMX_MEM_CUDA, max_bytes));
  b.scratch = shmemx_malloc_kind(SHMEMX_MEM_CUDA, scratch_bytes);
  if (!b.src || !b.dst || !b.scratch) {
    if (me == 0)
      std::fprintf(stderr, "cuda_coll_bench: needs %zu MiB of device heap per PE (CAUSEWAY_CUDA_HEAP_SIZE)\n",
                   ((2 * max_bytes + scratch_bytes) >> 20) + 1);
    shmem_global_exit(1);
  }
  // Zeroed once, before any PE's first call, and never again (coll.cuh).
  CHECK_CUDA(cudaMemset(b.scratch, 0, scratch_bytes));
  CHECK_CUDA(cudaDeviceSynchronize());
  shmem_barrier_all();
  b.w = dev::this_world();
  std::vector<dev::route> route(npes);
  CHECK_CUDA(cudaMemcpy(route.data(), b.w.route_of, npes * sizeof(dev::route), cudaMemcpyDeviceToHost));
  for (int pe = 0; pe < npes; ++pe)
    if (route[pe] != dev::route::p2p) {
      std::fprintf(stderr,
                   "cuda_coll_bench: PE %d: PE %d's device heap is not reachable from a kernel here\n", me,
                   pe);
      shmem_global_exit(1);
    }
  CHECK_CUDA(cudaStreamCreateWithFlags(&b.st, cudaStreamNonBlocking));
  CHECK_CUDA(cudaEventCreate(&b.ev0));
  CHECK_CUDA(cudaEventCreate(&b.ev1));

  // NCCL: a 1-rank communicator on this PE's GPU, only when the job is this one PE.
  std::string nccl_note = "not built in";
#if CW_HAVE_NCCL
  if (npes == 1) {
    int version = 0;
    ncclGetVersion(&version);
    if (const ncclResult_t r = ncclCommInitAll(&b.comm, 1, &gpu); r == ncclSuccess) {
      b.nccl = true;
      nccl_note = "NCCL " + std::to_string(version / 10000) + "." + std::to_string(version / 100 % 100) +
                  "." + std::to_string(version % 100) + ", 1-rank communicator";
      CHECK_CUDA(cudaMalloc(&b.nccl_src, max_bytes));
      CHECK_CUDA(cudaMalloc(&b.nccl_dst, max_bytes));
    } else {
      nccl_note = std::string("ncclCommInitAll failed: ") + ncclGetErrorString(r) + ": no NCCL rows";
    }
  } else {
    nccl_note =
        "rows only at 1 PE (NCCL allows one rank per GPU; this job has " + std::to_string(npes) + " PEs)";
  }
#endif

  b.allreduce<float>(sizes);
  b.allreduce<__half>(sizes);
  b.allreduce<__nv_bfloat16>(sizes);
  b.alltoall(sizes);
  CHECK_CUDA(cudaStreamSynchronize(b.st));
  shmem_barrier_all();

  if (me == 0) {
    cudaDeviceProp prop{};
    CHECK_CUDA(cudaGetDeviceProperties(&prop, gpu));
    const bool mps = under_mps();
    std::printf("# cuda_coll_bench: %d PEs, PE 0 on GPU %d (%s), %s, one block x %u threads per PE\n", npes,
                gpu, prop.name, mps ? "MPS" : "no MPS (kernels time-sliced)", kThreads);
    std::printf("# us per operation; all results checked; NCCL: %s\n", nccl_note.c_str());
    std::printf("%-15s %10s %-6s %12s %12s %12s %12s %12s %10s\n", "bench", "bytes", "algo", "in-kernel",
                "launch", "stream", "memcpy", "nccl", "stream/cp");
    for (const Row& r : b.rows) {
      std::printf("%-15s %10zu %-6s", r.bench.c_str(), r.bytes, r.algo.c_str());
      print_us(r.kernel_us);
      print_us(r.launch_us);
      print_us(r.stream_us);
      print_us(r.memcpy_us);
      print_us(r.nccl_us);
      std::printf(" %9.2fx\n", r.stream_us / r.memcpy_us);
    }
    if (json_path) {
      FILE* f = std::fopen(json_path, "w");
      if (!f) {
        std::fprintf(stderr, "cuda_coll_bench: cannot write %s\n", json_path);
      } else {
        std::fprintf(f, "{\"gpu\": %s, \"pes\": %d, \"mps\": %s, \"threads\": %u, \"nccl\": %s, \"rows\": [",
                     json_string(prop.name).c_str(), npes, mps ? "true" : "false", kThreads,
                     json_string(nccl_note).c_str());
        for (size_t i = 0; i < b.rows.size(); ++i) {
          const Row& r = b.rows[i];
          std::fprintf(f,
                       "%s\n  {\"bench\": \"%s\", \"algo\": \"%s\", \"bytes\": %zu, \"in_kernel_us\": %.4f, "
                       "\"launch_us\": %.4f, \"stream_us\": %.4f, \"memcpy_us\": %.4f, \"nccl_us\": ",
                       i ? "," : "", r.bench.c_str(), r.algo.c_str(), r.bytes, r.kernel_us, r.launch_us,
                       r.stream_us, r.memcpy_us);
          if (r.nccl_us < 0)
            std::fprintf(f, "null}");
          else
            std::fprintf(f, "%.4f}", r.nccl_us);
        }
        std::fprintf(f, "\n]}\n");
        std::fclose(f);
      }
    }
  }

#if CW_HAVE_NCCL
  if (b.nccl) {
    CHECK_NCCL(ncclCommDestroy(b.comm));
    CHECK_CUDA(cudaFree(b.nccl_src));
    CHECK_CUDA(cudaFree(b.nccl_dst));
  }
#endif
  CHECK_CUDA(cudaEventDestroy(b.ev0));
  CHECK_CUDA(cudaEventDestroy(b.ev1));
  CHECK_CUDA(cudaStreamDestroy(b.st));
  shmem_barrier_all();
  shmem_free(b.scratch);
  shmem_free(b.dst);
  shmem_free(b.src);
  shmem_finalize();
  return 0;
}
