// SPDX-License-Identifier: BSD-3-Clause
// The CUDA device heap: one symmetric segment of device memory per PE (kCudaHeapSegment). Each PE
// reserves addresses for all of it and backs them in chunks as allocations reach them
// (core/device_memory.hpp); every chunk is exported as a POSIX file descriptor that travels to node
// peers over the node channel, where the cuda_ipc transport maps it into their reservation. Where
// VMM export is refused, a PE's part is one cudaMalloc allocation shared by a cudaIpc handle.
//
// It is created by the first device allocation (collective, like every allocation), not at init:
// a host-only program on a GPU node then pays for no CUDA context and no device memory. Init only
// decides whether it can exist: every PE must have a device, because the segment is symmetric.
// Otherwise the segment stays empty everywhere and device allocations return NULL with the reason.
//
// Also the device handle kernels take (causeway::device::world): each peer's heap as this GPU
// addresses it, from every peer's device route, copied to device memory once the heap exists.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "causeway/device/world.cuh"
#include "causeway_build_config.h"
#include "core/device_stream.hpp"
#include "core/runtime.hpp"
#include "core/sync.hpp"
#if CAUSEWAY_HAVE_CUDA
#include "core/device_kernels.hpp"
#include "core/device_memory.hpp"
#endif
#include "util/log.hpp"
#if CAUSEWAY_HAVE_CUDA
#include "util/cuda.hpp"
#endif

namespace causeway::core {

struct DeviceHeap {
  bool possible = false;  // every PE has a device (decided at init)
  bool failed = false;    // creating it failed on some PE: device allocations return NULL from now on
  std::string why;        // why there is none
  int device = -1;
#if CAUSEWAY_HAVE_CUDA
  DeviceMemory memory;      // this PE's part: reserved whole, backed as allocations reach it
  std::size_t quantum = 0;  // the step it grows by: a multiple of every PE's granularity
#endif
  uint64_t* peer_base = nullptr;  // device arrays the world points to
  device::route* route_of = nullptr;
  std::vector<bool> no_native_atomics;  // [pe]: this GPU's link to PE pe's has no native atomics
  device::world world{};
};

namespace {

#if CAUSEWAY_HAVE_CUDA
void release(DeviceHeap& heap) {
  if (heap.peer_base) cudaFree(heap.peer_base);
  if (heap.route_of) cudaFree(heap.route_of);
  heap.peer_base = nullptr;
  heap.route_of = nullptr;
  heap.memory.release();
}

// The GPU this PE uses: CAUSEWAY_CUDA_DEVICE, else the one the program made current before
// shmem_init, else the node-local rank modulo the GPU count. -1 (and `why`) without one.
int choose_device(long setting, int local_rank, std::string* why) {
  const util::cuda::Driver* cu = util::cuda::driver(why);
  if (!cu) return -1;
  const int count = util::cuda::device_count(why);
  if (setting >= count) {
    *why = "CAUSEWAY_CUDA_DEVICE=" + std::to_string(setting) + " but this node has " + std::to_string(count) +
           " CUDA device(s)";
    return -1;
  }
  if (setting >= 0) return static_cast<int>(setting);
  CUcontext current = nullptr;
  CUdevice device = 0;
  if (cu->ctx_get_current(&current) == CUDA_SUCCESS && current && cu->ctx_get_device(&device) == CUDA_SUCCESS)
    return static_cast<int>(device);
  return local_rank % count;
}

// The 16 bytes of GPU `device`'s UUID (zeros if the runtime cannot say).
std::array<char, 16> gpu_uuid(int device) {
  std::array<char, 16> uuid{};
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, device) == cudaSuccess)
    std::memcpy(uuid.data(), prop.uuid.bytes, uuid.size());
  else
    cudaGetLastError();  // not the program's error to find later
  return uuid;
}

