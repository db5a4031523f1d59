// SPDX-License-Identifier: BSD-3-Clause
#include "core/issue.hpp"

#include <cstring>

#include "util/log.hpp"

namespace causeway::core {

namespace {

// The transport that carries operations on `loc` at `pe`: device-memory segments have a route of
// their own; host memory takes the peer's route (or its atomics' route).
int transport_for(Runtime& rt, int pe, Location loc, bool atomic) {
  const PeerRoute& route = rt.route(pe);
  if (rt.segment(loc.segment).kind != MemKind::host) [[unlikely]]
    return route.device_transport;
  return atomic ? route.amo_transport : route.transport;
}

// The context of the transport for `loc`; ends the job when no transport reaches it.
tl::Context* context_for(Runtime& rt, Context* ctx, int pe, Location loc, bool atomic, const char* call) {
  const int index = transport_for(rt, pe, loc, atomic);
  if (index < 0) [[unlikely]]
    util::fatal_user_error(call,
                           "PE %d's %s is not reachable from this PE (no transport serves that memory kind "
                           "between these PEs; see causeway-info)",
                           pe, rt.segment(loc.segment).what);
  return transport_context(rt, ctx, index);
}

// `args` as compare-and-swap loop on `c`, for an atomic its transport cannot do in one operation
// (caps.native_amos). Blocking even when `nbi`: each round needs the word's value.
Status amo_by_compare_swap(tl::Context* c, int pe, Location target, const tl::AmoArgs& args) {
  uint64_t expected = 0;  // a guess: a failed compare-and-swap returns the word's value
  for (;;) {
    uint64_t desired = expected;  // the new value if the word holds `expected`
    if (args.op != tl::AmoOp::fetch) {
      tl::AmoArgs on_copy = args;
      on_copy.fetched = nullptr;
      tl::cpu_amo(&desired, on_copy);  // little-endian: a 4-byte op changes the low half only
    }
    uint64_t old = 0;
    const tl::AmoArgs cas{tl::AmoOp::compare_swap, args.width, desired, expected, &old};
    const Status s = with_retry(c, [&](tl::Context* t) {
      return t->transport->ops->amo(t, pe, target.segment, target.offset, cas, false);
    });
    if (is_error(s)) return s;
    // A fetch changes nothing whether or not the guess held.
    if (old == expected || args.op == tl::AmoOp::fetch) {
      if (args.fetched) std::memcpy(args.fetched, &old, args.width);
      return Status::ok;
    }
    expected = old;
  }
}

}  // namespace

void issue_put_transport(Runtime& rt, Context* ctx, int pe, Location dst, const void* src, std::size_t bytes,
                         bool nbi, const char* call) {
  tl::Context* c = context_for(rt, ctx, pe, dst, false, call);
  const auto put = nbi ? c->transport->ops->put_nbi : c->transport->ops->put;
  check_status(rt,
               with_retry(c, [&](tl::Context* t) { return put(t, pe, dst.segment, dst.offset, src, bytes); }),
               call, pe);
}

void issue_get_transport(Runtime& rt, Context* ctx, int pe, Location src, void* dst, std::size_t bytes,
                         bool nbi, const char* call) {
  tl::Context* c = context_for(rt, ctx, pe, src, false, call);
  const auto get = nbi ? c->transport->ops->get_nbi : c->transport->ops->get;
  check_status(rt,
               with_retry(c, [&](tl::Context* t) { return get(t, pe, src.segment, src.offset, dst, bytes); }),
               call, pe);
}

Status issue_amo_transport(Runtime& rt, Context* ctx, int pe, Location target, const tl::AmoArgs& args,
                           bool nbi) {
  const int index = transport_for(rt, pe, target, true);
  if (index < 0) return Status::unreachable;
  tl::Context* c = transport_context(rt, ctx, index);
  if (!tl::amo_is_native(c->transport->caps, args.op, args.width)) [[unlikely]] {
    if (!tl::amo_is_native(c->transport->caps, tl::AmoOp::compare_swap, args.width))
      return Status::not_supported;  // refused at init (Runtime::check_atomics); a width it lacks
    return amo_by_compare_swap(c, pe, target, args);
  }
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
  const int data_transport = transport_for(rt, pe, dst, false);
  if (data_transport >= 0 && data_transport == transport_for(rt, pe, sig, true) &&
      !host_address(rt, pe, dst)) {
    tl::Context* c = transport_context(rt, ctx, data_transport);
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
  if (!rt.fence_quiet_pes().empty()) issue_quiet_pes(rt, ctx, rt.fence_quiet_pes(), call);
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
    const int used[3] = {route.transport, route.amo_transport, route.device_transport};
    for (int i = 0; i < 3; ++i) {
      if (used[i] < 0 || (i > 0 && used[i] == used[0]) || (i == 2 && used[2] == used[1])) continue;
      tl::Context* c = ctx.per_transport[used[i]];
      check_status(rt, c->transport->ops->quiet_pe(c, pe), call, pe);
    }
  }
}

}  // namespace causeway::core
