// SPDX-License-Identifier: BSD-3-Clause
// cuda_ipc: device memory of PEs on this node. Each peer's device heap is reserved in this
// process's address space, and each chunk its owner backs, exported as a CUDA VMM handle (a POSIX
// file descriptor core passes over the node channel), is imported and mapped into it with access
// for this PE's GPU (or, for the cudaMalloc fallback, the whole heap opened from a cudaIpc
// handle). Kernels then load, store and update peers' memory through those addresses
// (device_pointer, the device API's peer_base), and host calls copy with the copy engines on a stream of the
// context: synchronous, so every operation is complete when it returns (fence and quiet have nothing left to
// do). A host AMO is a one-thread kernel, atomic with kernels' system-scope atomics on the same word.
//
// Several PEs may share one GPU: the mapping is the same, with no peer link in between.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <vector>

#include "transports/common/cpu_direct.hpp"
#include "transports/cuda_ipc/cuda_ipc_kernels.hpp"
#include "transports/transport.hpp"
#include "util/config.hpp"
#include "util/cuda.hpp"
#include "util/log.hpp"

namespace causeway::tl {
namespace {

using util::cuda::describe;

// A peer's device heap here: its whole size reserved in this process's address space, and the
// chunks its owner has backed so far mapped into it (or, for the cudaMalloc fallback, all of it
// opened from a cudaIpc handle). This PE's own: its own address, nothing imported.
struct PeerHeap {
  struct Chunk {
    CUmemGenericAllocationHandle handle;
    std::size_t offset, size;
  };
  char* base = nullptr;
  std::size_t size = 0;
  // The bytes from base that are mapped (host calls go no further). Grown by a collective
  // allocation while other threads may be in host calls: read and written through backed_ref.
  std::size_t backed = 0;
  bool reserved = false;    // base..base+size reserved here (the chunks are mapped into it)
  bool ipc_opened = false;  // opened from a cudaIpc handle
  std::vector<Chunk> chunks;
};

std::atomic_ref<std::size_t> backed_ref(const PeerHeap& heap) {
  return std::atomic_ref<std::size_t>(const_cast<std::size_t&>(heap.backed));
}

struct CudaIpcContext;

struct CudaIpcTransport : Transport {
  const util::cuda::Driver* cu = nullptr;
  int device = -1;
  // SHMEM_SIGNAL_SET on a stream as cuStreamWriteValue64 (CAUSEWAY_CUDA_STREAM_MEMOPS and a GPU
  // with 64-bit stream memory operations); cleared if the driver refuses one.
  std::atomic<bool> write_memops{false};
  std::vector<std::vector<PeerHeap>> peers;  // [pe][segment]
  std::mutex contexts_mutex;
  std::vector<CudaIpcContext*> contexts;  // live ones, made ready when this PE's heap attaches
  bool own_heap_attached = false;         // under contexts_mutex
};

// A context's CUDA state is made when this PE's device heap attaches (or with the context, after
// that), not on its first operation: a program that never touches device memory creates no CUDA
// context through this transport, and a first host operation never allocates pinned memory (an
// implicit device synchronisation) behind a kernel of this PE that spins waiting for it.
struct CudaIpcContext : Context {
  std::once_flag made;
  bool usable = false;
  cudaStream_t stream = nullptr;
  uint64_t* old_value = nullptr;  // pinned: where the AMO kernel leaves the old value
  std::mutex amo_mutex;           // one old_value slot per context, which threads may share
};

CudaIpcTransport* ipc_of(Transport* t) { return static_cast<CudaIpcTransport*>(t); }
CudaIpcContext* ctx_of(Context* c) { return static_cast<CudaIpcContext*>(c); }

bool failed(cudaError_t error, const char* call) {
  if (error == cudaSuccess) return false;
  util::log(util::LogLevel::error, "cuda_ipc: %s", describe(call, error).c_str());
  return true;
}

// The context's stream and pinned slot, made once (the calling thread has the device current).
bool ready(CudaIpcContext* c) {
  std::call_once(c->made, [c] {
    void* pinned = nullptr;
    c->usable =
        !failed(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags") &&
        !failed(cudaMallocHost(&pinned, sizeof(uint64_t)), "cudaMallocHost");
    c->old_value = static_cast<uint64_t*>(pinned);
  });
  return c->usable;
}

std::vector<std::byte> address(Transport*) { return {}; }

Status add_peer(Transport*, int, std::span<const std::byte>) { return Status::ok; }

// The cudaMalloc fallback: the peer's whole heap, opened from its cudaIpc handle.
Status open_ipc_heap(CudaIpcTransport* ipc, int pe, const RemoteSegment& remote, PeerHeap* heap) {
  cudaIpcMemHandle_t handle;
  std::memcpy(&handle, remote.cuda_ipc_handle, sizeof handle);
  void* base = nullptr;
  const util::cuda::DeviceScope on(ipc->device);
  if (cudaError_t e = cudaIpcOpenMemHandle(&base, handle, cudaIpcMemLazyEnablePeerAccess); e != cudaSuccess) {
    // Not fatal: the peer stays unreachable for device memory (a GPU without peer access to ours).
    util::log(util::LogLevel::warn,
              "cuda_ipc: cannot open PE %d's device heap on GPU %d (%s); operations on it will fail", pe,
              ipc->device, describe("cudaIpcOpenMemHandle", e).c_str());
    return Status::ok;
  }
  heap->base = static_cast<char*>(base);
  heap->size = heap->backed = remote.size;
  heap->ipc_opened = true;
  CW_LOG_AT(transport, util::LogLevel::debug, "cuda_ipc: PE %d's device heap opened at %p on GPU %d", pe,
            heap->base, ipc->device);
  return Status::ok;
}

// One chunk of a peer's VMM heap: its addresses reserved here with the first chunk, the chunk's
// handle imported from the descriptor and mapped at its offset with access for this PE's GPU. The
// first chunk failing leaves the peer unreachable (a GPU without peer access to ours: not fatal);
// a later one failing is an error, since kernels already address the whole heap.
Status map_chunk(CudaIpcTransport* ipc, int pe, const RemoteSegment& remote, PeerHeap* heap) {
  const util::cuda::Driver* cu = ipc->cu;
  const bool first = !heap->reserved;
  CUresult r = CUDA_SUCCESS;
  const char* step = "cuMemAddressReserve";
  if (first) {
    CUdeviceptr va = 0;
    r = cu->mem_address_reserve(&va, remote.size, remote.alignment, 0, 0);
    if (r == CUDA_SUCCESS) *heap = {reinterpret_cast<char*>(va), remote.size, 0, true, false, {}};
  }
  CUmemGenericAllocationHandle handle = 0;
  bool mapped = false;
  const auto at = reinterpret_cast<CUdeviceptr>(heap->base + remote.chunk_offset);
  if (r == CUDA_SUCCESS && (remote.chunk_size == 0 || remote.chunk_offset + remote.chunk_size > heap->size)) {
    util::log(util::LogLevel::error,
              "cuda_ipc: PE %d's device heap chunk [%zu, %zu) lies outside its %zu bytes", pe,
              remote.chunk_offset, remote.chunk_offset + remote.chunk_size, heap->size);
    return Status::invalid_arg;
  }
  if (r == CUDA_SUCCESS) {
    step = "cuMemImportFromShareableHandle";
    r = cu->mem_import_from_shareable_handle(&handle, reinterpret_cast<void*>(intptr_t(remote.fd)),
                                             CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR);
  }
  if (r == CUDA_SUCCESS) {
    step = "cuMemMap";
    r = cu->mem_map(at, remote.chunk_size, 0, handle, 0);
    mapped = r == CUDA_SUCCESS;
  }
  if (r == CUDA_SUCCESS) {
    CUmemAccessDesc access{};
    access.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
    access.location.id = ipc->device;
    access.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
    step = "cuMemSetAccess";
    r = cu->mem_set_access(at, remote.chunk_size, &access, 1);
  }
  if (r == CUDA_SUCCESS) {
    heap->chunks.push_back({handle, remote.chunk_offset, remote.chunk_size});
    // After the chunk is mapped: a host call that sees the new size finds the memory there.
    backed_ref(*heap).store(std::max(heap->backed, remote.chunk_offset + remote.chunk_size),
                            std::memory_order_release);
    return Status::ok;
  }
  if (mapped) cu->mem_unmap(at, remote.chunk_size);
  if (handle) cu->mem_release(handle);
  util::log(first ? util::LogLevel::warn : util::LogLevel::error,
            "cuda_ipc: cannot map bytes %zu to %zu of PE %d's device heap on GPU %d (%s)%s",
            remote.chunk_offset, remote.chunk_offset + remote.chunk_size, pe, ipc->device,
            describe(step, r).c_str(), first ? "; operations on it will fail" : "");
  if (!first) return Status::internal;
  if (heap->reserved) cu->mem_address_free(reinterpret_cast<CUdeviceptr>(heap->base), heap->size);
  *heap = {};
  return Status::ok;
}

Status attach_segment(Transport* t, int pe, int segment, const RemoteSegment& remote) {
  CudaIpcTransport* ipc = ipc_of(t);
  if (ipc->peers[pe].size() <= static_cast<std::size_t>(segment)) ipc->peers[pe].resize(segment + 1);
  PeerHeap& heap = ipc->peers[pe][segment];
  if (ipc->device < 0) ipc->device = util::cuda::process_device();
  if (pe == t->my_pe) {
    if (heap.base) return Status::ok;  // attached already (this is a later chunk)
    heap.base = reinterpret_cast<char*>(remote.local_base);
    heap.size = heap.backed = remote.size;  // core allocates in what it has backed
    // Loaded now: a kernel's module loads at its first launch, which may wait for the device to be
    // idle, and the first host AMO may come while this PE's own kernel spins on the result.
    const util::cuda::DeviceScope on(ipc->device);
    if (cudaError_t e = cuda_ipc::preload_kernels(); e != cudaSuccess)
      util::log(util::LogLevel::warn, "cuda_ipc: %s", describe("loading the AMO kernel", e).c_str());
    std::lock_guard lock(ipc->contexts_mutex);
    ipc->own_heap_attached = true;
    for (CudaIpcContext* c : ipc->contexts) ready(c);
    return Status::ok;
  }
  if (remote.cuda_ipc_handle) return open_ipc_heap(ipc, pe, remote, &heap);
  if (remote.fd < 0) return Status::ok;  // another node: not this transport's peer
  const bool first = !heap.reserved;
  if (first && remote.chunk_offset != 0) return Status::ok;  // its first chunk did not map: unreachable
  if (Status s = map_chunk(ipc, pe, remote, &heap); is_error(s) || !first) return s;
  if (!heap.chunks.empty())
    CW_LOG_AT(transport, util::LogLevel::debug, "cuda_ipc: PE %d's device heap reserved at %p on GPU %d", pe,
              heap.base, ipc->device);
  return Status::ok;
}

void* device_pointer(Transport* t, int pe, int segment) {
  const auto& segments = ipc_of(t)->peers[pe];
  return static_cast<std::size_t>(segment) < segments.size() ? segments[segment].base : nullptr;
}

void* host_pointer(Transport*, int, int) { return nullptr; }

void destroy(Transport* t) {
  CudaIpcTransport* ipc = ipc_of(t);
  for (int pe = 0; pe < t->n_pes; ++pe)
    for (PeerHeap& heap : ipc->peers[pe]) {
      if (heap.ipc_opened) cudaIpcCloseMemHandle(heap.base);
      for (const PeerHeap::Chunk& c : heap.chunks) {
        ipc->cu->mem_unmap(reinterpret_cast<CUdeviceptr>(heap.base + c.offset), c.size);
        ipc->cu->mem_release(c.handle);
      }
      if (heap.reserved) ipc->cu->mem_address_free(reinterpret_cast<CUdeviceptr>(heap.base), heap.size);
    }
  delete ipc;
}

Status context_create(Transport* t, long, Context** out) {
  auto* c = new CudaIpcContext;
  c->transport = t;
  CudaIpcTransport* ipc = ipc_of(t);
  std::lock_guard lock(ipc->contexts_mutex);
  ipc->contexts.push_back(c);
  if (ipc->own_heap_attached) {
    const util::cuda::DeviceScope on(ipc->device);
    ready(c);
  }
  *out = c;
  return Status::ok;
}

void context_destroy(Context* c) {
  CudaIpcContext* ipc = ctx_of(c);
  {
    CudaIpcTransport* t = ipc_of(c->transport);
    std::lock_guard lock(t->contexts_mutex);
    std::erase(t->contexts, ipc);
  }
  if (ipc->stream) cudaStreamDestroy(ipc->stream);
  if (ipc->old_value) cudaFreeHost(ipc->old_value);
  delete ipc;
}

// `pe`'s [offset, offset + n) of `segment` as mapped here, or nullptr (then the status says why).
char* locate(Context* c, int pe, int segment, std::size_t offset, std::size_t n, Status* status) {
  const auto& segments = ipc_of(c->transport)->peers[pe];
  if (static_cast<std::size_t>(segment) >= segments.size() || !segments[segment].base) {
    *status = Status::unreachable;
    return nullptr;
  }
  const PeerHeap& heap = segments[segment];
  const std::size_t backed = backed_ref(heap).load(std::memory_order_acquire);
  if (offset > backed || n > backed - offset) {
    *status = Status::invalid_arg;
    return nullptr;
  }
  return heap.base + offset;
}

// One copy on the context's stream, complete when it returns. The calling thread may not have
// made this PE's GPU current (a program thread): it is for the call, then the thread's own again.
Status copy(Context* c, void* dst, const void* src, std::size_t n) {
  CudaIpcContext* ipc = ctx_of(c);
  const util::cuda::DeviceScope on(ipc_of(c->transport)->device);
  if (!on.ok() || !ready(ipc) ||
      failed(cudaMemcpyAsync(dst, src, n, cudaMemcpyDefault, ipc->stream), "cudaMemcpyAsync") ||
      failed(cudaStreamSynchronize(ipc->stream), "cudaStreamSynchronize"))
    return Status::internal;
  return Status::ok;
}

Status put(Context* c, int pe, int segment, std::size_t offset, const void* src, std::size_t n) {
  Status status = Status::ok;
  char* dst = locate(c, pe, segment, offset, n, &status);
  return dst ? copy(c, dst, src, n) : status;
}

Status get(Context* c, int pe, int segment, std::size_t offset, void* dst, std::size_t n) {
  Status status = Status::ok;
  const char* src = locate(c, pe, segment, offset, n, &status);
  return src ? copy(c, dst, src, n) : status;
}

Status amo(Context* c, int pe, int segment, std::size_t offset, const AmoArgs& a, bool) {
  using cuda_ipc::KernelAmo;
  Status status = Status::ok;
  char* target = locate(c, pe, segment, offset, a.width, &status);
  if (!target) return status;
  if (a.width != 4 && a.width != 8) return Status::not_supported;
  // A misaligned word would fault in the kernel, and a fault ends every CUDA call of the process.
  if (offset % a.width != 0) return Status::invalid_arg;
  KernelAmo op;
  switch (a.op) {
    case AmoOp::fetch: op = KernelAmo::fetch; break;
    case AmoOp::set: op = KernelAmo::set; break;
    case AmoOp::swap: op = KernelAmo::swap; break;
    case AmoOp::compare_swap: op = KernelAmo::compare_swap; break;
    case AmoOp::add:
    case AmoOp::fetch_add: op = KernelAmo::add; break;
    case AmoOp::bit_and:
    case AmoOp::fetch_and: op = KernelAmo::bit_and; break;
    case AmoOp::bit_or:
    case AmoOp::fetch_or: op = KernelAmo::bit_or; break;
    case AmoOp::bit_xor:
    case AmoOp::fetch_xor: op = KernelAmo::bit_xor; break;
    default: return Status::not_supported;
  }
  CudaIpcContext* ipc = ctx_of(c);
  std::lock_guard lock(ipc->amo_mutex);
  const util::cuda::DeviceScope on(ipc_of(c->transport)->device);
  if (!on.ok() || !ready(ipc) ||
      failed(cuda_ipc::launch_amo(ipc->stream, target, op, a.width, a.operand, a.compare, ipc->old_value),
             "AMO kernel launch") ||
      failed(cudaStreamSynchronize(ipc->stream), "cudaStreamSynchronize"))
    return Status::internal;
  if (a.fetched) std::memcpy(a.fetched, ipc->old_value, a.width);  // little-endian: the low bytes
  return Status::ok;
}

// `pe`'s [offset, offset + n) of `segment` as mapped here, for the stream operations.
char* mapped(Transport* t, int pe, int segment, std::size_t offset, std::size_t n, Status* status) {
  const auto& segments = ipc_of(t)->peers[pe];
  if (static_cast<std::size_t>(segment) >= segments.size() || !segments[segment].base) {
    *status = Status::unreachable;
    return nullptr;
  }
  const PeerHeap& heap = segments[segment];
  const std::size_t backed = backed_ref(heap).load(std::memory_order_acquire);
  if (offset > backed || n > backed - offset) {
    *status = Status::invalid_arg;
    return nullptr;
  }
  return heap.base + offset;
}

Status stream_copy(Transport* t, void* stream, void* dst, const void* src, std::size_t n) {
  const util::cuda::DeviceScope on(ipc_of(t)->device);
  if (!on.ok() || failed(cudaMemcpyAsync(dst, src, n, cudaMemcpyDefault, static_cast<cudaStream_t>(stream)),
                         "cudaMemcpyAsync"))
    return Status::internal;
  return Status::ok;
}

Status stream_put(Transport* t, void* stream, int pe, int segment, std::size_t offset, const void* local,
                  std::size_t n) {
  Status status = Status::ok;
  char* remote = mapped(t, pe, segment, offset, n, &status);
  return remote ? stream_copy(t, stream, remote, local, n) : status;
}

Status stream_get(Transport* t, void* stream, int pe, int segment, std::size_t offset, void* local,
                  std::size_t n) {
  Status status = Status::ok;
  const char* remote = mapped(t, pe, segment, offset, n, &status);
  return remote ? stream_copy(t, stream, local, remote, n) : status;
}

Status stream_signal(Transport* t, void* stream, int pe, int segment, std::size_t offset, uint64_t value,
                     AmoOp op) {
  Status status = Status::ok;
  char* word = mapped(t, pe, segment, offset, sizeof(uint64_t), &status);
  if (!word) return status;
  if (offset % sizeof(uint64_t) != 0 || (op != AmoOp::set && op != AmoOp::add)) return Status::invalid_arg;
  CudaIpcTransport* ipc = ipc_of(t);
  const util::cuda::DeviceScope on(ipc->device);
  if (!on.ok()) return Status::internal;
  // The stream starts the write once the copy before it has finished, and with
  // CU_STREAM_WRITE_VALUE_DEFAULT the driver puts a memory barrier before it, like
  // __threadfence_system() for everything earlier on the stream (cuda.h: the _v2 operations do not
  // support the flag that drops it): whoever sees the signal sees the data, as after the kernel's
  // fence and release store. SHMEM_SIGNAL_ADD stays a kernel: no stream operation adds.
  if (op == AmoOp::set && ipc->write_memops.load(std::memory_order_relaxed)) {
    const CUresult r =
        ipc->cu->stream_write_value64(static_cast<CUstream>(stream), reinterpret_cast<CUdeviceptr>(word),
                                      value, CU_STREAM_WRITE_VALUE_DEFAULT);
    if (r == CUDA_SUCCESS) return Status::ok;
    if (ipc->write_memops.exchange(false))
      util::log(util::LogLevel::warn, "cuda_ipc: %s; stream signals use kernels from now on",
                describe("cuStreamWriteValue64", r).c_str());
  }
  if (failed(cuda_ipc::launch_signal(static_cast<cudaStream_t>(stream), reinterpret_cast<uint64_t*>(word),
                                     value, op == AmoOp::add),
             "signal kernel launch"))
    return Status::internal;
  return Status::ok;
}

// Every operation completed before it returned; device-initiated operations are the kernels' own
// to order (the device API's fence and quiet).
Status nothing_pending(Context*) { return Status::ok; }
Status nothing_pending_pe(Context*, int) { return Status::ok; }

const TransportOps kCudaIpcOps = {
    .address = address,
    .add_peer = add_peer,
    .attach_segment = attach_segment,
    .mem_register = nullptr,
    .attach_key = nullptr,
    .host_pointer = host_pointer,
    .destroy = destroy,
    .context_create = context_create,
    .context_destroy = context_destroy,
    .put = put,
    .get = get,
    .put_nbi = put, /* completes at once, which the specification allows */
    .get_nbi = get,
    .amo = amo,
    .put_signal = nullptr,
    .fence = nothing_pending,
    .quiet = nothing_pending,
    .quiet_pe = nothing_pending_pe,
    .progress = complete_at_issue::progress,
    .wait_fd = complete_at_issue::wait_fd,
    .make_visible = nullptr,
    .device_pointer = device_pointer,
    .stream_put = stream_put,
    .stream_get = stream_get,
    .stream_signal = stream_signal,
    .am_send = nullptr,
    .set_message_sink = nullptr,
};

}  // namespace

std::string probe_cuda_ipc() {
  std::string why;
  const int count = util::cuda::device_count(&why);
  if (count == 0) return why;
  std::string text = std::to_string(count) + " CUDA device(s):";
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp prop{};
    int mps = 0;  // whether PEs sharing it run kernels at once (MPS) or by time slices
    if (cudaDeviceGetAttribute(&mps, cudaDevAttrMpsEnabled, d) != cudaSuccess) cudaGetLastError();
    if (cudaGetDeviceProperties(&prop, d) == cudaSuccess)
      text += " [" + std::to_string(d) + "] " + prop.name + " (sm_" + std::to_string(prop.major) +
              std::to_string(prop.minor) + ", " + std::to_string(prop.totalGlobalMem >> 30) + " GiB, " +
              (mps ? "MPS" : "no MPS") + ")";
  }
  return text;
}

Transport* create_cuda_ipc_transport(const TransportInit& init, Status* status) {
  std::string why;
  const util::cuda::Driver* cu = util::cuda::driver(&why);
  const int device = util::cuda::process_device();
  if (!cu || device < 0) {
    util::log(util::LogLevel::error, "transport cuda_ipc: %s", why.empty() ? "no CUDA device" : why.c_str());
    *status = Status::unreachable;
    return nullptr;
  }
  auto* t = new CudaIpcTransport;
  t->ops = &kCudaIpcOps;
  t->caps = Capabilities{.reach = Reach::node,
                         .atomic_domain = AtomicDomain::gpu,
                         .host_pointers = false,
                         .completes_at_issue = true,
                         .ordered = true,
                         .needs_progress = false,
                         .registers_memory = false,
                         .max_thread_level = 3 /* SHMEM_THREAD_MULTIPLE: streams and a locked AMO slot */,
                         .memory_kinds = kCudaMemory};
  t->name = "cuda_ipc";
  t->my_pe = init.my_pe;
  t->n_pes = init.n_pes;
  t->cu = cu;
  t->device = device;
  t->peers.resize(init.n_pes);
  // Asked now, before a program may be capturing a stream (util::cuda caches it for core's waits).
  const util::cuda::StreamMemOps can = util::cuda::stream_memops(device);
  t->write_memops = init.config->cuda_stream_memops && can.write64;
  CW_LOG_AT(
      transport, util::LogLevel::debug,
      "cuda_ipc: stream memory operations on GPU %d: 64-bit %s, NOR %s, remote-write flush %s; "
      "signals on a stream set by %s, waits (where a condition fits) %s",
      device, can.write64 ? "yes" : "no", can.wait_nor ? "yes" : "no", can.flush ? "yes" : "no",
      t->write_memops ? "cuStreamWriteValue64" : "kernel",
      init.config->cuda_stream_memops && can.wait64 && can.flush ? "by cuStreamWaitValue64" : "in a kernel");
  *status = Status::ok;
  return t;
}

}  // namespace causeway::tl
