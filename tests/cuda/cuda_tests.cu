// SPDX-License-Identifier: BSD-3-Clause
// Device memory and the device API across PEs (run by every PE under causeway-run, with
// tests/pe/pe_main.cpp's main). Without a CUDA device every GPU test skips, saying why, and the
// tests of what a job without a device heap does still run.
//
// Kernels of different processes on one GPU run concurrently only under MPS; otherwise they are
// time-sliced. Every test is correct either way: kernels that wait for another PE's kernel bound
// their waits with a timeout that reports instead of hanging, and the host's barriers separate
// the phases that need no concurrency.
#include <cuda.h>
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>
#include <shmem.h>
#include <shmemx.h>
#include <strings.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "causeway/device/causeway_device.cuh"
#include "causeway/device/host.hpp"

namespace {

namespace dev = causeway::device;
using dev::scope;

constexpr uint64_t kWaitTimeoutNs = 20'000'000'000;  // a kernel's wait reports after 20 s

bool has_gpu() { return shmemx_cuda_device() >= 0; }

// CAUSEWAY_EXPECT_GPU=1 (scripts/gpu-check) turns the skip into a failure: on a GPU machine a
// device heap that does not come up is a bug, not a reason to skip.
bool gpu_expected() {
  const char* v = std::getenv("CAUSEWAY_EXPECT_GPU");
  return v && *v && std::strcmp(v, "0") != 0;
}

#define CUDA_OK(call) \
  ASSERT_EQ(cudaSuccess, (call)) << #call << ": " << cudaGetErrorString(cudaGetLastError())

// The first PE whose device heap a kernel on this GPU cannot reach, or -1 (every test here reaches
// peers from kernels or through the same mappings: one node, with peer access).
int unmapped_pe() {
  static const int pe = [] {
    // Collective, once, at the same test on every PE (they run the same tests in order): it makes
    // the device heap if no test has yet, so that the handle exists.
    static void* const heap_made = shmemx_malloc_kind(SHMEMX_MEM_CUDA, 256);
    if (!heap_made) return 0;
    const dev::world w = dev::this_world();
    std::vector<dev::route> route(w.n_pes);
    if (cudaMemcpy(route.data(), w.route_of, route.size() * sizeof(dev::route), cudaMemcpyDeviceToHost) !=
        cudaSuccess)
      return 0;
    for (int p = 0; p < w.n_pes; ++p)
      if (route[p] == dev::route::none) return p;
    return -1;
  }();
  return pe;
}

// Skips without a device heap, or when a peer's heap is not mapped on this GPU (then a kernel's
// access would fault and end every later CUDA call); otherwise makes the library's GPU for this PE
// current, so the test's kernels run where its device memory is.
#define SKIP_WITHOUT_GPU()                                                                                   \
  do {                                                                                                       \
    if (!has_gpu()) {                                                                                        \
      if (gpu_expected()) FAIL() << "CAUSEWAY_EXPECT_GPU is set but this job has no device heap";            \
      GTEST_SKIP() << "no device heap on this machine (no CUDA device, or CAUSEWAY_CUDA_HEAP_SIZE=0)";       \
    }                                                                                                        \
    CUDA_OK(cudaSetDevice(shmemx_cuda_device()));                                                            \
    if (unmapped_pe() >= 0) {                                                                                \
      if (gpu_expected()) FAIL() << "PE " << unmapped_pe() << "'s device heap is not mapped on this GPU";    \
      GTEST_SKIP() << "PE " << unmapped_pe() << "'s device heap is not mapped on this GPU (no peer access)"; \
    }                                                                                                        \
  } while (0)

// Before a host barrier: this PE's device work (memsets, copies, kernels) is done, so peers and the
// library's own stream see it.
#define DEVICE_DONE() CUDA_OK(cudaDeviceSynchronize())

template <class T>
T* device_alloc(std::size_t n) {
  return static_cast<T*>(shmemx_malloc_kind(SHMEMX_MEM_CUDA, n * sizeof(T)));
}

template <class T>
std::vector<T> read_local(const T* p, std::size_t n) {
  std::vector<T> out(n);
  EXPECT_EQ(cudaSuccess, cudaMemcpy(out.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost));
  return out;
}

int next_pe() { return (shmem_my_pe() + 1) % shmem_n_pes(); }
int prev_pe() { return (shmem_my_pe() + shmem_n_pes() - 1) % shmem_n_pes(); }

// ---- Without a device heap (every machine) ----

TEST(CudaWithoutDevice, DeviceAllocationsReturnNullOnEveryPe) {
  if (has_gpu()) GTEST_SKIP() << "this machine has a device heap";
  EXPECT_EQ(nullptr, shmemx_malloc_kind(SHMEMX_MEM_CUDA, 1024));
  dev::world w{};
  EXPECT_EQ(-1, shmemx_cuda_world(&w, sizeof w));
  // Host allocations through the same call still work.
  void* host = shmemx_malloc_kind(SHMEMX_MEM_HOST, 64);
  EXPECT_NE(nullptr, host);
  shmem_free(host);
}

// ---- Host calls on device memory ----

TEST(CudaHost, PutAndGetReachEveryPesDeviceHeap) {
  SKIP_WITHOUT_GPU();
  constexpr std::size_t n = 1 << 16;
  auto* buf = device_alloc<int64_t>(n);
  ASSERT_NE(nullptr, buf);
  std::vector<int64_t> src(n);
  for (std::size_t i = 0; i < n; ++i) src[i] = int64_t(shmem_my_pe()) << 32 | int64_t(i);
  shmem_int64_put(buf, src.data(), n, next_pe());
  shmem_barrier_all();
  const auto got = read_local(buf, n);
  for (std::size_t i = 0; i < n; ++i)
    ASSERT_EQ(int64_t(prev_pe()) << 32 | int64_t(i), got[i]) << "element " << i;
  std::vector<int64_t> back(n);
  shmem_int64_get(back.data(), buf, n, prev_pe());  // holds what PE prev-1 put there
  const int before = (prev_pe() + shmem_n_pes() - 1) % shmem_n_pes();
  for (std::size_t i = 0; i < n; i += 997) ASSERT_EQ(int64_t(before) << 32 | int64_t(i), back[i]);
  shmem_barrier_all();
  shmem_free(buf);
}

TEST(CudaHost, AtomicsOnDeviceMemoryAreExact) {
  SKIP_WITHOUT_GPU();
  auto* counter = device_alloc<uint64_t>(2);
  ASSERT_NE(nullptr, counter);
  CUDA_OK(cudaMemset(counter, 0, 2 * sizeof(uint64_t)));
  DEVICE_DONE();
  shmem_barrier_all();
  constexpr int kAdds = 200;
  for (int i = 0; i < kAdds; ++i) shmem_uint64_atomic_add(&counter[0], 1, 0);
  const uint64_t old = shmem_uint64_atomic_fetch_add(&counter[1], 10, 0);
  EXPECT_EQ(0u, old % 10);
  shmem_barrier_all();
  EXPECT_EQ(uint64_t(kAdds) * shmem_n_pes(), shmem_uint64_atomic_fetch(&counter[0], 0));
  EXPECT_EQ(uint64_t(10) * shmem_n_pes(), shmem_uint64_atomic_fetch(&counter[1], 0));
  shmem_barrier_all();
  if (shmem_my_pe() == 0) {
    EXPECT_EQ(uint64_t(kAdds) * shmem_n_pes(), shmem_uint64_atomic_swap(&counter[0], 7, 0));
    EXPECT_EQ(7u, shmem_uint64_atomic_compare_swap(&counter[0], 7, 9, 0));
    EXPECT_EQ(9u, shmem_uint64_atomic_fetch(&counter[0], 0));
  }
  shmem_barrier_all();
  shmem_free(counter);
}

// ---- Kernels ----

template <scope S>
__global__ void put_to_next(dev::world w, int64_t* dst, const int64_t* src, std::size_t n, int pe) {
  dev::put<S>(w, dst, src, n, pe);
  dev::quiet<S>(w);
}

// Each warp (or block, or thread) puts its own slice, so every scope's cooperative copy is used.
template <scope S>
void check_put_at_scope(unsigned blocks, unsigned threads) {
  constexpr std::size_t n = 1 << 14;
  auto* dst = device_alloc<int64_t>(n);
  auto* src = device_alloc<int64_t>(n);
  ASSERT_NE(nullptr, dst);
  ASSERT_NE(nullptr, src);
  std::vector<int64_t> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = (int64_t(shmem_my_pe()) << 40) + int64_t(i) * 3;
  CUDA_OK(cudaMemcpy(src, values.data(), n * sizeof(int64_t), cudaMemcpyHostToDevice));
  DEVICE_DONE();
  dev::world w = dev::this_world();
  put_to_next<S><<<blocks, threads>>>(w, dst, src, n, next_pe());
  CUDA_OK(cudaDeviceSynchronize());
  shmem_barrier_all();
  const auto got = read_local(dst, n);
  for (std::size_t i = 0; i < n; ++i)
    ASSERT_EQ((int64_t(prev_pe()) << 40) + int64_t(i) * 3, got[i]) << "element " << i;
  shmem_barrier_all();
  shmem_free(src);
  shmem_free(dst);
}

TEST(CudaKernel, PutAtThreadScope) {
  SKIP_WITHOUT_GPU();
  check_put_at_scope<scope::thread>(1, 1);
}
TEST(CudaKernel, PutAtWarpScope) {
  SKIP_WITHOUT_GPU();
  check_put_at_scope<scope::warp>(1, 32);
}
TEST(CudaKernel, PutAtBlockScope) {
  SKIP_WITHOUT_GPU();
  check_put_at_scope<scope::block>(1, 256);
}

__global__ void get_and_p(dev::world w, int* dst_local, const int* src_sym, int* p_target, int pe) {
  if (threadIdx.x == 0) {
    dst_local[0] = dev::g(w, src_sym, pe);
    dev::p(w, p_target, w.my_pe + 1000, pe);
    dev::quiet<scope::thread>(w);
  }
}

TEST(CudaKernel, GAndPReachThePeer) {
  SKIP_WITHOUT_GPU();
  auto* words = device_alloc<int>(2);
  auto* out = device_alloc<int>(1);
  ASSERT_NE(nullptr, words);
  const int mine[2] = {shmem_my_pe() * 7, -1};
  CUDA_OK(cudaMemcpy(words, mine, sizeof mine, cudaMemcpyHostToDevice));
  DEVICE_DONE();
  shmem_barrier_all();
  get_and_p<<<1, 32>>>(dev::this_world(), out, &words[0], &words[1], next_pe());
  CUDA_OK(cudaDeviceSynchronize());
  shmem_barrier_all();
  EXPECT_EQ(next_pe() * 7, read_local(out, 1)[0]);
  EXPECT_EQ(prev_pe() + 1000, read_local(&words[1], 1)[0]);
  shmem_barrier_all();
  shmem_free(out);
  shmem_free(words);
}

// Every thread of every PE adds to every PE's counters: the totals must be exact.
__global__ void add_everywhere(dev::world w, unsigned long long* counters) {
  for (int pe = 0; pe < w.n_pes; ++pe) {
    dev::atomic_add(w, &counters[0], 1ull, pe);
    dev::atomic_fetch_add(w, &counters[1], 2ull, pe);
    dev::atomic_inc(w, &counters[2], pe);
    dev::atomic_fetch_or(w, &counters[3], 1ull << (threadIdx.x % 64), pe);
  }
  dev::quiet<scope::thread>(w);
}

TEST(CudaKernel, ConcurrentAtomicsFromAllPesAreExact) {
  SKIP_WITHOUT_GPU();
  auto* counters = device_alloc<unsigned long long>(4);
  ASSERT_NE(nullptr, counters);
  CUDA_OK(cudaMemset(counters, 0, 4 * sizeof(unsigned long long)));
  DEVICE_DONE();
  shmem_barrier_all();
  constexpr unsigned kBlocks = 8, kThreads = 128;
  add_everywhere<<<kBlocks, kThreads>>>(dev::this_world(), counters);
  CUDA_OK(cudaDeviceSynchronize());
  shmem_barrier_all();
  const auto got = read_local(counters, 4);
  const unsigned long long per_pe = kBlocks * kThreads * unsigned(shmem_n_pes());
  EXPECT_EQ(per_pe, got[0]);
  EXPECT_EQ(2 * per_pe, got[1]);
  EXPECT_EQ(per_pe, got[2]);
  EXPECT_EQ(~0ull, got[3]);
  shmem_barrier_all();
  shmem_free(counters);
}

// PE i's block puts a payload and a signal to PE i+1; each PE's kernel waits for its signal and
// then checks the payload from inside the kernel: a signal seen means its data is visible.
__global__ void signal_ring(dev::world w, int* payload, const int* src, std::size_t n, uint64_t* sig,
                            int* bad) {
  const int to = (w.my_pe + 1) % w.n_pes;
  dev::put_signal<scope::block>(w, payload, src, n, sig, 1, dev::signal_op::add, to);
  if (threadIdx.x == 0) dev::signal_wait_until(w, sig, dev::cmp::ge, uint64_t{1}, kWaitTimeoutNs);
  __syncthreads();
  const int from = (w.my_pe + w.n_pes - 1) % w.n_pes;
  for (std::size_t i = threadIdx.x; i < n; i += blockDim.x)
    if (payload[i] != from * 100000 + int(i)) atomicAdd(bad, 1);
}

TEST(CudaKernel, SignalSeenMeansDataVisible) {
  SKIP_WITHOUT_GPU();
  constexpr std::size_t n = 4096;
  auto* payload = device_alloc<int>(n);
  auto* src = device_alloc<int>(n);
  auto* sig = device_alloc<uint64_t>(1);
  auto* bad = device_alloc<int>(1);
  ASSERT_NE(nullptr, bad);
  std::vector<int> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = shmem_my_pe() * 100000 + int(i);
  CUDA_OK(cudaMemcpy(src, values.data(), n * sizeof(int), cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemset(sig, 0, sizeof(uint64_t)));
  CUDA_OK(cudaMemset(bad, 0, sizeof(int)));
  DEVICE_DONE();
  shmem_barrier_all();
  signal_ring<<<1, 256>>>(dev::this_world(), payload, src, n, sig, bad);
  CUDA_OK(cudaDeviceSynchronize());
  EXPECT_EQ(0, read_local(bad, 1)[0]);
  EXPECT_EQ(1u, read_local(sig, 1)[0]);
  shmem_barrier_all();
  shmem_free(bad);
  shmem_free(sig);
  shmem_free(src);
  shmem_free(payload);
}

// Rounds of: write my slot on every PE, device barrier, check every slot. A barrier that let a PE
// through early shows as a stale slot.
__global__ void barrier_rounds(dev::world w, int* slots, int rounds, int* bad) {
  for (int r = 1; r <= rounds; ++r) {
    if (threadIdx.x < w.n_pes) dev::p(w, &slots[w.my_pe], r, int(threadIdx.x));
    dev::barrier_all_block(w);
    if (threadIdx.x < w.n_pes && slots[threadIdx.x] < r) atomicAdd(bad, 1);
    dev::barrier_all_block(w);  // nobody writes round r+1 before everyone checked round r
  }
}

TEST(CudaKernel, DeviceBarrierSeparatesRounds) {
  SKIP_WITHOUT_GPU();
  ASSERT_LE(shmem_n_pes(), 256);
  auto* slots = device_alloc<int>(shmem_n_pes());
  auto* bad = device_alloc<int>(1);
  ASSERT_NE(nullptr, bad);
  CUDA_OK(cudaMemset(slots, 0, shmem_n_pes() * sizeof(int)));
  CUDA_OK(cudaMemset(bad, 0, sizeof(int)));
  DEVICE_DONE();
  shmem_barrier_all();
  barrier_rounds<<<1, 256>>>(dev::this_world(), slots, 5, bad);
  CUDA_OK(cudaDeviceSynchronize());
  EXPECT_EQ(0, read_local(bad, 1)[0]);
  shmem_barrier_all();
  shmem_free(bad);
  shmem_free(slots);
}

// ---- Grid barriers ----

constexpr unsigned kGridChunk = 64;  // ints each block writes on each PE per round
constexpr unsigned kGridMaxBlocks = 128;

// Distinct for every round, writer PE, block and element while round < 2000 and pe * kGridMaxBlocks + block
// fits the 1000003 / kGridChunk slots of a round.
__device__ int grid_value(int round, int pe, unsigned block, unsigned i) {
  return round * 1000003 + (pe * int(kGridMaxBlocks) + int(block)) * int(kGridChunk) + int(i);
}

// Rounds of: every block of every PE writes its chunk on every PE, a grid barrier, every block checks
// the chunks that the blocks of its index on all PEs wrote here, and a second barrier so that no PE
// writes the next round before every PE has checked this one. A barrier that let a block through
// early, or lost a put, shows as a stale chunk. Odd rounds complete the puts with quiet and use
// sync_all_grid instead; both share the device barrier's counters, so they interleave.
__global__ void grid_barrier_rounds(dev::world w, int* chunks, int first_round, int rounds, int* bad,
                                    int* first_bad) {
  const unsigned blocks = gridDim.x * gridDim.y * gridDim.z;
  const unsigned b = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  const unsigned t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  const unsigned nt = blockDim.x * blockDim.y * blockDim.z;
  for (int r = first_round; r < first_round + rounds; ++r) {
    const bool sync_only = r % 2 != 0;
    int* mine = &chunks[(std::size_t(w.my_pe) * blocks + b) * kGridChunk];
    for (int pe = 0; pe < w.n_pes; ++pe)
      for (unsigned i = t; i < kGridChunk; i += nt) dev::p(w, &mine[i], grid_value(r, w.my_pe, b, i), pe);
    if (sync_only) {
      dev::quiet<scope::block>(w);
      dev::sync_all_grid(w);
    } else {
      dev::barrier_all_grid(w);
    }
    for (int pe = 0; pe < w.n_pes; ++pe)
      for (unsigned i = t; i < kGridChunk; i += nt)
        if (chunks[(std::size_t(pe) * blocks + b) * kGridChunk + i] != grid_value(r, pe, b, i) &&
            atomicAdd(bad, 1) == 0)
          *first_bad = r;
    if (sync_only) {
      dev::sync_all_grid(w);
    } else {
      dev::barrier_all_grid(w);
    }
  }
}

// Three launches in a row, of different shapes, continue one sequence of rounds: the barrier's
// epochs carry over from kernel to kernel with no host barrier in between. Each grid is sized so
// that the grids of all PEs fit on one GPU at once (PEs may share it, under MPS too).
TEST(CudaGrid, GridBarrierSeparatesRoundsOfEveryBlock) {
  SKIP_WITHOUT_GPU();
  const int fit = dev::max_cooperative_blocks(grid_barrier_rounds, dim3(256), 0, shmem_n_pes());
  ASSERT_GE(fit, 8) << "blocks of grid_barrier_rounds that fit per PE on this GPU";
  auto* chunks = device_alloc<int>(std::size_t(shmem_n_pes()) * kGridMaxBlocks * kGridChunk);
  auto* bad = device_alloc<int>(2);
  ASSERT_NE(nullptr, bad);
  CUDA_OK(cudaMemset(chunks, 0, std::size_t(shmem_n_pes()) * kGridMaxBlocks * kGridChunk * sizeof(int)));
  CUDA_OK(cudaMemset(bad, 0, 2 * sizeof(int)));
  DEVICE_DONE();
  shmem_barrier_all();
  const dev::world w = dev::this_world();
  struct shape {
    dim3 grid, block;
    int rounds;
  };
  const shape shapes[] = {{dim3(std::min(unsigned(fit), kGridMaxBlocks)), dim3(256), 100},
                          {dim3(2, 2, 2), dim3(32, 2, 2), 50},  // blocks and threads counted in 3-D
                          {dim3(1), dim3(32), 50}};
  int round = 1;
  for (const shape& s : shapes) {
    CUDA_OK(dev::launch_cooperative(grid_barrier_rounds, s.grid, s.block, 0, nullptr, w, chunks, round,
                                    s.rounds, bad, bad + 1));
    CUDA_OK(cudaDeviceSynchronize());
    const auto got = read_local(bad, 2);
    EXPECT_EQ(0, got[0]) << "stale chunks after grid barriers (grid " << s.grid.x << " x " << s.grid.y
                         << " x " << s.grid.z << "), the first in round " << got[1];
    round += s.rounds;
  }
  shmem_barrier_all();
  shmem_free(bad);
  shmem_free(chunks);
}

__global__ void count_blocks(unsigned* count) {
  if (threadIdx.x == 0 && threadIdx.y == 0 && threadIdx.z == 0) atomicAdd(count, 1u);
}

// One block more than fits is refused, with a line naming the call and both sizes, and nothing runs;
// the largest grid that fits runs every block.
TEST(CudaGrid, LaunchHelperRefusesAGridThatCannotBeCoResident) {
  SKIP_WITHOUT_GPU();
  const int fit = dev::max_cooperative_blocks(count_blocks, dim3(256));
  ASSERT_GT(fit, 0);
  EXPECT_EQ(fit / 4, dev::max_cooperative_blocks(count_blocks, dim3(256), 0, 4));
  unsigned* count = nullptr;
  CUDA_OK(cudaMalloc(&count, sizeof(unsigned)));
  CUDA_OK(cudaMemset(count, 0, sizeof(unsigned)));
  for (const dim3 grid : {dim3(unsigned(fit) + 1), dim3(unsigned(fit) / 2 + 1, 2)}) {
    testing::internal::CaptureStderr();
    const cudaError_t err = dev::launch_cooperative(count_blocks, grid, dim3(256), 0, nullptr, count);
    const std::string said = testing::internal::GetCapturedStderr();
    EXPECT_EQ(cudaErrorCooperativeLaunchTooLarge, err) << cudaGetErrorString(err);
    const unsigned long long blocks = 1ull * grid.x * grid.y * grid.z;
    EXPECT_NE(std::string::npos,
              said.find("launch_cooperative: grid of " + std::to_string(blocks) + " blocks"))
        << said;
    EXPECT_NE(std::string::npos, said.find("at most " + std::to_string(fit) + " blocks")) << said;
  }
  CUDA_OK(cudaDeviceSynchronize());
  EXPECT_EQ(0u, read_local(count, 1)[0]) << "a refused grid ran";
  CUDA_OK(dev::launch_cooperative(count_blocks, dim3(unsigned(fit)), dim3(256), 0, nullptr, count));
  CUDA_OK(cudaDeviceSynchronize());
  EXPECT_EQ(unsigned(fit), read_local(count, 1)[0]);
  CUDA_OK(cudaFree(count));
}

TEST(CudaKernel, PtrGivesPeerAddressesOnlyWhereMapped) {
  SKIP_WITHOUT_GPU();
  auto* word = device_alloc<int>(1);
  ASSERT_NE(nullptr, word);
  const dev::world w = dev::this_world();
  EXPECT_EQ(dev::kWorldVersion, w.version);
  EXPECT_EQ(shmem_my_pe(), w.my_pe);
  EXPECT_EQ(shmem_n_pes(), w.n_pes);
  EXPECT_EQ(reinterpret_cast<uint64_t>(word) - w.heap_base < w.heap_size, true);
  // A host thread gets no CPU pointer to device memory.
  EXPECT_EQ(nullptr, shmem_ptr(word, next_pe()));
  shmem_barrier_all();
  shmem_free(word);
}

// ---- Device collectives ----

// Small integers: exact in float, half and bfloat16, and so are their sums over up to 4 PEs, so every
// result must match the reference exactly whichever algorithm ran.
float coll_value(int pe, std::size_t i, int round) {
  return float(int((std::size_t(pe) * 7 + i * 3 + std::size_t(round) * 5) % 17) - 8);
}

template <class T>
T from_float(float v) {
  if constexpr (std::is_same_v<T, float>) {
    return v;
  } else if constexpr (std::is_same_v<T, __half>) {
    return __float2half(v);
  } else {
    return __float2bfloat16(v);
  }
}

template <class T>
float to_float(T v) {
  if constexpr (std::is_same_v<T, float>) {
    return v;
  } else if constexpr (std::is_same_v<T, __half>) {
    return __half2float(v);
  } else {
    return __bfloat162float(v);
  }
}

// Element sizes 1, 7 and 1000 take the LL path, 1 << 20 the direct one (for every type).
constexpr std::size_t kSumSizes[] = {1, 7, 1000, std::size_t{1} << 20};
constexpr int kSumRounds = 3;  // back to back, so the LL epochs and halves alternate

// Fills `rounds` consecutive sources of n elements with this PE's values.
template <class T>
void fill_sources(T* source, std::size_t n, int rounds) {
  std::vector<T> values(n * rounds);
  for (int r = 0; r < rounds; ++r)
    for (std::size_t i = 0; i < n; ++i) values[r * n + i] = from_float<T>(coll_value(shmem_my_pe(), i, r));
  ASSERT_EQ(cudaSuccess,
            cudaMemcpy(source, values.data(), values.size() * sizeof(T), cudaMemcpyHostToDevice));
}

// dest holds `rounds` results of n elements: each must be the sum over PEs, in PE order, in fp32.
template <class T>
void expect_sums(const T* dest, std::size_t n, int rounds, const char* what) {
  const auto got = read_local(dest, n * rounds);
  std::size_t bad = 0, first = 0;
  for (int r = 0; r < rounds; ++r)
    for (std::size_t i = 0; i < n; ++i) {
      float sum = 0.0f;
      for (int pe = 0; pe < shmem_n_pes(); ++pe) sum += to_float(from_float<T>(coll_value(pe, i, r)));
      if (to_float(got[r * n + i]) != to_float(from_float<T>(sum)) && bad++ == 0) first = r * n + i;
    }
  EXPECT_EQ(0u, bad) << what << ", " << n << " elements: " << bad << " wrong, the first at " << first
                     << " (round " << first / n << ", element " << first % n << ")";
}

template <class T>
__global__ void allreduce_rounds(dev::world w, T* dest, const T* source, std::size_t n, int rounds,
                                 void* scratch) {
  for (int r = 0; r < rounds; ++r) dev::allreduce_sum_block(w, dest + r * n, source + r * n, n, scratch);
}

template <class T>
__global__ void allreduce_in_place(dev::world w, T* data, std::size_t n, void* scratch) {
  dev::allreduce_sum_block(w, data, data, n, scratch);
}

// One scratch, sized for the largest call, serves every size and type of call after it.
void* zeroed_scratch(std::size_t bytes) {
  void* scratch = shmemx_malloc_kind(SHMEMX_MEM_CUDA, bytes);
  if (scratch && cudaMemset(scratch, 0, bytes) != cudaSuccess) return nullptr;
  return scratch;
}

template <class T>
void check_allreduce_in_kernel(const char* type) {
  constexpr std::size_t largest = kSumSizes[3];
  auto* source = device_alloc<T>(largest * kSumRounds);
  auto* dest = device_alloc<T>(largest * kSumRounds);
  void* scratch = zeroed_scratch(dev::allreduce_scratch_bytes(shmem_n_pes(), largest, sizeof(T)));
  ASSERT_NE(nullptr, scratch);
  ASSERT_NE(nullptr, dest);
  DEVICE_DONE();
  shmem_barrier_all();  // every scratch is zeroed before any PE writes packets into it
  const dev::world w = dev::this_world();
  for (const std::size_t n : kSumSizes) {
    fill_sources(source, n, kSumRounds);
    DEVICE_DONE();
    allreduce_rounds<T><<<1, 256>>>(w, dest, source, n, kSumRounds, scratch);
    CUDA_OK(cudaDeviceSynchronize());
    expect_sums(dest, n, kSumRounds, type);
    shmem_barrier_all();  // nobody refills its source while a peer may still read it
  }
  shmem_free(scratch);
  shmem_free(dest);
  shmem_free(source);
}

TEST(CudaColl, AllreduceFloatInKernel) {
  SKIP_WITHOUT_GPU();
  check_allreduce_in_kernel<float>("float");
}
TEST(CudaColl, AllreduceHalfInKernel) {
  SKIP_WITHOUT_GPU();
  check_allreduce_in_kernel<__half>("half");
}
TEST(CudaColl, AllreduceBfloat16InKernel) {
  SKIP_WITHOUT_GPU();
  check_allreduce_in_kernel<__nv_bfloat16>("bfloat16");
}

// dest == source, on both paths; then an LL call after a direct one on the same scratch.
TEST(CudaColl, AllreduceInPlace) {
  SKIP_WITHOUT_GPU();
  constexpr std::size_t largest = kSumSizes[3];
  auto* data = device_alloc<float>(largest);
  void* scratch = zeroed_scratch(dev::allreduce_scratch_bytes(shmem_n_pes(), largest, sizeof(float)));
  ASSERT_NE(nullptr, scratch);
  DEVICE_DONE();
  shmem_barrier_all();
  for (const std::size_t n : {largest, std::size_t{1000}, std::size_t{7}}) {
    fill_sources(data, n, 1);
    DEVICE_DONE();
    allreduce_in_place<float><<<1, 512>>>(dev::this_world(), data, n, scratch);
    CUDA_OK(cudaDeviceSynchronize());
    expect_sums(data, n, 1, "float in place");
    shmem_barrier_all();
  }
  shmem_free(scratch);
  shmem_free(data);
}

__global__ void alltoall(dev::world w, void* dest, const void* source, std::size_t bytes_per_pe) {
  dev::alltoall_block(w, dest, source, bytes_per_pe);
}

unsigned char alltoall_byte(int from, int to, std::size_t k) {
  return static_cast<unsigned char>(from * 131 + to * 31 + int(k * 7 + k / 251));
}

// Block j of every PE's source, filled with alltoall_byte(me, j, k).
void fill_alltoall_source(unsigned char* source, std::size_t bytes_per_pe) {
  std::vector<unsigned char> values(bytes_per_pe * shmem_n_pes());
  for (int j = 0; j < shmem_n_pes(); ++j)
    for (std::size_t k = 0; k < bytes_per_pe; ++k)
      values[j * bytes_per_pe + k] = alltoall_byte(shmem_my_pe(), j, k);
  ASSERT_EQ(cudaSuccess, cudaMemcpy(source, values.data(), values.size(), cudaMemcpyHostToDevice));
}

// Block j of dest must hold PE j's block for this PE.
void expect_alltoall(const unsigned char* dest, std::size_t bytes_per_pe) {
  const auto got = read_local(dest, bytes_per_pe * shmem_n_pes());
  std::size_t bad = 0, first = 0;
  for (int j = 0; j < shmem_n_pes(); ++j)
    for (std::size_t k = 0; k < bytes_per_pe; ++k)
      if (got[j * bytes_per_pe + k] != alltoall_byte(j, shmem_my_pe(), k) && bad++ == 0)
        first = j * bytes_per_pe + k;
  EXPECT_EQ(0u, bad) << bytes_per_pe << " bytes per PE: " << bad << " wrong, the first in block "
                     << first / bytes_per_pe << " at byte " << first % bytes_per_pe;
}

constexpr std::size_t kAlltoallSizes[] = {8, 13, 4096, std::size_t{1} << 20};  // 13: the byte-wise path

TEST(CudaColl, AlltoallInKernel) {
  SKIP_WITHOUT_GPU();
  const std::size_t largest = kAlltoallSizes[3] * shmem_n_pes();
  auto* source = device_alloc<unsigned char>(largest);
  auto* dest = device_alloc<unsigned char>(largest);
  ASSERT_NE(nullptr, dest);
  for (const std::size_t bytes : kAlltoallSizes) {
    fill_alltoall_source(source, bytes);
    CUDA_OK(cudaMemset(dest, 0, largest));
    DEVICE_DONE();
    shmem_barrier_all();  // no PE's stores reach a dest before its owner cleared it
    alltoall<<<1, 512>>>(dev::this_world(), dest, source, bytes);
    CUDA_OK(cudaDeviceSynchronize());
    expect_alltoall(dest, bytes);
    shmem_barrier_all();
  }
  shmem_free(dest);
  shmem_free(source);
}

// ---- Host calls on streams ----

__global__ void fill(int* data, std::size_t n, int base) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    data[i] = base + int(i);
}

__global__ void bump(int* data, std::size_t n) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    data[i] += 1;
}

