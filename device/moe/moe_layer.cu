// SPDX-License-Identifier: BSD-3-Clause
// libcauseway_moe: the host side of include/causeway/moe.h (argument checks, buffers, launches).
// The kernels are in moe_kernels.cuh.
#include <cuda.h>
#include <cuda_runtime_api.h>
#include <shmem.h>
#include <shmemx.h>

#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "causeway/device/host.hpp"
#include "causeway/moe.h"
#include "moe_kernels.cuh"

namespace {

using causeway::moe::Layer;

thread_local std::string last_error;

// Records "PE p: call: message" and returns -1, so a failing check is `return fail(...)`.
[[gnu::format(printf, 2, 3)]] int fail(const char* call, const char* format, ...) {
  char message[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  last_error = "PE " + std::to_string(shmem_my_pe()) + ": " + call + ": " + message;
  return -1;
}

int cuda_fail(const char* call, const char* what, cudaError_t err) {
  return fail(call, "%s: %s", what, cudaGetErrorString(err));
}

// Whether the calling thread has a current CUDA context (cudaGetDevice says 0 for one that has none).
bool thread_has_context() {
  using GetCurrent = CUresult (*)(CUcontext*);
  static const GetCurrent get_current = [] {
    void* function = nullptr;
    cudaDriverEntryPointQueryResult found{};
#if CUDART_VERSION >= 12050
    const cudaError_t err =
        cudaGetDriverEntryPointByVersion("cuCtxGetCurrent", &function, 12000, cudaEnableDefault, &found);
#else
    const cudaError_t err = cudaGetDriverEntryPoint("cuCtxGetCurrent", &function, cudaEnableDefault, &found);
#endif
    if (err != cudaSuccess || found != cudaDriverEntryPointSuccess) function = nullptr;
    return reinterpret_cast<GetCurrent>(function);
  }();
  CUcontext current = nullptr;
  return get_current && get_current(&current) == CUDA_SUCCESS && current;
}

// Makes `device` current for the scope of a call and gives the caller's thread its own back after
// (torch and other libraries keep their idea of the current device). A thread that had none keeps
// the layer's: restoring "none" is not possible, and binding device 0 would create a context there.
// No-op for device < 0.
class DeviceScope {
 public:
  explicit DeviceScope(int device) {
    if (device < 0) return;
    int now = -1;
    const bool bound = thread_has_context() && cudaGetDevice(&now) == cudaSuccess;
    if (bound && now == device) return;
    error_ = cudaSetDevice(device);
    if (error_ == cudaSuccess && bound) saved_ = now;
  }
  ~DeviceScope() {
    if (saved_ >= 0) cudaSetDevice(saved_);
  }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;
  cudaError_t error() const { return error_; }

 private:
  int saved_ = -1;  // the device to give back, or -1
  cudaError_t error_ = cudaSuccess;
};

// The device heap allocations, in the order they are made (the same on every PE).
// kState: this PE's epoch and combine's block count (local words; in the heap to be allocated and
// zeroed with the rest).
enum Buffer {
  kRecvX,
  kRecvSrc,
  kRecvCount,
  kRecvOffset,
  kDispatchSig,
  kCountSig,
  kOffsetSig,
  kComb,
  kCombineSig,
  kState,
  kBuffers
};
constexpr int kDefaultWaitTimeoutS = 600;

}  // namespace

struct causeway_moe {
  causeway_moe_config config{};
  Layer layer{};
  causeway::device::world world{};
  void* heap[kBuffers] = {};
  int device = -1;
  bool null_argument = false;
  int blocks = 1;
  int dispatched_tokens = -1;  // -1: the next call must be a dispatch
};

namespace {

// The configuration's first problem, or nullptr.
const char* config_problem(const causeway_moe_config& c, int n_pes, char* text, size_t size) {
  if (c.num_experts <= 0 || c.num_experts % n_pes)
    std::snprintf(text, size, "argument 'num_experts' = %d is not a positive multiple of the %d PEs",
                  c.num_experts, n_pes);
  else if (c.hidden <= 0 || c.hidden % 8)
    std::snprintf(text, size, "argument 'hidden' = %d is not a positive multiple of 8", c.hidden);
  else if (c.max_tokens <= 0 || static_cast<long long>(c.max_tokens) * n_pes > INT32_MAX)
    std::snprintf(text, size, "argument 'max_tokens' = %d is not in [1, %d]", c.max_tokens,
                  INT32_MAX / n_pes);
  else if (c.top_k < 1 || c.top_k > c.num_experts)
    std::snprintf(text, size, "argument 'top_k' = %d is not in [1, num_experts = %d]", c.top_k,
                  c.num_experts);
  else if (static_cast<long long>(c.num_experts) * c.max_tokens > INT32_MAX)
    std::snprintf(text, size, "num_experts x max_tokens = %lld rows: more than %d",
                  static_cast<long long>(c.num_experts) * c.max_tokens, INT32_MAX);
  else if (c.max_recv_tokens < 0)
    std::snprintf(text, size, "argument 'max_recv_tokens' = %d is negative (0: the fixed layout)",
                  c.max_recv_tokens);
  else
    return nullptr;
  return text;
}

// Every PE's {failed, num_experts, hidden, max_tokens, top_k, max_recv_tokens, GPU}: collective, so
// that a step one PE fails is failed by every PE together and the collective calls that follow stay
// matched.
constexpr int kShared = 7;
int exchange(const causeway_moe_config& c, bool failed, uint64_t gpu, std::vector<int64_t>& all) {
  const int n = shmem_n_pes();
  all.assign(size_t(kShared) * n, 0);
  auto* mine = static_cast<int64_t*>(shmem_malloc(kShared * sizeof(int64_t)));
  auto* every = static_cast<int64_t*>(shmem_malloc(kShared * sizeof(int64_t) * n));
  int rc = mine && every ? 0 : -1;
  if (rc == 0) {
    const int64_t values[kShared] = {failed,  c.num_experts,     c.hidden,    c.max_tokens,
                                     c.top_k, c.max_recv_tokens, int64_t(gpu)};
    std::copy(values, values + kShared, mine);
    rc = shmem_int64_fcollect(SHMEM_TEAM_WORLD, every, mine, kShared);
    std::copy(every, every + all.size(), all.begin());
  }
  shmem_free(every);
  shmem_free(mine);
  return rc;
}

// After an exchange: -1 if any PE failed (this PE's own message, or which PE failed).
int agree(const char* call, bool failed, const std::vector<int64_t>& all) {
  if (failed) return -1;
  for (int pe = 0; pe < shmem_n_pes(); ++pe)
    if (all[size_t(pe) * kShared]) return fail(call, "PE %d failed (it says why)", pe);
  return 0;
}

void free_heap(causeway_moe* m) {
  for (int i = kBuffers - 1; i >= 0; --i) shmem_free(m->heap[i]);  // collective; NULL is allowed
}

// Validates the configuration and agrees on it; sets the grid size. Collective.
int configure(causeway_moe* m, const char* call) {
  const causeway_moe_config& c = m->config;
  const int n = shmem_n_pes(), device = shmemx_cuda_device();  // every PE agreed on the device at init
  if (device < 0) return fail(call, "this PE has no CUDA device or device heap (see causeway-info)");
  m->device = device;
  cudaDeviceProp prop{};
  uint64_t uuid[2] = {};
  char text[256];
  bool failed = m->null_argument;  // create said which; this PE still takes part in the exchange
  if (failed) {
    // nothing more to check
  } else if (const cudaError_t err = cudaSetDevice(device); err != cudaSuccess) {
    failed = cuda_fail(call, "cudaSetDevice", err) != 0;
  } else if (const cudaError_t err = cudaGetDeviceProperties(&prop, device); err != cudaSuccess) {
    failed = cuda_fail(call, "cudaGetDeviceProperties", err) != 0;
  } else if (const char* problem = config_problem(c, n, text, sizeof text)) {
    failed = fail(call, "%s", problem) != 0;
  }
  std::memcpy(uuid, prop.uuid.bytes, sizeof uuid);
  std::vector<int64_t> all;
  if (exchange(c, failed, uuid[0] ^ uuid[1], all) != 0)
    return fail(call, "exchanging the configuration failed (the host symmetric heap is full?)");
  if (agree(call, failed, all) != 0) return -1;
  int sharing = 0;
  for (int pe = 0; pe < n; ++pe) {
    const int64_t* theirs = &all[size_t(pe) * kShared];
    if (theirs[1] != c.num_experts || theirs[2] != c.hidden || theirs[3] != c.max_tokens ||
        theirs[4] != c.top_k || theirs[5] != c.max_recv_tokens)
      return fail(
          call,
          "PE %d asked for num_experts=%lld hidden=%lld max_tokens=%lld top_k=%lld max_recv_tokens=%lld, "
          "this PE for %d %d %d %d %d: every PE must pass the same configuration",
          pe, (long long)theirs[1], (long long)theirs[2], (long long)theirs[3], (long long)theirs[4],
          (long long)theirs[5], c.num_experts, c.hidden, c.max_tokens, c.top_k, c.max_recv_tokens);
    sharing += uint64_t(theirs[6]) == (uuid[0] ^ uuid[1]);
  }
  // Every PE on this GPU launches its share of what fits at once (at least one block per SM fits:
  // 256 threads, 2 KiB of shared memory).
  int per_sm = 1, dispatch_fit = 0, combine_fit = 0;
  if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&dispatch_fit, causeway::moe::dispatch_kernel,
                                                    causeway::moe::kThreads, 0) == cudaSuccess &&
      cudaOccupancyMaxActiveBlocksPerMultiprocessor(&combine_fit, causeway::moe::combine_kernel,
                                                    causeway::moe::kThreads, 0) == cudaSuccess)
    per_sm = std::max(1, std::min(dispatch_fit, combine_fit));  // one grid size serves both kernels
  cudaGetLastError();
  m->blocks = std::max(1, per_sm * prop.multiProcessorCount / std::max(1, sharing));
  return 0;
}

