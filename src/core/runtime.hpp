// SPDX-License-Identifier: BSD-3-Clause
// The core runtime: one per process. Owns the bootstrap, the transports, the symmetric segments,
// the per-peer routes, the progress engine and the contexts. The C, C++ and (later) device APIs are thin
// layers over it.
#pragma once
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "bootstrap/bootstrap.hpp"
#include "core/allocator.hpp"
#include "core/fast_path.hpp"
#include "core/progress.hpp"
#include "transports/transport.hpp"
#include "util/backoff.hpp"
#include "util/config.hpp"

// shmem_ctx_t points at one of these; SHMEM_CTX_DEFAULT is &causeway_ctx_default.
struct causeway_ctx;

namespace causeway::core {

enum class MemKind : uint8_t { host = 0, cuda = 1 };
// The transport-interface bit of a kind (tl::Capabilities::memory_kinds).
inline uint8_t kind_bit(MemKind kind) { return kind == MemKind::cuda ? tl::kCudaMemory : tl::kHostMemory; }

// The segments every PE creates at init, in this order, so their ids agree without exchanging
// them. Later segments (device heaps, mailboxes) take the next ids.
enum WellKnownSegment : int {
  kHeapSegment = 0,      // symmetric heap, host memory kind
  kDataSegment = 1,      // executable's data moved onto a memfd
  kDataCmaSegment = 2,   // executable's data reachable only by CMA
  kCudaHeapSegment = 3,  // CUDA device heap (core/device_heap.cpp); size 0 unless every PE has one
};

// The heap's base is aligned this much, so shmem_align can honour alignments up to it.
inline constexpr std::size_t kHeapAlignment = std::size_t(64) << 20;

// One symmetric segment: the same size on every PE, at a base that never moves.
struct Segment {
  MemKind kind = MemKind::host;
  char* base = nullptr;      // this PE's address
  std::size_t size = 0;      // bytes symmetric objects may occupy
  std::size_t map_size = 0;  // bytes of the backing memfd (page multiple)
  int fd = -1;
  const char* what = "";
  std::size_t writable_from = 0;  // bytes before this offset are read-only to peers (RELRO)
  std::size_t chunk = 0;          // registration granularity; 0: the whole segment at init
  std::size_t registered = 0;     // bytes from the base registered with transports so far
  // Hands out its symmetric objects (the heaps: shmem_malloc, the device heap), or null (the data
  // segment's objects are the executable's). Shared: a Segment is copied when peers' are described.
  std::shared_ptr<OffsetAllocator> allocator = nullptr;
};

// How this PE reaches one peer: the transport that carries its operations, the one its atomics go
// through (differs when atomics must stay in one domain, see Runtime::amo_direct), and a CPU
// load/store base for each segment mapped here (or nullptr).
struct PeerRoute {
  int transport = -1;         // index into the runtime's transports
  int amo_transport = -1;     // index of the transport for atomics
  int device_transport = -1;  // the transport for its device-memory segments (all operations), or -1
  // The transport whose ordered messages carry core's notifications (barrier flags, collective
  // signals) to it, or -1: stores when mapped, else put + fence + AMO (core/messages.cpp).
  int notify_transport = -1;
  std::vector<char*> host_base;
};

struct DeviceHeap;  // core/device_heap.cpp

// A context: an ordering and completion domain with one transport context per transport. A context
// made from a team numbers PEs within that team.
struct Context {
  std::vector<tl::Context*> per_transport;
  long options = 0;
  std::vector<int> team_to_world;  // empty: PE numbers are world PE numbers
  const void* team = nullptr;      // the coll layer's team, or nullptr for the world team
  int stamp_lane = -1;             // the am layer's Lamport-clock lane, once it has one
};

}  // namespace causeway::core

struct causeway_ctx : causeway::core::Context {};
extern "C" __attribute__((visibility("default"))) causeway_ctx causeway_ctx_default;