__global__ void count_mismatches(const int* data, std::size_t n, int base, int* bad) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    if (data[i] != base + int(i)) atomicAdd(bad, 1);
}

// A kernel fills the source, the put on the same stream sends what it wrote, the signal follows the
// data, the peer's stream waits for the signal and its kernel then checks the data, and a barrier on
// the stream ends the round: all ordered by the stream alone.
TEST(CudaStream, OperationsAreOrderedWithKernelsOnTheStream) {
  SKIP_WITHOUT_GPU();
  constexpr std::size_t n = 1 << 15;
  auto* src = device_alloc<int>(n);
  auto* dst = device_alloc<int>(n);
  auto* sig = device_alloc<uint64_t>(1);
  auto* bad = device_alloc<int>(1);
  ASSERT_NE(nullptr, bad);
  CUDA_OK(cudaMemset(sig, 0, sizeof(uint64_t)));
  CUDA_OK(cudaMemset(bad, 0, sizeof(int)));
  DEVICE_DONE();
  shmem_barrier_all();
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  fill<<<16, 256, 0, stream>>>(src, n, shmem_my_pe() * 1000000);
  shmemx_putmem_signal_on_stream(dst, src, n * sizeof(int), sig, 1, SHMEM_SIGNAL_ADD, next_pe(), stream);
  shmemx_signal_wait_until_on_stream(sig, SHMEM_CMP_GE, 1, stream);
  count_mismatches<<<16, 256, 0, stream>>>(dst, n, prev_pe() * 1000000, bad);
  shmemx_quiet_on_stream(stream);
  shmemx_barrier_all_on_stream(stream);
  CUDA_OK(cudaStreamSynchronize(stream));
  EXPECT_EQ(0, read_local(bad, 1)[0]);
  // A get on the stream reads the peer's copy back into this PE's own (page-locked) buffer.
  int* back = nullptr;
  CUDA_OK(cudaMallocHost(&back, n * sizeof(int)));
  shmemx_getmem_on_stream(back, dst, n * sizeof(int), next_pe(), stream);
  CUDA_OK(cudaStreamSynchronize(stream));
  for (std::size_t i = 0; i < n; i += 101)
    EXPECT_EQ(shmem_my_pe() * 1000000 + int(i), back[i]) << "element " << i;
  CUDA_OK(cudaFreeHost(back));
  CUDA_OK(cudaStreamDestroy(stream));
  DEVICE_DONE();
  shmem_barrier_all();
  shmem_free(bad);
  shmem_free(sig);
  shmem_free(dst);
  shmem_free(src);
}

