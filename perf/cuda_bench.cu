// SPDX-License-Identifier: BSD-3-Clause
// GPU benchmarks: the device API against the CUDA baseline measured in the same run. The same
// source also builds unchanged against NVSHMEM (perf/nvshmem_compat/ on the include path instead of
// Causeway's include/; binary nvshmem_cuda_bench) for the side-by-side rows.
//
//   put_bw/get_bw.S  device put (get) into (from) the next PE's device heap from many CTAs, every
//                    group of scope S (thread, warp, block) copying its own slice, against
//                    cudaMemcpy device-to-device of the same size on this GPU (ratio = ours / memcpy)
//   p_lat, g_lat     one thread's p + quiet (g) to the next PE, per operation
//   put_lat          one thread's 8-byte putmem + quiet to the next PE
//   put_signal_pp    ping-pong of an 8-byte put_signal between PE 0 and PE 1 (half round trip)
//   host_put_lat     host put of 8 bytes into the next PE's device heap, complete on return
//   stream_put_lat   putmem_on_stream of 8 bytes to the next PE + stream synchronize, against an
//                    8-byte cudaMemcpyAsync + synchronize (ratio = memcpy / ours)
//   h2k_rtt, k2h_rtt host and kernel round trip with the library on one leg: host-to-kernel is
//                    putmem_signal_on_stream into this PE's heap and a kernel's signal wait, the
//                    kernel answering through mapped host memory; kernel-to-host is a kernel's
//                    put_signal and the host's signal_wait_until_on_stream + stream synchronize,
//                    started through mapped host memory. Baseline: both legs through mapped host
//                    memory (ratio = baseline / ours)
//
// Run with 1 or 2 PEs (on one GPU or two): causeway-run -n 2 perf/cuda_bench [--json FILE]; at
// 1 PE "the next PE" is this one. Kernels of two processes on one GPU run concurrently only under
// MPS; without it put_signal_pp measures the GPU's time slicing, and the output says which it was.
// Without a CUDA device it says so and exits 0.
#include <cuda_runtime_api.h>
#include <shmem.h>
#include <shmemx.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "causeway/device/causeway_device.cuh"
#include "causeway/device/host.hpp"

