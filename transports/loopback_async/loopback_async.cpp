// SPDX-License-Identifier: BSD-3-Clause
// loopback_async: a test transport that behaves like a NIC, so that CI exercises every path a
// network transport takes without one. It reaches PEs on this machine (their memory through an
// inner shm transport: memfd mappings, CMA for the rest) but
//   - hands out no host pointers, so core cannot bypass it;
//   - queues operations per context and performs them only when progress, quiet or quiet_pe runs
//     on the issuing PE, in a shuffled order within each fence-delimited group (operations on
//     overlapping bytes of one peer keep their order), and answers Status::retry when its queue is
//     full (CAUSEWAY_LOOPBACK_ASYNC_DEPTH);
//   - requires keys: an operation is refused unless the target PE registered the chunk it touches
//     and core handed this PE that chunk's key, so a missed key exchange is an error, not a pass;
//   - does its atomics in the "NIC" domain: a locked read-modify-write that is atomic with respect
//     to other loopback_async atomics only (one lock table per target PE, shared through a memfd),
//     as an adapter's atomics are not coherent with the CPU's. Mixing them with CPU atomics on one
//     word loses updates, which is what core's atomicity policy must prevent.
// It claims network reach and refuses, in add_peer, a PE on another machine.
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "bootstrap/bootstrap.hpp"
#include "transports/common/cpu_direct.hpp"
#include "transports/transport.hpp"
#include "util/config.hpp"
#include "util/log.hpp"