// The same calls captured once in a CUDA graph and replayed: every replay sends the source as the
// kernel before it left it, and adds one to the peer's signal.
TEST(CudaStream, CapturedInAGraphAndReplayed) {
  SKIP_WITHOUT_GPU();
  constexpr std::size_t n = 4096;
  constexpr int kReplays = 3;
  auto* src = device_alloc<int>(n);
  auto* dst = device_alloc<int>(n);
  auto* sig = device_alloc<uint64_t>(1);
  ASSERT_NE(nullptr, sig);
  CUDA_OK(cudaMemset(sig, 0, sizeof(uint64_t)));
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  fill<<<4, 256, 0, stream>>>(src, n, shmem_my_pe() * 1000);
  CUDA_OK(cudaStreamSynchronize(stream));
  DEVICE_DONE();
  shmem_barrier_all();
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CUDA_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  bump<<<4, 256, 0, stream>>>(src, n);
  shmemx_putmem_signal_on_stream(dst, src, n * sizeof(int), sig, 1, SHMEM_SIGNAL_ADD, next_pe(), stream);
  CUDA_OK(cudaStreamEndCapture(stream, &graph));
  CUDA_OK(cudaGraphInstantiate(&exec, graph, 0));
  for (int r = 0; r < kReplays; ++r) {
    CUDA_OK(cudaGraphLaunch(exec, stream));
    CUDA_OK(cudaStreamSynchronize(stream));
    shmem_barrier_all();
  }
  const auto got = read_local(dst, n);
  for (std::size_t i = 0; i < n; ++i)
    ASSERT_EQ(prev_pe() * 1000 + int(i) + kReplays, got[i]) << "element " << i;
  EXPECT_EQ(uint64_t(kReplays), read_local(sig, 1)[0]);
  CUDA_OK(cudaGraphExecDestroy(exec));
  CUDA_OK(cudaGraphDestroy(graph));
  CUDA_OK(cudaStreamDestroy(stream));
  DEVICE_DONE();
  shmem_barrier_all();
  shmem_free(sig);
  shmem_free(dst);
  shmem_free(src);
}