// This PE's part of allocating: zeroed signal words, the device handle, every peer reachable.
int prepare_local(causeway_moe* m, const char* call, const size_t (&sizes)[kBuffers]) {
  const Layer& L = m->layer;
  // Epoch 0 is never used, so zeroed signal words mean "nothing arrived yet".
  cudaError_t err = cudaSuccess;
  for (int i : {int(kRecvCount), int(kRecvOffset), int(kDispatchSig), int(kCountSig), int(kOffsetSig),
                int(kCombineSig), int(kState)})
    if (err == cudaSuccess) err = cudaMemset(m->heap[i], 0, sizes[i]);
  if (L.max_recv == 0) {  // the fixed layout: pair (e, s) always starts at row (e * n_pes + s) * max_tokens
    std::vector<int> offsets(size_t(L.local_experts) * L.n_pes);
    for (size_t pair = 0; pair < offsets.size(); ++pair) offsets[pair] = int(pair * L.max_tokens);
    if (err == cudaSuccess)
      err = cudaMemcpy(L.recv_offset, offsets.data(), offsets.size() * sizeof(int), cudaMemcpyHostToDevice);
  }
  if (err == cudaSuccess) err = cudaDeviceSynchronize();
  if (err != cudaSuccess) return cuda_fail(call, "zeroing the signal words", err);
  if (shmemx_cuda_world(&m->world, sizeof m->world) != 0) return fail(call, "shmemx_cuda_world failed");
  std::vector<causeway::device::route> route(L.n_pes);
  err = cudaMemcpy(route.data(), m->world.route_of, route.size() * sizeof route[0], cudaMemcpyDeviceToHost);
  if (err != cudaSuccess) return cuda_fail(call, "reading the routes", err);
  for (int pe = 0; pe < L.n_pes; ++pe)
    if (route[pe] == causeway::device::route::none)  // dispatch and combine store into every peer's heap
      return fail(call, "PE %d's device heap cannot be reached from a kernel on this PE's GPU", pe);
  return 0;
}

