// SPDX-License-Identifier: BSD-3-Clause
// Reference values and checks of the device collectives, shared by the in-kernel tests
// (cuda_coll_tests.cu) and the on-stream ones (cuda_stream_tests.cu).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "cuda_test_util.cuh"

namespace cuda_tests {

// Small integers: exact in float, half and bfloat16, and so are their sums over up to 4 PEs, so every
// result must match the reference exactly whichever algorithm ran. Kernels fill sources with it too.
__host__ __device__ inline float coll_value(int pe, std::size_t i, int round) {
  return float(int((std::size_t(pe) * 7 + i * 3 + std::size_t(round) * 5) % 17) - 8);
}

using causeway::device::detail::from_f32;
using causeway::device::detail::to_f32;

// Element sizes 1, 7 and 1000 take the LL path, 1 << 20 the direct one (for every type).
inline constexpr std::size_t kSumSizes[] = {1, 7, 1000, std::size_t{1} << 20};
inline constexpr int kSumRounds = 3;  // back to back, so the LL epochs and halves alternate

// Fills `rounds` consecutive sources of n elements with this PE's values.
template <class T>
void fill_sources(T* source, std::size_t n, int rounds) {
  std::vector<T> values(n * rounds);
  for (int r = 0; r < rounds; ++r)
    for (std::size_t i = 0; i < n; ++i) values[r * n + i] = from_f32<T>(coll_value(shmem_my_pe(), i, r));
  ASSERT_EQ(cudaSuccess,
            cudaMemcpy(source, values.data(), values.size() * sizeof(T), cudaMemcpyHostToDevice));
}

// dest holds `rounds` results of n elements, of rounds first_round, first_round + 1, ...: each must be
// the sum over PEs, in PE order, in fp32.
template <class T>
void expect_sums(const T* dest, std::size_t n, int rounds, const char* what, int first_round = 0) {
  const auto got = read_local(dest, n * rounds);
  std::size_t bad = 0, first = 0;
  for (int r = 0; r < rounds; ++r)
    for (std::size_t i = 0; i < n; ++i) {
      float sum = 0.0f;
      for (int pe = 0; pe < shmem_n_pes(); ++pe)
        sum += to_f32(from_f32<T>(coll_value(pe, i, first_round + r)));
      if (to_f32(got[r * n + i]) != to_f32(from_f32<T>(sum)) && bad++ == 0) first = r * n + i;
    }
  EXPECT_EQ(0u, bad) << what << ", " << n << " elements: " << bad << " wrong, the first at " << first
                     << " (round " << first_round + int(first / n) << ", element " << first % n << ")";
}

// Byte k of the block PE `from` sends to PE `to`; a round number makes every round's bytes new.
__host__ __device__ inline unsigned char alltoall_byte(int from, int to, std::size_t k, int round = 0) {
  return static_cast<unsigned char>(from * 131 + to * 31 + int(k * 7 + k / 251) + round * 57);
}

// Block j of every PE's source, filled with alltoall_byte(me, j, k).
inline void fill_alltoall_source(unsigned char* source, std::size_t bytes_per_pe) {
  std::vector<unsigned char> values(bytes_per_pe * shmem_n_pes());
  for (int j = 0; j < shmem_n_pes(); ++j)
    for (std::size_t k = 0; k < bytes_per_pe; ++k)
      values[j * bytes_per_pe + k] = alltoall_byte(shmem_my_pe(), j, k);
  ASSERT_EQ(cudaSuccess, cudaMemcpy(source, values.data(), values.size(), cudaMemcpyHostToDevice));
}

// Block j of dest must hold PE j's block for this PE (of that round).
inline void expect_alltoall(const unsigned char* dest, std::size_t bytes_per_pe, int round = 0) {
  const auto got = read_local(dest, bytes_per_pe * shmem_n_pes());
  std::size_t bad = 0, first = 0;
  for (int j = 0; j < shmem_n_pes(); ++j)
    for (std::size_t k = 0; k < bytes_per_pe; ++k)
      if (got[j * bytes_per_pe + k] != alltoall_byte(j, shmem_my_pe(), k, round) && bad++ == 0)
        first = j * bytes_per_pe + k;
  EXPECT_EQ(0u, bad) << "round " << round << ", " << bytes_per_pe << " bytes per PE: " << bad
                     << " wrong, the first in block " << first / bytes_per_pe << " at byte "
                     << first % bytes_per_pe;
}

// 13: the byte-wise path.
inline constexpr std::size_t kAlltoallSizes[] = {8, 13, 4096, std::size_t{1} << 20};

}  // namespace cuda_tests