// Which signal calls on a stream should be stream memory operations here, worked out apart from the
// library: CAUSEWAY_CUDA_STREAM_MEMOPS (the 'cuda_tests np=2 kernels' job sets 0) and what the
// driver says of this PE's GPU. Waits also need the remote-write flush.
struct StreamMemops {
  bool signal_set = false;
  bool wait = false;
};

StreamMemops expected_stream_memops() {
  const char* v = std::getenv("CAUSEWAY_CUDA_STREAM_MEMOPS");
  for (const char* off : {"0", "n", "no", "false", "off"})
    if (v && !strcasecmp(v, off)) return {};
  void* get = nullptr;
  void* attribute = nullptr;
  cudaDriverEntryPointQueryResult found;
  if (cudaGetDriverEntryPointByVersion("cuDeviceGet", &get, 12000, cudaEnableDefault, &found) !=
          cudaSuccess ||
      cudaGetDriverEntryPointByVersion("cuDeviceGetAttribute", &attribute, 12000, cudaEnableDefault,
                                       &found) != cudaSuccess)
    return {};
  CUdevice dev = 0;
  if (reinterpret_cast<decltype(&cuDeviceGet)>(get)(&dev, shmemx_cuda_device()) != CUDA_SUCCESS) return {};
  const auto has = [&](CUdevice_attribute a) {
    int value = 0;
    return reinterpret_cast<decltype(&cuDeviceGetAttribute)>(attribute)(&value, a, dev) == CUDA_SUCCESS &&
           value != 0;
  };
  const bool bits64 = has(CU_DEVICE_ATTRIBUTE_CAN_USE_64_BIT_STREAM_MEM_OPS);
  return {bits64, bits64 && has(CU_DEVICE_ATTRIBUTE_CAN_FLUSH_REMOTE_WRITES)};
}

