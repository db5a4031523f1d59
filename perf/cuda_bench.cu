// SPDX-License-Identifier: BSD-3-Clause
// GPU benchmarks: the device API against the CUDA baseline measured in the same run.
//
//   put_bw        device put at block scope from many CTAs into the next PE's device heap, against
//                 cudaMemcpy device-to-device of the same size on this GPU (ratio = put / memcpy)
//   get_bw        the same for device get
//   p_lat         one thread's p + quiet to the next PE, per operation
//   put_signal_pp ping-pong of an 8-byte put_signal between PE 0 and PE 1 (half round trip)
//   host_put_lat  host shmem_putmem of 8 bytes into the next PE's device heap (copy engine path)
//
// Run with 2 PEs (on one GPU or two): causeway-run -n 2 perf/cuda_bench [--json FILE]. Kernels of
// two processes on one GPU run concurrently only under MPS; without it put_signal_pp measures the
// GPU's time slicing, and the output says which it was. Without a CUDA device it says so and
// exits 0.
#include <cuda_runtime_api.h>
#include <shmem.h>
#include <shmemx.h>

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

#define CHECK_CUDA(call)                                                           \
  do {                                                                             \
    cudaError_t e_ = (call);                                                       \
    if (e_ != cudaSuccess) {                                                       \
      std::fprintf(stderr, "cuda_bench: %s: %s\n", #call, cudaGetErrorString(e_)); \
      shmem_global_exit(1);                                                        \
    }                                                                              \
  } while (0)

// Every block copies its contiguous slice at block scope.
__global__ void put_slices(dev::world w, char* dst, const char* src, std::size_t bytes, int pe) {
  const std::size_t slice = (bytes + gridDim.x - 1) / gridDim.x;
  const std::size_t begin = std::min(bytes, slice * blockIdx.x), end = std::min(bytes, begin + slice);
  dev::putmem<scope::block>(w, dst + begin, src + begin, end - begin, pe);
}

__global__ void get_slices(dev::world w, char* dst, const char* src, std::size_t bytes, int pe) {
  const std::size_t slice = (bytes + gridDim.x - 1) / gridDim.x;
  const std::size_t begin = std::min(bytes, slice * blockIdx.x), end = std::min(bytes, begin + slice);
  dev::getmem<scope::block>(w, dst + begin, src + begin, end - begin, pe);
}

__global__ void p_loop(dev::world w, long* target, int pe, int iters) {
  for (int i = 0; i < iters; ++i) {
    dev::p(w, target, long(i), pe);
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

struct Row {
  std::string bench;
  std::size_t bytes;
  double value;     // GB/s or us
  double baseline;  // the CUDA baseline (GB/s), 0 if none
};

double elapsed_ms(cudaEvent_t a, cudaEvent_t b) {
  float ms = 0;
  CHECK_CUDA(cudaEventElapsedTime(&ms, a, b));
  return ms;
}

// Bandwidth of `launch` (bytes per launch) against cudaMemcpy device-to-device, in GB/s.
template <class Launch>
void bandwidth(const char* name, std::size_t bytes, char* a, char* b, Launch launch, std::vector<Row>* rows) {
  cudaEvent_t start, stop;
  CHECK_CUDA(cudaEventCreate(&start));
  CHECK_CUDA(cudaEventCreate(&stop));
  const int iters = bytes >= (64u << 20) ? 10 : bytes >= (1u << 20) ? 50 : 200;
  launch();  // warm-up
  CHECK_CUDA(cudaDeviceSynchronize());
  shmem_barrier_all();
  CHECK_CUDA(cudaEventRecord(start));
  for (int i = 0; i < iters; ++i) launch();
  CHECK_CUDA(cudaEventRecord(stop));
  CHECK_CUDA(cudaEventSynchronize(stop));
  const double ours = double(bytes) * iters / (elapsed_ms(start, stop) * 1e6);
  shmem_barrier_all();
  CHECK_CUDA(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice));
  CHECK_CUDA(cudaEventRecord(start));
  for (int i = 0; i < iters; ++i) CHECK_CUDA(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice));
  CHECK_CUDA(cudaEventRecord(stop));
  CHECK_CUDA(cudaEventSynchronize(stop));
  const double memcpy_rate = double(bytes) * iters / (elapsed_ms(start, stop) * 1e6);
  rows->push_back({name, bytes, ours, memcpy_rate});
  CHECK_CUDA(cudaEventDestroy(start));
  CHECK_CUDA(cudaEventDestroy(stop));
  shmem_barrier_all();
}

bool under_mps() {
  const char* pipe = std::getenv("CUDA_MPS_PIPE_DIRECTORY");
  if (pipe && *pipe) return true;
  FILE* f = std::fopen("/tmp/nvidia-mps/control", "r");
  if (f) std::fclose(f);
  return f != nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  const char* json_path = nullptr;
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
  shmem_init();
  const int me = shmem_my_pe(), npes = shmem_n_pes();
  if (shmemx_cuda_device() < 0) {
    if (me == 0) std::printf("cuda_bench: no device heap (no CUDA device here): nothing measured\n");
    shmem_finalize();
    return 0;
  }
  if (npes < 2) {
    if (me == 0) std::printf("cuda_bench: needs 2 PEs\n");
    shmem_finalize();
    return 1;
  }
  const dev::world w = dev::this_world();
  const int next = (me + 1) % npes;
  constexpr std::size_t kMax = std::size_t(256) << 20;
  char* src = static_cast<char*>(shmemx_malloc_kind(SHMEMX_MEM_CUDA, kMax));
  char* dst = static_cast<char*>(shmemx_malloc_kind(SHMEMX_MEM_CUDA, kMax));
  if (!src || !dst) {
    if (me == 0) std::printf("cuda_bench: needs 512 MiB of device heap (CAUSEWAY_CUDA_HEAP_SIZE)\n");
    shmem_global_exit(1);
  }
  CHECK_CUDA(cudaMemset(src, 1, kMax));
  int sms = 0;
  CHECK_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, shmemx_cuda_device()));
  const int blocks = 2 * sms;
  std::vector<Row> rows;
  for (std::size_t bytes = 64 << 10; bytes <= kMax; bytes *= 4) {
    bandwidth(
        "put_bw", bytes, src, dst, [&] { put_slices<<<blocks, 1024>>>(w, dst, src, bytes, next); }, &rows);
    bandwidth(
        "get_bw", bytes, src, dst, [&] { get_slices<<<blocks, 1024>>>(w, dst, src, bytes, next); }, &rows);
  }

  long* word = static_cast<long*>(shmemx_malloc_kind(SHMEMX_MEM_CUDA, 4096));
  uint64_t* sig = static_cast<uint64_t*>(shmemx_malloc_kind(SHMEMX_MEM_CUDA, 4096));
  CHECK_CUDA(cudaMemset(sig, 0, sizeof(uint64_t)));
  cudaEvent_t start, stop;
  CHECK_CUDA(cudaEventCreate(&start));
  CHECK_CUDA(cudaEventCreate(&stop));
  constexpr int kLatIters = 10000;
  shmem_barrier_all();
  CHECK_CUDA(cudaEventRecord(start));
  p_loop<<<1, 1>>>(w, word, next, kLatIters);
  CHECK_CUDA(cudaEventRecord(stop));
  CHECK_CUDA(cudaEventSynchronize(stop));
  rows.push_back({"p_lat", sizeof(long), elapsed_ms(start, stop) * 1e3 / kLatIters, 0});
  shmem_barrier_all();

  constexpr int kPingPongs = 2000;
  if (me < 2) {
    CHECK_CUDA(cudaEventRecord(start));
    ping_pong<<<1, 1>>>(w, sig, word, word + 8, kPingPongs);
    CHECK_CUDA(cudaEventRecord(stop));
    CHECK_CUDA(cudaEventSynchronize(stop));
    rows.push_back({"put_signal_pp", sizeof(long), elapsed_ms(start, stop) * 1e3 / (2.0 * kPingPongs), 0});
  }
  shmem_barrier_all();

  long value = 7;
  constexpr int kHostIters = 2000;
  timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < kHostIters; ++i) shmem_putmem(word, &value, sizeof value, next);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  rows.push_back({"host_put_lat", sizeof(long),
                  ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / kHostIters, 0});
  shmem_barrier_all();

  if (me == 0) {
    cudaDeviceProp prop{};
    CHECK_CUDA(cudaGetDeviceProperties(&prop, shmemx_cuda_device()));
    std::printf("# cuda_bench: %d PEs, PE 0 on GPU %d (%s), %s, %d blocks x 1024 threads\n", npes,
                shmemx_cuda_device(), prop.name, under_mps() ? "MPS" : "no MPS (kernels time-sliced)",
                blocks);
    std::printf("%-14s %12s %12s %12s %8s\n", "bench", "bytes", "value", "cudaMemcpy", "ratio");
    for (const Row& r : rows)
      if (r.baseline > 0)
        std::printf("%-14s %12zu %9.2f GB/s %7.2f GB/s %8.3f\n", r.bench.c_str(), r.bytes, r.value,
                    r.baseline, r.value / r.baseline);
      else
        std::printf("%-14s %12zu %10.3f us\n", r.bench.c_str(), r.bytes, r.value);
    if (json_path) {
      FILE* f = std::fopen(json_path, "w");
      if (f) {
        std::fprintf(f, "{\"gpu\": \"%s\", \"pes\": %d, \"mps\": %s, \"rows\": [", prop.name, npes,
                     under_mps() ? "true" : "false");
        for (std::size_t i = 0; i < rows.size(); ++i)
          std::fprintf(f, "%s\n  {\"bench\": \"%s\", \"bytes\": %zu, \"value\": %.4f, \"baseline\": %.4f}",
                       i ? "," : "", rows[i].bench.c_str(), rows[i].bytes, rows[i].value, rows[i].baseline);
        std::fprintf(f, "\n]}\n");
        std::fclose(f);
      }
    }
  }
  shmem_barrier_all();
  shmem_free(sig);
  shmem_free(word);
  shmem_free(dst);
  shmem_free(src);
  shmem_finalize();
  return 0;
}
