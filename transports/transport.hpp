// SPDX-License-Identifier: BSD-3-Clause
// The transport interface (v2): one table of operations plus a capability record. Core talks to
// every transport (self, shm, loopback_async, later cuda_ipc, ucx, ofi) through this table only,
// from one place (src/core/issue.*); no transport gets a special case in core. Unsupported
// operations return Status::not_supported, never crash. doc/transports.md is the prose version.
//
// Remote memory is named by (pe, segment id, offset). Segments are regions core exposes: the
// symmetric heap, the executable's data segment, later device memory. Core attaches every peer's
// segments (base, size and, on one node, its memfd) to each transport that reaches the peer. A
// transport that registers memory (caps.registers_memory) also gets each live chunk of this PE's
// segments to register, and every peer's packed key for each of its chunks: at init, and again
// inside the shmem_malloc that first uses a chunk.
//
// Completion. An operation may complete after it returns:
//   put      returns once `src` may be reused; remote visibility comes with fence/quiet order.
//   put_nbi  may keep reading `src` until quiet (or quiet_pe for that PE).
//   get      returns with the data in `dst`.   get_nbi writes `dst` by quiet.
//   amo      a non-fetching AMO is like put; a fetching one writes args.fetched (exactly `width`
//            bytes) before returning, unless `nbi`, when it may write it as late as quiet.
// Back-pressure: any data operation may return Status::retry without side effects; core then runs
// progress on that context and issues it again, so a transport never needs to block or fail there.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "causeway/cpu.h"
#include "util/status.hpp"

namespace causeway::util {
struct Config;
}
namespace causeway::bootstrap {
class Bootstrap;
}