// A put_signal with SHMEM_SIGNAL_SET and the peer's wait, round after round, each round on a fresh
// word and with a comparison that first holds when the signal lands: EQ and the orderings a stream
// wait operation expresses (NE 0, GE 4, GT 1) and one only a kernel waits for (GE 6). The peer's
// kernel after the wait checks the data; a barrier on the stream ends each round. Nothing but the
// stream orders them. Run with stream memory operations and without (the 'kernels' job).
TEST(CudaStream, PutSignalSetThenWaitRoundAfterRound) {
  SKIP_WITHOUT_GPU();
  struct Round {
    uint64_t signal;
    int cmp;
    uint64_t cmp_value;
  };
  constexpr Round kRounds[] = {{1, SHMEM_CMP_EQ, 1}, {5, SHMEM_CMP_GE, 4},
                               {3, SHMEM_CMP_GT, 1}, {9, SHMEM_CMP_NE, 0},
                               {7, SHMEM_CMP_GE, 6}, {~uint64_t{0}, SHMEM_CMP_EQ, ~uint64_t{0}}};
  constexpr int kPasses = 4;
  constexpr int kWords = kPasses * int(std::size(kRounds));
  constexpr std::size_t n = 1 << 14;
  auto* src = device_alloc<int>(n);
  auto* dst = device_alloc<int>(n);
  auto* sig = device_alloc<uint64_t>(kWords);
  auto* bad = device_alloc<int>(1);
  ASSERT_NE(nullptr, bad);
  CUDA_OK(cudaMemset(sig, 0, kWords * sizeof(uint64_t)));
  CUDA_OK(cudaMemset(bad, 0, sizeof(int)));
  DEVICE_DONE();
  shmem_barrier_all();
  const StreamMemops memops = expected_stream_memops();
  if (shmem_my_pe() == 0)
    std::printf("[          ] signal SET by %s, waits by %s where a condition fits\n",
                memops.signal_set ? "cuStreamWriteValue64" : "kernel",
                memops.wait ? "cuStreamWaitValue64" : "kernel");
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  for (int w = 0; w < kWords; ++w) {
    const Round& round = kRounds[w % std::size(kRounds)];
    fill<<<16, 256, 0, stream>>>(src, n, shmem_my_pe() * 1000000 + w * 1000);
    shmemx_putmem_signal_on_stream(dst, src, n * sizeof(int), &sig[w], round.signal, SHMEM_SIGNAL_SET,
                                   next_pe(), stream);
    shmemx_signal_wait_until_on_stream(&sig[w], round.cmp, round.cmp_value, stream);
    count_mismatches<<<16, 256, 0, stream>>>(dst, n, prev_pe() * 1000000 + w * 1000, bad);
    shmemx_barrier_all_on_stream(stream);
  }
  CUDA_OK(cudaStreamSynchronize(stream));
  EXPECT_EQ(0, read_local(bad, 1)[0]);
  const auto words = read_local(sig, kWords);
  for (int w = 0; w < kWords; ++w)
    EXPECT_EQ(kRounds[w % std::size(kRounds)].signal, words[w]) << "word " << w;
  CUDA_OK(cudaStreamDestroy(stream));
  DEVICE_DONE();
  shmem_barrier_all();
  shmem_free(bad);
  shmem_free(sig);
  shmem_free(dst);
  shmem_free(src);
}