// Whether kernels on GPU `device` update the memory of the GPU with `uuid` atomically with that
// GPU's own atomics: the same GPU, or a link with native atomics (NVLink; not every PCIe
// peer-to-peer pair). A GPU this process cannot see (CUDA_VISIBLE_DEVICES set per PE) is assumed
// to have them, and *unknown is set: the caller says so.
bool native_atomics_with(int device, std::string_view uuid, bool* unknown) {
  const std::array<char, 16> mine = gpu_uuid(device);
  if (uuid == std::string_view(mine.data(), mine.size())) return true;
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return true;
  for (int other = 0; other < count; ++other) {
    const std::array<char, 16> theirs = gpu_uuid(other);
    if (uuid != std::string_view(theirs.data(), theirs.size())) continue;
    int native = 1;
    if (cudaDeviceGetP2PAttribute(&native, cudaDevP2PAttrNativeAtomicSupported, device, other) !=
        cudaSuccess) {
      cudaGetLastError();  // not the program's error to find later
      return true;
    }
    return native != 0;
  }
  *unknown = true;
  return true;
}

// This PE's device: it supports what the heap needs; its allocation granularity.
bool probe_device(int device, std::size_t* granularity, std::string* why) {
  const util::cuda::Driver* cu = util::cuda::driver(why);
  CUdevice dev = 0;
  int vmm = 0, fd_handles = 0;
  cu->device_get(&dev, device);
  cu->device_get_attribute(&vmm, CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED, dev);
  cu->device_get_attribute(&fd_handles, CU_DEVICE_ATTRIBUTE_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR_SUPPORTED, dev);
  if (!vmm || !fd_handles) {
    *why = "GPU " + std::to_string(device) +
           " does not support CUDA virtual memory management with POSIX file-descriptor handles";
    return false;
  }
  const CUmemAllocationProp prop = DeviceMemory::properties(device);
  const CUresult r =
      cu->mem_get_allocation_granularity(granularity, &prop, CU_MEM_ALLOC_GRANULARITY_RECOMMENDED);
  if (r != CUDA_SUCCESS || *granularity == 0) {
    *why = util::cuda::describe("cuMemGetAllocationGranularity", r);
    return false;
  }
  return true;
}

// An empty memfd: a heap made by cudaMalloc passes it in the exchange of descriptors, where every
// PE passes one (its peers open the cudaIpc handle instead).
int placeholder_fd(std::string* why) {
  const int fd = memfd_create("causeway-cuda-ipc", MFD_CLOEXEC);
  if (fd < 0) *why = std::string("memfd_create: ") + std::strerror(errno);
  return fd;
}
#endif

// The step a VMM heap grows by (rounded up to the GPUs' granularity): large enough that growing,
// a collective exchange of descriptors, is rare, small enough that a heap sized for the largest
// job takes little memory in small ones.
constexpr std::size_t kGrowthQuantum = std::size_t{64} << 20;

// The first PE whose byte in `all` is 0, or -1.
int first_without(const std::vector<std::byte>& all, std::size_t stride) {
  for (std::size_t i = 0; i * stride < all.size(); ++i)
    if (all[i * stride] == std::byte{0}) return static_cast<int>(i);
  return -1;
}

}  // namespace

Status Runtime::setup_device_heap() {
  segments_.push_back(Segment{MemKind::cuda, nullptr, 0, 0, -1, "CUDA device heap"});
  auto* heap = new DeviceHeap;
  device_heap_ = heap;
#if CAUSEWAY_HAVE_CUDA
  if (config_.cuda_heap_size == 0) {
    heap->why = "CAUSEWAY_CUDA_HEAP_SIZE=0";
    return Status::ok;
  }
  heap->device = choose_device(config_.cuda_device, bootstrap_->local_rank(), &heap->why);
  // All or none (the transport lists must agree too: cuda_ipc serves the device heap).
  const std::byte mine{static_cast<unsigned char>(heap->device >= 0)};
  std::vector<std::byte> all;
  if (Status s = bootstrap_->allgather(std::span(&mine, 1), &all); is_error(s)) return s;
  if (const int without = first_without(all, 1); without >= 0) {
    if (heap->device >= 0) heap->why = "PE " + std::to_string(without) + " has no CUDA device";
    heap->device = -1;
  }
  heap->possible = heap->device >= 0;
  if (heap->possible) util::cuda::set_process_device(heap->device);
#else
  heap->why = "this build has no CUDA";
#endif
  CW_LOG_AT(heap, util::LogLevel::debug, "device heap: %s",
            heap->possible ? "created by the first device "
                             "allocation"
                           : heap->why.c_str());
  return Status::ok;
}

