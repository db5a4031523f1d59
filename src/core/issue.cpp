// SPDX-License-Identifier: BSD-3-Clause
#include "core/issue.hpp"

#include <cstring>

namespace causeway::core {

void issue_put_transport(Runtime& rt, Context* ctx, int pe, Location dst, const void* src, std::size_t bytes,
                         bool nbi, const char* call) {
  tl::Context* c = transport_context(rt, ctx, rt.route(pe).transport);
  const auto put = nbi ? c->transport->ops->put_nbi : c->transport->ops->put;
  check_status(rt,
               with_retry(c, [&](tl::Context* t) { return put(t, pe, dst.segment, dst.offset, src, bytes); }),
               call, pe);
}

void issue_get_transport(Runtime& rt, Context* ctx, int pe, Location src, void* dst, std::size_t bytes,
                         bool nbi, const char* call) {
  tl::Context* c = transport_context(rt, ctx, rt.route(pe).transport);
  const auto get = nbi ? c->transport->ops->get_nbi : c->transport->ops->get;
  check_status(rt,
               with_retry(c, [&](tl::Context* t) { return get(t, pe, src.segment, src.offset, dst, bytes); }),
               call, pe);
}

Status issue_amo_transport(Runtime& rt, Context* ctx, int pe, Location target, const tl::AmoArgs& args,
                           bool nbi) {
  tl::Context* c = transport_context(rt, ctx, rt.route(pe).amo_transport);
  return with_retry(c, [&](tl::Context* t) {
    return t->transport->ops->amo(t, pe, target.segment, target.offset, args, nbi);
  });
}

void issue_put_signal(Runtime& rt, Context* ctx, int pe, Location dst, const void* src, std::size_t bytes,
                      Location sig, uint64_t signal, tl::AmoOp sig_op, bool nbi, const char* call) {
  if (rt.amo_direct()) {
    char* data = host_address(rt, pe, dst);
    char* word = host_address(rt, pe, sig);
    if (data && word) {
      causeway_put_signal_direct(data, src, bytes, reinterpret_cast<uint64_t*>(word), signal,
                                 sig_op == tl::AmoOp::add);
      return;
    }
  }
  // One transport carrying both halves may do them as one operation.
  const PeerRoute& route = rt.route(pe);
  if (route.transport == route.amo_transport && !host_address(rt, pe, dst)) {
    tl::Context* c = transport_context(rt, ctx, route.transport);
    if (const auto put_signal = c->transport->ops->put_signal) {
      const tl::SignalArgs args{sig.segment, sig.offset, signal, sig_op};
      check_status(rt,
                   with_retry(c,
                              [&](tl::Context* t) {
                                return put_signal(t, pe, dst.segment, dst.offset, src, bytes, args);
                              }),
                   call, pe);
      return;
    }
  }
  issue_put(rt, ctx, pe, dst, src, bytes, nbi, call);
  issue_fence(rt, ctx ? *ctx : rt.default_context(), call);
  const tl::AmoArgs args{sig_op, sizeof(uint64_t), signal, 0, nullptr};
  check_status(rt, issue_amo(rt, ctx, pe, sig, args, false), call, pe);
}

void issue_fence(Runtime& rt, Context& ctx, const char* call) {
  if (rt.fence_needs_quiet()) [[unlikely]] {
    issue_quiet_transports(rt, ctx, call);  // fence orders operations; it completes no messages
    return;
  }
  causeway_order_stores();  // what went through host pointers
  for (int i = 0; i < static_cast<int>(ctx.per_transport.size()); ++i)
    if (rt.transport_in_use(i)) {
      tl::Context* c = ctx.per_transport[i];
      check_status(rt, c->transport->ops->fence(c), call, -1);
    }
}

void issue_quiet(Runtime& rt, Context& ctx, const char* call) {
  issue_quiet_transports(rt, ctx, call);
  // Then what the upper layers sent through the progress engine (active messages): their
  // completion may need the transports' quiet above to have delivered the messages first.
  rt.progress_engine().quiet_hooks();
}

void issue_quiet_transports(Runtime& rt, Context& ctx, const char* call) {
  causeway_complete_stores();
  for (int i = 0; i < static_cast<int>(ctx.per_transport.size()); ++i)
    if (rt.transport_in_use(i)) {
      tl::Context* c = ctx.per_transport[i];
      check_status(rt, c->transport->ops->quiet(c), call, -1);
    }
}

void issue_quiet_pes(Runtime& rt, Context& ctx, std::span<const int> world_pes, const char* call) {
  causeway_complete_stores();
  for (int pe : world_pes) {
    const PeerRoute& route = rt.route(pe);
    for (int index : {route.transport, route.amo_transport}) {
      tl::Context* c = ctx.per_transport[index];
      check_status(rt, c->transport->ops->quiet_pe(c, pe), call, pe);
      if (route.amo_transport == route.transport) break;
    }
  }
}

}  // namespace causeway::core