namespace {

namespace dev = causeway::device;
using dev::scope;

#ifdef CAUSEWAY_NVSHMEM_COMPAT
constexpr const char* kLibrary = "nvshmem";
#else
constexpr const char* kLibrary = "causeway";
#endif

#define CHECK_CUDA(call)                                                                        \
  do {                                                                                          \
    cudaError_t e_ = (call);                                                                    \
    if (e_ != cudaSuccess) {                                                                    \
      std::fprintf(stderr, "%s_cuda_bench: %s: %s\n", kLibrary, #call, cudaGetErrorString(e_)); \
      shmem_global_exit(1);                                                                     \
    }                                                                                           \
  } while (0)

template <scope S>
__device__ inline unsigned group_count() {
  if constexpr (S == scope::block) return gridDim.x;
  if constexpr (S == scope::warp) return gridDim.x * (blockDim.x / 32);
  return gridDim.x * blockDim.x;
}

template <scope S>
__device__ inline unsigned group_index() {
  if constexpr (S == scope::block) return blockIdx.x;
  if constexpr (S == scope::warp) return blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  return blockIdx.x * blockDim.x + threadIdx.x;
}

// Every group of scope S copies its own 16-byte-aligned slice (the whole group calls together).
template <scope S, bool Put>
__global__ void copy_slices(dev::world w, char* dst, const char* src, std::size_t bytes, int pe) {
  const std::size_t groups = group_count<S>();
  const std::size_t slice = ((bytes + groups - 1) / groups + 15) / 16 * 16;
  const std::size_t begin = std::min(bytes, slice * group_index<S>());
  const std::size_t end = std::min(bytes, begin + slice);
  if (end == begin) return;  // the same for every thread of the group
  if constexpr (Put)
    dev::putmem<S>(w, dst + begin, src + begin, end - begin, pe);
  else
    dev::getmem<S>(w, dst + begin, src + begin, end - begin, pe);
}

__global__ void p_loop(dev::world w, long* target, int pe, int iters) {
  for (int i = 0; i < iters; ++i) {
    dev::p(w, target, long(i), pe);
    dev::quiet<scope::thread>(w);
  }
}

// Each g depends on the last, so the loop measures latency, not overlap.
__global__ void g_loop(dev::world w, const long* source, long* sink, int pe, int iters) {
  long sum = 0;
  for (int i = 0; i < iters; ++i) sum += dev::g(w, source + (sum & 1), pe);
  *sink = sum;
}

__global__ void put_loop(dev::world w, long* target, const long* source, int pe, int iters) {
  for (int i = 0; i < iters; ++i) {
    dev::putmem<scope::thread>(w, target, source, sizeof(long), pe);
    dev::quiet<scope::thread>(w);
  }
}

// PE 0 sends round i and waits for the answer; PE 1 waits for round i and answers.
__global__ void ping_pong(dev::world w, uint64_t* sig, long* data, const long* src, int iters) {
  const int peer = 1 - w.my_pe;
  for (int i = 1; i <= iters; ++i) {
    if (w.my_pe == 0) {
      dev::put_signal<scope::thread>(w, data, src, 1, sig, uint64_t(i), dev::signal_op::set, peer);
      dev::signal_wait_until(sig, dev::cmp::ge, uint64_t(i));
    } else {
      dev::signal_wait_until(sig, dev::cmp::ge, uint64_t(i));
      dev::put_signal<scope::thread>(w, data, src, 1, sig, uint64_t(i), dev::signal_op::set, peer);
    }
  }
}

// Answers the host's rounds 1..iters. In: the library's signal (LibIn) or mapped host memory.
// Out: a put_signal to this PE (LibOut) or mapped host memory.
template <bool LibIn, bool LibOut>
__global__ void echo(dev::world w, uint64_t* sig_in, const volatile uint64_t* mapped_in, uint64_t* sig_out,
                     long* data, const long* src, volatile uint64_t* mapped_out, int iters) {
  for (int i = 1; i <= iters; ++i) {
    if constexpr (LibIn)
      dev::signal_wait_until(sig_in, dev::cmp::ge, uint64_t(i));
    else
      while (*mapped_in < uint64_t(i)) {
      }
    if constexpr (LibOut) {
      dev::put_signal<scope::thread>(w, data, src, 1, sig_out, uint64_t(i), dev::signal_op::set, w.my_pe);
    } else {
      *mapped_out = uint64_t(i);
      __threadfence_system();
    }
  }
}

struct Row {
  std::string bench;
  std::size_t bytes;
  double value;     // GB/s or us
  double baseline;  // the CUDA baseline (GB/s or us), 0 if none
  bool rate;        // GB/s (higher is better) rather than us
};

double elapsed_ms(cudaEvent_t a, cudaEvent_t b) {
  float ms = 0;
  CHECK_CUDA(cudaEventElapsedTime(&ms, a, b));
  return ms;
}

double now_us() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

struct Buffers {
  char* src;
  char* dst;
  long* word;     // [0] target, [8] put source, [16] g sink, [24] data for signals
  uint64_t* sig;  // [0] ping-pong, [1] h2k in, [2] k2h out
  std::size_t max_bytes;
  cudaStream_t stream;
  cudaEvent_t start, stop;
};

// Bandwidth of `launch` (bytes per launch) against cudaMemcpy device-to-device, in GB/s.
template <class Launch>
void bandwidth(const std::string& name, std::size_t bytes, const Buffers& b, Launch launch,
               std::vector<Row>* rows) {
  const int iters = bytes >= (64u << 20) ? 10 : bytes >= (1u << 20) ? 50 : 200;
  launch();  // warm-up
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaStreamSynchronize(b.stream));
  shmem_barrier_all();
  CHECK_CUDA(cudaEventRecord(b.start, b.stream));
  for (int i = 0; i < iters; ++i) launch();
  CHECK_CUDA(cudaEventRecord(b.stop, b.stream));
  CHECK_CUDA(cudaEventSynchronize(b.stop));
  const double ours = double(bytes) * iters / (elapsed_ms(b.start, b.stop) * 1e6);
  shmem_barrier_all();
  CHECK_CUDA(cudaMemcpyAsync(b.dst, b.src, bytes, cudaMemcpyDeviceToDevice, b.stream));
  CHECK_CUDA(cudaEventRecord(b.start, b.stream));
  for (int i = 0; i < iters; ++i)
    CHECK_CUDA(cudaMemcpyAsync(b.dst, b.src, bytes, cudaMemcpyDeviceToDevice, b.stream));
  CHECK_CUDA(cudaEventRecord(b.stop, b.stream));
  CHECK_CUDA(cudaEventSynchronize(b.stop));
  const double memcpy_rate = double(bytes) * iters / (elapsed_ms(b.start, b.stop) * 1e6);
  rows->push_back({name, bytes, ours, memcpy_rate, true});
  shmem_barrier_all();
}

template <scope S>
void bandwidth_rows(const char* scope_name, int blocks, int next, const Buffers& b, std::vector<Row>* rows) {
  const dev::world w = dev::this_world();
  for (std::size_t bytes = 64 << 10; bytes <= b.max_bytes; bytes *= 4) {
    bandwidth(
        std::string("put_bw.") + scope_name, bytes, b,
        [&] { copy_slices<S, true><<<blocks, 1024, 0, b.stream>>>(w, b.dst, b.src, bytes, next); }, rows);
    bandwidth(
        std::string("get_bw.") + scope_name, bytes, b,
        [&] { copy_slices<S, false><<<blocks, 1024, 0, b.stream>>>(w, b.dst, b.src, bytes, next); }, rows);
  }
}

// Microseconds per iteration of a kernel timed with events on the benchmark's stream.
template <class Launch>
double kernel_us(const Buffers& b, int iters, Launch launch) {
  shmem_barrier_all();
  CHECK_CUDA(cudaEventRecord(b.start, b.stream));
  launch();
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaEventRecord(b.stop, b.stream));
  CHECK_CUDA(cudaEventSynchronize(b.stop));
  return elapsed_ms(b.start, b.stop) * 1e3 / iters;
}

