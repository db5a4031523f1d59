// SPDX-License-Identifier: BSD-3-Clause
// Host calls on a stream (shmemx_*_on_stream): ordered with the program's kernels on the stream,
// captured in CUDA graphs and replayed, with and without stream memory operations; the collectives
// on a stream.

#include <initializer_list>

#include "cuda_coll_util.cuh"

namespace cuda_tests {
namespace {

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
// Every stream test's end: its stream destroyed, this PE's device work done, every PE past that,
// then the test's symmetric buffers freed (collective, in the order given).
void end_stream_test(cudaStream_t stream, std::initializer_list<void*> symmetric) {
  CUDA_OK(cudaStreamDestroy(stream));
  DEVICE_DONE();
  shmem_barrier_all();
  for (void* p : symmetric) shmem_free(p);
}

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
  end_stream_test(stream, {bad, sig, dst, src});
}

// The graph tests' start: a new stream, this PE's source filled (PE * 1000 + i), and every PE past
// that point before any captures.
void start_with_source(int* src, std::size_t n, cudaStream_t* stream) {
  CUDA_OK(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking));
  fill<<<4, 256, 0, *stream>>>(src, n, shmem_my_pe() * 1000);
  CUDA_OK(cudaStreamSynchronize(*stream));
  DEVICE_DONE();
  shmem_barrier_all();
}

// And their end: the graph and stream gone, this PE's device work done, every PE past that point
// before the buffers are freed.
// What both put-with-signal graph tests start with: a zero signal, a filled source, then a capture
// (left open for the caller) that bumps the source and puts it with signal op `op`, value 1, to the
// next PE.
void start_put_signal_capture(int* src, int* dst, std::size_t n, uint64_t* sig, int op,
                              cudaStream_t* stream) {
  CUDA_OK(cudaMemset(sig, 0, sizeof(uint64_t)));
  start_with_source(src, n, stream);
  CUDA_OK(cudaStreamBeginCapture(*stream, cudaStreamCaptureModeThreadLocal));
  bump<<<4, 256, 0, *stream>>>(src, n);
  shmemx_putmem_signal_on_stream(dst, src, n * sizeof(int), sig, 1, op, next_pe(), *stream);
}

void end_graph_test(cudaGraphExec_t exec, cudaGraph_t graph, cudaStream_t stream,
                    std::initializer_list<void*> symmetric) {
  CUDA_OK(cudaGraphExecDestroy(exec));
  CUDA_OK(cudaGraphDestroy(graph));
  end_stream_test(stream, symmetric);
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
  cudaStream_t stream;
  start_put_signal_capture(src, dst, n, sig, SHMEM_SIGNAL_ADD, &stream);
  cudaGraph_t graph;
  cudaGraphExec_t exec;
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
  end_graph_test(exec, graph, stream, {sig, dst, src});
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
  // In checks mode (CAUSEWAY_CHECKS or SHMEM_DEBUG) a wait is a kernel, so that it can time out.
  const auto set = [](const char* name) {
    const char* v = std::getenv(name);
    return v && *v && std::strcmp(v, "0") != 0;
  };
  const bool checked = set("CAUSEWAY_CHECKS") || set("SHMEM_DEBUG") || set("CAUSEWAY_CUDA_WAIT_TIMEOUT");
  return {bits64, bits64 && !checked && has(CU_DEVICE_ATTRIBUTE_CAN_FLUSH_REMOTE_WRITES)};
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
  end_stream_test(stream, {bad, sig, dst, src});
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
  CUDA_OK(cudaMemset(bad, 0, sizeof(int)));
  cudaStream_t stream;
  start_put_signal_capture(src, dst, n, sig, SHMEM_SIGNAL_SET, &stream);
  cudaGraph_t graph;
  cudaGraphExec_t exec;
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
    // On the graph's stream: a plain cudaMemcpy from pageable memory may return before the data
    // lands, and the non-blocking stream would not wait for it.
    CUDA_OK(cudaMemcpyAsync(expected, &base, sizeof base, cudaMemcpyHostToDevice, stream));
    CUDA_OK(cudaGraphLaunch(exec, stream));
    CUDA_OK(cudaStreamSynchronize(stream));
    shmem_barrier_all();  // every PE has cleared its word before any sets it again
  }
  EXPECT_EQ(0, read_local(bad, 1)[0]);
  const auto got = read_local(dst, n);
  for (std::size_t i = 0; i < n; i += 61)
    ASSERT_EQ(prev_pe() * 1000 + int(i) + kReplays, got[i]) << "element " << i;
  end_graph_test(exec, graph, stream, {bad, expected, sig, dst, src});
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
    for (int r = 0; r < kSumRounds; ++r)
      dev::sum_allreduce_on_stream(dest + r * n, source + r * n, n, stream);
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
  end_stream_test(stream, {dest, source});
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

