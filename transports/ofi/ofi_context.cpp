// SPDX-License-Identifier: BSD-3-Clause
// ofi: contexts (one initiator endpoint and completion queue each), completions, the ordering
// rules, fence, quiet and progress.
//
// Completion: every operation is posted with a Pending record as its context and counts as issued;
// its completion-queue entry (delivery complete: a write's entry means the target has placed the
// data) counts it as completed. quiet polls until completed == issued; quiet_pe until none of the
// outstanding operations targets that PE.
//
// Ordering: the transport relies only on the ordering the provider granted (tx_attr->msg_order, for
// transfers up to ep_attr->max_order_*_size), per endpoint: nothing orders two endpoints' operations.
// Before an operation is posted it waits for earlier ones of the context whose order with it is not
// granted and that touch overlapping bytes of the same peer (a get after a put to the same word must
// see the put). After a fence, a write waits for the earlier writes whose order with it is not
// granted; fence is free when the provider places writes of every kind and size in order on the one
// endpoint. FI_FENCE is not used: few RDM providers offer it (tcp;ofi_rxm does not). A provider that
// orders RMA transfers only without FI_ATOMIC (tcp;ofi_rxm) gets a second endpoint per context for
// puts and gets (OfiTransport::rma_info), so that puts after puts need no waiting there.
#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "transports/ofi/ofi.hpp"
#include "util/log.hpp"

