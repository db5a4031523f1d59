// SPDX-License-Identifier: BSD-3-Clause
// The device collectives called from kernels: allreduce_sum_block (both algorithms, every type, in
// place) and alltoall_block.

#include "cuda_coll_util.cuh"

namespace cuda_tests {
namespace {

// ---- Device collectives ----

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

}  // namespace
}  // namespace cuda_tests