// ---- A captured sequence with the collectives on a stream ----

// The graph's first kernel: this PE's replay count, which the kernels after it read.
__global__ void next_round(int* round) { ++*round; }

// Element i of the payload PE pe puts in replay `round` (i < 10000).
__host__ __device__ int graph_payload(int pe, int round, std::size_t i) {
  return pe * 1000000 + round * 10000 + int(i);
}

struct GraphBuffers {
  int* payload_src;
  int* payload_dst;
  std::size_t payload_n;
  float* ll_src;  // sizes that take the allreduce's LL path
  float* ll_dst;
  std::size_t ll_n;
  float* direct_src;  // and its direct path
  float* direct_dst;
  std::size_t direct_n;
  unsigned char* a2a_src;
  unsigned char* a2a_dst;
  std::size_t a2a_bytes;  // per PE
};

// This replay's inputs, new every replay: values of the replay count the kernel before it advanced.
__global__ void fill_round(GraphBuffers b, const int* round, int my_pe, int n_pes) {
  const int r = *round;
  const std::size_t first = blockIdx.x * blockDim.x + threadIdx.x, stride = gridDim.x * blockDim.x;
  for (std::size_t i = first; i < b.payload_n; i += stride) b.payload_src[i] = graph_payload(my_pe, r, i);
  for (std::size_t i = first; i < b.ll_n; i += stride) b.ll_src[i] = coll_value(my_pe, i, r);
  for (std::size_t i = first; i < b.direct_n; i += stride) b.direct_src[i] = coll_value(my_pe, i, r);
  for (std::size_t i = first; i < b.a2a_bytes * n_pes; i += stride)
    b.a2a_src[i] = alltoall_byte(my_pe, int(i / b.a2a_bytes), i % b.a2a_bytes, r);
}

// After the signal wait: the payload must be what PE `from` put in this replay.
__global__ void count_payload_mismatches(const int* data, std::size_t n, int from, const int* round,
                                         int* bad) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    if (data[i] != graph_payload(from, *round, i)) atomicAdd(bad, 1);
}