void latency_rows(int next, const Buffers& b, std::vector<Row>* rows) {
  const dev::world w = dev::this_world();
  constexpr int kIters = 10000;
  long* word = b.word;
  rows->push_back({"p_lat", sizeof(long),
                   kernel_us(b, kIters, [&] { p_loop<<<1, 1, 0, b.stream>>>(w, word, next, kIters); }), 0,
                   false});
  rows->push_back(
      {"g_lat", sizeof(long),
       kernel_us(b, kIters, [&] { g_loop<<<1, 1, 0, b.stream>>>(w, word, word + 16, next, kIters); }), 0,
       false});
  rows->push_back(
      {"put_lat", sizeof(long),
       kernel_us(b, kIters, [&] { put_loop<<<1, 1, 0, b.stream>>>(w, word, word + 8, next, kIters); }), 0,
       false});
  shmem_barrier_all();

  constexpr int kPingPongs = 2000;
  if (shmem_n_pes() >= 2 && shmem_my_pe() < 2) {
    CHECK_CUDA(cudaMemset(b.sig, 0, sizeof(uint64_t)));
    CHECK_CUDA(cudaDeviceSynchronize());
    const double us = kernel_us(b, 2 * kPingPongs, [&] {
      ping_pong<<<1, 1, 0, b.stream>>>(w, b.sig, word + 24, word + 8, kPingPongs);
    });
    rows->push_back({"put_signal_pp", sizeof(long), us, 0, false});
  } else {
    shmem_barrier_all();  // kernel_us's barrier, which PEs 0 and 1 take
  }
  shmem_barrier_all();
}

void host_rows(int next, const Buffers& b, std::vector<Row>* rows) {
  constexpr int kIters = 2000;
  long value = 7;
  shmem_barrier_all();
  double t0 = now_us();
  for (int i = 0; i < kIters; ++i) shmem_putmem(b.word, &value, sizeof value, next);
  rows->push_back({"host_put_lat", sizeof(long), (now_us() - t0) / kIters, 0, false});
  shmem_barrier_all();

  t0 = now_us();
  for (int i = 0; i < kIters; ++i) {
    shmemx_putmem_on_stream(b.word, b.word + 8, sizeof(long), next, b.stream);
    CHECK_CUDA(cudaStreamSynchronize(b.stream));
  }
  const double ours = (now_us() - t0) / kIters;
  t0 = now_us();
  for (int i = 0; i < kIters; ++i) {
    CHECK_CUDA(cudaMemcpyAsync(b.word + 16, b.word + 8, sizeof(long), cudaMemcpyDeviceToDevice, b.stream));
    CHECK_CUDA(cudaStreamSynchronize(b.stream));
  }
  rows->push_back({"stream_put_lat", sizeof(long), ours, (now_us() - t0) / kIters, false});
  shmem_barrier_all();
}

