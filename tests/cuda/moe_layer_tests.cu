// SPDX-License-Identifier: BSD-3-Clause
// libcauseway_moe's C API (include/causeway/moe.h): the refusal without a GPU (runs everywhere),
// set-up failures that every PE must share instead of hanging, argument checks, and a dispatch /
// combine round trip with PEs of different token counts (python/tests/test_moe_cuda.py covers the
// routings in depth).
#include <cuda_bf16.h>

#include <cmath>

#include "causeway/moe.h"
#include "cuda_test_util.cuh"

namespace cuda_tests {
namespace {

std::string last_error() { return causeway_moe_last_error(); }
std::string pe_prefix() { return "PE " + std::to_string(shmem_my_pe()) + ": "; }

causeway_moe_config config(int max_tokens = 16) {
  return causeway_moe_config{2 * shmem_n_pes(), 64, max_tokens, 2, 20, 0};
}

TEST(MoeLayer, RefusedWithoutAGpu) {
  if (has_gpu()) GTEST_SKIP() << "this PE has a GPU: the other MoeLayer tests cover it";
  const causeway_moe_config c = config();
  causeway_moe* layer = reinterpret_cast<causeway_moe*>(1);
  EXPECT_EQ(-1, causeway_moe_create(&c, &layer));
  EXPECT_EQ(nullptr, layer);
  EXPECT_EQ(
      pe_prefix() + "causeway_moe_create: this PE has no CUDA device or device heap (see causeway-info)",
      last_error());
}

// One PE's bad input fails every PE's create, each saying whose it was: no PE is left in a
// collective the others skipped.
TEST(MoeLayer, OnePeBadConfigurationFailsEveryPe) {
  SKIP_WITHOUT_GPU();
  causeway_moe_config c = config();
  if (shmem_my_pe() == 0) c.hidden = 12;
  causeway_moe* layer = nullptr;
  EXPECT_EQ(-1, causeway_moe_create(&c, &layer));
  EXPECT_EQ(nullptr, layer);
  EXPECT_EQ(shmem_my_pe() == 0 ? pe_prefix() +
                                     "causeway_moe_create: argument 'hidden' = 12 is not a positive "
                                     "multiple of 8"
                               : pe_prefix() + "causeway_moe_create: PE 0 failed (it says why)",
            last_error());
}

TEST(MoeLayer, DifferentConfigurationsFailEveryPe) {
  SKIP_WITHOUT_GPU();
  if (shmem_n_pes() < 2) GTEST_SKIP() << "needs two PEs";
  const causeway_moe_config c = config(shmem_my_pe() == 0 ? 8 : 16);
  causeway_moe* layer = nullptr;
  EXPECT_EQ(-1, causeway_moe_create(&c, &layer));
  EXPECT_NE(std::string::npos, last_error().find("every PE must pass the same configuration"))
      << last_error();
}

TEST(MoeLayer, NullConfigOnOnePeFailsEveryPe) {
  SKIP_WITHOUT_GPU();
  const causeway_moe_config c = config();
  causeway_moe* layer = nullptr;
  EXPECT_EQ(-1, causeway_moe_create(shmem_my_pe() == 0 ? nullptr : &c, &layer));
  EXPECT_EQ(pe_prefix() + (shmem_my_pe() == 0 ? "causeway_moe_create: argument 'config' is NULL"
                                              : "causeway_moe_create: PE 0 failed (it says why)"),
            last_error());
}

// Every PE makes the same bad calls, so none launches a kernel its peers would wait on.
TEST(MoeLayer, BadCallsAreRefusedBeforeLaunching) {
  SKIP_WITHOUT_GPU();
  const causeway_moe_config c = config();
  causeway_moe* layer = nullptr;
  ASSERT_EQ(0, causeway_moe_create(&c, &layer)) << last_error();
  char* x = nullptr;
  int64_t* idx = nullptr;
  CUDA_OK(cudaMalloc(&x, 64 * 64 * 2 + 16));
  CUDA_OK(cudaMalloc(&idx, 64 * 2 * sizeof(int64_t)));
  const std::string dispatch = pe_prefix() + "causeway_moe_dispatch: ";
  EXPECT_EQ(-1, causeway_moe_dispatch(layer, x, idx, 3, 4, nullptr));
  EXPECT_EQ(dispatch + "argument 'idx_bytes' = 3 is not 4 (int32) or 8 (int64)", last_error());
  EXPECT_EQ(-1, causeway_moe_dispatch(layer, x, idx, 8, 17, nullptr));
  EXPECT_EQ(dispatch + "argument 'tokens' = 17 is not in [0, max_tokens = 16]", last_error());
  EXPECT_EQ(-1, causeway_moe_dispatch(layer, x + 8, idx, 8, 4, nullptr));
  EXPECT_NE(std::string::npos, last_error().find("argument 'x' = ")) << last_error();
  EXPECT_NE(std::string::npos, last_error().find("is not 16-byte aligned")) << last_error();
  // A valid routing, so that if this GPU could read host memory after all, the worst is a failed
  // expectation, not a kernel that traps on a bad entry.
  const std::vector<int64_t> on_host = {0, 1, 0, 1, 0, 1, 0, 1};
  EXPECT_EQ(-1, causeway_moe_dispatch(layer, x, on_host.data(), 8, 4, nullptr));
  EXPECT_NE(std::string::npos, last_error().find("is not device memory this PE's GPU can reach"))
      << last_error();
  EXPECT_EQ(-1, causeway_moe_combine(layer, x, idx, 8, reinterpret_cast<float*>(x), x, 4, nullptr));
  EXPECT_EQ(pe_prefix() + "causeway_moe_combine: there is no dispatch to combine", last_error());
  CUDA_OK(cudaFree(idx));
  CUDA_OK(cudaFree(x));
  EXPECT_EQ(0, causeway_moe_destroy(layer)) << last_error();
}

// Expert e of token t at PE pe in call c (distinct over k): any PE can recompute any PE's routing.
int route(int pe, int t, int k, int c, int experts) {
  return (pe * 7 + t * 3 + c * 5 + k * (experts / 2 + 1)) % experts;
}

// Identity experts (expert_out = recv_x), so y[t] = sum_k w[t][k] * x[t]: checks counts, offsets,
// order and sums over three calls whose data and routing all differ (stale rows would show), PEs
// sending different numbers of tokens (PE 1: none), in the fixed (false) and packed (true) layouts.
class MoeLayerRoundTrip : public ::testing::TestWithParam<bool> {};

TEST_P(MoeLayerRoundTrip, DispatchCombine) {
  SKIP_WITHOUT_GPU();
  const bool packed = GetParam();
  const int me = shmem_my_pe(), n = shmem_n_pes(), max_tokens = 40, hidden = 64, top_k = 3;
  const int experts = 4 * n, local = 4, max_recv = packed ? n * max_tokens * top_k : 0;
  const causeway_moe_config c{experts, hidden, max_tokens, top_k, 20, max_recv};
  causeway_moe* layer = nullptr;
  ASSERT_EQ(0, causeway_moe_create(&c, &layer)) << last_error();
  causeway_moe_buffers b{};
  ASSERT_EQ(0, causeway_moe_get_buffers(layer, &b));
  ASSERT_EQ(local, b.local_experts);
  ASSERT_EQ(packed ? 0 : n * max_tokens, b.rows_per_expert);
  ASSERT_EQ(packed ? max_recv : local * n * max_tokens, b.recv_rows);
  auto tokens_of = [&](int pe, int call) { return pe == 1 ? 0 : max_tokens - (pe + call) % 5; };
  auto value = [](int pe, int t, int h, int call) {  // every call's data differs from the last
    return float((pe * 29 + t * 7 + h + call * 13) % 64 - 32) / 32.0f;
  };
  __nv_bfloat16 *x = nullptr, *y = nullptr;
  int32_t* idx = nullptr;
  float* w = nullptr;
  CUDA_OK(cudaMalloc(&x, max_tokens * hidden * 2));
  CUDA_OK(cudaMalloc(&y, max_tokens * hidden * 2));
  CUDA_OK(cudaMalloc(&idx, max_tokens * top_k * 4));
  CUDA_OK(cudaMalloc(&w, max_tokens * top_k * 4));
  for (int call = 0; call < 3; ++call) {
    const int tokens = tokens_of(me, call);
    std::vector<__nv_bfloat16> hx(size_t(max_tokens) * hidden);
    std::vector<int32_t> hidx(size_t(max_tokens) * top_k);
    std::vector<float> hw(size_t(max_tokens) * top_k);
    for (int t = 0; t < tokens; ++t) {
      for (int h = 0; h < hidden; ++h) hx[size_t(t) * hidden + h] = __float2bfloat16(value(me, t, h, call));
      for (int k = 0; k < top_k; ++k) {
        hidx[size_t(t) * top_k + k] = (t + k) % 5 == 4 ? -1 : route(me, t, k, call, experts);  // some dropped
        hw[size_t(t) * top_k + k] = 0.25f * float(k + 1);
      }
    }
    CUDA_OK(cudaMemcpy(x, hx.data(), hx.size() * 2, cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(idx, hidx.data(), hidx.size() * 4, cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(w, hw.data(), hw.size() * 4, cudaMemcpyHostToDevice));
    ASSERT_EQ(0, causeway_moe_dispatch(layer, x, idx, 4, tokens, nullptr)) << last_error();
    CUDA_OK(cudaDeviceSynchronize());
    const std::vector<int32_t> count = read_local(b.recv_count, size_t(local) * n);
    const std::vector<int32_t> offset = read_local(b.recv_offset, size_t(local) * n);
    const std::vector<int32_t> src = read_local(b.recv_src, size_t(b.recv_rows) * 2);
    for (int pair = 0, next = 0; pair < local * n; next += count[pair++])  // packed: one after another
      ASSERT_EQ(packed ? next : pair * max_tokens, offset[pair]) << "pair " << pair;
    for (int e = 0; e < local; ++e)
      for (int s = 0; s < n; ++s) {
        std::vector<std::pair<int, int>> expect;  // {token, k} in token order
        for (int t = 0; t < tokens_of(s, call); ++t)
          for (int k = 0; k < top_k; ++k)
            if ((t + k) % 5 != 4 && route(s, t, k, call, experts) == me * local + e) expect.push_back({t, k});
        ASSERT_EQ(int(expect.size()), count[size_t(e) * n + s]) << "expert " << e << " source " << s;
        for (size_t i = 0; i < expect.size(); ++i) {
          const size_t row = size_t(offset[size_t(e) * n + s]) + i;
          EXPECT_EQ(expect[i].first, src[2 * row]);
          EXPECT_EQ(expect[i].second, src[2 * row + 1]);
        }
      }
    CUDA_OK(cudaMemset(y, 0xff, max_tokens * hidden * 2));  // NaN until combine writes it
    ASSERT_EQ(0, causeway_moe_combine(layer, b.recv_x, idx, 4, w, y, tokens, nullptr)) << last_error();
    CUDA_OK(cudaDeviceSynchronize());
    std::vector<__nv_bfloat16> hy(size_t(max_tokens) * hidden);
    CUDA_OK(cudaMemcpy(hy.data(), y, hy.size() * 2, cudaMemcpyDeviceToHost));
    for (int t = 0; t < tokens; ++t) {
      float weight = 0;
      for (int k = 0; k < top_k; ++k)
        weight += hidx[size_t(t) * top_k + k] >= 0 ? hw[size_t(t) * top_k + k] : 0;
      for (int h = 0; h < hidden; ++h) {
        const float expect = weight * __bfloat162float(hx[size_t(t) * hidden + h]);
        ASSERT_NEAR(expect, __bfloat162float(hy[size_t(t) * hidden + h]), std::fabs(expect) / 128 + 1e-6f)
            << "token " << t << " value " << h << " call " << call;
      }
    }
  }
  for (void* p : {(void*)x, (void*)y, (void*)idx, (void*)w}) CUDA_OK(cudaFree(p));
  EXPECT_EQ(0, causeway_moe_destroy(layer)) << last_error();
}

INSTANTIATE_TEST_SUITE_P(Layouts, MoeLayerRoundTrip, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "packed" : "fixed";
                         });

}  // namespace
}  // namespace cuda_tests
