// SPDX-License-Identifier: BSD-3-Clause
// Host calls on device memory (puts, gets and AMOs into peers' device heaps), and what a job
// without a device heap does. Without a CUDA device every GPU test skips, saying why.

#include "cuda_test_util.cuh"

namespace cuda_tests {
namespace {

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

// One store into PE pe's copy of *dst through a handle taken before the heap grew.
__global__ void store_through(dev::world w, int64_t* dst, int64_t value, int pe) {
  dev::p(w, dst, value, pe);
}

// The heap is backed in 64 MiB chunks as allocations reach them: blocks far past the first chunk
// are reachable from the host and from kernels on every PE, through handles taken before they
// existed, and an allocation larger than the heap fails on every PE and leaves it usable.
TEST(CudaHost, HeapGrowsAsAllocationsReachIt) {
  SKIP_WITHOUT_GPU();
  const dev::world before = dev::this_world();
  constexpr std::size_t kBlock = std::size_t{150} << 20, n = kBlock / sizeof(int64_t);
  std::vector<int64_t*> blocks;
  for (int b = 0; b < 3; ++b) {
    auto* block = device_alloc<int64_t>(n);
    ASSERT_NE(nullptr, block) << "block " << b;
    blocks.push_back(block);
    const int64_t from_host = int64_t(shmem_my_pe()) << 40 | b, from_kernel = from_host | 1 << 20;
    shmem_int64_p(&block[n - 1], from_host, next_pe());  // the block's last word
    store_through<<<1, 1>>>(before, &block[n / 2], from_kernel, next_pe());
    CUDA_OK(cudaGetLastError());
    DEVICE_DONE();
    shmem_barrier_all();
    const int64_t expect = int64_t(prev_pe()) << 40 | b;
    EXPECT_EQ(expect, read_local(&block[n - 1], 1)[0]) << "block " << b << ", host put";
    EXPECT_EQ(expect | 1 << 20, read_local(&block[n / 2], 1)[0]) << "block " << b << ", kernel store";
    shmem_barrier_all();
  }
  EXPECT_EQ(nullptr, shmemx_malloc_kind(SHMEMX_MEM_CUDA, std::size_t{1} << 40));  // past the heap
  auto* after = device_alloc<int64_t>(8);
  EXPECT_NE(nullptr, after);
  shmem_free(after);
  for (int64_t* block : blocks) shmem_free(block);
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

}  // namespace
}  // namespace cuda_tests