namespace causeway::tl {

// What TransportOps::wait_fd answers besides a descriptor.
inline constexpr int kWaitFdNone = -1;
inline constexpr int kWaitFdBusy = -2;
// What `progress` answers when another thread of this PE holds the context (it is inside a call on
// it: issuing, or waiting in a blocking call and progressing the context itself): a progress thread
// then stands down, re-checking at growing intervals, instead of polling again at once.
inline constexpr int kProgressHeld = -1;

enum class Reach : uint8_t {
  self,     // only this PE's own memory
  node,     // PEs on the same node
  network,  // any PE whose address it accepts (add_peer may still refuse one)
};

// Where a transport's atomics are performed. Atomics of different domains on one word are not
// atomic with respect to each other (a NIC's read-modify-write does not lock the CPU's cache line).
enum class AtomicDomain : uint8_t { cpu, nic, gpu };

// Memory kinds a transport moves data to and from (a bit each). A peer's segment of one kind is
// attached only to transports that serve that kind, and each peer gets one route per kind.
inline constexpr uint8_t kHostMemory = 1;  // CPU memory (the symmetric heap, the data segment)
inline constexpr uint8_t kCudaMemory = 2;  // a CUDA device heap

// A set of AmoOps, a bit each (1 << op).
using AmoOpSet = uint16_t;
inline constexpr AmoOpSet kAllAmoOps = (1u << (CAUSEWAY_AMO_FETCH_XOR + 1)) - 1;

struct Capabilities {
  Reach reach;
  AtomicDomain atomic_domain;
  bool host_pointers;       // can hand out CPU load/store pointers to peer memory (shmem_ptr)
  bool completes_at_issue;  // operations are visible at the target when they return
  bool ordered;             // operations to one peer land in issue order without a fence
  bool needs_progress;      // operations advance only when this PE runs progress (waits poll it)
  bool registers_memory;    // wants mem_register for every live chunk and peers' keys (attach_key)
  int max_thread_level;     // highest SHMEM_THREAD_* level its contexts support
  uint8_t memory_kinds = kHostMemory;
  std::size_t max_message_bytes = 0;  // am_send: the largest header + payload it carries
  // am_send: messages up to this size (header + payload) from one context to one PE arrive in the
  // order sent; 0: no order is promised.
  std::size_t ordered_message_bytes = 0;
  // am_send returns only once the message needs no further call on this PE to reach the target
  // (it left the PE, or the network holds it); false: it may wait for this PE's progress.
  bool message_leaves_at_return = false;
  // The atomics it performs as one operation at the target, for 4-byte ([0]) and 8-byte ([1])
  // words. Core builds any other one from compare_swap at that width (a fetch-and-retry loop), so a
  // transport whose hardware has only compare-and-swap and fetch-add (InfiniBand verbs) lists those
  // and amo() never sees the rest.
  AmoOpSet native_amos[2] = {kAllAmoOps, kAllAmoOps};
};

enum class AmoOp : uint8_t {
  fetch = CAUSEWAY_AMO_FETCH,
  set = CAUSEWAY_AMO_SET,
  swap = CAUSEWAY_AMO_SWAP,
  compare_swap = CAUSEWAY_AMO_COMPARE_SWAP,
  add = CAUSEWAY_AMO_ADD,
  fetch_add = CAUSEWAY_AMO_FETCH_ADD,
  bit_and = CAUSEWAY_AMO_AND,
  fetch_and = CAUSEWAY_AMO_FETCH_AND,
  bit_or = CAUSEWAY_AMO_OR,
  fetch_or = CAUSEWAY_AMO_FETCH_OR,
  bit_xor = CAUSEWAY_AMO_XOR,
  fetch_xor = CAUSEWAY_AMO_FETCH_XOR,
};

constexpr bool amo_fetches(AmoOp op) {
  return op == AmoOp::fetch || op == AmoOp::swap || op == AmoOp::compare_swap || op == AmoOp::fetch_add ||
         op == AmoOp::fetch_and || op == AmoOp::fetch_or || op == AmoOp::fetch_xor;
}

inline const char* amo_name(AmoOp op) {
  static const char* const names[] = {"fetch", "set",       "swap", "compare_swap", "add", "fetch_add",
                                      "and",   "fetch_and", "or",   "fetch_or",     "xor", "fetch_xor"};
  static_assert(sizeof names / sizeof *names == CAUSEWAY_AMO_FETCH_XOR + 1);
  const auto i = static_cast<unsigned>(op);
  return i < sizeof names / sizeof *names ? names[i] : "?";
}

constexpr AmoOpSet amo_bit(AmoOp op) { return static_cast<AmoOpSet>(1u << static_cast<unsigned>(op)); }
constexpr bool amo_is_native(const Capabilities& caps, AmoOp op, int width) {
  return (caps.native_amos[width == 8] & amo_bit(op)) != 0;
}

struct AmoArgs {
  AmoOp op;
  uint8_t width;     // 4 or 8 bytes
  uint64_t operand;  // value to add/set/swap/and...; the low `width` bytes count
  uint64_t compare;  // compare_swap only
  void* fetched;     // old value out (fetching ops): exactly `width` bytes are written
};

// The CPU atomic for `a` on `target`; writes exactly a.width bytes to a.fetched when set.
inline Status cpu_amo(void* target, const AmoArgs& a) {
  if (a.width == 8) {
    const uint64_t old =
        causeway_cpu_amo64(static_cast<int>(a.op), static_cast<uint64_t*>(target), a.operand, a.compare);
    if (a.fetched) std::memcpy(a.fetched, &old, 8);
  } else if (a.width == 4) {
    const uint32_t old =
        causeway_cpu_amo32(static_cast<int>(a.op), static_cast<uint32_t*>(target),
                           static_cast<uint32_t>(a.operand), static_cast<uint32_t>(a.compare));
    if (a.fetched) std::memcpy(a.fetched, &old, 4);
  } else {
    return Status::not_supported;
  }
  return Status::ok;
}

// Where a peer's signal word is, for put_signal.
struct SignalArgs {
  int segment;
  std::size_t offset;
  uint64_t value;
  AmoOp op;  // set or add
};

// One of this PE's segments as core describes it to transports.
struct LocalSegment {
  int id;
  void* base;
  std::size_t size;
  int fd;  // memfd backing it, or -1 (then peers on this node reach it by CMA)
};

// A chunk of a local segment that became live: [offset, offset + size) of segment `id`.
struct LocalChunk {
  int id;
  char* base;  // the segment's base
  std::size_t offset, size;
  bool remote_write;  // peers may write it (false: read-only, e.g. the data segment's RELRO head)
};

// A peer's segment as seen from here.
struct RemoteSegment {
  uintptr_t base;  // address in the peer's address space (a device address for device kinds)
  std::size_t size;
  int fd;                    // a received descriptor for the peer's memfd, or -1; core closes it after
  uintptr_t local_base = 0;  // this PE's own copy: a mapping is placed relative to it
  uint8_t kind = kHostMemory;
  const void* cuda_ipc_handle = nullptr;  // device heaps made by cudaMalloc: the cudaIpcMemHandle_t to open
  // Device heaps backed in chunks (CUDA VMM): the bytes [chunk_offset, chunk_offset + chunk_size)
  // that fd backs. A later attach of the same segment adds a chunk to what is mapped.
  std::size_t chunk_offset = 0, chunk_size = 0;
  std::size_t alignment = 0;  // device heaps: what a reservation of `size` bytes needs (granularity)
};

struct Transport;
struct Context;  // per (transport, shmem context) state: the unit of ordering and completion

// Where a transport with a message path of its own (am_send) delivers what arrives at this PE.
// Runs inside progress, one call at a time per transport; `header` and `payload` are valid only
// during the call.
using MessageSink = void (*)(void* arg, int source_pe, const void* header, std::size_t header_bytes,
                             const void* payload, std::size_t payload_bytes);

struct TransportOps {
  // --- Setup ---
  // The address this PE publishes (any length); how to reach a peer from its address. A transport
  // may refuse a peer (Status::unreachable): core then tries the next one in preference order.
  std::vector<std::byte> (*address)(Transport*);
  Status (*add_peer)(Transport*, int pe, std::span<const std::byte> address);
  Status (*attach_segment)(Transport*, int pe, int segment, const RemoteSegment&);
  // Registration (caps.registers_memory only; may be null otherwise): register a live chunk of
  // this PE's memory and return its packed key; accept a peer's key for one of its chunks.
  Status (*mem_register)(Transport*, const LocalChunk&, std::vector<std::byte>* packed_key);
  Status (*attach_key)(Transport*, int pe, int segment, std::size_t offset, std::size_t size,
                       std::span<const std::byte> packed_key);
  // CPU load/store pointer to a peer's segment base, or nullptr.
  void* (*host_pointer)(Transport*, int pe, int segment);
  void (*destroy)(Transport*);