int setup(causeway_moe* m, const char* call) {
  if (configure(m, call) != 0) return -1;
  const causeway_moe_config& c = m->config;
  Layer& L = m->layer;
  const int n = shmem_n_pes();
  L = Layer{shmem_my_pe(), n,       c.num_experts, c.num_experts / n, c.hidden,
            c.max_tokens,  c.top_k, c.hidden / 8};
  L.max_recv = c.max_recv_tokens;
  const size_t pairs = size_t(L.local_experts) * n, row_bytes = size_t(c.hidden) * 2;
  const size_t rows = L.max_recv ? size_t(L.max_recv) : pairs * c.max_tokens;
  size_t sizes[kBuffers] = {};
  sizes[kRecvX] = rows * row_bytes;
  sizes[kRecvSrc] = rows * sizeof(int2);
  sizes[kRecvCount] = sizes[kRecvOffset] = pairs * sizeof(int);
  sizes[kDispatchSig] = sizes[kCountSig] = pairs * 8;
  sizes[kOffsetSig] = size_t(c.num_experts) * 8;
  sizes[kComb] = size_t(c.max_tokens) * c.top_k * row_bytes;
  sizes[kCombineSig] = size_t(c.num_experts) * 8;
  sizes[kState] = 16;
  size_t total = 0;
  for (size_t s : sizes) total += s;
  for (int i = 0; i < kBuffers; ++i)  // collective, the same sizes everywhere: fails on every PE alike
    if (!(m->heap[i] = shmemx_malloc_kind(SHMEMX_MEM_CUDA, sizes[i])))
      return fail(call, "the device heap has no room for the layer's %zu MiB (set CAUSEWAY_CUDA_HEAP_SIZE)",
                  (total >> 20) + 1);
  L.recv_x = static_cast<uint4*>(m->heap[kRecvX]);
  L.recv_src = static_cast<int2*>(m->heap[kRecvSrc]);
  L.recv_count = static_cast<int*>(m->heap[kRecvCount]);
  L.recv_offset = static_cast<int*>(m->heap[kRecvOffset]);
  L.dispatch_sig = static_cast<uint64_t*>(m->heap[kDispatchSig]);
  L.count_sig = static_cast<uint64_t*>(m->heap[kCountSig]);
  L.offset_sig = static_cast<uint64_t*>(m->heap[kOffsetSig]);
  L.comb = static_cast<uint4*>(m->heap[kComb]);
  L.combine_sig = static_cast<uint64_t*>(m->heap[kCombineSig]);
  L.epoch = static_cast<uint32_t*>(m->heap[kState]);
  L.combine_done = reinterpret_cast<unsigned long long*>(static_cast<char*>(m->heap[kState]) + 8);
  const int timeout_s = c.wait_timeout_s == 0 ? kDefaultWaitTimeoutS : std::max(c.wait_timeout_s, 0);
  L.wait_timeout_ns = uint64_t(timeout_s) * 1000000000ull;
  const bool failed = prepare_local(m, call, sizes) != 0;
  std::vector<int64_t> all;
  if (exchange(c, failed, 0, all) != 0) return fail(call, "agreeing on the set-up failed");
  return agree(call, failed, all);
}