// Kernel nodes in a captured graph.
int kernel_nodes(cudaGraph_t graph) {
  std::size_t count = 0;
  if (cudaGraphGetNodes(graph, nullptr, &count) != cudaSuccess) return -1;
  std::vector<cudaGraphNode_t> nodes(count);
  if (cudaGraphGetNodes(graph, nodes.data(), &count) != cudaSuccess) return -1;
  int kernels = 0;
  for (cudaGraphNode_t node : nodes) {
    cudaGraphNodeType type;
    if (cudaGraphNodeGetType(node, &type) != cudaSuccess) return -1;
    kernels += type == cudaGraphNodeTypeKernel;
  }
  return kernels;
}

__global__ void count_mismatches_from(const int* data, std::size_t n, const int* base, int* bad) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    if (data[i] != *base + int(i)) atomicAdd(bad, 1);
}

// A put_signal (SET) and the wait for the peer's, captured once and replayed: the graph holds the
// signal and the wait as stream memory operation nodes where this GPU has them (no kernel node for
// either), else as kernels. Each replay sends the source as the kernel before it left it, checks
// what the peer sent once its signal is seen, and clears the word for the next replay.
TEST(CudaStream, SignalSetAndWaitCapturedInAGraph) {
  SKIP_WITHOUT_GPU();
  constexpr std::size_t n = 4096;
  constexpr int kReplays = 5;
  auto* src = device_alloc<int>(n);
  auto* dst = device_alloc<int>(n);
  auto* sig = device_alloc<uint64_t>(1);
  auto* expected = device_alloc<int>(1);
  auto* bad = device_alloc<int>(1);
  ASSERT_NE(nullptr, bad);
  CUDA_OK(cudaMemset(sig, 0, sizeof(uint64_t)));
  CUDA_OK(cudaMemset(bad, 0, sizeof(int)));
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  fill<<<4, 256, 0, stream>>>(src, n, shmem_my_pe() * 1000);
  CUDA_OK(cudaStreamSynchronize(stream));
  DEVICE_DONE();
  shmem_barrier_all();
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CUDA_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  bump<<<4, 256, 0, stream>>>(src, n);
  shmemx_putmem_signal_on_stream(dst, src, n * sizeof(int), sig, 1, SHMEM_SIGNAL_SET, next_pe(), stream);
  shmemx_signal_wait_until_on_stream(sig, SHMEM_CMP_EQ, 1, stream);
  count_mismatches_from<<<4, 256, 0, stream>>>(dst, n, expected, bad);
  CUDA_OK(cudaMemsetAsync(sig, 0, sizeof(uint64_t), stream));
  CUDA_OK(cudaStreamEndCapture(stream, &graph));
  const StreamMemops memops = expected_stream_memops();
  EXPECT_EQ(2 + !memops.signal_set + !memops.wait, kernel_nodes(graph))
      << "signal SET expected as " << (memops.signal_set ? "a stream memory operation" : "a kernel")
      << ", the wait as " << (memops.wait ? "a stream memory operation" : "a kernel");
  CUDA_OK(cudaGraphInstantiate(&exec, graph, 0));
  for (int r = 0; r < kReplays; ++r) {
    const int base = prev_pe() * 1000 + r + 1;  // the peer's source after r + 1 bumps
    CUDA_OK(cudaMemcpy(expected, &base, sizeof base, cudaMemcpyHostToDevice));
    CUDA_OK(cudaGraphLaunch(exec, stream));
    CUDA_OK(cudaStreamSynchronize(stream));
    shmem_barrier_all();  // every PE has cleared its word before any sets it again
  }
  EXPECT_EQ(0, read_local(bad, 1)[0]);
  const auto got = read_local(dst, n);
  for (std::size_t i = 0; i < n; i += 61)
    ASSERT_EQ(prev_pe() * 1000 + int(i) + kReplays, got[i]) << "element " << i;
  CUDA_OK(cudaGraphExecDestroy(exec));
  CUDA_OK(cudaGraphDestroy(graph));
  CUDA_OK(cudaStreamDestroy(stream));
  DEVICE_DONE();
  shmem_barrier_all();
  shmem_free(bad);
  shmem_free(expected);
  shmem_free(sig);
  shmem_free(dst);
  shmem_free(src);
}

