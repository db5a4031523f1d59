// SPDX-License-Identifier: BSD-3-Clause
#include "core/device_stream.hpp"

#include "causeway/device/world.cuh"
#include "causeway_build_config.h"
#include "core/checks.hpp"
#include "util/log.hpp"
#if CAUSEWAY_HAVE_CUDA
#include <atomic>

#include "core/device_kernels.hpp"
#include "core/stream_wait.hpp"
#include "util/cuda.hpp"
#endif

namespace causeway::core {

namespace {

constexpr int kSignalSet = 0, kSignalAdd = 1;  // SHMEM_SIGNAL_SET, SHMEM_SIGNAL_ADD
constexpr int kCmpLast = 5;                    // SHMEM_CMP_EQ (0) .. SHMEM_CMP_LE (5)

// Where `addr` is in the device heap; ends the job if it is not all there.
Location device_location(Runtime& rt, const void* addr, std::size_t bytes, const char* call,
                         const char* arg) {
  Location loc;
  if (!rt.locate(addr, bytes, &loc)) report_not_symmetric(rt, addr, bytes, call, arg);
  if (rt.segment(loc.segment).kind != MemKind::cuda)
    util::fatal_user_error(
        call, "argument '%s' = %p is not device memory (shmemx_malloc_kind(SHMEMX_MEM_CUDA, ...))", arg,
        addr);
  return loc;
}

// The transport serving `pe`'s device memory, with stream operations; ends the job without one.
tl::Transport* stream_transport(Runtime& rt, int pe, const char* call) {
  check_pe(rt, pe, call);
  const int index = rt.route(pe).device_transport;
  tl::Transport* t = index >= 0 ? rt.transport(index) : nullptr;
  if (!t || !t->ops->stream_put)
    util::fatal_user_error(call, "PE %d's device memory is not reachable from a stream of this PE", pe);
  return t;
}

// A signal word: 8-byte aligned (a misaligned atomic faults on the GPU, which ends every CUDA call
// of the process).
void check_signal_word(const uint64_t* sig_addr, const char* call) {
  if (reinterpret_cast<uintptr_t>(sig_addr) % sizeof(uint64_t) != 0)
    util::fatal_user_error(call, "argument 'sig_addr' = %p is not 8-byte aligned",
                           static_cast<const void*>(sig_addr));
}

// The local side of a stream copy: memory the copy engines reach without staging (device, managed
// or page-locked host memory). A copy of pageable memory makes the calling thread wait for the
// stream (behind kernels that may wait for peers) and cannot be captured in a graph.
void check_local_buffer(const void* p, const char* call, const char* arg) {
#if CAUSEWAY_HAVE_CUDA
  cudaPointerAttributes attributes{};
  if (!p || cudaPointerGetAttributes(&attributes, p) != cudaSuccess ||
      attributes.type == cudaMemoryTypeUnregistered) {
    cudaGetLastError();
    util::fatal_user_error(
        call,
        "argument '%s' = %p is not device, managed or page-locked host memory; a stream copy "
        "of pageable memory would wait for the stream and cannot be captured (use "
        "cudaMallocHost or cudaHostRegister)",
        arg, p);
  }
#else
  (void)p;
  (void)call;
  (void)arg;
#endif
}

// A buffer of elements `width` bytes wide must be aligned to it (a misaligned access faults on the GPU).
void check_element_aligned(const void* p, std::size_t width, const char* call, const char* arg) {
  if (reinterpret_cast<uintptr_t>(p) % width != 0)
    util::fatal_user_error(call, "argument '%s' = %p is not %zu-byte aligned", arg, p, width);
}

// dest and source of a collective: disjoint, or (same_ok) the very same buffer.
void check_no_overlap(const void* dest, const void* source, std::size_t bytes, bool same_ok,
                      const char* call) {
  const auto d = reinterpret_cast<uintptr_t>(dest), s = reinterpret_cast<uintptr_t>(source);
  if (same_ok && d == s) return;
  if (d < s + bytes && s < d + bytes)
    util::fatal_user_error(call, "argument 'dest' = %p overlaps 'source' = %p (%zu bytes each)%s", dest,
                           source, bytes, same_ok ? "; they must be the same buffer or disjoint" : "");
}

// The device handle for a collective kernel, which reaches every PE's device heap through this GPU's
// peer mappings: ends the job without a device heap or when a PE's heap is not mapped here.
device::world collective_world(Runtime& rt, const char* call) {
  device::world w{};
  if (!rt.device_world(&w, sizeof w, call))
    util::fatal_user_error(call,
                           "the barrier and collectives on a stream need the device heap (allocate device "
                           "memory first)");
  for (int pe = 0; pe < rt.n_pes(); ++pe) {
    const int index = rt.route(pe).device_transport;
    tl::Transport* t = index >= 0 ? rt.transport(index) : nullptr;
    if (!t || !t->ops->device_pointer || !t->ops->device_pointer(t, pe, kCudaHeapSegment))
      util::fatal_user_error(
          call,
          "PE %d's device memory is not mapped on this PE's GPU; a collective kernel reaches "
          "every PE's device heap directly (PEs on one node, with peer access)",
          pe);
  }
  return w;
}

#if CAUSEWAY_HAVE_CUDA
// How long a stream's signal wait spins in checks mode (without CAUSEWAY_CUDA_WAIT_TIMEOUT) before it
// reports and traps.
constexpr long kCheckedStreamWaitSeconds = 60;

// Set when the driver refused a stream wait operation it claimed to support: the kernels then wait.
std::atomic<bool> g_wait_memops_refused{false};

// Queues the wait as a stream wait operation where one means exactly the comparison and the GPU can
// flush remote writes: without the flush, data a peer wrote before the signal may not yet be visible
// to the work after the wait (a kernel's acquire load gives that; the operation alone does not).
// False when the kernel must wait instead. The calling thread has the PE's GPU current.
bool wait_with_memop(Runtime& rt, cudaStream_t stream, uint64_t* sig_addr, int cmp, uint64_t value) {
  if (!rt.config().cuda_stream_memops || g_wait_memops_refused.load(std::memory_order_relaxed)) return false;
  const util::cuda::StreamMemOps can = util::cuda::stream_memops(rt.cuda_device());
  if (!can.wait64 || !can.flush) return false;
  const StreamWaitOp op = stream_wait_op(cmp, value, can.wait_nor);
  unsigned flags = CU_STREAM_WAIT_VALUE_FLUSH;
  switch (op.condition) {
    case StreamWait::none: return false;
    case StreamWait::eq: flags |= CU_STREAM_WAIT_VALUE_EQ; break;
    case StreamWait::any: flags |= CU_STREAM_WAIT_VALUE_AND; break;
    case StreamWait::nor: flags |= CU_STREAM_WAIT_VALUE_NOR; break;
  }
  const util::cuda::Driver* cu = util::cuda::driver(nullptr);
  const CUresult r =
      cu->stream_wait_value64(stream, reinterpret_cast<CUdeviceptr>(sig_addr), op.operand, flags);
  if (r == CUDA_SUCCESS) return true;
  if (!g_wait_memops_refused.exchange(true))
    util::log(util::LogLevel::warn, "%s; stream waits use kernels from now on",
              util::cuda::describe("cuStreamWaitValue64", r).c_str());
  return false;
}
#endif

void require_stream(void* stream, const char* call) {
  (void)stream;
  (void)call;
#if !CAUSEWAY_HAVE_CUDA
  util::fatal_user_error(call, "this build of Causeway has no CUDA");
#endif
}

}  // namespace

void stream_put(Runtime& rt, void* dest, const void* source, std::size_t bytes, int pe, void* stream,
                const char* call) {
  require_stream(stream, call);
  if (bytes == 0) return;
  const Location loc = device_location(rt, dest, bytes, call, "dest");
  check_local_buffer(source, call, "source");
  tl::Transport* t = stream_transport(rt, pe, call);
  check_status(rt, t->ops->stream_put(t, stream, pe, loc.segment, loc.offset, source, bytes), call, pe);
}

void stream_get(Runtime& rt, void* dest, const void* source, std::size_t bytes, int pe, void* stream,
                const char* call) {
  require_stream(stream, call);
  if (bytes == 0) return;
  const Location loc = device_location(rt, source, bytes, call, "source");
  check_local_buffer(dest, call, "dest");
  tl::Transport* t = stream_transport(rt, pe, call);
  check_status(rt, t->ops->stream_get(t, stream, pe, loc.segment, loc.offset, dest, bytes), call, pe);
}

void stream_put_signal(Runtime& rt, void* dest, const void* source, std::size_t bytes, uint64_t* sig_addr,
                       uint64_t signal, int sig_op, int pe, void* stream, const char* call) {
  require_stream(stream, call);
  if (sig_op != kSignalSet && sig_op != kSignalAdd)
    util::fatal_user_error(call, "argument 'sig_op' = %d is not SHMEM_SIGNAL_SET or SHMEM_SIGNAL_ADD",
                           sig_op);
  const Location sig = device_location(rt, sig_addr, sizeof(uint64_t), call, "sig_addr");
  check_signal_word(sig_addr, call);
  if (bytes) stream_put(rt, dest, source, bytes, pe, stream, call);
  tl::Transport* t = stream_transport(rt, pe, call);
  const tl::AmoOp op = sig_op == kSignalAdd ? tl::AmoOp::add : tl::AmoOp::set;
  check_status(rt, t->ops->stream_signal(t, stream, pe, sig.segment, sig.offset, signal, op), call, pe);
}

void stream_signal_wait_until(Runtime& rt, uint64_t* sig_addr, int cmp, uint64_t value, void* stream,
                              const char* call) {
  require_stream(stream, call);
  (void)value;  // used by the kernel only (builds with CUDA)
  if (cmp < 0 || cmp > kCmpLast)
    util::fatal_user_error(call, "argument 'cmp' = %d is not a SHMEM_CMP_ value", cmp);
  device_location(rt, sig_addr, sizeof(uint64_t), call, "sig_addr");
  check_signal_word(sig_addr, call);
#if CAUSEWAY_HAVE_CUDA
  const util::cuda::DeviceScope on(rt.cuda_device());
  if (!on.ok()) util::fatal_user_error(call, "cannot make GPU %d current", rt.cuda_device());
  // A wait that never ends reports and traps instead, when a timeout is set (a stream memory
  // operation cannot time out, so the kernel waits then).
  const long seconds = rt.config().cuda_wait_timeout != 0 ? rt.config().cuda_wait_timeout
                       : rt.checks()                      ? kCheckedStreamWaitSeconds
                                                          : 0;
  const uint64_t timeout_ns = static_cast<uint64_t>(seconds) * 1'000'000'000ull;
  if (timeout_ns == 0 && wait_with_memop(rt, static_cast<cudaStream_t>(stream), sig_addr, cmp, value)) return;
  if (cudaError_t e =
          launch_wait_until(static_cast<cudaStream_t>(stream), rt.my_pe(), sig_addr, cmp, value, timeout_ns);
      e != cudaSuccess)
    util::fatal_user_error(call, "%s", util::cuda::describe("launching the wait", e).c_str());
#endif
}

void stream_barrier_all(Runtime& rt, void* stream, const char* call) {
  require_stream(stream, call);
  // Every PE's barrier counters are written through this GPU's peer mappings, like a collective's.
  const device::world w = collective_world(rt, call);
#if CAUSEWAY_HAVE_CUDA
  const util::cuda::DeviceScope on(rt.cuda_device());
  if (!on.ok()) util::fatal_user_error(call, "cannot make GPU %d current", rt.cuda_device());
  if (cudaError_t e = launch_barrier_all(static_cast<cudaStream_t>(stream), w); e != cudaSuccess)
    util::fatal_user_error(call, "%s", util::cuda::describe("launching the barrier", e).c_str());
#endif
}

void stream_allreduce_sum(Runtime& rt, SumType type, void* dest, const void* source, std::size_t nelems,
                          void* stream, const char* call) {
  require_stream(stream, call);
  if (nelems == 0) return;
  const std::size_t width = type == SumType::f32 ? 4 : 2;
  const std::size_t bytes = checked_bytes(nelems, width, call);
  device_location(rt, dest, bytes, call, "dest");
  device_location(rt, source, bytes, call, "source");
  check_element_aligned(dest, width, call, "dest");
  check_element_aligned(source, width, call, "source");
  check_no_overlap(dest, source, bytes, true, call);
  const device::world w = collective_world(rt, call);
#if CAUSEWAY_HAVE_CUDA
  // The library's scratch: right after the device barrier's words (core/device_heap.cpp).
  void* scratch = reinterpret_cast<char*>(w.heap_base + w.sync_offset) + kSyncAreaBytes;
  const std::size_t scratch_bytes = coll_scratch_bytes(rt.config(), w.heap_size);
  const util::cuda::DeviceScope on(rt.cuda_device());
  if (!on.ok()) util::fatal_user_error(call, "cannot make GPU %d current", rt.cuda_device());
  if (cudaError_t e = launch_allreduce_sum(static_cast<cudaStream_t>(stream), w, static_cast<int>(type), dest,
                                           source, nelems, scratch, scratch_bytes);
      e != cudaSuccess)
    util::fatal_user_error(call, "%s", util::cuda::describe("launching the allreduce", e).c_str());
#else
  (void)w;
#endif
}

void stream_alltoall(Runtime& rt, void* dest, const void* source, std::size_t bytes_per_pe, void* stream,
                     const char* call) {
  require_stream(stream, call);
  if (bytes_per_pe == 0) return;
  std::size_t bytes;
  if (__builtin_mul_overflow(bytes_per_pe, static_cast<std::size_t>(rt.n_pes()), &bytes))
    util::fatal_user_error(call,
                           "argument 'bytes_per_pe' = %zu overflows: %d blocks of it do not fit in size_t",
                           bytes_per_pe, rt.n_pes());
  device_location(rt, dest, bytes, call, "dest");
  device_location(rt, source, bytes, call, "source");
  check_no_overlap(dest, source, bytes, false, call);
  const device::world w = collective_world(rt, call);
#if CAUSEWAY_HAVE_CUDA
  const util::cuda::DeviceScope on(rt.cuda_device());
  if (!on.ok()) util::fatal_user_error(call, "cannot make GPU %d current", rt.cuda_device());
  if (cudaError_t e = launch_alltoall(static_cast<cudaStream_t>(stream), w, dest, source, bytes_per_pe);
      e != cudaSuccess)
    util::fatal_user_error(call, "%s", util::cuda::describe("launching the alltoall", e).c_str());
#else
  (void)w;
#endif
}

}  // namespace causeway::core