namespace causeway::tl {

Transport* create_shm_transport(const TransportInit& init, Status* status);

namespace {

constexpr std::size_t kLockWords = 4096;  // NIC lock stripes per target PE

// What this PE publishes: its inner transport's address, then a secret that its keys carry and the
// machine it runs on.
struct Identity {
  uint64_t secret;
  char boot_id[40];
};

// A packed key: proof that the target registered [offset, offset + size) of a segment.
struct PackedKey {
  uint64_t secret;
  uint64_t offset, size;
  uint32_t segment;
  uint32_t writable;
};

struct KeyRange {
  std::size_t offset, size;
  bool writable;
};

struct Peer {
  bool connected = false;
  uint64_t secret = 0;
  std::vector<std::vector<KeyRange>> keys;  // by segment, sorted by offset
  std::atomic<uint32_t>* locks = nullptr;   // the target's NIC lock table, mapped here
};

struct AsyncTransport : Transport {
  Transport* inner = nullptr;  // shm: how the "NIC" reaches memory
  Context* inner_ctx = nullptr;
  Identity me{};
  std::size_t depth = 64;
  std::vector<Peer> peers;
  std::mutex keys_mutex;  // keys grow inside shmem_malloc while other threads may issue
};

AsyncTransport* async_of(Transport* t) { return static_cast<AsyncTransport*>(t); }

enum class OpKind : uint8_t { put, get, amo, put_signal, fence };

struct Op {
  OpKind kind = OpKind::fence;
  int pe = -1, segment = -1;
  std::size_t offset = 0, n = 0;
  const void* src = nullptr;    // put_nbi: the caller's buffer, read when performed
  std::vector<std::byte> copy;  // put: the data, copied at issue (the source is free at return)
  void* dst = nullptr;          // get
  AmoArgs amo{};
  SignalArgs signal{};
};

Op make_op(OpKind kind, int pe = -1, int segment = -1, std::size_t offset = 0, std::size_t n = 0) {
  Op op;
  op.kind = kind;
  op.pe = pe, op.segment = segment, op.offset = offset, op.n = n;
  return op;
}

struct AsyncContext : Context {
  std::mutex mutex;
  std::deque<Op> queue;
  std::mt19937_64 rng;
  int event_fd = -1;  // readable while the queue is not empty
};

AsyncContext* ctx_of(Context* c) { return static_cast<AsyncContext*>(c); }

std::string machine_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

// --- Setup ---

std::vector<std::byte> address(Transport* t) {
  auto* a = async_of(t);
  std::vector<std::byte> out = a->inner->ops->address(a->inner);
  const auto* id = reinterpret_cast<const std::byte*>(&a->me);
  out.insert(out.end(), id, id + sizeof(Identity));
  return out;
}

Status add_peer(Transport* t, int pe, std::span<const std::byte> addr) {
  auto* a = async_of(t);
  if (addr.size() < sizeof(Identity)) return Status::invalid_arg;
  Identity peer_id;
  std::memcpy(&peer_id, addr.data() + addr.size() - sizeof(Identity), sizeof(Identity));
  if (std::strncmp(peer_id.boot_id, a->me.boot_id, sizeof(peer_id.boot_id)) != 0) return Status::unreachable;
  if (a->peers[pe].locks == nullptr) return Status::unreachable;  // not on this node's fd exchange
  if (Status s = a->inner->ops->add_peer(a->inner, pe, addr.first(addr.size() - sizeof(Identity)));
      is_error(s))
    return s;
  a->peers[pe].connected = true;
  a->peers[pe].secret = peer_id.secret;
  return Status::ok;
}

Status attach_segment(Transport* t, int pe, int segment, const RemoteSegment& remote) {
  auto* a = async_of(t);
  if (segment >= (int)a->peers[pe].keys.size()) a->peers[pe].keys.resize(segment + 1);
  return a->inner->ops->attach_segment(a->inner, pe, segment, remote);
}

Status mem_register(Transport* t, const LocalChunk& chunk, std::vector<std::byte>* packed) {
  const PackedKey key{async_of(t)->me.secret, chunk.offset, chunk.size, static_cast<uint32_t>(chunk.id),
                      chunk.remote_write};
  const auto* bytes = reinterpret_cast<const std::byte*>(&key);
  packed->assign(bytes, bytes + sizeof key);
  return Status::ok;
}

Status attach_key(Transport* t, int pe, int segment, std::size_t offset, std::size_t size,
                  std::span<const std::byte> packed) {
  auto* a = async_of(t);
  PackedKey key;
  if (packed.size() != sizeof key) return Status::invalid_arg;
  std::memcpy(&key, packed.data(), sizeof key);
  Peer& peer = a->peers[pe];
  if (key.secret != peer.secret || key.offset != offset || key.size != size || (int)key.segment != segment)
    return Status::invalid_arg;
  std::lock_guard lock(a->keys_mutex);
  if (segment >= (int)peer.keys.size()) peer.keys.resize(segment + 1);
  auto& ranges = peer.keys[segment];
  ranges.push_back({offset, size, key.writable != 0});
  std::sort(ranges.begin(), ranges.end(),
            [](const KeyRange& x, const KeyRange& y) { return x.offset < y.offset; });
  return Status::ok;
}

void* host_pointer(Transport*, int, int) { return nullptr; }

void destroy(Transport* t) {
  auto* a = async_of(t);
  for (Peer& peer : a->peers)
    if (peer.locks) munmap(peer.locks, kLockWords * sizeof(uint32_t));
  a->inner->ops->context_destroy(a->inner_ctx);
  a->inner->ops->destroy(a->inner);
  delete a;
}

// True if registered keys cover [offset, offset + n) of the peer's segment (for writing if `write`).
bool keys_cover(AsyncTransport* a, int pe, int segment, std::size_t offset, std::size_t n, bool write) {
  std::lock_guard lock(a->keys_mutex);
  const Peer& peer = a->peers[pe];
  if (segment < 0 || segment >= (int)peer.keys.size()) return false;
  std::size_t at = offset;
  const std::size_t end = offset + (n ? n : 1);
  for (const KeyRange& r : peer.keys[segment]) {
    if (r.offset + r.size <= at) continue;
    if (r.offset > at || (write && !r.writable)) return false;
    at = r.offset + r.size;
    if (at >= end) return true;
  }
  return false;
}

Status check_access(Context* c, int pe, int segment, std::size_t offset, std::size_t n, bool write) {
  auto* a = async_of(c->transport);
  if (pe < 0 || pe >= (int)a->peers.size() || !a->peers[pe].connected) return Status::unreachable;
  if (keys_cover(a, pe, segment, offset, n, write)) return Status::ok;
  CW_LOG(util::LogLevel::error,
         "loopback_async: no %s key from PE %d covers segment %d bytes [%zu, %zu): the chunk was not "
         "registered and its key not exchanged",
         write ? "writable" : "readable", pe, segment, offset, offset + n);
  return Status::invalid_arg;
}

// --- Performing operations (the "NIC" side) ---

// The NIC-domain atomic: atomic with respect to other loopback_async atomics on the word, through
// the target's lock table, but a plain load and store as far as the CPU is concerned.
Status nic_amo(AsyncTransport* a, int pe, int segment, std::size_t offset, const AmoArgs& args) {
  auto* word = static_cast<char*>(a->inner->ops->host_pointer(a->inner, pe, segment));
  if (!word) return Status::not_supported;  // CMA-only memory: no atomics
  word += offset;
  std::atomic<uint32_t>& lock = a->peers[pe].locks[(offset / 8 + std::size_t(segment) * 977) % kLockWords];
  while (lock.exchange(1, std::memory_order_acquire) != 0) causeway_cpu_pause();
  uint64_t old = 0;
  if (args.width == 8)
    old = __atomic_load_n(reinterpret_cast<uint64_t*>(word), __ATOMIC_RELAXED);
  else
    old = __atomic_load_n(reinterpret_cast<uint32_t*>(word), __ATOMIC_RELAXED);
  // The adapter's round trip to memory: a window in which a CPU atomic on the word is lost.
  for (int i = 0; i < 16; ++i) causeway_cpu_pause();
  uint64_t value = old;
  AmoArgs local = args;
  local.fetched = nullptr;
  cpu_amo(&value, local);  // computes the new value on a private copy
  if (args.width == 8)
    __atomic_store_n(reinterpret_cast<uint64_t*>(word), value, __ATOMIC_RELEASE);
  else
    __atomic_store_n(reinterpret_cast<uint32_t*>(word), static_cast<uint32_t>(value), __ATOMIC_RELEASE);
  lock.store(0, std::memory_order_release);
  if (args.fetched) std::memcpy(args.fetched, &old, args.width);
  return Status::ok;
}

Status perform(AsyncTransport* a, Op& op) {
  const TransportOps& inner = *a->inner->ops;
  switch (op.kind) {
    case OpKind::put:
      return inner.put(a->inner_ctx, op.pe, op.segment, op.offset, op.src ? op.src : op.copy.data(), op.n);
    case OpKind::get: return inner.get(a->inner_ctx, op.pe, op.segment, op.offset, op.dst, op.n);
    case OpKind::amo: return nic_amo(a, op.pe, op.segment, op.offset, op.amo);
    case OpKind::put_signal: {
      if (op.n > 0)
        if (Status s = inner.put(a->inner_ctx, op.pe, op.segment, op.offset, op.copy.data(), op.n);
            is_error(s))
          return s;
      causeway_order_stores();
      const AmoArgs sig{op.signal.op, 8, op.signal.value, 0, nullptr};
      return nic_amo(a, op.pe, op.signal.segment, op.signal.offset, sig);
    }
    case OpKind::fence: return Status::ok;
  }
  return Status::internal;
}

bool overlaps(const Op& x, const Op& y) {
  if (x.pe != y.pe) return false;
  auto hits = [](int seg_a, std::size_t off_a, std::size_t n_a, int seg_b, std::size_t off_b,
                 std::size_t n_b) {
    return seg_a == seg_b && off_a < off_b + (n_b ? n_b : 1) && off_b < off_a + (n_a ? n_a : 1);
  };
  const std::size_t nx = x.kind == OpKind::amo ? x.amo.width : x.n,
                    ny = y.kind == OpKind::amo ? y.amo.width : y.n;
  if (hits(x.segment, x.offset, nx, y.segment, y.offset, ny)) return true;
  if (x.kind == OpKind::put_signal && hits(x.signal.segment, x.signal.offset, 8, y.segment, y.offset, ny))
    return true;
  if (y.kind == OpKind::put_signal && hits(y.signal.segment, y.signal.offset, 8, x.segment, x.offset, nx))
    return true;
  return false;
}

// Performs up to `budget` queued operations (all of them for SIZE_MAX), only those to `pe` when it
// is >= 0. Within a fence group it picks at random among operations no earlier one overlaps.
// Called with the context's mutex held; returns how many were performed, or an error.
int drain(AsyncContext* c, std::size_t budget, int pe, Status* status) {
  auto* a = async_of(c->transport);
  int done = 0;
  *status = Status::ok;
  while (budget > 0 && !c->queue.empty()) {
    // The current group: operations before the first fence (to `pe` only, if given, in order).
    std::size_t group_end = 0;
    while (group_end < c->queue.size() && c->queue[group_end].kind != OpKind::fence) ++group_end;
    if (group_end == 0) {  // a fence with nothing before it
      c->queue.pop_front();
      continue;
    }
    std::size_t pick = SIZE_MAX;
    if (pe >= 0) {
      for (std::size_t i = 0; i < c->queue.size() && pick == SIZE_MAX; ++i)
        if (c->queue[i].kind != OpKind::fence && c->queue[i].pe == pe) pick = i;
      if (pick == SIZE_MAX) break;
    } else {
      // From a random start, the first operation no earlier one in the group overlaps (the
      // group's first operation always qualifies).
      const std::size_t start = c->rng() % group_end;
      for (std::size_t k = 0; k < group_end && pick == SIZE_MAX; ++k) {
        const std::size_t i = (start + k) % group_end;
        bool blocked = false;
        for (std::size_t j = 0; j < i && !blocked; ++j) blocked = overlaps(c->queue[j], c->queue[i]);
        if (!blocked) pick = i;
      }
    }
    Op op = std::move(c->queue[pick]);
    c->queue.erase(c->queue.begin() + static_cast<std::ptrdiff_t>(pick));
    if (Status s = perform(a, op); is_error(s)) *status = s;
    ++done;
    --budget;
  }
  if (c->queue.empty() && c->event_fd >= 0) {
    uint64_t count;
    if (read(c->event_fd, &count, sizeof count) < 0) {
      // Already drained.
    }
  }
  return done;
}

// Queues `op`, or answers retry when the queue is full.
Status enqueue(Context* ctx, Op&& op) {
  auto* c = ctx_of(ctx);
  std::lock_guard lock(c->mutex);
  if (c->queue.size() >= async_of(ctx->transport)->depth) return Status::retry;
  const bool was_empty = c->queue.empty();
  c->queue.push_back(std::move(op));
  if (was_empty && c->event_fd >= 0) {
    const uint64_t one = 1;
    if (write(c->event_fd, &one, sizeof one) < 0) {
      // The counter cannot overflow with one write per non-empty period.
    }
  }
  return Status::ok;
}

// Performs everything queued (or everything queued for `pe`, in issue order) and completes it.
Status flush(Context* ctx, int pe) {
  auto* c = ctx_of(ctx);
  std::lock_guard lock(c->mutex);
  Status status;
  drain(c, SIZE_MAX, pe, &status);
  causeway_complete_stores();
  return status;
}

// --- Contexts ---

Status context_create(Transport* t, long, Context** out) {
  auto* c = new AsyncContext;
  c->transport = t;
  c->rng.seed(std::random_device{}());
  c->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  *out = c;
  return Status::ok;
}

void context_destroy(Context* ctx) {
  flush(ctx, -1);
  auto* c = ctx_of(ctx);
  if (c->event_fd >= 0) close(c->event_fd);
  delete c;
}

// --- Data ---

Status put_common(Context* c, int pe, int segment, std::size_t offset, const void* src, std::size_t n,
                  bool nbi) {
  if (n == 0) return Status::ok;  // nothing to move (and `src` may be null)
  if (Status s = check_access(c, pe, segment, offset, n, true); is_error(s)) return s;
  Op op = make_op(OpKind::put, pe, segment, offset, n);
  if (nbi) {
    op.src = src;  // the caller keeps it unchanged until quiet
  } else {
    const auto* bytes = static_cast<const std::byte*>(src);
    op.copy.assign(bytes, bytes + n);
  }
  return enqueue(c, std::move(op));
}

Status put(Context* c, int pe, int segment, std::size_t offset, const void* src, std::size_t n) {
  return put_common(c, pe, segment, offset, src, n, false);
}
Status put_nbi(Context* c, int pe, int segment, std::size_t offset, const void* src, std::size_t n) {
  return put_common(c, pe, segment, offset, src, n, true);
}

Status get_nbi(Context* c, int pe, int segment, std::size_t offset, void* dst, std::size_t n) {
  if (n == 0) return Status::ok;
  if (Status s = check_access(c, pe, segment, offset, n, false); is_error(s)) return s;
  Op op = make_op(OpKind::get, pe, segment, offset, n);
  op.dst = dst;
  return enqueue(c, std::move(op));
}

// A blocking get returns with the data: what was queued before it is performed first.
Status get(Context* c, int pe, int segment, std::size_t offset, void* dst, std::size_t n) {
  if (n == 0) return Status::ok;
  if (Status s = check_access(c, pe, segment, offset, n, false); is_error(s)) return s;
  if (Status s = flush(c, -1); is_error(s)) return s;
  return async_of(c->transport)
      ->inner->ops->get(async_of(c->transport)->inner_ctx, pe, segment, offset, dst, n);
}

Status amo(Context* c, int pe, int segment, std::size_t offset, const AmoArgs& args, bool nbi) {
  if (Status s = check_access(c, pe, segment, offset, args.width, args.op != AmoOp::fetch); is_error(s))
    return s;
  auto* a = async_of(c->transport);
  if (!a->inner->ops->host_pointer(a->inner, pe, segment)) return Status::not_supported;  // CMA-only memory
  if (!amo_is_native(a->caps, args.op, args.width)) return Status::not_supported;  // core must build it
  if (amo_fetches(args.op) && !nbi) {
    if (Status s = flush(c, -1); is_error(s)) return s;
    return nic_amo(a, pe, segment, offset, args);
  }
  Op op = make_op(OpKind::amo, pe, segment, offset, 0);
  op.amo = args;
  if (!amo_fetches(args.op)) op.amo.fetched = nullptr;  // nothing to write back, ever
  return enqueue(c, std::move(op));
}

Status put_signal(Context* c, int pe, int segment, std::size_t offset, const void* src, std::size_t n,
                  const SignalArgs& signal) {
  if (Status s = check_access(c, pe, segment, offset, n, true); is_error(s)) return s;
  if (Status s = check_access(c, pe, signal.segment, signal.offset, 8, true); is_error(s)) return s;
  Op op = make_op(OpKind::put_signal, pe, segment, offset, n);
  const auto* bytes = static_cast<const std::byte*>(src);
  op.copy.assign(bytes, bytes + n);
  op.signal = signal;
  return enqueue(c, std::move(op));
}

// --- Ordering and completion ---

Status fence(Context* c) {
  auto* ac = ctx_of(c);
  std::lock_guard lock(ac->mutex);
  if (!ac->queue.empty() && ac->queue.back().kind != OpKind::fence)
    ac->queue.push_back(make_op(OpKind::fence));
  return Status::ok;
}
Status quiet(Context* c) { return flush(c, -1); }
Status quiet_pe(Context* c, int pe) { return flush(c, pe); }

int progress(Context* ctx) {
  auto* c = ctx_of(ctx);
  std::unique_lock lock(c->mutex, std::try_to_lock);
  if (!lock.owns_lock()) return kProgressHeld;
  if (c->queue.empty()) return 0;
  Status status;
  // A few operations per pass, so completion stays observably partial and out of order.
  const int done = drain(c, 1 + c->rng() % 8, -1, &status);
  if (is_error(status))
    CW_LOG(util::LogLevel::error, "loopback_async: a queued operation failed: %s", to_string(status));
  return done;
}

int wait_fd(Context* c) { return ctx_of(c)->event_fd; }

// Loads after a satisfied wait must see what the "NIC" wrote before the flag.
void make_visible(Context*) { std::atomic_thread_fence(std::memory_order_acquire); }

const TransportOps kAsyncOps = {
    .address = address,
    .add_peer = add_peer,
    .attach_segment = attach_segment,
    .mem_register = mem_register,
    .attach_key = attach_key,
    .host_pointer = host_pointer,
    .destroy = destroy,
    .context_create = context_create,
    .context_destroy = context_destroy,
    .put = put,
    .get = get,
    .put_nbi = put_nbi,
    .get_nbi = get_nbi,
    .amo = amo,
    .put_signal = put_signal,
    .fence = fence,
    .quiet = quiet,
    .quiet_pe = quiet_pe,
    .progress = progress,
    .wait_fd = wait_fd,
    .make_visible = make_visible,
    .device_pointer = nullptr,
    .stream_put = nullptr,
    .stream_get = nullptr,
    .stream_signal = nullptr,
    .am_send = nullptr,
    .set_message_sink = nullptr,
};

// Every PE's NIC lock table, shared through the node's descriptor exchange (collective).
Status share_lock_tables(AsyncTransport* a, const TransportInit& init) {
  const std::size_t bytes = kLockWords * sizeof(uint32_t);
  int fd = memfd_create("causeway-loopback-nic-locks", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, static_cast<off_t>(bytes)) != 0) return Status::no_memory;
  std::vector<int> fds;
  const int mine[1] = {fd};
  Status s = init.bootstrap->exchange_fds(mine, &fds);
  close(fd);
  if (is_error(s)) return s;
  for (int pe = 0; pe < init.n_pes; ++pe) {
    if (fds[pe] < 0) continue;
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fds[pe], 0);
    close(fds[pe]);
    if (p == MAP_FAILED) return Status::no_memory;
    a->peers[pe].locks = static_cast<std::atomic<uint32_t>*>(p);
  }
  return Status::ok;
}

}  // namespace