  // --- Contexts --- (`options`: the SHMEM_CTX_* bits; a transport may use them to drop locking)
  Status (*context_create)(Transport*, long options, Context**);
  void (*context_destroy)(Context*);

  // --- Data (see the completion rules above) ---
  Status (*put)(Context*, int pe, int segment, std::size_t offset, const void* src, std::size_t n);
  Status (*get)(Context*, int pe, int segment, std::size_t offset, void* dst, std::size_t n);
  Status (*put_nbi)(Context*, int pe, int segment, std::size_t offset, const void* src, std::size_t n);
  Status (*get_nbi)(Context*, int pe, int segment, std::size_t offset, void* dst, std::size_t n);
  Status (*amo)(Context*, int pe, int segment, std::size_t offset, const AmoArgs&, bool nbi);
  // Optional (null: core issues put, fence, signal AMO): the data, then the signal, as one
  // operation (a NIC's write-with-immediate).
  Status (*put_signal)(Context*, int pe, int segment, std::size_t offset, const void* src, std::size_t n,
                       const SignalArgs&);

  // --- Ordering and completion ---
  Status (*fence)(Context*);             // earlier operations of this context land before later ones
  Status (*quiet)(Context*);             // completes everything this context issued
  Status (*quiet_pe)(Context*, int pe);  // completes what this context issued to `pe`
  // Events processed (>= 0), or kProgressHeld. Never blocks; safe to call from any thread for any
  // context.
  int (*progress)(Context*);
  // Asked just before a thread sleeps for this context's events: a descriptor that becomes readable
  // when progress has work (the sleeper blocks on it), kWaitFdNone (sleep on a timer), or
  // kWaitFdBusy (events are pending now: progress instead of sleeping). A transport whose descriptor
  // must be re-armed (ucp_worker_arm, fi_trywait) does so here.
  int (*wait_fd)(Context*);
  // Optional: called before a wait that saw its condition returns, so memory written by the
  // transport (a NIC, a GPU) is visible to this thread's later loads.
  void (*make_visible)(Context*);
  // Optional (device memory kinds): a peer's segment base as this PE's GPU addresses it, or nullptr.
  void* (*device_pointer)(Transport*, int pe, int segment);
  // Optional (device memory kinds): operations queued on the program's CUDA stream (`stream` is a
  // cudaStream_t) after the work already on it, so they are ordered with its kernels and can be
  // captured in a CUDA graph. `local` is this PE's buffer, host or device. A signal (set or add) is
  // released after everything earlier on the stream.
  Status (*stream_put)(Transport*, void* stream, int pe, int segment, std::size_t offset, const void* local,
                       std::size_t n);
  Status (*stream_get)(Transport*, void* stream, int pe, int segment, std::size_t offset, void* local,
                       std::size_t n);
  Status (*stream_signal)(Transport*, void* stream, int pe, int segment, std::size_t offset, uint64_t value,
                          AmoOp op);