template <class T>
void sum_on_stream(T* dest, const T* source, std::size_t n, cudaStream_t stream) {
  if constexpr (std::is_same_v<T, float>) {
    shmemx_float_sum_allreduce_on_stream(dest, source, n, stream);
  } else if constexpr (std::is_same_v<T, __half>) {
    shmemx_fp16_sum_allreduce_on_stream(dest, source, n, stream);
  } else {
    shmemx_bf16_sum_allreduce_on_stream(dest, source, n, stream);
  }
}

// The library's own scratch (CAUSEWAY_CUDA_COLL_SCRATCH) and kernels: the same sizes and checks as
// in a kernel, with the rounds queued back to back on one stream.
template <class T>
void check_allreduce_on_stream(const char* type) {
  constexpr std::size_t largest = kSumSizes[3];
  auto* source = device_alloc<T>(largest * kSumRounds);
  auto* dest = device_alloc<T>(largest * kSumRounds);
  ASSERT_NE(nullptr, dest);
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  for (const std::size_t n : kSumSizes) {
    fill_sources(source, n, kSumRounds);
    DEVICE_DONE();
    for (int r = 0; r < kSumRounds; ++r) sum_on_stream(dest + r * n, source + r * n, n, stream);
    CUDA_OK(cudaStreamSynchronize(stream));
    expect_sums(dest, n, kSumRounds, type);
    shmem_barrier_all();
  }
  CUDA_OK(cudaStreamDestroy(stream));
  shmem_free(dest);
  shmem_free(source);
}

