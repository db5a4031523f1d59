// SPDX-License-Identifier: BSD-3-Clause
// ofi: messages (am_send). A message is one fi_send from the context's initiator endpoint to the
// peer's target endpoint: the source PE and core's header, then the payload. The target endpoint
// keeps kReceiveBuffers receives posted (once a sink is installed); each arriving message is handed
// to the sink from inside the target completion queue's reader and its buffer posted again at
// once. A message that finds no buffer posted waits in the provider (tcp;ofi_rxm queues it as
// unexpected) until one is.
#include <cstdlib>
#include <cstring>

#include "transports/ofi/ofi.hpp"
#include "util/log.hpp"

namespace causeway::tl::ofi {

namespace {

struct Prefix {
  int32_t source;
  int32_t header_bytes;
};

// Posts receive buffer `i` on the target endpoint; false if the provider has no room now (the
// buffer is then posted by a later read of the target queue).
bool post_receive(OfiTransport* t, int i) {
  Receive& r = t->receives[i];
  const ssize_t ret = fi_recv(t->target_ep, t->receive_area + std::size_t(i) * kReceiveBytes, kReceiveBytes,
                              t->receive_desc, FI_ADDR_UNSPEC, &r.fctx);
  if (ret == 0) return true;
  if (ret != -FI_EAGAIN) fail("fi_recv", ret);
  return false;
}

}  // namespace

void deliver_message(OfiTransport* t, void* op_context, std::size_t len) {
  auto* r = static_cast<Receive*>(op_context);
  const char* data = t->receive_area + std::size_t(r->index) * kReceiveBytes;
  Prefix prefix{0, -1};
  if (len >= sizeof prefix) std::memcpy(&prefix, data, sizeof prefix);
  if (!t->sink || prefix.header_bytes < 0 || sizeof prefix + std::size_t(prefix.header_bytes) > len) {
    util::log(util::LogLevel::error, "ofi: a malformed message arrived (%zu bytes)", len);
    util::abort_job(1);
  }
  const std::size_t header_end = sizeof prefix + std::size_t(prefix.header_bytes);
  t->sink(t->sink_arg, prefix.source, data + sizeof prefix, std::size_t(prefix.header_bytes),
          data + header_end, len - header_end);
  r->posted = post_receive(t, r->index);
  if (!r->posted) ++t->unposted;
}

void repost_receives(OfiTransport* t) {
  t->unposted = 0;
  for (int i = 0; i < static_cast<int>(t->receives.size()); ++i)
    if (!t->receives[i].posted && !(t->receives[i].posted = post_receive(t, i))) ++t->unposted;
}

Status set_message_sink(Transport* transport, MessageSink sink, void* arg) {
  auto* t = ofi_of(transport);
  // The lock the target queue's readers hold: no sink runs while it changes.
  std::unique_lock lock(t->serialise_domain ? t->domain_mutex : t->target_mutex);
  if (sink && t->receives.empty()) {
    t->receive_area = static_cast<char*>(std::aligned_alloc(64, kReceiveBytes * kReceiveBuffers));
    if (!t->receive_area) return Status::no_memory;
    if (t->mr_local) {
      if (Status s = register_region(t, t->receive_area, kReceiveBytes * kReceiveBuffers, FI_RECV,
                                     t->target_ep, &t->receive_mr, /*domain_locked=*/true);
          is_error(s))
        return s;
      t->receive_desc = fi_mr_desc(t->receive_mr);
    }
    t->receives.resize(kReceiveBuffers);
    for (int i = 0; i < kReceiveBuffers; ++i) t->receives[i].index = i;
    repost_receives(t);
  }
  t->sink = sink;
  t->sink_arg = arg;
  return Status::ok;
}

Status am_send(Context* ctx, int pe, const void* header, std::size_t header_bytes, const void* payload,
               std::size_t payload_bytes) {
  auto* c = ctx_of(ctx);
  auto* t = ofi_of(c->transport);
  if (pe < 0 || pe >= t->n_pes || t->peers[pe] == FI_ADDR_NOTAVAIL) return Status::unreachable;
  const Prefix prefix{t->my_pe, static_cast<int32_t>(header_bytes)};
  const std::size_t total = sizeof prefix + header_bytes + payload_bytes;
  if (total > kReceiveBytes) return Status::invalid_arg;
  std::lock_guard lock(*c->mutex);
  // A write of no bytes for the ordering rules: it waits for a fence, and overlaps nothing.
  Pending* p = new_pending(c, OpClass::rma_write, pe, -1, 0, 0);
  if (Status s = order_before(c, p); is_error(s)) {
    discard(c, p);
    return s;
  }
  // Copied, so the send completes in the background: into a bounce slot, or a buffer of its own
  // that lives until the send completes.
  char* buf;
  void* desc = nullptr;
  if (total <= kSlotSize) {
    p->slot = take_slot(c);
    buf = slot_ptr(c, p->slot);
    desc = c->bounce_desc;
  } else {
    buf = p->staging = new char[total];
    if (t->mr_local) {
      if (Status s = register_region(t, buf, total, FI_SEND, c->ep, &p->local_mr, true); is_error(s)) {
        discard(c, p);
        return s;
      }
      desc = fi_mr_desc(p->local_mr);
    }
  }
  std::memcpy(buf, &prefix, sizeof prefix);
  std::memcpy(buf + sizeof prefix, header, header_bytes);
  if (payload_bytes) std::memcpy(buf + sizeof prefix + header_bytes, payload, payload_bytes);
  return post_op(c, p, "fi_send", [&] { return fi_send(c->ep, buf, total, desc, t->peers[pe], p); });
}

}  // namespace causeway::tl::ofi