namespace causeway::tl::ofi {

namespace {

// Polls with `step` until `done`; yields the CPU now and then, since the peer that must answer may
// share this core.
template <typename Done>
void poll_until(OfiContext* c, Done&& done) {
  int idle = 0;
  while (!done()) {
    if (poll(c) > 0) {
      idle = 0;
    } else if (++idle > 4) {
      sched_yield();
      idle = 0;
    }
  }
}

void unlink(OfiContext* c, Pending* p) {
  (p->prev ? p->prev->next : c->head) = p->next;
  (p->next ? p->next->prev : c->tail) = p->prev;
  p->prev = p->next = nullptr;
}

void release(OfiContext* c, Pending* p) {
  if (p->slot >= 0) c->free_slots.push_back(p->slot);
  p->slot = -1;
  if (p->local_mr) fi_close(&p->local_mr->fid);
  p->local_mr = nullptr;
  delete[] p->staging;
  p->staging = nullptr;
}

void complete(OfiContext* c, Pending* p, bool ok) {
  if (ok && p->copy_to) std::memcpy(p->copy_to, slot_ptr(c, p->slot) + p->copy_from, p->copy_len);
  release(c, p);
  unlink(c, p);
  if (writes(p->cls)) --c->outstanding_writes;
  ++c->completed;
  p->failed = !ok;
  if (!ok && c->error == Status::ok) c->error = Status::io_error;
  p->done = true;
  if (!p->waited) free_pending(c, p);
}

// After fi_cq_read answered `ret` (no entries): reads and reports an error entry; completes its
// operation (as failed) when `c` owns the queue. Returns the entries consumed.
int read_error(fid_cq* cq, ssize_t ret, OfiContext* c, const char* which) {
  if (ret == -FI_EAGAIN) return 0;
  if (ret == -FI_EAVAIL) {
    fi_cq_err_entry err{};
    if (fi_cq_readerr(cq, &err, 0) != 1) return 0;
    if (!c && err.err == FI_ECANCELED) return 1;  // a receive cancelled as the endpoint closes
    char detail[256] = "";
    fi_cq_strerror(cq, err.prov_errno, err.err_data, detail, sizeof detail);
    util::log(util::LogLevel::error, "ofi: an operation on the %s completion queue failed: %s (%s)", which,
              fi_strerror(err.err), detail);
    if (c && err.op_context) complete(c, static_cast<Pending*>(err.op_context), false);
    return 1;
  }
  fail("fi_cq_read", ret);
  return 0;
}

// Reads up to a batch of entries from a context's queue and completes them.
int read_cq(fid_cq* cq, OfiContext* c, const char* which) {
  fi_cq_entry entries[16];
  const ssize_t ret = fi_cq_read(cq, entries, 16);
  if (ret <= 0) return read_error(cq, ret, c, which);
  for (ssize_t i = 0; i < ret; ++i)
    if (entries[i].op_context) complete(c, static_cast<Pending*>(entries[i].op_context), true);
  return static_cast<int>(ret);
}

// Reads up to a batch of the target queue's entries: messages that arrived (peers' RMA and atomics
// leave no entries; they only need the reads' progress).
int read_target(OfiTransport* t) {
  if (t->unposted) [[unlikely]]
    repost_receives(t);
  fi_cq_msg_entry entries[16];
  const ssize_t ret = fi_cq_read(t->target_cq, entries, 16);
  if (ret <= 0) return read_error(t->target_cq, ret, nullptr, "target");
  for (ssize_t i = 0; i < ret; ++i)
    if (entries[i].flags & FI_RECV) deliver_message(t, entries[i].op_context, entries[i].len);
  return static_cast<int>(ret);
}

// The target endpoint's progress (peers' operations on this PE's memory are served here).
int poll_target(OfiTransport* t, bool domain_locked) {
  if (t->serialise_domain) return domain_locked ? read_target(t) : 0;
  std::unique_lock lock(t->target_mutex, std::try_to_lock);
  return lock.owns_lock() ? read_target(t) : 0;
}

// Is the provider's order of `earlier` then `later` granted, so that nothing need wait?
bool ordered(const OfiTransport* t, const Pending* e, const Pending* l) {
  // Atomics that commute with each other (two adds, two ands...) need no order.
  if (e->cls == OpClass::amo_write && l->cls == OpClass::amo_write && e->amo_op == l->amo_op &&
      (e->amo_op == static_cast<uint8_t>(AmoOp::add) || e->amo_op == static_cast<uint8_t>(AmoOp::bit_and) ||
       e->amo_op == static_cast<uint8_t>(AmoOp::bit_or) || e->amo_op == static_cast<uint8_t>(AmoOp::bit_xor)))
    return true;
  if (e->on_rma_ep != l->on_rma_ep) return false;  // nothing orders two endpoints' operations
  const std::size_t size = e->len > l->len ? e->len : l->len;
  // Both on the RMA endpoint: its order holds at any size for reads and writes after writes.
  const bool rma_ep = e->on_rma_ep;
  const uint64_t order = rma_ep ? t->rma_order : t->order;
  auto granted = [&](uint64_t any, uint64_t rma, uint64_t amo, std::size_t limit) {
    uint64_t bits = any;
    if (!atomic(e->cls) && !atomic(l->cls)) bits |= rma;
    if (atomic(e->cls) && atomic(l->cls)) bits |= amo;
    return (order & bits) != 0 && size <= limit;
  };
  if (writes(e->cls) && reads(l->cls) &&
      !granted(FI_ORDER_RAW, FI_ORDER_RMA_RAW, FI_ORDER_ATOMIC_RAW, rma_ep ? SIZE_MAX : t->order_raw_size))
    return false;
  if (reads(e->cls) && writes(l->cls) &&
      !granted(FI_ORDER_WAR, FI_ORDER_RMA_WAR, FI_ORDER_ATOMIC_WAR,
               rma_ep ? t->rma_order_war_size : t->order_war_size))
    return false;
  if (writes(e->cls) && writes(l->cls) &&
      !granted(FI_ORDER_WAW, FI_ORDER_RMA_WAW, FI_ORDER_ATOMIC_WAW, rma_ep ? SIZE_MAX : t->order_waw_size))
    return false;
  return true;
}

bool overlap(const Pending* a, const Pending* b) {
  return a->pe == b->pe && a->segment == b->segment && a->offset < b->offset + b->len &&
         b->offset < a->offset + a->len;
}

void close_context(OfiContext* c) {
  if (c->bounce_mr) fi_close(&c->bounce_mr->fid);
  if (c->rma_ep) fi_close(&c->rma_ep->fid);
  if (c->ep) fi_close(&c->ep->fid);
  if (c->cq) fi_close(&c->cq->fid);
  std::free(c->bounce);
  for (Pending* p : c->free_pending) delete p;
  delete c;
}

}  // namespace

void start_target_progress(OfiTransport* t) {
  t->stop_target.store(false);
  t->target_thread = std::thread([t] {
    // Blocks on the target CQ's wait descriptor when the provider offers one (fi_trywait says when
    // that is safe), else sleeps, backing off to a millisecond. The PE's own waits poll the target
    // endpoint on every round, so this only matters while it makes no calls: while it does, the
    // thread sleeps on a timer instead. Woken by each arrival, it took the CPU from the PE pinned
    // there, which then found the lock held: a ping-pong over tcp;ofi_rxm took twice as long.
    // The nap doubles while the PE keeps polling (each wake-up preempts it on its core), so the
    // thread takes over at most kLongestStandDown after it stops.
    constexpr auto kFirstStandDown = std::chrono::microseconds(500);
    constexpr auto kLongestStandDown = std::chrono::microseconds(4000);
    auto stand_down = kFirstStandDown;
    auto pause = std::chrono::microseconds(50);
    uint64_t polls_seen = t->pe_polls.load(std::memory_order_relaxed);
    while (!t->stop_target.load(std::memory_order_relaxed)) {
      if (const uint64_t polls = t->pe_polls.load(std::memory_order_relaxed); polls != polls_seen) {
        polls_seen = polls;
        std::this_thread::sleep_for(stand_down);
        stand_down = std::min(2 * stand_down, kLongestStandDown);
        continue;
      }
      stand_down = kFirstStandDown;
      int events = 0;
      if (t->serialise_domain) {
        std::unique_lock lock(t->domain_mutex, std::try_to_lock);
        if (lock.owns_lock()) events = read_target(t);
      } else {
        events = poll_target(t, false);
      }
      if (events > 0) {
        pause = std::chrono::microseconds(50);
        continue;
      }
      if (t->target_fd >= 0 && !t->serialise_domain) {
        fid* fids[1] = {&t->target_cq->fid};
        if (fi_trywait(t->fabric, fids, 1) == 0) {
          pollfd pfd{t->target_fd, POLLIN, 0};
          ::poll(&pfd, 1, 1);
        } else {
          // Busy, yet the read found nothing: what is pending may need a thread on this CPU (the
          // PE itself, or a peer pinned here) to run first. Spinning would keep it off.
          sched_yield();
        }
        continue;
      }
      std::this_thread::sleep_for(pause);
      if (pause < std::chrono::microseconds(1000)) pause *= 2;
    }
  });
}

void stop_target_progress(OfiTransport* t) {
  if (!t->target_thread.joinable()) return;
  t->stop_target.store(true);
  t->target_thread.join();
}

int poll(OfiContext* c) {
  auto* t = ofi_of(c->transport);
  t->pe_polls.fetch_add(1, std::memory_order_relaxed);
  return read_cq(c->cq, c, "context") + poll_target(t, true);
}

char* slot_ptr(OfiContext* c, int slot) { return c->bounce + static_cast<std::size_t>(slot) * kSlotSize; }

Pending* new_pending(OfiContext* c, OpClass cls, int pe, int segment, std::size_t offset, std::size_t len) {
  Pending* p;
  if (c->free_pending.empty()) {
    p = new Pending;
  } else {
    p = c->free_pending.back();
    c->free_pending.pop_back();
    *p = Pending{};
  }
  p->cls = cls;
  p->pe = pe, p->segment = segment, p->offset = offset, p->len = len;
  return p;
}

void free_pending(OfiContext* c, Pending* p) { c->free_pending.push_back(p); }

void discard(OfiContext* c, Pending* p) {
  release(c, p);
  free_pending(c, p);
}

int take_slot(OfiContext* c) {
  poll_until(c, [c] { return !c->free_slots.empty(); });
  const int slot = c->free_slots.back();
  c->free_slots.pop_back();
  return slot;
}

void track(OfiContext* c, Pending* p) {
  p->prev = c->tail;
  p->next = nullptr;
  (c->tail ? c->tail->next : c->head) = p;
  c->tail = p;
  p->seq = c->issued++;
  if (writes(p->cls)) ++c->outstanding_writes;
}

Status order_before(OfiContext* c, const Pending* p) {
  auto* t = ofi_of(c->transport);
  poll_until(c, [c, t] { return c->issued - c->completed < t->max_outstanding; });
  if (c->fence_seq && writes(p->cls)) {
    // The writes before the fence that are still outstanding come first in the list.
    if (!c->head || c->head->seq >= c->fence_seq) c->fence_seq = 0;
    for (const Pending* q = c->head; q && q->seq < c->fence_seq; q = q->next)
      if (writes(q->cls) && !ordered(t, q, p)) {
        c->fence_seq = 0;
        return drain(c);
      }
  }
  for (const Pending* q = c->head; q; q = q->next)
    if (overlap(q, p) && !ordered(t, q, p)) return drain(c);
  return Status::ok;
}

Status wait_done(OfiContext* c, Pending* p) {
  poll_until(c, [p] { return p->done; });
  const Status s = p->failed ? Status::io_error : Status::ok;
  free_pending(c, p);
  return s;
}

Status drain(OfiContext* c) {
  poll_until(c, [c] { return c->completed == c->issued; });
  return Status::ok;
}

Status context_create(Transport* t, long, Context** out) {
  auto* o = ofi_of(t);
  auto* c = new OfiContext;
  c->transport = t;
  c->mutex = o->serialise_domain ? &o->domain_mutex : &c->own_mutex;
  Status s;
  {
    std::unique_lock lock(o->domain_mutex, std::defer_lock);
    if (o->serialise_domain) lock.lock();
    s = open_endpoint(o, &c->ep, &c->cq, &c->cq_fd);
    if (!is_error(s) && o->rma_info) s = open_endpoint_on(o, o->rma_info, c->cq, &c->rma_ep);
  }
  const std::size_t bytes = kSlots * kSlotSize;
  if (!is_error(s)) {
    c->bounce = static_cast<char*>(std::aligned_alloc(kSlotSize, bytes));
    s = c->bounce ? register_region(o, c->bounce, bytes, FI_READ | FI_WRITE, c->ep, &c->bounce_mr)
                  : Status::no_memory;
  }
  if (is_error(s)) {
    close_context(c);
    return s;
  }
  c->bounce_desc = fi_mr_desc(c->bounce_mr);
  for (int i = kSlots - 1; i >= 0; --i) c->free_slots.push_back(i);
  *out = c;
  return Status::ok;
}

void context_destroy(Context* ctx) {
  auto* c = ctx_of(ctx);
  {
    std::lock_guard lock(*c->mutex);
    drain(c);
  }
  std::unique_lock lock(ofi_of(c->transport)->domain_mutex, std::defer_lock);
  if (ofi_of(c->transport)->serialise_domain) lock.lock();
  close_context(c);
}

Status fence(Context* ctx) {
  auto* c = ctx_of(ctx);
  if (ofi_of(c->transport)->fence_is_free) return Status::ok;
  std::lock_guard lock(*c->mutex);
  if (c->outstanding_writes > 0) c->fence_seq = c->issued;
  return Status::ok;
}

Status quiet(Context* ctx) {
  auto* c = ctx_of(ctx);
  std::lock_guard lock(*c->mutex);
  drain(c);
  c->fence_seq = 0;
  const Status s = c->error;
  c->error = Status::ok;
  return s;
}

// Completes the operations (messages included) to `pe`; the others stay in flight.
Status quiet_pe(Context* ctx, int pe) {
  auto* c = ctx_of(ctx);
  std::lock_guard lock(*c->mutex);
  poll_until(c, [c, pe] {
    for (const Pending* q = c->head; q; q = q->next)
      if (q->pe == pe) return false;
    return true;
  });
  const Status s = c->error;
  c->error = Status::ok;
  return s;
}

int progress(Context* ctx) {
  auto* c = ctx_of(ctx);
  std::unique_lock lock(*c->mutex, std::try_to_lock);
  if (lock.owns_lock()) return poll(c);
  const int events = poll_target(ofi_of(c->transport), false);
  return events > 0 ? events : kProgressHeld;
}

// The target CQ's descriptor: what a sleeping wait waits for is mostly a peer's operation landing
// here, which the target endpoint's progress performs. libfabric lets a thread block on it only
// after fi_trywait, which resets it and answers -FI_EAGAIN while completions are pending (blocked
// without it, the descriptor can stay readable and sleepers spin). The context's own CQ is asked
// too, so that its completions are read before anyone sleeps. A domain serialised by a lock is not
// asked from here (the waits nap on a timer).
int wait_fd(Context* ctx) {
  auto* c = ctx_of(ctx);
  auto* t = ofi_of(c->transport);
  if (t->serialise_domain || t->target_fd < 0 || c->cq_fd < 0) return kWaitFdNone;
  fid* fids[2] = {&c->cq->fid, &t->target_cq->fid};
  const int ret = fi_trywait(t->fabric, fids, 2);
  return ret == 0 ? t->target_fd : ret == -FI_EAGAIN ? kWaitFdBusy : kWaitFdNone;
}

}  // namespace causeway::tl::ofi