// A pointer the kernels read or write: aligned, and memory of this PE's GPU (or managed memory).
int check_pointer(const causeway_moe* m, const char* call, const void* pointer, const char* name,
                  size_t align) {
  if (reinterpret_cast<uintptr_t>(pointer) % align)
    return fail(call, "argument '%s' = %p is not %zu-byte aligned", name, pointer, align);
  cudaPointerAttributes attributes{};
  if (cudaPointerGetAttributes(&attributes, pointer) != cudaSuccess || attributes.devicePointer == nullptr) {
    cudaGetLastError();  // the query's error is not the caller's
    return fail(call, "argument '%s' = %p is not device memory this PE's GPU can reach", name, pointer);
  }
  if (attributes.type == cudaMemoryTypeDevice && attributes.device != m->device)
    return fail(call, "argument '%s' = %p is on GPU %d, not this PE's GPU %d", name, pointer,
                attributes.device, m->device);
  return 0;
}

// The checks every call makes (the caller has made the layer's GPU current).
int check_call(const causeway_moe* m, const char* call, int tokens, int idx_bytes, const void* topk_idx) {
  if (!m) return fail(call, "argument 'layer' is NULL");
  if (tokens < 0 || tokens > m->config.max_tokens)
    return fail(call, "argument 'tokens' = %d is not in [0, max_tokens = %d]", tokens, m->config.max_tokens);
  if (idx_bytes != 4 && idx_bytes != 8)
    return fail(call, "argument 'idx_bytes' = %d is not 4 (int32) or 8 (int64)", idx_bytes);
  return tokens == 0 ? 0 : check_pointer(m, call, topk_idx, "topk_idx", size_t(idx_bytes));
}