namespace causeway::core {

// A sink for messages and its argument (Runtime::set_message_receiver).
struct MessageReceiver {
  tl::MessageSink sink = nullptr;
  void* arg = nullptr;
};

// Where a symmetric address lives.
struct Location {
  int segment;
  std::size_t offset;
};

// How a peer on the node wakes this PE's threads asleep in a wait (a futex in shared memory). A
// thread arms the bell before it sleeps; the first peer to find it armed disarms it, bumps `rings`
// and wakes every sleeper. So a sleeper costs its peers at most one wake-up call per nap, however
// many messages they send it meanwhile.
struct alignas(64) Doorbell {
  std::atomic<uint32_t> rings;
  std::atomic<uint32_t> armed;
};

// Runtime-private symmetric words at the start of the heap (same offset on every PE).
struct InternalArea {
  static constexpr int kMaxRounds = 32;
  struct alignas(64) Flag {
    std::atomic<uint64_t> value;
  };
  Flag barrier[kMaxRounds];  // dissemination barrier, written by the round's partner
  Flag departed;             // set by this PE's implicit finalize at exit (api/c_setup.cpp)
  Flag disagree;             // the last barrier_all_agree round some PE answered false in
  Doorbell doorbell;
};

class Runtime {
 public:
  static Status create(int requested_thread_level, int* provided);
  static void destroy();

  int my_pe() const { return my_pe_; }
  int n_pes() const { return n_pes_; }
  int thread_level() const { return thread_level_; }
  bool checks() const { return checks_; }
  const util::Config& config() const { return config_; }
  // How waits spin, yield and sleep. Polling a transport makes every spin a system call or more, so
  // those waits spin far less before yielding (CAUSEWAY_PROGRESS_SPIN_COUNT): a PE that shares its
  // core would otherwise hold it for milliseconds while the PE it waits for cannot run.
  const util::BackoffPolicy& backoff_policy() const {
    return progress_.polls_transports() ? polling_backoff_ : backoff_;
  }
  bootstrap::Bootstrap& bootstrap() { return *bootstrap_; }
  Context& default_context() { return causeway_ctx_default; }
  const PeerRoute& route(int pe) const { return routes_[pe]; }
  void set_notify_transport(int pe, int index) { routes_[pe].notify_transport = index; }  // at init
  tl::Transport* transport(int index) const { return transports_[index]; }
  int transport_count() const { return static_cast<int>(transports_.size()); }
  // True if the transport serves some peer (its operations or its atomics).
  bool transport_in_use(int index) const { return in_use_[index]; }
  const Segment& segment(int id) const { return segments_[id]; }
  int segment_count() const { return static_cast<int>(segments_.size()); }

  // The atomicity policy, fixed at init: true when every transport that serves a peer has
  // CPU-coherent atomics, so an AMO on a mapped peer may be a CPU atomic. Otherwise every AMO goes
  // through the peer's amo_transport, which is then one transport for every peer.
  bool amo_direct() const { return amo_direct_; }
  // fence must quiet: operations of more than one deferred transport cannot be ordered by fences.
  bool fence_needs_quiet() const { return fence_needs_quiet_; }
  // The PEs a fence must quiet before fencing the transports: those whose puts and atomics take two
  // transports, one of them deferring (puts through shm, atomics through a NIC).
  std::span<const int> fence_quiet_pes() const { return fence_quiet_pes_; }
  // From now on fence and quiet are library calls even where they were a store fence inlined in
  // the program (a layer above core, active messages, hooks work into quiet). Collective.
  void route_quiet_through_library();

  // Finds the segment holding [addr, addr+bytes); false if it is not all inside one.
  bool locate(const void* addr, std::size_t bytes, Location* out) const {
    auto a = reinterpret_cast<uintptr_t>(addr);
    for (int id = 0; id < static_cast<int>(segments_.size()); ++id) {
      const Segment& s = segments_[id];
      uintptr_t off = a - reinterpret_cast<uintptr_t>(s.base);
      if (off < s.size && bytes <= s.size - off) {
        *out = {id, off};
        return true;
      }
    }
    return false;
  }

  // Collective heap management (the malloc family, core/heap.cpp). All return nullptr on failure,
  // after logging. `zero` clears the block before the closing barrier, so no peer's early put is
  // wiped.
  void* heap_allocate(std::size_t size, std::size_t alignment, const char* call, bool zero = false);
  void heap_free(void* ptr, const char* call);
  void* heap_reallocate(void* ptr, std::size_t size, const char* call);
  // barrier_all that also tells whether `ok` held on every PE.
  bool barrier_all_agree(bool ok, const char* call);
  std::size_t heap_bytes_in_use() const { return segments_[kHeapSegment].allocator->bytes_in_use(); }
  // The device heap's allocation (core/device_heap.cpp): like heap_allocate, on kCudaHeapSegment.
  // nullptr (after logging) when this job has no device heap. heap_free frees either kind.
  void* device_allocate(std::size_t size, std::size_t alignment, const char* call);
  // The device heap exists (after the first device allocation) / can exist (every PE has a GPU).
  bool has_device_heap() const { return segments_[kCudaHeapSegment].size != 0; }
  bool device_heap_possible() const;
  int cuda_device() const;  // the GPU device memory would be on, or -1
  // The device handle kernels take (include/causeway/device/world.cuh), into `out` (its size in
  // bytes `size`); false, after logging, without a device heap.
  bool device_world(void* out, std::size_t size, const char* call) const;