// Round trips between this PE's host thread and a one-thread kernel of its own (see the header).
void round_trip_rows(const Buffers& b, std::vector<Row>* rows) {
  constexpr int kIters = 2000;
  const dev::world w = dev::this_world();
  uint64_t* mapped = nullptr;  // [0] host to kernel, [8] kernel to host (separate lines)
  CHECK_CUDA(cudaHostAlloc(&mapped, 2 * 64, cudaHostAllocMapped));
  uint64_t* mapped_dev = nullptr;
  CHECK_CUDA(cudaHostGetDevicePointer(reinterpret_cast<void**>(&mapped_dev), mapped, 0));
  volatile uint64_t* to_kernel = mapped;
  volatile uint64_t* from_kernel = mapped + 8;
  cudaStream_t side;  // the host's stream operations, beside the spinning kernel's stream
  CHECK_CUDA(cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking));
  uint64_t* sig_in = b.sig + 1;
  uint64_t* sig_out = b.sig + 2;
  long* data = b.word + 24;

  auto run = [&](auto kernel, auto host_round) {
    *to_kernel = 0;
    *from_kernel = 0;
    CHECK_CUDA(cudaMemsetAsync(b.sig + 1, 0, 2 * sizeof(uint64_t), b.stream));
    // A zero-round launch first loads the kernel: loading it beside a spinning kernel could wait.
    kernel<<<1, 1, 0, b.stream>>>(w, sig_in, mapped_dev, sig_out, data, b.word + 8, mapped_dev + 8, 0);
    CHECK_CUDA(cudaStreamSynchronize(b.stream));
    kernel<<<1, 1, 0, b.stream>>>(w, sig_in, mapped_dev, sig_out, data, b.word + 8, mapped_dev + 8, kIters);
    CHECK_CUDA(cudaGetLastError());
    const double t0 = now_us();
    for (int i = 1; i <= kIters; ++i) host_round(uint64_t(i));
    const double us = (now_us() - t0) / kIters;
    CHECK_CUDA(cudaStreamSynchronize(b.stream));
    return us;
  };
  const double floor = run(echo<false, false>, [&](uint64_t i) {
    *to_kernel = i;
    while (*from_kernel < i) {
    }
  });
  const double h2k = run(echo<true, false>, [&](uint64_t i) {
    shmemx_putmem_signal_on_stream(data, b.word + 8, sizeof(long), sig_in, i, SHMEM_SIGNAL_SET, shmem_my_pe(),
                                   side);
    while (*from_kernel < i) {
    }
  });
  const double k2h = run(echo<false, true>, [&](uint64_t i) {
    *to_kernel = i;
    shmemx_signal_wait_until_on_stream(sig_out, SHMEM_CMP_GE, i, side);
    CHECK_CUDA(cudaStreamSynchronize(side));
  });
  rows->push_back({"h2k_rtt", sizeof(uint64_t), h2k, floor, false});
  rows->push_back({"k2h_rtt", sizeof(uint64_t), k2h, floor, false});
  CHECK_CUDA(cudaStreamDestroy(side));
  CHECK_CUDA(cudaFreeHost(mapped));
  shmem_barrier_all();
}

// The driver's word (CUDA 12.x and later): contexts on this GPU are MPS clients, so the PEs'
// kernels run at once rather than by time slices.
bool under_mps() {
  int mps = 0;
  return cudaDeviceGetAttribute(&mps, cudaDevAttrMpsEnabled, shmemx_cuda_device()) == cudaSuccess && mps != 0;
}