// Launches with the launch's own error (cudaGetLastError could return an older, unrelated one).
template <class... Params, class... Args>
cudaError_t launch(void (*kernel)(Params...), const causeway_moe* m, void* stream, Args... args) {
  std::tuple<Params...> values(args...);
  void* pointers[sizeof...(Params)];
  std::apply(
      [&](auto&... v) {
        int i = 0;
        ((pointers[i++] = &v), ...);
      },
      values);
  return cudaLaunchKernel(reinterpret_cast<const void*>(kernel), dim3(m->blocks),
                          dim3(causeway::moe::kThreads), pointers, 0, static_cast<cudaStream_t>(stream));
}

}  // namespace

extern "C" {

const char* causeway_moe_last_error(void) { return last_error.c_str(); }

int causeway_moe_create(const causeway_moe_config* config, causeway_moe** layer) {
  constexpr const char* call = "causeway_moe_create";
  if (layer) *layer = nullptr;
  const DeviceScope on_device(shmemx_cuda_device());  // configure reports a failure to set it
  auto* m = new causeway_moe;
  if (!config || !layer) {  // failed, but collectively: the peers are in the same call
    fail(call, "argument '%s' is NULL", config ? "layer" : "config");
    m->null_argument = true;
  } else {
    m->config = *config;
  }
  if (setup(m, call) != 0) {
    // Every PE fails together (setup agrees on each step), so the collective frees stay matched.
    const std::string why = last_error;
    free_heap(m);
    delete m;
    last_error = why;
    return -1;
  }
  shmem_barrier_all();  // no PE stores into a peer's buffers before the peer zeroed them
  *layer = m;
  return 0;
}

int causeway_moe_destroy(causeway_moe* m) {
  if (!m) return 0;
  const DeviceScope on_device(m->device);
  cudaError_t err = on_device.error();
  if (err == cudaSuccess) err = cudaDeviceSynchronize();  // the layer's kernels are done with its buffers
  shmem_barrier_all();                                    // and so are the peers'
  free_heap(m);
  delete m;
  return err == cudaSuccess ? 0 : cuda_fail("causeway_moe_destroy", "cudaDeviceSynchronize", err);
}

int causeway_moe_get_buffers(const causeway_moe* m, causeway_moe_buffers* out) {
  if (!m || !out) return fail("causeway_moe_get_buffers", "argument '%s' is NULL", m ? "buffers" : "layer");
  const Layer& L = m->layer;
  out->recv_x = L.recv_x;
  out->recv_src = reinterpret_cast<int32_t*>(L.recv_src);
  out->recv_count = L.recv_count;
  out->recv_offset = L.recv_offset;
  out->local_experts = L.local_experts;
  out->n_pes = L.n_pes;
  out->rows_per_expert = L.max_recv ? 0 : L.n_pes * L.max_tokens;
  out->recv_rows = L.max_recv ? L.max_recv : L.local_experts * L.n_pes * L.max_tokens;
  return 0;
}

int causeway_moe_dispatch(causeway_moe* m, const void* x, const void* topk_idx, int idx_bytes, int tokens,
                          void* stream) {
  constexpr const char* call = "causeway_moe_dispatch";
  const DeviceScope on_device(m ? m->device : -1);
  if (on_device.error() != cudaSuccess) return cuda_fail(call, "cudaSetDevice", on_device.error());
  if (check_call(m, call, tokens, idx_bytes, topk_idx) != 0 ||
      (tokens && check_pointer(m, call, x, "x", 16) != 0))
    return -1;
  if (m->dispatched_tokens >= 0) return fail(call, "the previous dispatch has not been combined yet");
  // A launch that fails here leaves the peers waiting: their kernels report after the timeout.
  if (const cudaError_t err = launch(causeway::moe::dispatch_kernel, m, stream, m->world, m->layer,
                                     static_cast<const uint4*>(x), topk_idx, idx_bytes, tokens);
      err != cudaSuccess)
    return cuda_fail(call, "launching the kernel", err);
  m->dispatched_tokens = tokens;
  return 0;
}

int causeway_moe_combine(causeway_moe* m, const void* expert_out, const void* topk_idx, int idx_bytes,
                         const float* topk_weights, void* y, int tokens, void* stream) {
  constexpr const char* call = "causeway_moe_combine";
  const DeviceScope on_device(m ? m->device : -1);
  if (on_device.error() != cudaSuccess) return cuda_fail(call, "cudaSetDevice", on_device.error());
  if (check_call(m, call, tokens, idx_bytes, topk_idx) != 0 ||
      (tokens && (check_pointer(m, call, topk_weights, "topk_weights", 4) != 0 ||
                  check_pointer(m, call, y, "y", 16) != 0)))
    return -1;
  if (m->dispatched_tokens < 0) return fail(call, "there is no dispatch to combine");
  if (tokens != m->dispatched_tokens)
    return fail(call, "argument 'tokens' = %d, but the dispatch sent %d", tokens, m->dispatched_tokens);
  // expert_out is read for the rows received, which may be some even when this PE sent none.
  if (check_pointer(m, call, expert_out, "expert_out", 16) != 0) return -1;
  if (const cudaError_t err = launch(causeway::moe::combine_kernel, m, stream, m->world, m->layer,
                                     static_cast<const uint4*>(expert_out), topk_idx, idx_bytes, topk_weights,
                                     static_cast<uint4*>(y), tokens);
      err != cudaSuccess)
    return cuda_fail(call, "launching the kernel", err);
  m->dispatched_tokens = -1;
  return 0;
}

int causeway_moe_synchronize(causeway_moe* m, void* stream) {
  constexpr const char* call = "causeway_moe_synchronize";
  if (!m) return fail(call, "argument 'layer' is NULL");
  const DeviceScope on_device(m->device);
  if (on_device.error() != cudaSuccess) return cuda_fail(call, "cudaSetDevice", on_device.error());
  const cudaError_t err = cudaStreamSynchronize(static_cast<cudaStream_t>(stream));
  // A kernel that trapped printed why (a bad topk_idx entry, a wait that timed out) before this.
  return err == cudaSuccess ? 0 : cuda_fail(call, "the stream's work failed", err);
}

}  // extern "C"