Transport* create_loopback_async_transport(const TransportInit& init, Status* status) {
  auto* a = new AsyncTransport;
  a->ops = &kAsyncOps;
  a->caps = Capabilities{.reach = Reach::network,
                         .atomic_domain = AtomicDomain::nic,
                         .host_pointers = false,
                         .completes_at_issue = false,
                         .ordered = false,
                         .needs_progress = true,
                         .registers_memory = true,
                         .max_thread_level = 3 /* SHMEM_THREAD_MULTIPLE: contexts lock their queues */};
  a->name = "loopback_async";
  if (init.config->loopback_async_amos == "compare_swap") {
    a->caps.native_amos[0] = a->caps.native_amos[1] = amo_bit(AmoOp::compare_swap);
  } else if (init.config->loopback_async_amos != "all") {
    util::log(util::LogLevel::error, "CAUSEWAY_LOOPBACK_ASYNC_AMOS is '%s'; expected 'all' or 'compare_swap'",
              init.config->loopback_async_amos.c_str());
    *status = Status::invalid_arg;
    delete a;
    return nullptr;
  }
  a->my_pe = init.my_pe;
  a->n_pes = init.n_pes;
  a->depth =
      init.config->loopback_async_depth < 1 ? 1 : static_cast<std::size_t>(init.config->loopback_async_depth);
  a->peers.resize(init.n_pes);
  a->me.secret = std::random_device{}() * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(getpid());
  std::strncpy(a->me.boot_id, machine_id().c_str(), sizeof(a->me.boot_id) - 1);
  a->inner = create_shm_transport(init, status);
  if (!a->inner || is_error(*status = a->inner->ops->context_create(a->inner, 0, &a->inner_ctx)) ||
      is_error(*status = share_lock_tables(a, init))) {
    CW_LOG(util::LogLevel::error, "loopback_async: set-up failed: %s", to_string(*status));
    if (a->inner_ctx) a->inner->ops->context_destroy(a->inner_ctx);
    if (a->inner) a->inner->ops->destroy(a->inner);
    delete a;
    return nullptr;
  }
  *status = Status::ok;
  return a;
}

}  // namespace causeway::tl