bool Runtime::device_heap_possible() const { return device_heap_ && device_heap_->possible; }

// Collective, inside the first device allocation: every PE creates its part, all agree, the
// descriptors go to node peers and every peer's part is attached to its device route.
bool Runtime::create_device_heap(const char* call) {
  DeviceHeap& heap = *device_heap_;
  if (has_device_heap()) return true;
  if (!heap.possible || heap.failed) return false;
#if CAUSEWAY_HAVE_CUDA
  ProgressEngine::BlockedScope blocked(progress_);  // the exchanges block in the bootstrap
  // This PE's GPU for the calls below; the calling thread's own device afterwards.
  const util::cuda::DeviceScope on(heap.device);
  // A bootstrap failure leaves no half-made heap, and later allocations do not try again.
  auto give_up = [&](const char* step) {
    heap.why = std::string(step) + " failed";
    release(heap);
    heap.failed = true;
    return false;
  };
  if (!on.ok()) {
    heap.why = "cannot make GPU " + std::to_string(heap.device) + " current";
    heap.failed = true;
    return false;
  }
  // 1. Every PE's granularity: the size is rounded to the largest, so it is the same everywhere.
  // With them, each PE's GPU (by UUID) for the atomics check of step 3.
  struct Probe {
    uint8_t ok, legacy, pad[6];  // legacy: this PE's GPU refuses VMM with descriptors (or it was asked)
    uint64_t granularity;
    char uuid[16];
  } probe{};
  std::size_t granularity = 0;
  std::string vmm_refused;
  bool legacy = false;
  if (config_.cuda_ipc_handles) {
    vmm_refused = "CAUSEWAY_CUDA_IPC_HANDLES=1";
  } else if (!probe_device(heap.device, &granularity, &vmm_refused)) {
    granularity = 0;
  }
  if (granularity == 0) {
    // cudaMalloc and cudaIpc handles instead (rounded like a large page; any GPU can do this).
    legacy = true;
    granularity = std::size_t{2} << 20;
  }
  probe.ok = 1;
  probe.legacy = legacy;
  probe.granularity = granularity;
  std::memcpy(probe.uuid, gpu_uuid(heap.device).data(), sizeof probe.uuid);
  std::vector<std::byte> all;
  if (is_error(bootstrap_->allgather(std::as_bytes(std::span(&probe, 1)), &all)))
    return give_up("the exchange of GPU granularities");
  const auto* probes = reinterpret_cast<const Probe*>(all.data());
  heap.no_native_atomics.assign(n_pes_, false);
  int sharing = 0, first_sharing = -1;  // PEs on this PE's GPU, and the lowest of them
  int unseen = -1;                      // a PE whose GPU this process cannot see
  for (int pe = 0; pe < n_pes_; ++pe) {
    bool unknown = false;
    heap.no_native_atomics[pe] = !native_atomics_with(
        heap.device, std::string_view(probes[pe].uuid, sizeof probes[pe].uuid), &unknown);
    if (unknown && unseen < 0) unseen = pe;
    if (std::memcmp(probes[pe].uuid, probe.uuid, sizeof probe.uuid) == 0 && sharing++ == 0)
      first_sharing = pe;
  }
  int mps = 0;  // through the driver: a runtime query's failure would stay as the program's last error
  CUdevice cu_device = 0;
  if (const util::cuda::Driver* cu = util::cuda::driver(nullptr);
      cu && cu->device_get(&cu_device, heap.device) == CUDA_SUCCESS)
    cu->device_get_attribute(&mps, CU_DEVICE_ATTRIBUTE_MPS_ENABLED, cu_device);
  if (unseen >= 0)
    util::log(util::LogLevel::info,
              "PE %d's GPU (and maybe others') is not visible to this process (CUDA_VISIBLE_DEVICES), so "
              "whether the link to it keeps atomics atomic is unknown; assumed so (true of NVLink, not of "
              "every PCIe peer-to-peer pair)",
              unseen);
  if (sharing > 1 && !mps && first_sharing == my_pe_)
    util::log(util::LogLevel::info,
              "%d PEs share GPU %d without MPS: their kernels run by turns (time slices), so a device wait "
              "or barrier between them can take a slice each; start nvidia-cuda-mps-control for kernels that "
              "run at once",
              sharing, heap.device);
  std::size_t largest = 1;
  int unusable = -1;  // the first PE whose GPU cannot hold a device heap
  for (int pe = 0; pe < n_pes_; ++pe) {
    if (!probes[pe].ok && unusable < 0) unusable = pe;
    largest = std::max<std::size_t>(largest, probes[pe].granularity);
  }
  const bool everywhere = unusable < 0;
  if (!everywhere && probe.ok)
    heap.why = "PE " + std::to_string(unusable) + "'s GPU cannot hold a device heap";
  // 2. The memory: the whole size reserved, the first chunk (the barrier words and the stream
  // collectives' scratch) backed; or, where VMM export is refused, all of it by cudaMalloc.
  const std::size_t size = (config_.cuda_heap_size + largest - 1) / largest * largest;
  heap.quantum = (kGrowthQuantum + largest - 1) / largest * largest;
  const std::size_t reserve = kSyncAreaBytes + coll_scratch_bytes(config_, size);
  struct Made {
    uint8_t ok, legacy, pad[6];
    uint64_t base, size, mapped;
    cudaIpcMemHandle_t ipc;  // with legacy
  } made{};
  // Every PE takes the same kind, so that they all grow together (a cudaMalloc heap never does):
  // VMM if every PE's GPU offers it and every PE's reservation and first chunk succeed, else the
  // fallback everywhere.
  int my_fd = -1;
  bool vmm = everywhere;
  for (int pe = 0; pe < n_pes_; ++pe) vmm = vmm && !probes[pe].legacy;
  const Made* peers = nullptr;
  for (int attempt = vmm ? 0 : 1; attempt < 2 && everywhere; ++attempt) {
    made = {};
    if (attempt == 0) {
      made.ok = heap.memory.reserve(heap.device, size, largest, &vmm_refused) &&
                heap.memory.grow(reserve, heap.quantum, &my_fd, &vmm_refused);
    } else {
      CW_LOG_AT(
          heap, util::LogLevel::debug, "device heap by cudaMalloc and cudaIpc handles: %s",
          vmm_refused.empty() ? "a PE's GPU refuses CUDA VMM with file descriptors" : vmm_refused.c_str());
      made.ok =
          heap.memory.make_legacy(heap.device, size, &heap.why) && (my_fd = placeholder_fd(&heap.why)) >= 0;
    }
    made.legacy = heap.memory.legacy();
    made.base = reinterpret_cast<uint64_t>(heap.memory.base());
    made.size = heap.memory.size();
    made.mapped = heap.memory.mapped();
    made.ipc = heap.memory.ipc_handle();
    if (is_error(bootstrap_->allgather(std::as_bytes(std::span(&made, 1)), &all))) {
      if (my_fd >= 0) close(my_fd);
      return give_up("the exchange of device heap addresses");
    }
    peers = reinterpret_cast<const Made*>(all.data());
    bool all_ok = true;
    for (int pe = 0; pe < n_pes_; ++pe) all_ok = all_ok && peers[pe].ok;
    if (all_ok) break;
    // Some PE could not: the next attempt (the fallback) starts clean, or the heap fails.
    if (my_fd >= 0) close(my_fd);
    my_fd = -1;
    heap.memory.release();
    if (attempt == 1) peers = nullptr;
  }
  if (!peers) {
    int failed_pe = -1;
    for (int pe = 0; everywhere && pe < n_pes_ && failed_pe < 0; ++pe)
      if (!reinterpret_cast<const Made*>(all.data())[pe].ok) failed_pe = pe;
    if (failed_pe >= 0 && failed_pe != my_pe_)
      heap.why = "PE " + std::to_string(failed_pe) + " could not create its part";
    release(heap);
    heap.failed = true;
    return false;
  }
  // 3. The descriptors to node peers; each peer's part attached to its device route here (the
  // segment's base first: the transport places this PE's own part by it).
  segments_[kCudaHeapSegment].base = heap.memory.base();
  std::vector<int> fds;
  const Status exchanged = bootstrap_->exchange_fds(std::span(&my_fd, 1), &fds);
  close(my_fd);
  if (is_error(exchanged)) {
    for (int fd : fds)
      if (fd >= 0) close(fd);
    return give_up("the exchange of device heap handles");
  }
  for (int pe = 0; pe < n_pes_; ++pe) {
    attach_device_chunk(pe, peers[pe].base, peers[pe].size, fds[pe], 0, peers[pe].mapped,
                        peers[pe].legacy ? &peers[pe].ipc : nullptr, call);
    if (fds[pe] >= 0) close(fds[pe]);
  }
  if (cudaError_t e = preload_kernels(); e != cudaSuccess)
    util::log(util::LogLevel::warn, "%s: %s", call,
              util::cuda::describe("loading the stream kernels", e).c_str());
  // 4. The segment, its allocator (first the device barrier's words and the scratch of the
  // collectives on a stream, zeroed once, at one offset everywhere) and the device handle, all in
  // place before the closing barrier of the allocation.
  segments_[kCudaHeapSegment].allocator = std::make_shared<OffsetAllocator>(size);
  const auto sync_offset = segments_[kCudaHeapSegment].allocator->allocate(reserve, 256);
  if (!sync_offset || *sync_offset + reserve > heap.memory.mapped() ||
      cudaMemset(heap.memory.base() + *sync_offset, 0, reserve) != cudaSuccess)
    util::fatal_user_error(call, "cannot clear the device heap's barrier words and collective scratch");
  heap.world.sync_offset = *sync_offset;
  if (Status s = build_device_world(); is_error(s))
    util::fatal_user_error(call, "cannot build the device handle: %s", to_string(s));
  Segment& segment = segments_[kCudaHeapSegment];
  segment.fd = -1;
  segment.map_size = size;
  segment.registered = size;
  std::atomic_thread_fence(std::memory_order_release);
  segment.size = size;  // last: locate() finds it from now on
  CW_LOG_AT(heap, util::LogLevel::debug, "device heap on GPU %d at %p, %zu bytes (%zu backed, by %s)",
            heap.device, heap.memory.base(), size, heap.memory.mapped(),
            heap.memory.legacy() ? "cudaMalloc" : "CUDA VMM");
  return true;
#else
  (void)call;
  return false;
#endif
}

