// SPDX-License-Identifier: BSD-3-Clause
// The UCX transport: contexts, data operations, ordering and completion (see ucx.hpp).
#include <sched.h>

#include <algorithm>
#include <cstring>

#include "transports/ucx/ucx.hpp"
#include "util/log.hpp"

namespace causeway::tl::ucx {

namespace {

const ucp_request_param_t kNoParams{};  // UCX wants a parameter record even when it is empty

ucs_status_ptr_t flush_worker(UcxContext* c) { return ucp_worker_flush_nbx(c->worker, &kNoParams); }

// Scratch slots a context may hold before it completes its operations to recycle them.
constexpr std::size_t kMaxScratch = 1 << 16;

// Serves peers' software-emulated operations while this thread waits on another worker; returns
// the events processed.
unsigned progress_main(UcxTransport* u, UcxContext* c) {
  if (!c->owns_worker) return 0;  // c drives the main worker itself
  unsigned events = 0;
  if (u->main_mutex.try_lock()) {
    events = ucp_worker_progress(u->main_worker);
    u->main_mutex.unlock();
  }
  return events;
}

// Waits for a request (with the context's lock held) and releases it.
Status finish(UcxContext* c, ucs_status_ptr_t request, const char* what) {
  if (request == nullptr) return Status::ok;
  ucs_status_t s;
  if (UCS_PTR_IS_ERR(request)) {
    s = UCS_PTR_STATUS(request);
  } else {
    auto* u = ucx_of(c->transport);
    // Idle rounds give up the CPU now and then: with more PEs than cores, the peer this request
    // waits for may need this core to run (UCX over tcp or shm executes it in the peer's progress).
    int idle = 0;
    while ((s = ucp_request_check_status(request)) == UCS_INPROGRESS) {
      if (ucp_worker_progress(c->worker) + progress_main(u, c) > 0) {
        idle = 0;
      } else if (++idle > 16) {
        sched_yield();
        idle = 0;
      }
    }
    ucp_request_free(request);
  }
  if (s == UCS_OK) return Status::ok;
  util::log(util::LogLevel::error, "ucx: %s failed: %s", what, ucs_status_string(s));
  return status_of(s);
}

// Lets an operation complete in the background: quiet (a worker flush) completes it.
Status detach(ucs_status_ptr_t request, const char* what) {
  if (request == nullptr) return Status::ok;
  if (UCS_PTR_IS_ERR(request)) {
    util::log(util::LogLevel::error, "ucx: %s failed: %s", what, ucs_status_string(UCS_PTR_STATUS(request)));
    return status_of(UCS_PTR_STATUS(request));
  }
  ucp_request_free(request);
  return Status::ok;
}

ucp_ep_h endpoint(UcxContext* c, int pe) {
  if (c->eps[pe]) [[likely]]
    return c->eps[pe];
  auto* u = ucx_of(c->transport);
  const auto& address = u->peers[pe].address;
  if (address.empty()) return nullptr;
  ucp_ep_params_t params{};
  params.field_mask = UCP_EP_PARAM_FIELD_REMOTE_ADDRESS;
  params.address = reinterpret_cast<const ucp_address_t*>(address.data());
  if (ucs_status_t s = ucp_ep_create(c->worker, &params, &c->eps[pe]); s != UCS_OK) {
    util::log(util::LogLevel::error, "ucx: ucp_ep_create to PE %d failed: %s", pe, ucs_status_string(s));
    c->eps[pe] = nullptr;
  }
  return c->eps[pe];
}

// The rkey of the chunk holding `offset` of a peer's segment, unpacked for this context on first use.
const Rkey* find_rkey(UcxContext* c, int pe, int segment, std::size_t offset) {
  auto& by_segment = c->rkeys[pe];
  if (segment >= (int)by_segment.size()) by_segment.resize(segment + 1);
  auto& keys = by_segment[segment];
  auto covers = [offset](const Rkey& k) { return offset >= k.offset && offset - k.offset < k.size; };
  auto after = std::upper_bound(keys.begin(), keys.end(), offset,
                                [](std::size_t at, const Rkey& k) { return at < k.offset; });
  if (after != keys.begin() && covers(*(after - 1))) [[likely]]
    return &*(after - 1);

  ucp_ep_h ep = endpoint(c, pe);
  if (!ep) return nullptr;
  auto* u = ucx_of(c->transport);
  std::lock_guard lock(u->keys_mutex);
  const auto& segments = u->peers[pe].segments;
  if (segment < 0 || segment >= (int)segments.size()) return nullptr;
  for (const PackedChunk& chunk : segments[segment].chunks) {
    if (offset < chunk.offset || offset - chunk.offset >= chunk.size) continue;
    Rkey key{chunk.offset, chunk.size, segments[segment].base + chunk.offset, nullptr};
    if (ucs_status_t s = ucp_ep_rkey_unpack(ep, chunk.rkey.data(), &key.rkey); s != UCS_OK) {
      util::log(util::LogLevel::error, "ucx: ucp_ep_rkey_unpack for PE %d failed: %s", pe,
                ucs_status_string(s));
      return nullptr;
    }
    return &*keys.insert(after, key);
  }
  util::log(util::LogLevel::error, "ucx: PE %d has registered no memory at offset %zu of segment %d", pe,
            offset, segment);
  return nullptr;
}

enum class Rma { put, get };

Status complete(UcxContext* c);

// Keeps an operation whose reply UCX still has to write (a get, a fetching atomic) until quiet;
// past kMaxScratch of them, completes everything first so they cannot pile up without bound.
Status keep_replying(UcxContext* c, ucs_status_ptr_t request) {
  c->replying.push_back(request);
  return c->replying.size() >= kMaxScratch ? complete(c) : Status::ok;
}

// One RMA operation, split where it crosses the peer's registered chunks. `wait`: return only once
// the local buffer may be reused (put) or holds the data (get).
Status rma(Context* ctx, Rma kind, int pe, int segment, std::size_t offset, void* local, std::size_t n,
           bool wait) {
  auto* c = ctx_of(ctx);
  std::lock_guard lock(*c->mutex);
  auto* bytes = static_cast<char*>(local);
  do {
    const Rkey* key = find_rkey(c, pe, segment, offset);
    if (!key) return Status::unreachable;
    const std::size_t piece = std::min(n, key->offset + key->size - offset);
    const uint64_t remote = key->remote + (offset - key->offset);
    ucp_request_param_t param{};
    ucs_status_ptr_t request = kind == Rma::put
                                   ? ucp_put_nbx(c->eps[pe], bytes, piece, remote, key->rkey, &param)
                                   : ucp_get_nbx(c->eps[pe], bytes, piece, remote, key->rkey, &param);
    const char* what = kind == Rma::put ? "ucp_put_nbx" : "ucp_get_nbx";
    Status s;
    if (wait)
      s = finish(c, request, what);
    else if (kind == Rma::get && request && !UCS_PTR_IS_ERR(request))
      s = keep_replying(c, request);  // quiet waits for its data (see UcxContext::replying)
    else
      s = detach(request, what);
    if (is_error(s)) return s;
    bytes += piece, offset += piece, n -= piece;
  } while (n > 0);
  return Status::ok;
}

// Completes everything the context issued, replies included, then recycles the scratch slots.
Status complete(UcxContext* c) {
  Status s = finish(c, flush_worker(c), "ucp_worker_flush_nbx");
  for (void* request : c->replying)
    if (Status r = finish(c, static_cast<ucs_status_ptr_t>(request), "ucp_get_nbx/ucp_atomic_op_nbx");
        is_error(r))
      s = r;
  c->replying.clear();
  c->scratch.clear();
  return s;
}

// A slot that lives until the context's next quiet.
uint64_t* scratch_slot(UcxContext* c, uint64_t value) {
  if (c->scratch.size() >= kMaxScratch && is_error(complete(c))) return nullptr;
  return &c->scratch.emplace_back(value);
}

ucp_atomic_op_t ucp_op_of(AmoOp op) {
  switch (op) {
    case AmoOp::fetch:
    case AmoOp::bit_or:
    case AmoOp::fetch_or: return UCP_ATOMIC_OP_OR;
    case AmoOp::set:
    case AmoOp::swap: return UCP_ATOMIC_OP_SWAP;
    case AmoOp::compare_swap: return UCP_ATOMIC_OP_CSWAP;
    case AmoOp::add:
    case AmoOp::fetch_add: return UCP_ATOMIC_OP_ADD;
    case AmoOp::bit_and:
    case AmoOp::fetch_and: return UCP_ATOMIC_OP_AND;
    case AmoOp::bit_xor:
    case AmoOp::fetch_xor: return UCP_ATOMIC_OP_XOR;
  }
  return UCP_ATOMIC_OP_LAST;
}

}  // namespace

// --- Contexts ---

Status context_create(Transport* t, long, Context** out) {
  auto* u = ucx_of(t);
  auto* c = new UcxContext;
  c->transport = t;
  c->eps.assign(u->n_pes, nullptr);
  c->rkeys.resize(u->n_pes);
  c->flushed_at.assign(u->n_pes, 0);
  std::lock_guard lock(u->main_mutex);
  if (!u->main_adopted) {
    u->main_adopted = true;
    c->worker = u->main_worker;
    c->owns_worker = false;
    c->mutex = &u->main_mutex;
    c->efd = u->main_efd;
  } else {
    if (Status s = create_worker(u, &c->worker, &c->efd); is_error(s)) {
      delete c;
      return s;
    }
    c->mutex = &c->own_mutex;
  }
  *out = c;
  return Status::ok;
}

void close_endpoints(UcxContext* c) {
  for (auto& keys_by_segment : c->rkeys)
    for (auto& keys : keys_by_segment)
      for (Rkey& key : keys) ucp_rkey_destroy(key.rkey);
  c->rkeys.clear();
  // Forced: a graceful close needs the peer's worker to answer, and the peer may be finalizing.
  // Every operation has completed by now (a context is destroyed after its last quiet).
  ucp_request_param_t param{};
  param.op_attr_mask = UCP_OP_ATTR_FIELD_FLAGS;
  param.flags = UCP_EP_CLOSE_FLAG_FORCE;
  for (ucp_ep_h& ep : c->eps) {
    if (!ep) continue;
    ucs_status_ptr_t request = ucp_ep_close_nbx(ep, &param);
    if (request && !UCS_PTR_IS_ERR(request)) {
      while (ucp_request_check_status(request) == UCS_INPROGRESS) ucp_worker_progress(c->worker);
      ucp_request_free(request);
    }
    ep = nullptr;
  }
}

void context_destroy(Context* ctx) {
  auto* c = ctx_of(ctx);
  {
    std::lock_guard lock(*c->mutex);
    finish(c, flush_worker(c), "ucp_worker_flush_nbx");
    close_endpoints(c);
    if (c->owns_worker) ucp_worker_destroy(c->worker);
  }
  if (!c->owns_worker) {
    auto* u = ucx_of(c->transport);
    std::lock_guard lock(u->main_mutex);
    u->main_adopted = false;
  }
  delete c;
}

// --- Data ---

Status put(Context* c, int pe, int segment, std::size_t offset, const void* src, std::size_t n) {
  return rma(c, Rma::put, pe, segment, offset, const_cast<void*>(src), n, true);
}

Status get(Context* c, int pe, int segment, std::size_t offset, void* dst, std::size_t n) {
  return rma(c, Rma::get, pe, segment, offset, dst, n, true);
}

Status put_nbi(Context* c, int pe, int segment, std::size_t offset, const void* src, std::size_t n) {
  return rma(c, Rma::put, pe, segment, offset, const_cast<void*>(src), n, false);
}

Status get_nbi(Context* c, int pe, int segment, std::size_t offset, void* dst, std::size_t n) {
  return rma(c, Rma::get, pe, segment, offset, dst, n, false);
}

Status amo(Context* ctx, int pe, int segment, std::size_t offset, const AmoArgs& a, bool nbi) {
  auto* c = ctx_of(ctx);
  if (a.width != 4 && a.width != 8) return Status::not_supported;
  std::lock_guard lock(*c->mutex);
  const Rkey* key = find_rkey(c, pe, segment, offset);
  if (!key) return Status::unreachable;
  const uint64_t remote = key->remote + (offset - key->offset);
  // This PE's own word, with UCX's atomics in the CPU domain: the CPU does it (UCX 1.13's loopback
  // lane loses fetching and/or/xor).
  // It still progresses: a PE spinning on its own lock word must keep serving the peers' atomics.
  // What this context put to this PE through UCX may still wait in its endpoint (for resources, or
  // for the connection): it lands first, or the CPU would overtake it past a fence (put_signal's
  // signal, an active message's tag ahead of its body).
  if (pe == c->transport->my_pe && c->transport->caps.atomic_domain == AtomicDomain::cpu) {
    if (c->eps[pe])
      if (Status s = finish(c, ucp_ep_flush_nbx(c->eps[pe], &kNoParams), "ucp_ep_flush_nbx"); is_error(s))
        return s;
    ucp_worker_progress(c->worker);
    progress_main(ucx_of(c->transport), c);
    return cpu_amo(reinterpret_cast<void*>(remote), a);
  }
  const bool fetches = amo_fetches(a.op);
  const bool wait = fetches && !nbi;  // a blocking fetch returns with the value

  // UCP's operand: the value, except for compare-swap, where it is the compare value and the new
  // value travels in the reply buffer. Non-fetching `set` is a swap whose old value is discarded.
  const bool cswap = a.op == AmoOp::compare_swap;
  uint64_t operand = a.op == AmoOp::fetch ? 0 : (cswap ? a.compare : a.operand);
  if (a.width == 4) operand &= 0xffffffffu;
  uint64_t reply_local = a.operand;  // compare-swap's new value; then the old value
  uint64_t* operand_at = &operand;
  void* reply = nullptr;
  if (!wait) {
    operand_at = scratch_slot(c, operand);
    if (!operand_at) return Status::io_error;
  }
  if (cswap || fetches || a.op == AmoOp::set) {
    if (fetches && nbi && !cswap) {
      reply = a.fetched;  // the caller's buffer stays valid until quiet
    } else if (wait) {
      reply = &reply_local;
    } else {
      uint64_t* slot = scratch_slot(c, a.operand);
      if (!slot) return Status::io_error;
      reply = slot;
    }
  }
  ucp_request_param_t param{};
  param.op_attr_mask = UCP_OP_ATTR_FIELD_DATATYPE | (reply ? UCP_OP_ATTR_FIELD_REPLY_BUFFER : 0);
  param.datatype = ucp_dt_make_contig(a.width);
  param.reply_buffer = reply;
  ucs_status_ptr_t request =
      ucp_atomic_op_nbx(c->eps[pe], ucp_op_of(a.op), operand_at, 1, remote, key->rkey, &param);
  if (!wait) {
    // A non-blocking compare-swap lands its old value in a scratch slot, not the caller's
    // buffer (which holds no new value): complete it now. Rare enough not to matter.
    if (cswap && fetches) {
      if (Status s = finish(c, request, "ucp_atomic_op_nbx"); is_error(s)) return s;
      std::memcpy(a.fetched, reply, a.width);
      return Status::ok;
    }
    if (reply && request && !UCS_PTR_IS_ERR(request))
      return keep_replying(c, request);  // quiet waits for its reply (see UcxContext::replying)
    return detach(request, "ucp_atomic_op_nbx");
  }
  if (Status s = finish(c, request, "ucp_atomic_op_nbx"); is_error(s)) return s;
  std::memcpy(a.fetched, &reply_local, a.width);  // little-endian: the low bytes
  return Status::ok;
}

// --- Messages ---

Status am_send(Context* ctx, int pe, const void* header, std::size_t header_bytes, const void* payload,
               std::size_t payload_bytes) {
  auto* c = ctx_of(ctx);
  MessageWire wire;
  if (header_bytes > sizeof wire.header) return Status::invalid_arg;
  wire.source = c->transport->my_pe;
  wire.header_bytes = static_cast<int32_t>(header_bytes);
  std::memcpy(wire.header, header, header_bytes);
  std::lock_guard lock(*c->mutex);
  ucp_ep_h ep = endpoint(c, pe);
  if (!ep) return Status::unreachable;
  if (c->flushed_at[pe] != c->fences) {
    if (Status s = finish(c, ucp_ep_flush_nbx(ep, &kNoParams), "ucp_ep_flush_nbx"); is_error(s)) return s;
    c->flushed_at[pe] = c->fences;
  }
  ucp_request_param_t param{};
  param.op_attr_mask = UCP_OP_ATTR_FIELD_FLAGS;
  param.flags = UCP_AM_SEND_FLAG_EAGER;  // the receiver hands the whole message on at once
  ucs_status_ptr_t request = ucp_am_send_nbx(
      ep, kMessageId, &wire, offsetof(MessageWire, header) + header_bytes, payload, payload_bytes, &param);
  return finish(c, request, "ucp_am_send_nbx");  // `wire` and the payload are read until then
}

// --- Ordering and completion ---

Status fence(Context* ctx) {
  auto* c = ctx_of(ctx);
  std::lock_guard lock(*c->mutex);
  ++c->fences;
  return status_of(ucp_worker_fence(c->worker));
}

Status quiet(Context* ctx) {
  auto* c = ctx_of(ctx);
  std::lock_guard lock(*c->mutex);
  return complete(c);
}

Status quiet_pe(Context* ctx, int pe) {
  auto* c = ctx_of(ctx);
  std::lock_guard lock(*c->mutex);
  if (!c->eps[pe]) return Status::ok;  // nothing was ever issued to it
  Status s = finish(c, ucp_ep_flush_nbx(c->eps[pe], &kNoParams), "ucp_ep_flush_nbx");
  // Replies may land after the flush (see UcxContext::replying): wait for them all (completing
  // what went to other PEs as well is allowed).
  for (void* request : c->replying)
    if (Status r = finish(c, static_cast<ucs_status_ptr_t>(request), "ucp_get_nbx/ucp_atomic_op_nbx");
        is_error(r))
      s = r;
  c->replying.clear();
  return s;
}

int progress(Context* ctx) {
  auto* c = ctx_of(ctx);
  if (!c->mutex->try_lock()) return kProgressHeld;  // a thread of this PE is inside a call on it
  const int events = static_cast<int>(ucp_worker_progress(c->worker));
  c->mutex->unlock();
  return events;
}

int wait_fd(Context* ctx) {
  auto* c = ctx_of(ctx);
  // Another thread holding the worker is progressing it: a timed sleep misses nothing of ours.
  if (c->efd < 0 || !c->mutex->try_lock()) return kWaitFdNone;
  // Armed, the descriptor becomes readable on the next event; busy means events are pending now.
  const ucs_status_t s = ucp_worker_arm(c->worker);
  c->mutex->unlock();
  return s == UCS_OK ? c->efd : s == UCS_ERR_BUSY ? kWaitFdBusy : kWaitFdNone;
}

}  // namespace causeway::tl::ucx
