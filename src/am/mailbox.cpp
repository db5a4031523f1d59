// SPDX-License-Identifier: BSD-3-Clause
#include "am/mailbox.hpp"

#include <shmemx.h>

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>

#include "am/clock.hpp"
#include "core/checks.hpp"
#include "core/issue.hpp"
#include "core/messages.hpp"
#include "core/sync.hpp"
#include "util/backoff.hpp"
#include "util/log.hpp"

namespace causeway::am {

std::atomic<Mailbox*> Mailbox::instance_{nullptr};
std::mutex Mailbox::registry_mutex_;
thread_local uint64_t Mailbox::t_last_stamp_ = 0;

namespace {

// Handlers run per source per pass at most this many, so one busy source cannot starve the rest.
constexpr int kBatch = 64;

uint64_t* word_at(char* p) { return reinterpret_cast<uint64_t*>(p); }

// Where a message's body begins: everything in the header after the tag.
constexpr std::size_t kBody = offsetof(Header, nbytes);

// Writes a message into its first ring slot as the target must see it: the body (header after the
// tag, then the payload) by plain stores, the tag last with release order.
void store_message(char* first, const Header& header, const void* payload, std::size_t payload_bytes) {
  std::memcpy(first + kBody, reinterpret_cast<const char*>(&header) + kBody, kHeaderBytes - kBody);
  if (payload_bytes) std::memcpy(first + kHeaderBytes, payload, payload_bytes);
  __atomic_store_n(word_at(first), header.tag, __ATOMIC_RELEASE);
}

// A context made with SHMEMX_CTX_CAUSAL: its stamped calls, messages among them, complete what it
// issued before (a quiet) rather than only ordering it towards their target (a fence).
bool causal(const core::Context* ctx) { return ctx && (ctx->options & SHMEMX_CTX_CAUSAL); }

}  // namespace

std::size_t Mailbox::ring_bytes_for(const core::Runtime& rt) {
  if (rt.config().am_ring > 0) return static_cast<std::size_t>(rt.config().am_ring);
  // A quarter of a ring is the largest payload: 64 KiB fits up to 256 PEs, and every PE's rings
  // together stay near 64 MiB of (lazily touched) heap beyond that.
  const std::size_t share = (std::size_t(64) << 20) / static_cast<std::size_t>(rt.n_pes());
  return std::clamp<std::size_t>(std::bit_floor(share), std::size_t(16) << 10, std::size_t(256) << 10);
}

Mailbox::Mailbox(core::Runtime& rt, char* area, std::size_t ring_bytes)
    : rt_(rt),
      n_pes_(rt.n_pes()),
      my_pe_(rt.my_pe()),
      area_(area),
      area_offset_(static_cast<std::size_t>(area - rt.segment(core::kHeapSegment).base)),
      ring_bytes_(ring_bytes),
      peers_(static_cast<std::size_t>(rt.n_pes())),
      handlers_(new Registered[kMaxHandlers]) {
  int by_stores = 0, by_messages = 0;
  std::size_t limit = 0;
  for (int pe = 0; pe < n_pes_; ++pe) {
    if (core::host_address(rt, pe, {core::kHeapSegment, 0})) {
      ++by_stores;
    } else if (rt.config().am_message_path && (peers_[pe].message_limit = core::message_path_limit(rt, pe))) {
      ++by_messages;
      limit = peers_[pe].message_limit;
    }
  }
  CW_LOG_AT(am, util::LogLevel::info,
            "rings of %zu bytes per source; messages reach %d PEs by stores, %d by the transport's message "
            "path (up to %zu bytes), %d by put_signal",
            ring_bytes, by_stores, by_messages, limit, n_pes_ - by_stores - by_messages);
}

void Mailbox::connect_receiver(bool connect) {
  rt_.set_message_receiver(connect ? core::MessageReceiver{&Mailbox::deliver_hook, this}
                                   : core::MessageReceiver{});
}

int Mailbox::register_handler(core::Runtime& rt, Handler fn, void* user, const char* call) {
  int id = -1;
  {
    std::lock_guard lock(registry_mutex_);
    Mailbox* box = get();
    if (!box) {
      const std::size_t ring = ring_bytes_for(rt);
      if (ring % kSlotBytes != 0 || ring < 1024)
        util::fatal_user_error(call, "CAUSEWAY_AM_RING = %zu must be a multiple of %zu and at least 1024",
                               ring, kSlotBytes);
      const std::size_t bytes = std::size_t(rt.n_pes()) * (64 + ring);
      // Collective (every PE registers in the same order), and it ends with a barrier.
      char* area = static_cast<char*>(rt.heap_allocate(bytes, 4096, call, /*zero=*/true));
      if (!area)
        util::fatal_user_error(
            call,
            "cannot allocate the %zu bytes of active-message rings (%d PEs x %zu) from the "
            "symmetric heap; raise SHMEM_SYMMETRIC_SIZE or lower CAUSEWAY_AM_RING",
            bytes, rt.n_pes(), ring);
      box = new Mailbox(rt, area, ring);
      box->connect_receiver(true);  // before the barrier below: no peer sends before it
      // quiet must now also wait for active messages, so it can no longer be an inlined fence.
      rt.route_quiet_through_library();
      rt.progress_engine().add_hook({&Mailbox::poll_hook, &Mailbox::quiet_hook, box});
      instance_.store(box, std::memory_order_release);
    }
    const int count = box->handler_count_.load(std::memory_order_relaxed);
    if (count < kMaxHandlers) {
      Registered& r = box->handlers_[count];
      r.fn = fn;
      r.user = user;
      std::snprintf(r.name, sizeof r.name, "active-message handler %d", count);
      box->handler_count_.store(count + 1, std::memory_order_release);
      id = count;
    }
  }
  if (rt.checks())
    rt.check_collective_agreement(call, "id (handlers registered so far)", static_cast<std::size_t>(id + 1),
                                  "", 0);
  // No peer may send to the new id before every PE has it.
  core::barrier_all(rt);
  return id;
}

void Mailbox::finalize() {
  Mailbox* box = get();
  if (!box) return;
  // Messages sent before shmem_finalize still run: the barrier's quiet waits for this PE's, and
  // its waits run the handlers of everyone else's, before the rings stop being polled.
  core::barrier_all(box->rt_);
  std::lock_guard lock(registry_mutex_);
  instance_.store(nullptr, std::memory_order_release);
  box->rt_.progress_engine().remove_hook(box);
  box->connect_receiver(false);
  delete box;
}

uint64_t Mailbox::consumed_by(int pe) const {
  return __atomic_load_n(word_at(area_ + std::size_t(pe) * 64), __ATOMIC_ACQUIRE);
}

uint64_t Mailbox::done_by(int pe) const {
  return __atomic_load_n(word_at(area_ + std::size_t(pe) * 64 + kDoneOffset), __ATOMIC_ACQUIRE);
}

uint64_t Mailbox::reply_mark_by(int pe) const {
  return __atomic_load_n(word_at(area_ + std::size_t(pe) * 64 + kReplyMarkOffset), __ATOMIC_ACQUIRE);
}

void Mailbox::send(core::Context* ctx, int pe, int id, const void* payload, std::size_t nbytes,
                   const char* call) {
  // A message is a stamped call: on a causal context what the context issued before it must be
  // visible to every PE first, so that whoever learns of the message (its handler, and anyone the
  // target tells afterwards) sees it (G3).
  if (causal(ctx)) core::issue_quiet(rt_, *ctx, call);
  try_send(ctx, pe, id, 0, payload, nbytes, nbytes, /*wait=*/true, call);
}

void Mailbox::send_long(core::Context* ctx, int pe, int id, core::Location dest, const void* src,
                        std::size_t nbytes, const char* call) {
  // The data first, ordered before the message that announces it (on a causal context, complete
  // with everything else the context issued, as for send).
  core::issue_put(rt_, ctx, pe, dest, src, nbytes, /*nbi=*/false, call);
  if (causal(ctx))
    core::issue_quiet(rt_, *ctx, call);
  else
    core::issue_fence(rt_, ctx ? *ctx : rt_.default_context(), call);
  const LongRef ref{static_cast<uint64_t>(dest.segment), dest.offset};
  try_send(ctx, pe, id, kLong, &ref, sizeof ref, nbytes, /*wait=*/true, call);
}

void Mailbox::reply(shmemx_am_token* token, int id, const void* payload, std::size_t nbytes,
                    const char* call) {
  if (token->replies++ > 0)
    util::fatal_user_error(call, "%s replied more than once (at most one reply per message)", token->handler);
  Peer& p = peers_[token->source];
  // In order behind replies already waiting; never blocks (it runs inside progress).
  if (p.replies.empty() &&
      try_send(nullptr, token->source, id, kReply, payload, nbytes, nbytes, /*wait=*/false, call)) {
    p.replied = true;
    return;
  }
  const auto* bytes = static_cast<const std::byte*>(payload);
  p.replies.push_back({id, std::vector<std::byte>(bytes, bytes + nbytes)});
}

bool Mailbox::try_send(core::Context* ctx, int pe, int id, uint8_t flags, const void* payload,
                       std::size_t inline_bytes, std::size_t nbytes, bool wait, const char* call) {
  Peer& p = peers_[pe];
  const uint64_t slots = ring_slots(), need = slots_for(inline_bytes);
  util::Backoff backoff(rt_.backoff_policy());
  std::optional<util::WaitScope> waiting;  // set once the ring is full
  for (;;) {
    uint64_t pos = p.tail.load(std::memory_order_relaxed);
    const uint64_t at = pos % slots;
    const uint64_t pad = at + need > slots ? slots - at : 0;  // a message never wraps
    const uint64_t end = pos + pad + need;
    if (end - consumed_by(pe) > slots) {
      // No room: the target has not run enough of this PE's earlier messages yet.
      if (!wait) return false;
      if (!waiting)
        waiting.emplace(
            util::WaitNote{.call = call, .what = "room in the message ring (messages to run)", .peer = pe});
      core::backoff_round(rt_, backoff, true, [&] { return end - consumed_by(pe) <= slots; });
      continue;
    }
    if (!p.tail.compare_exchange_weak(pos, end, std::memory_order_relaxed)) continue;
    if (pad) write_message(ctx, pe, pos, 0, kPad, 0, nullptr, 0, 0, call);
    // Sending is an event peers observe: it ticks the context's clock (a reply, the default's).
    const uint64_t stamp = Clocks::get().tick(ctx ? *ctx : rt_.default_context(), call);
    t_last_stamp_ = stamp;
    write_message(ctx, pe, pos + pad, id, flags, stamp, payload, inline_bytes, nbytes, call);
    return true;
  }
}

void Mailbox::write_message(core::Context* ctx, int pe, uint64_t slot, int id, uint8_t flags, uint64_t stamp,
                            const void* payload, std::size_t inline_bytes, std::size_t nbytes,
                            const char* call) {
  const std::size_t offset = ring_offset(my_pe_) + (slot % ring_slots()) * kSlotBytes;
  const Header header{slot + 1, static_cast<uint32_t>(nbytes), static_cast<uint16_t>(id), flags, 0, stamp};
  if (char* remote = core::host_address(rt_, pe, {core::kHeapSegment, offset})) [[likely]] {
    store_message(remote, header, payload, inline_bytes);  // a mapped peer
    rt_.ring_doorbell(pe);
    return;
  }
  if (kHeaderBytes + inline_bytes <= peers_[pe].message_limit) {
    // One message: the target writes it into this ring slot on arrival (deliver). Larger ones take
    // the put_signal below into the same ring, so the two kinds still run in slot order.
    core::issue_message(rt_, ctx, pe, &header, kHeaderBytes, payload, inline_bytes, call);
    return;
  }
  // Through the transport: the body by one put, the tag as its signal.
  thread_local std::vector<char> staging;
  staging.resize(kHeaderBytes - kBody + inline_bytes);
  std::memcpy(staging.data(), reinterpret_cast<const char*>(&header) + kBody, kHeaderBytes - kBody);
  if (inline_bytes) std::memcpy(staging.data() + (kHeaderBytes - kBody), payload, inline_bytes);
  core::issue_put_signal(rt_, ctx, pe, {core::kHeapSegment, offset + kBody}, staging.data(), staging.size(),
                         {core::kHeapSegment, offset}, header.tag, tl::AmoOp::set, /*nbi=*/false, call);
}

void Mailbox::deliver_hook(void* self, int source, const void* header, std::size_t header_bytes,
                           const void* payload, std::size_t payload_bytes) {
  static_cast<Mailbox*>(self)->deliver(source, header, header_bytes, payload, payload_bytes);
}

void Mailbox::deliver(int source, const void* header_bytes_in, std::size_t header_bytes, const void* payload,
                      std::size_t payload_bytes) {
  Header header;
  const uint64_t slots = ring_slots();
  bool fits = header_bytes == kHeaderBytes && source >= 0 && source < n_pes_;
  if (fits) {
    std::memcpy(&header, header_bytes_in, kHeaderBytes);
    if (header.flags & kCredit) {
      if (payload_bytes == sizeof(Credit)) {
        Credit credit;
        std::memcpy(&credit, payload, sizeof credit);
        apply_credit(source, credit);
        return;
      }
      fits = false;
    } else {
      const uint64_t at = (header.tag - 1) % slots;
      fits = header.tag != 0 && slots_for(payload_bytes) <= slots - at;
    }
  }
  if (!fits)
    util::fatal_user_error("shmemx_am_progress",
                           "a transport delivered a malformed active message (source PE %d, %zu header "
                           "bytes, %zu payload bytes)",
                           source, header_bytes, payload_bytes);
  // The sender reserved the slot against the room this PE gave it, so it is free: written exactly
  // as a mapped sender (or a put_signal) would have left it.
  store_message(area_ + (ring_offset(source) - area_offset_) + ((header.tag - 1) % slots) * kSlotBytes,
                header, payload, payload_bytes);
  rt_.ring_doorbell(my_pe_);  // another thread here may sleep waiting for it
}

int Mailbox::drain(bool wait_for_lock) {
  if (wait_for_lock) {
    while (draining_.test_and_set(std::memory_order_acquire)) causeway_cpu_pause();
  } else if (draining_.test_and_set(std::memory_order_acquire)) {
    return 0;  // another thread is running handlers
  }
  int ran = 0;
  for (int i = 0; i < n_pes_; ++i) {
    const int source = (next_source_ + i) % n_pes_;
    flush_replies(source);
    ran += drain_source(source, kBatch);
    publish_consumed(source);
  }
  next_source_ = (next_source_ + 1) % n_pes_;
  draining_.clear(std::memory_order_release);
  return ran;
}

int Mailbox::drain_source(int source, int budget) {
  Peer& p = peers_[source];
  char* ring = area_ + (ring_offset(source) - area_offset_);
  const uint64_t slots = ring_slots();
  uint64_t head = p.head.load(std::memory_order_relaxed);
  int ran = 0;
  while (ran < budget) {
    char* first = ring + (head % slots) * kSlotBytes;
    if (__atomic_load_n(word_at(first), __ATOMIC_ACQUIRE) != head + 1) break;
    rt_.make_visible();
    Header header;
    std::memcpy(&header, first, kHeaderBytes);
    uint64_t used;
    if (header.flags & kPad) {
      used = slots - head % slots;
    } else {
      const std::size_t inline_bytes = (header.flags & kLong) ? sizeof(LongRef) : header.nbytes;
      used = slots_for(inline_bytes);
      run_handler(source, header, first + kHeaderBytes);
      ++ran;
    }
    // Every slot's first word back to 0, so stale payload can never pass for a later tag.
    for (uint64_t k = 0; k < used; ++k)
      __atomic_store_n(word_at(first + k * kSlotBytes), 0, __ATOMIC_RELAXED);
    head += used;
  }
  p.head.store(head, std::memory_order_release);  // after the handlers' effects (quiet reads it)
  return ran;
}

void Mailbox::run_handler(int source, const Header& header, const char* inline_payload) {
  if (!valid_handler(header.handler))
    util::fatal_user_error(
        "shmemx_am_progress",
        "PE %d sent an active message for handler id %u, which is not registered on this PE "
        "(every PE must register the same handlers in the same order before any is used)",
        source, static_cast<unsigned>(header.handler));
  const Registered& r = handlers_[header.handler];
  const void* payload = inline_payload;
  if (header.flags & kLong) {
    LongRef ref;
    std::memcpy(&ref, inline_payload, sizeof ref);
    payload = rt_.segment(static_cast<int>(ref.segment)).base + ref.offset;
  }
  // Running the handler observes the send: the default context's clock merges its stamp first.
  Clocks::get().merge_lane(0, header.stamp);
  shmemx_am_token token{source, 0, r.name, header.stamp};
  const char* outer = core::t_restricted_section;
  core::t_restricted_section = r.name;
  r.fn(&token, source, payload, header.nbytes, r.user);
  core::t_restricted_section = outer;
}

void Mailbox::flush_replies(int source) {
  Peer& p = peers_[source];
  while (!p.replies.empty()) {
    PendingReply& r = p.replies.front();
    if (!try_send(nullptr, source, r.id, kReply, r.payload.data(), r.payload.size(), r.payload.size(),
                  /*wait=*/false, "shmemx_am_reply"))
      return;
    p.replied = true;
    p.replies.pop_front();
  }
}

void Mailbox::apply_credit(int source, const Credit& credit) {
  char* line = area_ + std::size_t(source) * 64;
  // Each word only grows (a late credit never takes one back); the mark lands before the count that
  // announces it, as publish_consumed's fence orders them on the other path.
  const auto raise = [&](std::size_t offset, uint64_t value) {
    uint64_t* word = word_at(line + offset);
    if (value > __atomic_load_n(word, __ATOMIC_RELAXED)) __atomic_store_n(word, value, __ATOMIC_RELEASE);
  };
  raise(kReplyMarkOffset, credit.reply_mark);
  raise(kDoneOffset, credit.done);
  raise(0, credit.consumed);
  rt_.ring_doorbell(my_pe_);  // a thread here may sleep waiting for room or completion
}

void Mailbox::publish_consumed(int source) {
  Peer& p = peers_[source];
  const uint64_t head = p.head.load(std::memory_order_relaxed);
  const bool done = p.replies.empty();  // the count of run messages waits for their replies
  if (head == p.published_consumed && (!done || head == p.published_done)) return;
  core::Context& ctx = rt_.default_context();
  std::atomic_thread_fence(std::memory_order_release);  // the cleared tags before the count
  if (peers_[source].message_limit) {
    // One message carries all three; the replies went before it, but need not arrive first (the
    // source runs its ring up to the mark, however long they take).
    Credit credit{head, done ? head : p.published_done, 0};
    if (done && p.replied) credit.reply_mark = p.tail.load(std::memory_order_acquire);
    const Header header{0, sizeof credit, 0, kCredit, 0, 0};
    core::issue_message(rt_, nullptr, source, &header, kHeaderBytes, &credit, sizeof credit,
                        "shmemx_am_progress");
    p.published_consumed = head;
    if (done) {
      p.published_done = head;
      p.replied = false;
    }
    return;
  }
  const auto set_word = [&](std::size_t offset, uint64_t value) {
    const tl::AmoArgs set{tl::AmoOp::set, 8, value, 0, nullptr};
    const Status s = core::issue_amo(rt_, nullptr, source, {core::kHeapSegment, offset}, set, /*nbi=*/true);
    if (is_error(s)) core::report_status(rt_, s, "shmemx_am_progress", source);
  };
  // Room first, always: holding it back while replies wait could deadlock two PEs that both
  // reply to each other.
  if (head != p.published_consumed) {
    set_word(consumed_offset(my_pe_), head);
    p.published_consumed = head;
  }
  if (done && head != p.published_done) {
    if (p.replied) {
      // The replies went into this PE's ring at the source, maybe behind slots another thread
      // here has reserved and not written yet: the source's quiet must read up to the tail, not
      // just to the first gap. The mark, then (fenced) the count that announces it.
      set_word(consumed_offset(my_pe_) + kReplyMarkOffset, p.tail.load(std::memory_order_acquire));
      core::issue_fence(rt_, ctx, "shmemx_am_progress");
      p.replied = false;
    }
    set_word(consumed_offset(my_pe_) + kDoneOffset, head);
    p.published_done = head;
  }
  rt_.ring_doorbell(source);  // it may sleep waiting for room or for completion
}

void Mailbox::quiet() {
  for (int pe = 0; pe < n_pes_; ++pe) {
    const uint64_t sent = peers_[pe].tail.load(std::memory_order_acquire);
    if (sent == 0) continue;
    const util::WaitNote note{.call = "shmem_quiet", .what = "active messages to run", .peer = pe};
    wait_until(note, [&] { return done_by(pe) >= sent; });
    // Every reply to those messages is in the ring from `pe` below its mark: run up to it.
    const uint64_t mark = reply_mark_by(pe);
    const util::WaitNote replies{.call = "shmem_quiet", .what = "replies to active messages", .peer = pe};
    wait_until(replies, [&] {
      if (peers_[pe].head.load(std::memory_order_acquire) >= mark) return true;
      drain(/*wait_for_lock=*/true);
      return peers_[pe].head.load(std::memory_order_acquire) >= mark;
    });
  }
  // And whatever else has arrived. Taking the drain lock here also orders this thread's earlier
  // writes before handlers that another thread (the progress thread) runs later.
  drain(/*wait_for_lock=*/true);
}

template <class Pred>
void Mailbox::wait_until(const util::WaitNote& note, Pred&& pred) {
  if (pred()) return;
  util::WaitScope scope(note);
  util::Backoff backoff(rt_.backoff_policy());
  while (!pred()) core::backoff_round(rt_, backoff, true, pred);
}

}  // namespace causeway::am