void report(const std::vector<Row>& rows, int blocks, const char* json_path) {
  cudaDeviceProp prop{};
  CHECK_CUDA(cudaGetDeviceProperties(&prop, shmemx_cuda_device()));
  const char* mps = under_mps() ? "MPS" : "no MPS (kernels time-sliced)";
  std::printf("# %s_cuda_bench: %d PEs, PE 0 on GPU %d (%s), %s, %d blocks x 1024 threads\n", kLibrary,
              shmem_n_pes(), shmemx_cuda_device(), prop.name, mps, blocks);
  std::printf("%-16s %12s %14s %14s %8s\n", "bench", "bytes", "value", "CUDA baseline", "ratio");
  for (const Row& r : rows) {
    if (r.rate)
      std::printf("%-16s %12zu %9.2f GB/s %9.2f GB/s %8.3f\n", r.bench.c_str(), r.bytes, r.value, r.baseline,
                  r.value / r.baseline);
    else if (r.baseline > 0)
      std::printf("%-16s %12zu %11.3f us %11.3f us %8.3f\n", r.bench.c_str(), r.bytes, r.value, r.baseline,
                  r.baseline / r.value);
    else
      std::printf("%-16s %12zu %11.3f us\n", r.bench.c_str(), r.bytes, r.value);
  }
  if (!json_path) return;
  FILE* f = std::fopen(json_path, "w");
  if (!f) {
    std::fprintf(stderr, "%s_cuda_bench: cannot write %s\n", kLibrary, json_path);
    return;
  }
  std::fprintf(f, "{\"library\": \"%s\", \"gpu\": \"%s\", \"pes\": %d, \"mps\": %s, \"rows\": [", kLibrary,
               prop.name, shmem_n_pes(), under_mps() ? "true" : "false");
  for (std::size_t i = 0; i < rows.size(); ++i)
    std::fprintf(
        f, "%s\n  {\"bench\": \"%s\", \"bytes\": %zu, \"value\": %.4f, \"baseline\": %.4f, \"unit\": \"%s\"}",
        i ? "," : "", rows[i].bench.c_str(), rows[i].bytes, rows[i].value, rows[i].baseline,
        rows[i].rate ? "GB/s" : "us");
  std::fprintf(f, "\n]}\n");
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  const char* json_path = nullptr;
  std::size_t max_bytes = std::size_t(256) << 20;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc)
      json_path = argv[++i];
    else if (!std::strcmp(argv[i], "--max-size") && i + 1 < argc)
      max_bytes = std::strtoull(argv[++i], nullptr, 0);
  }
  shmem_init();
  if (shmemx_cuda_device() < 0) {
    if (shmem_my_pe() == 0) std::printf("%s_cuda_bench: no CUDA device here: nothing measured\n", kLibrary);
    shmem_finalize();
    // scripts/gpu-check sets CAUSEWAY_EXPECT_GPU: there a missing device is a failure, not a skip.
    const char* expect = std::getenv("CAUSEWAY_EXPECT_GPU");
    return expect && std::atoi(expect) == 1 ? 1 : 0;
  }
  const int me = shmem_my_pe(), npes = shmem_n_pes();
  const int next = (me + 1) % npes;
  max_bytes = std::max<std::size_t>(max_bytes, 64 << 10);
  Buffers b{};
  b.max_bytes = max_bytes;
  b.src = static_cast<char*>(shmemx_malloc_kind(SHMEMX_MEM_CUDA, max_bytes));
  b.dst = static_cast<char*>(shmemx_malloc_kind(SHMEMX_MEM_CUDA, max_bytes));
  b.word = static_cast<long*>(shmemx_malloc_kind(SHMEMX_MEM_CUDA, 4096));
  b.sig = static_cast<uint64_t*>(shmemx_malloc_kind(SHMEMX_MEM_CUDA, 4096));
  if (!b.src || !b.dst || !b.word || !b.sig) {
    if (me == 0)
      std::printf("%s_cuda_bench: needs 2 x %zu bytes and 8 KiB of symmetric device memory\n", kLibrary,
                  max_bytes);
    shmem_global_exit(1);
  }
  CHECK_CUDA(cudaMemset(b.src, 1, max_bytes));
  CHECK_CUDA(cudaMemset(b.word, 0, 4096));
  CHECK_CUDA(cudaMemset(b.sig, 0, 4096));
  CHECK_CUDA(cudaStreamCreateWithFlags(&b.stream, cudaStreamNonBlocking));
  CHECK_CUDA(cudaEventCreate(&b.start));
  CHECK_CUDA(cudaEventCreate(&b.stop));
  CHECK_CUDA(cudaDeviceSynchronize());
  int sms = 0;
  CHECK_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, shmemx_cuda_device()));
  const int blocks = 2 * sms;

  std::vector<Row> rows;
  bandwidth_rows<scope::block>("block", blocks, next, b, &rows);
  bandwidth_rows<scope::warp>("warp", blocks, next, b, &rows);
  bandwidth_rows<scope::thread>("thread", blocks, next, b, &rows);
  latency_rows(next, b, &rows);
  host_rows(next, b, &rows);
  round_trip_rows(b, &rows);
  if (me == 0) report(rows, blocks, json_path);

  shmem_barrier_all();
  CHECK_CUDA(cudaEventDestroy(b.start));
  CHECK_CUDA(cudaEventDestroy(b.stop));
  CHECK_CUDA(cudaStreamDestroy(b.stream));
  shmem_free(b.sig);
  shmem_free(b.word);
  shmem_free(b.dst);
  shmem_free(b.src);
  shmem_finalize();
  return 0;
}