  // --- Messages --- (optional, both or neither; null: core carries active messages as put_signal
  // into rings in the symmetric heap)
  // One message to `pe` through the transport's own message path (a NIC's send, UCX's AM): `sink`
  // runs there with the source PE and both parts. Returns once both may be reused; ordered after
  // this context's earlier operations by fence. Unlike a put, quiet need not wait for it to land:
  // only the target knows when its sink has run, and the layers that send messages learn it from
  // the target (active messages' credits, a barrier's wait). `header_bytes` is at most 64, and the
  // two together at most caps.max_message_bytes.
  Status (*am_send)(Context*, int pe, const void* header, std::size_t header_bytes, const void* payload,
                    std::size_t payload_bytes);
  // Installs (or, with a null sink, removes) where this PE's arriving messages go. Called before
  // any peer sends: core's registration is collective and ends with a barrier.
  Status (*set_message_sink)(Transport*, MessageSink sink, void* arg);
};

struct Transport {
  const TransportOps* ops;
  Capabilities caps;
  const char* name;
  int my_pe;
  int n_pes;
};

struct Context {
  Transport* transport;
};

// What a transport is created with.
struct TransportInit {
  int my_pe, n_pes;
  int thread_level;  // requested SHMEM_THREAD_* level
  const util::Config* config;
  bootstrap::Bootstrap* bootstrap;  // for transport-private exchanges during create (collective)
};

// Every transport compiled into this build, in the default preference order.
struct TransportInfo {
  const char* name;
  const char* description;
  Transport* (*create)(const TransportInit&, Status* status);
  bool network;  // a production network transport: CAUSEWAY_TRANSPORTS=auto adds the first one
  // What it finds on this machine (devices, providers), for causeway-info; null if nothing to say.
  std::string (*probe)();
  bool device_memory =
      false;  // serves device memory: added to CAUSEWAY_TRANSPORTS when a device heap needs it
};
std::span<const TransportInfo> available_transports();

}  // namespace causeway::tl