// One replay of a sequence that every PE captures alike: new inputs from a kernel, a put with a
// signal added to the next PE, the wait for the previous PE's signal and a kernel that checks what
// it sent, the word cleared, a barrier (nobody adds to a word again before its owner cleared it), an
// allreduce on each path and an alltoall. Replayed several times, checked on the host after each:
// the barrier's epochs, the LL epochs and halves and the signal must all carry over from replay to
// replay, since the graph holds the calls as they were captured.
TEST(CudaStream, CollectivesCapturedInAGraphAndReplayed) {
  SKIP_WITHOUT_GPU();
  constexpr int kReplays = 4;  // the LL halves alternate
  GraphBuffers b{};
  b.payload_n = 4096;
  b.ll_n = 1000;         // 4000 bytes: LL
  b.direct_n = 1 << 18;  // 1 MiB: direct
  b.a2a_bytes = 4099;    // odd: the byte-wise path
  const std::size_t a2a_total = b.a2a_bytes * shmem_n_pes();
  b.payload_src = device_alloc<int>(b.payload_n);
  b.payload_dst = device_alloc<int>(b.payload_n);
  b.ll_src = device_alloc<float>(b.ll_n);
  b.ll_dst = device_alloc<float>(b.ll_n);
  b.direct_src = device_alloc<float>(b.direct_n);
  b.direct_dst = device_alloc<float>(b.direct_n);
  b.a2a_src = device_alloc<unsigned char>(a2a_total);
  b.a2a_dst = device_alloc<unsigned char>(a2a_total);
  auto* sig = device_alloc<uint64_t>(1);
  auto* round = device_alloc<int>(1);
  auto* bad = device_alloc<int>(1);
  ASSERT_NE(nullptr, bad);
  CUDA_OK(cudaMemset(sig, 0, sizeof(uint64_t)));
  CUDA_OK(cudaMemset(round, 0, sizeof(int)));
  CUDA_OK(cudaMemset(bad, 0, sizeof(int)));
  DEVICE_DONE();
  shmem_barrier_all();
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CUDA_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  next_round<<<1, 1, 0, stream>>>(round);
  fill_round<<<32, 256, 0, stream>>>(b, round, shmem_my_pe(), shmem_n_pes());
  shmemx_putmem_signal_on_stream(b.payload_dst, b.payload_src, b.payload_n * sizeof(int), sig, 1,
                                 SHMEM_SIGNAL_ADD, next_pe(), stream);
  shmemx_signal_wait_until_on_stream(sig, SHMEM_CMP_GE, 1, stream);
  count_payload_mismatches<<<4, 256, 0, stream>>>(b.payload_dst, b.payload_n, prev_pe(), round, bad);
  CUDA_OK(cudaMemsetAsync(sig, 0, sizeof(uint64_t), stream));
  shmemx_barrier_all_on_stream(stream);
  shmemx_float_sum_allreduce_on_stream(b.ll_dst, b.ll_src, b.ll_n, stream);
  shmemx_float_sum_allreduce_on_stream(b.direct_dst, b.direct_src, b.direct_n, stream);
  shmemx_alltoallmem_on_stream(b.a2a_dst, b.a2a_src, b.a2a_bytes, stream);
  CUDA_OK(cudaStreamEndCapture(stream, &graph));
  CUDA_OK(cudaGraphInstantiate(&exec, graph, 0));
  for (int r = 1; r <= kReplays; ++r) {
    CUDA_OK(cudaGraphLaunch(exec, stream));
    CUDA_OK(cudaStreamSynchronize(stream));
    EXPECT_EQ(r, read_local(round, 1)[0]);
    EXPECT_EQ(0, read_local(bad, 1)[0]) << "payload mismatches after the signal wait, replay " << r;
    EXPECT_EQ(0u, read_local(sig, 1)[0]) << "replay " << r;
    const auto payload = read_local(b.payload_dst, b.payload_n);
    std::size_t wrong = 0, first = 0;
    for (std::size_t i = 0; i < b.payload_n; ++i)
      if (payload[i] != graph_payload(prev_pe(), r, i) && wrong++ == 0) first = i;
    EXPECT_EQ(0u, wrong) << "payload elements wrong after replay " << r << ", the first at " << first;
    expect_sums(b.ll_dst, b.ll_n, 1, "float LL in a graph", r);
    expect_sums(b.direct_dst, b.direct_n, 1, "float direct in a graph", r);
    expect_alltoall(b.a2a_dst, b.a2a_bytes, r);
    // A peer's next replay writes this PE's payload, allreduce and alltoall results: read them first.
    shmem_barrier_all();
  }
  end_graph_test(exec, graph, stream,
                 {bad, round, sig, b.a2a_dst, b.a2a_src, b.direct_dst, b.direct_src, b.ll_dst, b.ll_src,
                  b.payload_dst, b.payload_src});
}

}  // namespace
}  // namespace cuda_tests