  InternalArea& internal() { return *internal_; }

  // After writing something `pe` may be asleep waiting for (an active message, a stamp): wakes
  // its sleeping threads, when `pe` is mapped here and its bell is armed. One load otherwise. The
  // load may pass the caller's store (no store-load fence, to keep senders cheap); a sleeper that
  // misses the ring that way wakes at its sleep's timeout, as without a doorbell.
  void ring_doorbell(int pe) {
    char* base = routes_[pe].host_base[kHeapSegment];
    if (!base) return;
    auto* bell = reinterpret_cast<Doorbell*>(base + internal_offset_ + offsetof(InternalArea, doorbell));
    if (bell->armed.load(std::memory_order_relaxed) != 0) [[unlikely]]
      if (bell->armed.exchange(0, std::memory_order_acq_rel) != 0) {
        bell->rings.fetch_add(1, std::memory_order_release);
        util::futex_wake_all(&bell->rings);
      }
  }
  // A wait's sleep: up to `ns` on this PE's doorbell, unless `pred` already holds.
  // Short naps do not arm the bell: they end soon anyway, and a peer sending a stream of messages
  // to a PE that waits for something else would pay a wake-up call every few microseconds.
  // Returns true when a transport had events: pending (then it did not sleep), or the one that
  // ended the nap (see core::backoff_round).
  template <class Pred>
  bool sleep_on_doorbell(long ns, Pred&& pred) {
    constexpr long kArmFromNs = 50'000;
    // A transport that needs this PE's progress wakes it through its descriptors instead.
    if (progress_.polls_transports()) [[unlikely]]
      return progress_.sleep_until_event(ns);
    if (ns < kArmFromNs) {
      timespec ts{0, ns};
      nanosleep(&ts, nullptr);
      return false;
    }
    Doorbell& bell = internal_->doorbell;
    const uint32_t rings = bell.rings.load(std::memory_order_acquire);
    if (bell.armed.load(std::memory_order_relaxed) == 0)  // no store (and line transfer) if still armed
      bell.armed.store(1, std::memory_order_seq_cst);
    else
      std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!pred()) util::futex_wait(&bell.rings, rings, ns);
    return false;
  }
  uint64_t next_barrier_epoch() { return ++barrier_epoch_; }

  // Where the layer above's messages arriving through a transport's message path go (active
  // messages install it before any peer sends them; core/messages.cpp hands them on).
  void set_message_receiver(MessageReceiver receiver) {
    receiver_arg_.store(receiver.arg, std::memory_order_relaxed);
    receiver_sink_.store(receiver.sink, std::memory_order_release);
  }
  MessageReceiver message_receiver() const {
    const tl::MessageSink sink = receiver_sink_.load(std::memory_order_acquire);
    return {sink, receiver_arg_.load(std::memory_order_relaxed)};
  }

  ProgressEngine& progress_engine() { return progress_; }
  // One pass over every progress source; cheap when there are none.
  void progress() { progress_.poll(); }
  // A wait that gives up the CPU first completes everything parked here (a PE that sleeps would
  // otherwise hold back every peer waiting on its operations).
  // Also polls: a transport whose peers' operations are executed here (UCX over tcp) needs this
  // PE's progress even when it has nothing of its own outstanding.
  // Returns the events processed.
  int progress_before_idle() {
    if (progress_.active()) [[unlikely]] {
      const int events = progress_.poll();
      progress_.complete_all();
      return events;
    }
    return 0;
  }
  // True when operations advance only while this PE runs progress: waits then poll it every spin.
  bool needs_progress() const { return progress_.active(); }
  // Makes memory written by transports visible before a satisfied wait returns.
  void make_visible() {
    if (has_make_visible_) [[unlikely]]
      make_visible_slow();
  }
  // The first step of shmem_finalize (explicit or at exit): marks this PE departed and meets every
  // PE at the bootstrap, where nobody waits for anything else. A PE that finalizes while a peer
  // still waits for it in a barrier is then seen by that peer (core/sync.cpp), and explicit and
  // implicit finalizes meet each other.
  Status arrive_at_finalize();
  // True until every PE has arrived at finalize: a barrier then asks whether the PE it waits for
  // has departed.
  bool departure_checks() const { return departure_checks_; }
  Status finalize();

