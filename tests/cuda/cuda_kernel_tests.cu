// SPDX-License-Identifier: BSD-3-Clause
// The device API from kernels: RMA at each scope, AMOs, signals, the block and grid barriers, ptr.

#include "cuda_test_util.cuh"

namespace cuda_tests {
namespace {

// ---- Kernels ----

template <scope S>
__global__ void put_to_next(dev::world w, int64_t* dst, const int64_t* src, std::size_t n, int pe) {
  dev::put<S>(w, dst, src, n, pe);
  dev::quiet<S>(w);
}

// One thread, warp or block copies the whole buffer (the slice tests below split one among many).
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

// ---- Many scope instances at once, and unaligned byte ranges ----

// The instance of scope S (a thread, a warp or a block of a 1-D grid) that this thread belongs to,
// and how many there are: each takes its own part of the work. A block of 48 threads has two warps,
// the second of 16 lanes.
template <scope S>
__device__ unsigned instance_of() {
  if constexpr (S == scope::thread) {
    return blockIdx.x * blockDim.x + threadIdx.x;
  } else if constexpr (S == scope::warp) {
    return blockIdx.x * ((blockDim.x + 31) / 32) + threadIdx.x / 32;
  } else {
    return blockIdx.x;
  }
}

template <scope S>
__device__ unsigned instances() {
  if constexpr (S == scope::thread) {
    return gridDim.x * blockDim.x;
  } else if constexpr (S == scope::warp) {
    return gridDim.x * ((blockDim.x + 31) / 32);
  } else {
    return gridDim.x;
  }
}

// Instance k of m copies elements [n * k / m, n * (k + 1) / m): slices of uneven length whose ends
// fall at 8 and 16 bytes alike, all in flight at once. A put writes the peer's dst from the local
// src; a get reads the peer's src into the local dst.
template <scope S, bool kGet>
__global__ void copy_slices(dev::world w, int64_t* dst, const int64_t* src, std::size_t n, int pe) {
  const unsigned k = instance_of<S>(), m = instances<S>();
  const std::size_t begin = n * k / m, end = n * (k + 1) / m;
  if constexpr (kGet) {
    dev::get<S>(w, dst + begin, src + begin, end - begin, pe);
  } else {
    dev::put<S>(w, dst + begin, src + begin, end - begin, pe);
  }
  dev::quiet<S>(w);
}

constexpr int64_t kSentinel = 0x5a5a5a5a5a5a5a5a;  // what the slice tests' dst holds where nobody writes

int64_t slice_value(int pe, std::size_t i) { return (int64_t(pe) << 40) + int64_t(i) * 3 + 1; }

// dst has kGuard sentinel elements on each side of the n that the slices cover: the copies must fill
// every element of the range with the other PE's values and leave the guards alone. A put goes to the
// next PE, a get reads from it.
template <scope S, bool kGet>
void check_slices(unsigned blocks, unsigned threads) {
  constexpr std::size_t n = 10007, kGuard = 64;  // n prime: slices of uneven length
  auto* dst = device_alloc<int64_t>(n + 2 * kGuard);
  auto* src = device_alloc<int64_t>(n);
  ASSERT_NE(nullptr, dst);
  ASSERT_NE(nullptr, src);
  std::vector<int64_t> values(n), sentinels(n + 2 * kGuard, kSentinel);
  for (std::size_t i = 0; i < n; ++i) values[i] = slice_value(shmem_my_pe(), i);
  CUDA_OK(cudaMemcpy(src, values.data(), n * sizeof(int64_t), cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemcpy(dst, sentinels.data(), sentinels.size() * sizeof(int64_t), cudaMemcpyHostToDevice));
  DEVICE_DONE();
  shmem_barrier_all();  // every PE's src is written and its dst cleared before any copy
  copy_slices<S, kGet><<<blocks, threads>>>(dev::this_world(), dst + kGuard, src, n, next_pe());
  CUDA_OK(cudaDeviceSynchronize());
  shmem_barrier_all();  // every put has landed
  const int from = kGet ? next_pe() : prev_pe();
  const auto got = read_local(dst, n + 2 * kGuard);
  for (std::size_t i = 0; i < kGuard; ++i) {
    ASSERT_EQ(kSentinel, got[i]) << "guard element " << i << " before the range";
    ASSERT_EQ(kSentinel, got[kGuard + n + i]) << "guard element " << i << " after the range";
  }
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(slice_value(from, i), got[kGuard + i]) << "element " << i;
  shmem_barrier_all();
  shmem_free(src);
  shmem_free(dst);
}

TEST(CudaKernel, PutSlicesFromManyThreads) {
  SKIP_WITHOUT_GPU();
  check_slices<scope::thread, false>(3, 50);
}
TEST(CudaKernel, PutSlicesFromNineWarps) {
  SKIP_WITHOUT_GPU();
  check_slices<scope::warp, false>(3, 96);
}
TEST(CudaKernel, PutSlicesWithAPartialLastWarp) {
  SKIP_WITHOUT_GPU();
  check_slices<scope::warp, false>(2, 48);
}
TEST(CudaKernel, PutSlicesFromFourBlocks) {
  SKIP_WITHOUT_GPU();
  check_slices<scope::block, false>(4, 160);
}
TEST(CudaKernel, GetSlicesFromManyThreads) {
  SKIP_WITHOUT_GPU();
  check_slices<scope::thread, true>(3, 50);
}
TEST(CudaKernel, GetSlicesFromNineWarps) {
  SKIP_WITHOUT_GPU();
  check_slices<scope::warp, true>(3, 96);
}
TEST(CudaKernel, GetSlicesWithAPartialLastWarp) {
  SKIP_WITHOUT_GPU();
  check_slices<scope::warp, true>(2, 48);
}
TEST(CudaKernel, GetSlicesFromFourBlocks) {
  SKIP_WITHOUT_GPU();
  check_slices<scope::block, true>(4, 160);
}

// Byte ranges that the vectorised copy must split into an unaligned head, a body of words and a
// tail: case k of kByteCases copies bytes(k) bytes to dst_off(k) in region k of the destination
// from src_off(k) in region k of the source. Every length in {1, 7, 13, 4099} at every destination
// offset 0..15, with the source offset apart from it by 0 (16-byte words after the head), 8
// (8-byte words), 4 (4-byte words) or 1 (bytes only). Regions are 16-byte aligned.
constexpr unsigned kByteCases = 4 * 16 * 4;
constexpr std::size_t kByteRegion = 4160;  // > 15 + 4099, a multiple of 16

struct ByteCase {
  std::size_t dst_off, src_off, bytes;
};

__host__ __device__ ByteCase byte_case(unsigned k) {
  const std::size_t lengths[] = {1, 7, 13, 4099}, apart[] = {0, 8, 4, 1};
  const std::size_t dst_off = (k / 4) % 16;
  return {dst_off, (dst_off + apart[k / 64]) % 16, lengths[k % 4]};
}

// Each instance of scope S takes cases k, k + m, ... (every thread of the instance the same ones).
template <scope S, bool kGet>
__global__ void copy_byte_cases(dev::world w, unsigned char* dst, const unsigned char* src, int pe) {
  for (unsigned k = instance_of<S>(); k < kByteCases; k += instances<S>()) {
    const ByteCase c = byte_case(k);
    unsigned char* to = dst + k * kByteRegion + c.dst_off;
    const unsigned char* from = src + k * kByteRegion + c.src_off;
    if constexpr (kGet) {
      dev::getmem<S>(w, to, from, c.bytes, pe);
    } else {
      dev::putmem<S>(w, to, from, c.bytes, pe);
    }
  }
  dev::quiet<S>(w);
}

unsigned char source_byte(int pe, std::size_t x) {
  return static_cast<unsigned char>((pe + 1) * 41 + x * 7 + x / 253);
}
unsigned char sentinel_byte(std::size_t x) { return static_cast<unsigned char>(0xa5 ^ (x * 3)); }

// Every byte of the destination checked: the cases' ranges hold the other PE's source bytes, and
// every byte outside them (the neighbours of each range included) still holds its sentinel.
template <scope S, bool kGet>
void check_byte_cases(unsigned blocks, unsigned threads) {
  constexpr std::size_t total = kByteCases * kByteRegion;
  auto* dst = device_alloc<unsigned char>(total);
  auto* src = device_alloc<unsigned char>(total);
  ASSERT_NE(nullptr, dst);
  ASSERT_NE(nullptr, src);
  std::vector<unsigned char> bytes(total);
  for (std::size_t x = 0; x < total; ++x) bytes[x] = source_byte(shmem_my_pe(), x);
  CUDA_OK(cudaMemcpy(src, bytes.data(), total, cudaMemcpyHostToDevice));
  for (std::size_t x = 0; x < total; ++x) bytes[x] = sentinel_byte(x);
  CUDA_OK(cudaMemcpy(dst, bytes.data(), total, cudaMemcpyHostToDevice));
  DEVICE_DONE();
  shmem_barrier_all();  // every PE's src is written and its dst set to sentinels before any copy
  copy_byte_cases<S, kGet><<<blocks, threads>>>(dev::this_world(), dst, src, next_pe());
  CUDA_OK(cudaDeviceSynchronize());
  shmem_barrier_all();  // every put has landed
  const int from = kGet ? next_pe() : prev_pe();
  std::vector<unsigned char> expected(total);
  for (std::size_t x = 0; x < total; ++x) expected[x] = sentinel_byte(x);
  for (unsigned k = 0; k < kByteCases; ++k) {
    const ByteCase c = byte_case(k);
    for (std::size_t i = 0; i < c.bytes; ++i)
      expected[k * kByteRegion + c.dst_off + i] = source_byte(from, k * kByteRegion + c.src_off + i);
  }
  const auto got = read_local(dst, total);
  std::size_t bad = 0, first = 0;
  for (std::size_t x = 0; x < total; ++x)
    if (got[x] != expected[x] && bad++ == 0) first = x;
  if (bad != 0) {
    const unsigned k = unsigned(first / kByteRegion);
    const ByteCase c = byte_case(k);
    const std::size_t at = first % kByteRegion;
    const bool inside = at >= c.dst_off && at < c.dst_off + c.bytes;
    ADD_FAILURE() << bad << " bytes wrong; the first in case " << k << " (" << c.bytes << " bytes to offset "
                  << c.dst_off << " from offset " << c.src_off << "), byte " << at << " of its region, "
                  << (inside ? "inside" : "outside") << " the range: " << int(got[first]) << ", expected "
                  << int(expected[first]);
  }
  shmem_barrier_all();
  shmem_free(src);
  shmem_free(dst);
}

TEST(CudaKernel, PutmemUnalignedAtThreadScope) {
  SKIP_WITHOUT_GPU();
  check_byte_cases<scope::thread, false>(2, 64);
}
TEST(CudaKernel, PutmemUnalignedAtWarpScope) {
  SKIP_WITHOUT_GPU();
  check_byte_cases<scope::warp, false>(3, 80);  // 9 warps, 3 of them 16 lanes
}
TEST(CudaKernel, PutmemUnalignedAtBlockScope) {
  SKIP_WITHOUT_GPU();
  check_byte_cases<scope::block, false>(4, 100);
}
TEST(CudaKernel, GetmemUnalignedAtThreadScope) {
  SKIP_WITHOUT_GPU();
  check_byte_cases<scope::thread, true>(2, 64);
}
TEST(CudaKernel, GetmemUnalignedAtWarpScope) {
  SKIP_WITHOUT_GPU();
  check_byte_cases<scope::warp, true>(3, 80);
}
TEST(CudaKernel, GetmemUnalignedAtBlockScope) {
  SKIP_WITHOUT_GPU();
  check_byte_cases<scope::block, true>(4, 100);
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

// Every PE's copy of slots[my_pe] through ptr, recorded, and a store through each: slot p of every
// PE must end up holding 1000 + p.
__global__ void store_through_ptr(dev::world w, int* slots, unsigned long long* addresses) {
  for (int pe = int(threadIdx.x); pe < w.n_pes; pe += int(blockDim.x)) {
    int* peer = dev::ptr(w, &slots[w.my_pe], pe);
    addresses[pe] = reinterpret_cast<uintptr_t>(peer);
    if (peer) *static_cast<volatile int*>(peer) = 1000 + w.my_pe;
  }
  __threadfence_system();
}

// SKIP_WITHOUT_GPU leaves only jobs where this GPU maps every PE's heap (one node, peer access), so
// ptr must give an address for every PE, a different one for each, and stores through them land.
TEST(CudaKernel, PtrGivesPeerAddressesOnlyWhereMapped) {
  SKIP_WITHOUT_GPU();
  const int n_pes = shmem_n_pes();
  auto* slots = device_alloc<int>(n_pes);
  auto* addresses = device_alloc<unsigned long long>(n_pes);
  ASSERT_NE(nullptr, slots);
  ASSERT_NE(nullptr, addresses);
  const dev::world w = dev::this_world();
  EXPECT_EQ(dev::kWorldVersion, w.version);
  EXPECT_EQ(shmem_my_pe(), w.my_pe);
  EXPECT_EQ(shmem_n_pes(), w.n_pes);
  EXPECT_EQ(reinterpret_cast<uint64_t>(slots) - w.heap_base < w.heap_size, true);
  // A host thread gets no CPU pointer to device memory.
  EXPECT_EQ(nullptr, shmem_ptr(slots, next_pe()));
  CUDA_OK(cudaMemset(slots, 0, n_pes * sizeof(int)));
  CUDA_OK(cudaMemset(addresses, 0, n_pes * sizeof(unsigned long long)));
  DEVICE_DONE();
  shmem_barrier_all();  // every PE's slots are cleared before any PE stores into them
  store_through_ptr<<<1, 32>>>(w, slots, addresses);
  CUDA_OK(cudaDeviceSynchronize());
  shmem_barrier_all();  // every PE's stores have landed
  const auto got = read_local(addresses, n_pes);
  for (int pe = 0; pe < n_pes; ++pe) {
    EXPECT_NE(0u, got[pe]) << "ptr gave nullptr for PE " << pe;
    for (int other = 0; other < pe; ++other)
      EXPECT_NE(got[other], got[pe]) << "ptr gave PEs " << other << " and " << pe << " the same address";
  }
  const auto landed = read_local(slots, n_pes);
  for (int pe = 0; pe < n_pes; ++pe) EXPECT_EQ(1000 + pe, landed[pe]) << "slot of PE " << pe;
  shmem_barrier_all();
  shmem_free(addresses);
  shmem_free(slots);
}

}  // namespace
}  // namespace cuda_tests