TEST(CudaStream, FloatAllreduce) {
  SKIP_WITHOUT_GPU();
  check_allreduce_on_stream<float>("float on a stream");
}
TEST(CudaStream, Fp16Allreduce) {
  SKIP_WITHOUT_GPU();
  check_allreduce_on_stream<__half>("half on a stream");
}
TEST(CudaStream, Bf16Allreduce) {
  SKIP_WITHOUT_GPU();
  check_allreduce_on_stream<__nv_bfloat16>("bfloat16 on a stream");
}

// A kernel on the stream fills the source, the alltoall follows it with no host synchronisation.
TEST(CudaStream, AlltoallAfterAKernel) {
  SKIP_WITHOUT_GPU();
  constexpr std::size_t n = 4096;  // ints per PE
  const std::size_t total = n * shmem_n_pes();
  auto* source = device_alloc<int>(total);
  auto* dest = device_alloc<int>(total);
  ASSERT_NE(nullptr, dest);
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  fill<<<16, 256, 0, stream>>>(source, total, shmem_my_pe() * 1000000);
  shmemx_alltoallmem_on_stream(dest, source, n * sizeof(int), stream);
  CUDA_OK(cudaStreamSynchronize(stream));
  // Block j came from PE j's block my_pe: PE j's values at [my_pe * n, my_pe * n + n).
  const auto got = read_local(dest, total);
  for (int j = 0; j < shmem_n_pes(); ++j)
    for (std::size_t k = 0; k < n; k += 97)
      ASSERT_EQ(j * 1000000 + int(shmem_my_pe() * n + k), got[j * n + k]) << "block " << j << ", int " << k;
  CUDA_OK(cudaStreamDestroy(stream));
  DEVICE_DONE();
  shmem_barrier_all();
  shmem_free(dest);
  shmem_free(source);
}

TEST(CudaStream, AlltoallmemSizes) {
  SKIP_WITHOUT_GPU();
  const std::size_t largest = kAlltoallSizes[3] * shmem_n_pes();
  auto* source = device_alloc<unsigned char>(largest);
  auto* dest = device_alloc<unsigned char>(largest);
  ASSERT_NE(nullptr, dest);
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  for (const std::size_t bytes : kAlltoallSizes) {
    fill_alltoall_source(source, bytes);
    CUDA_OK(cudaMemset(dest, 0, largest));
    DEVICE_DONE();
    shmem_barrier_all();
    shmemx_alltoallmem_on_stream(dest, source, bytes, stream);
    CUDA_OK(cudaStreamSynchronize(stream));
    expect_alltoall(dest, bytes);
    shmem_barrier_all();
  }
  CUDA_OK(cudaStreamDestroy(stream));
  shmem_free(dest);
  shmem_free(source);
}

}  // namespace