Status Runtime::build_device_world() {
#if CAUSEWAY_HAVE_CUDA
  DeviceHeap& heap = *device_heap_;
  std::vector<uint64_t> peer_base(n_pes_, 0);
  std::vector<device::route> route_of(n_pes_, device::route::none);
  for (int pe = 0; pe < n_pes_; ++pe) {
    const int index = routes_[pe].device_transport;
    tl::Transport* t = index >= 0 ? transports_[index] : nullptr;
    void* base = t && t->ops->device_pointer ? t->ops->device_pointer(t, pe, kCudaHeapSegment) : nullptr;
    peer_base[pe] = reinterpret_cast<uint64_t>(base);
    route_of[pe] = !base                        ? device::route::none
                   : heap.no_native_atomics[pe] ? device::route::p2p_no_atomics
                                                : device::route::p2p;
    if (base && heap.no_native_atomics[pe])
      util::log(util::LogLevel::warn,
                "PE %d's GPU has no native atomics with PE %d's (PCIe peer-to-peer): kernels here load and "
                "store its device memory, but their atomics and signal adds to it, and host AMOs on it from "
                "this PE, are not atomic with its own (checks mode refuses them in kernels)",
                my_pe_, pe);
  }
  const std::size_t bases = sizeof(uint64_t) * n_pes_, routes = sizeof(device::route) * n_pes_;
  void *bases_at = nullptr, *routes_at = nullptr;
  const bool allocated =
      cudaMalloc(&bases_at, bases) == cudaSuccess && cudaMalloc(&routes_at, routes) == cudaSuccess;
  heap.peer_base = static_cast<uint64_t*>(bases_at);
  heap.route_of = static_cast<device::route*>(routes_at);
  // Synchronised: a kernel on another stream may read the tables as soon as this returns.
  if (!allocated ||
      cudaMemcpy(heap.peer_base, peer_base.data(), bases, cudaMemcpyHostToDevice) != cudaSuccess ||
      cudaMemcpy(heap.route_of, route_of.data(), routes, cudaMemcpyHostToDevice) != cudaSuccess ||
      cudaDeviceSynchronize() != cudaSuccess) {
    util::log(util::LogLevel::error, "cannot copy the device handle's tables to GPU %d", heap.device);
    return Status::no_memory;
  }
  device::world& w = heap.world;
  w.version = device::kWorldVersion;
  w.my_pe = my_pe_;
  w.n_pes = n_pes_;
  w.heap_base = reinterpret_cast<uint64_t>(heap.memory.base());
  w.heap_size = heap.memory.size();
  w.peer_base = heap.peer_base;
  w.route_of = heap.route_of;
#endif
  return Status::ok;
}