  // Ends the job if PEs passed different values to a collective call (checks mode only).
  void check_collective_agreement(const char* call, const char* a_name, std::size_t a, const char* b_name,
                                  std::size_t b);

 private:
  Runtime() = default;
  Status init(int requested_thread_level);
  // core/segments.cpp
  Status setup_segments();
  Status exchange_segments();
  // core/device_heap.cpp: the CUDA device heap segment (empty until the first device allocation
  // creates it, collectively), the device handle built from the routes once peers' parts are
  // attached, and their release.
  Status setup_device_heap();
  bool create_device_heap(const char* call);
  // Device heap chunks (core/device_heap.cpp): a peer's chunk attached to its device route, and
  // the collective growth of every PE's backed part to cover `end`.
  void attach_device_chunk(int pe, uint64_t base, std::size_t size, int fd, std::size_t offset,
                           std::size_t bytes, const void* ipc_handle, const char* call);
  bool grow_device_heap(std::size_t end, const char* call);
  Status build_device_world();
  void release_device_heap();
  // Registers this PE's chunks of `id` up to `end` bytes with every transport that registers
  // memory and hands peers' keys to them. Collective: every PE calls it with the same arguments.
  Status register_chunks(int id, std::size_t end);
  // Populates a new heap block unless this node cannot back it (then logs why and returns false).
  bool back_block(void* p, std::size_t size, const char* call);
  Status place_heap(void* base, std::size_t bytes);  // core/segments.cpp
  OffsetAllocator& heap_allocator() { return *segments_[kHeapSegment].allocator; }
  // back_block on every PE: false everywhere if it failed anywhere (blocks from 1 MiB; smaller ones
  // end the job if they fail).
  bool back_block_everywhere(void* p, std::size_t size, const char* call);
  // core/route.cpp
  Status setup_transports(int requested_thread_level);
  Status choose_routes();
  void set_policies();
  // Fills the fast path (core/fast_path.hpp) from the routes (after init) or empties it (finalize).
  void publish_fast_path();
  static void withdraw_fast_path();
  void make_visible_slow();

  int my_pe_ = 0, n_pes_ = 1, thread_level_ = 0;
  bool checks_ = false;
  bool departure_checks_ = true;
  bool fence_is_store_order_ = false;
  bool amo_direct_ = true;
  bool fence_needs_quiet_ = false;
  std::vector<int> fence_quiet_pes_;
  bool has_make_visible_ = false;
  util::Config config_;
  util::BackoffPolicy backoff_, polling_backoff_;
  std::unique_ptr<bootstrap::Bootstrap> bootstrap_;
  std::vector<tl::Transport*> transports_;
  std::vector<bool> in_use_;
  std::vector<std::vector<bool>> connected_;  // [transport][pe]: add_peer accepted the peer
  std::vector<PeerRoute> routes_;
  std::array<std::vector<char*>, 2> fast_direct_;  // the fast path's per-PE bases: heap, data segment
  std::vector<Segment> segments_;
  DeviceHeap* device_heap_ = nullptr;  // owned; released by release_device_heap
  std::mutex heap_mutex_;
  InternalArea* internal_ = nullptr;
  std::size_t internal_offset_ = 0;  // of internal_ in the heap
  uint64_t barrier_epoch_ = 0;
  std::atomic<tl::MessageSink> receiver_sink_{nullptr};
  std::atomic<void*> receiver_arg_{nullptr};
  uint64_t agree_round_ = 0;
  ProgressEngine progress_;
};

// nullptr before shmem_init and after shmem_finalize.
extern Runtime* g_runtime;

// Creates a context's transport state on every transport (shmem_ctx_create, team contexts).
Status create_context(Runtime& rt, Context* ctx);
void destroy_context(Runtime& rt, Context* ctx);

}  // namespace causeway::core
