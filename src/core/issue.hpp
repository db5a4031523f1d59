// SPDX-License-Identifier: BSD-3-Clause
// The one issue point. Apart from the inlined fast path (core/rma.hpp, causeway/shmem_inline.h),
// every operation core, coll and the APIs perform on a peer (put, get, AMO, put_signal, fence,
// quiet) is issued here, on a resolved (world PE, segment, offset), and every CPU pointer to a
// peer's memory (shmem_ptr, team formation, the collectives' zero-copy reads) is handed out here.
// Routing (host pointer or transport), the atomicity policy, retry under back-pressure and
// per-peer completion live in this one place, so a new policy is written once.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "causeway/fast_path.h"
#include "core/checks.hpp"
#include "core/runtime.hpp"
#include "transports/transport.hpp"

namespace causeway::core {

// The transport context of `transport` on `ctx` (null: the default context).
inline tl::Context* transport_context(Runtime& rt, Context* ctx, int transport) {
  return (ctx ? *ctx : rt.default_context()).per_transport[transport];
}

// `pe`'s copy of `loc` as a CPU load/store address here, or nullptr. Even this PE's own memory
// follows its route: a transport that serves it may still hold operations on it.
inline char* host_address(Runtime& rt, int pe, Location loc) {
  char* base = rt.route(pe).host_base[loc.segment];
  return base ? base + loc.offset : nullptr;
}

// Issues `op(c)` until the transport stops answering Status::retry, running its progress in
// between (the back-pressure contract in transports/transport.hpp).
template <class Op>
inline Status with_retry(tl::Context* c, Op&& op) {
  Status s = op(c);
  while (s == Status::retry) [[unlikely]] {
      c->transport->ops->progress(c);
      s = op(c);
    }
  return s;
}

// The transport halves of the operations below (out of line).
void issue_put_transport(Runtime& rt, Context* ctx, int pe, Location dst, const void* src, std::size_t bytes,
                         bool nbi, const char* call);
void issue_get_transport(Runtime& rt, Context* ctx, int pe, Location src, void* dst, std::size_t bytes,
                         bool nbi, const char* call);
Status issue_amo_transport(Runtime& rt, Context* ctx, int pe, Location target, const tl::AmoArgs& args,
                           bool nbi);

// Contiguous transfers; `nbi` lets the transport complete them as late as quiet. A mapped peer
// takes a copy, inline (the collectives' steps and the full paths call these per message).
inline void issue_put(Runtime& rt, Context* ctx, int pe, Location dst, const void* src, std::size_t bytes,
                      bool nbi, const char* call) {
  if (char* remote = host_address(rt, pe, dst)) [[likely]] {
    causeway_fast_copy(remote, src, bytes);
    return;
  }
  issue_put_transport(rt, ctx, pe, dst, src, bytes, nbi, call);
}
inline void issue_get(Runtime& rt, Context* ctx, int pe, Location src, void* dst, std::size_t bytes, bool nbi,
                      const char* call) {
  if (const char* remote = host_address(rt, pe, src)) [[likely]] {
    causeway_fast_copy(dst, remote, bytes);
    return;
  }
  issue_get_transport(rt, ctx, pe, src, dst, bytes, nbi, call);
}
// An atomic: a CPU atomic on a mapped peer while the policy allows it, else the peer's amo
// transport. With `nbi`, a fetching AMO may write args.fetched as late as quiet.
inline Status issue_amo(Runtime& rt, Context* ctx, int pe, Location target, const tl::AmoArgs& args,
                        bool nbi) {
  if (rt.amo_direct()) [[likely]]
    if (char* word = host_address(rt, pe, target)) [[likely]]
      return tl::cpu_amo(word, args);
  return issue_amo_transport(rt, ctx, pe, target, args, nbi);
}
// The data, then the signal word, as the target sees them.
void issue_put_signal(Runtime& rt, Context* ctx, int pe, Location dst, const void* src, std::size_t bytes,
                      Location sig, uint64_t signal, tl::AmoOp sig_op, bool nbi, const char* call);

// Ordering and completion of a whole context, or of what it issued to some PEs (world numbers).
void issue_fence(Runtime& rt, Context& ctx, const char* call);
// quiet: the transports' quiet, then the progress engine's quiet hooks (active messages).
void issue_quiet(Runtime& rt, Context& ctx, const char* call);
// Only the transports' part (what a fence that must quiet, or a layer above inside progress, needs).
void issue_quiet_transports(Runtime& rt, Context& ctx, const char* call);
void issue_quiet_pes(Runtime& rt, Context& ctx, std::span<const int> world_pes, const char* call);

}  // namespace causeway::core