void Runtime::attach_device_chunk(int pe, uint64_t base, std::size_t size, int fd, std::size_t offset,
                                  std::size_t bytes, const void* ipc_handle, const char* call) {
  const int index = routes_[pe].device_transport;
  if (index < 0) return;  // another node: no device route
  tl::Transport* t = transports_[index];
  tl::RemoteSegment remote{.base = base,
                           .size = size,
                           .fd = fd,
                           .local_base = reinterpret_cast<uintptr_t>(segments_[kCudaHeapSegment].base),
                           .kind = tl::kCudaMemory,
                           .cuda_ipc_handle = ipc_handle,
                           .chunk_offset = offset,
                           .chunk_size = bytes};
#if CAUSEWAY_HAVE_CUDA
  remote.alignment = device_heap_->quantum;  // a multiple of every PE's granularity
#endif
  if (Status s = t->ops->attach_segment(t, pe, kCudaHeapSegment, remote); is_error(s))
    util::fatal_user_error(call, "transport %s cannot attach bytes %zu to %zu of PE %d's device heap: %s",
                           t->name, offset, offset + bytes, pe, to_string(s));
}

// Collective, inside a device allocation whose block ends past what is backed: every PE backs the
// same next chunk and its node peers map it. false (on every PE) when some PE has no memory for it.
bool Runtime::grow_device_heap(std::size_t end, const char* call) {
#if CAUSEWAY_HAVE_CUDA
  DeviceHeap& heap = *device_heap_;
  if (heap.memory.legacy() || end <= heap.memory.mapped()) return true;  // the same on every PE
  ProgressEngine::BlockedScope blocked(progress_);  // the exchanges block in the bootstrap
  const util::cuda::DeviceScope on(heap.device);
  struct Grown {
    uint8_t ok, pad[7];
    uint64_t offset, bytes;
  } grown{};
  grown.offset = heap.memory.mapped();
  int fd = -1;
  std::string why;
  grown.ok = on.ok() && heap.memory.grow(end, heap.quantum, &fd, &why);
  grown.bytes = heap.memory.mapped() - grown.offset;
  std::vector<std::byte> all;
  if (is_error(bootstrap_->allgather(std::as_bytes(std::span(&grown, 1)), &all)))
    util::fatal_user_error(call, "the exchange that grows the device heap failed");
  const auto* peers = reinterpret_cast<const Grown*>(all.data());
  for (int pe = 0; pe < n_pes_; ++pe) {
    if (peers[pe].ok) continue;
    if (grown.ok) heap.memory.shrink_last();  // every PE keeps the same backed size
    if (fd >= 0) close(fd);
    util::log(util::LogLevel::error, "%s: PE %d cannot back its device heap up to %zu bytes%s%s", call, pe,
              end, pe == my_pe_ ? ": " : "", pe == my_pe_ ? why.c_str() : "");
    return false;
  }
  std::vector<int> fds;
  const Status exchanged = bootstrap_->exchange_fds(std::span(&fd, 1), &fds);
  close(fd);
  if (is_error(exchanged))
    util::fatal_user_error(call, "the exchange of device heap handles failed");  // ends the job
  for (int pe = 0; pe < n_pes_; ++pe) {
    if (pe != my_pe_)
      attach_device_chunk(pe, 0, heap.memory.size(), fds[pe], peers[pe].offset, peers[pe].bytes, nullptr,
                          call);
    if (fds[pe] >= 0) close(fds[pe]);
  }
  CW_LOG_AT(heap, util::LogLevel::debug, "device heap backed up to %zu of %zu bytes", heap.memory.mapped(),
            heap.memory.size());
  return true;
#else
  (void)end;
  (void)call;
  return false;
#endif
}

void Runtime::release_device_heap() {
  if (!device_heap_) return;
#if CAUSEWAY_HAVE_CUDA
  release(*device_heap_);
#endif
  delete device_heap_;
  device_heap_ = nullptr;
}

int Runtime::cuda_device() const { return device_heap_possible() ? device_heap_->device : -1; }

bool Runtime::device_world(void* out, std::size_t size, const char* call) const {
  if (size != sizeof(device::world)) {
    util::log(util::LogLevel::error,
              "%s: the program's device handle is %zu bytes, this library's %zu: rebuild it against this "
              "library's headers",
              call, size, sizeof(device::world));
    return false;
  }
  if (!has_device_heap()) {
    util::log(util::LogLevel::error, "%s: %s", call,
              device_heap_possible()
                  ? "no device memory allocated yet: the first shmemx_malloc_kind(SHMEMX_MEM_CUDA"
                    ", ...) creates the device heap"
                  : ("this job has no device heap: " + device_heap_->why).c_str());
    return false;
  }
  std::memcpy(out, &device_heap_->world, sizeof(device::world));
  return true;
}

void* Runtime::device_allocate(std::size_t size, std::size_t alignment, const char* call) {
  if (checks_) check_collective_agreement(call, "size", size, "alignment", alignment);
  if (size == 0) return nullptr;
  if (!create_device_heap(call)) {
    util::log(util::LogLevel::error, "%s: this job has no device heap: %s", call, device_heap_->why.c_str());
    barrier_all(*this);
    return nullptr;
  }
  OffsetAllocator& allocator = *segments_[kCudaHeapSegment].allocator;
  std::optional<std::size_t> offset;
  {
    std::lock_guard lock(heap_mutex_);
    offset = allocator.allocate(size, alignment < 256 ? 256 : alignment);
  }
  // Every PE got the same offset, so every PE grows here or none does.
  if (offset && !grow_device_heap(*offset + size, call)) {
    std::lock_guard lock(heap_mutex_);
    allocator.release(*offset);
    barrier_all(*this);
    return nullptr;
  }
  void* p = nullptr;
  if (offset)
    p = segments_[kCudaHeapSegment].base + *offset;
  else
    util::log(util::LogLevel::error,
              "%s: cannot allocate %zu bytes: the device heap has %zu of %zu bytes in use (largest free "
              "block %zu); "
              "raise CAUSEWAY_CUDA_HEAP_SIZE",
              call, size, allocator.bytes_in_use(), allocator.capacity(), allocator.largest_free());
  barrier_all(*this);
  return p;
}

}  // namespace causeway::core
