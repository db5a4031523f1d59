// SPDX-License-Identifier: BSD-3-Clause
// Lamport clocks, the C surface (shmemx.h): argument checks and team numbering, then am/clock.
#include <shmemx.h>

#include "am/clock.hpp"
#include "am/mailbox.hpp"
#include "api/c_api_macros.hpp"
#include "core/checks.hpp"
#include "core/rma.hpp"
#include "util/log.hpp"

using namespace causeway;

namespace {

am::Stamp checked_stamp(shmemx_stamp_t stamp, const char* call) {
  if (am::lane_of(stamp) >= am::kLanes)
    util::fatal_user_error(
        call,
        "argument 'stamp' = %#llx names lane %d, and there are %d (not a stamp this library "
        "returned?)",
        static_cast<unsigned long long>(stamp), am::lane_of(stamp), am::kLanes);
  return stamp;
}

// A causal context's stamped calls quiet it first: like shmem_quiet, not from inside a handler.
void check_may_quiet(core::Runtime& rt, const core::Context* ctx, const char* call) {
  if (ctx->options & SHMEMX_CTX_CAUSAL) core::check_may_block(rt, call);
}

// The world number of `pe` on ctx, checked.
int peer(core::Runtime& rt, core::Context* ctx, int pe, const char* call) {
  pe = core::world_pe(ctx, pe, call);
  core::check_pe(rt, pe, call);
  return pe;
}

}  // namespace

extern "C" {

shmemx_stamp_t shmemx_ctx_publish(shmem_ctx_t ctx, int pe) {
  const char* call = "shmemx_ctx_publish";
  core::Runtime& rt = core::runtime(call);
  core::Context* c = api::context(ctx, call);
  check_may_quiet(rt, c, call);
  pe = peer(rt, c, pe, call);
  return am::Clocks::get().publish(*c, pe, {core::kHeapSegment, 0}, nullptr, 0, call);
}

shmemx_stamp_t shmemx_ctx_putmem_stamped(shmem_ctx_t ctx, void* dest, const void* source, size_t nbytes,
                                         int pe) {
  const char* call = "shmemx_ctx_putmem_stamped";
  core::Runtime& rt = core::runtime(call);
  core::Context* c = api::context(ctx, call);
  check_may_quiet(rt, c, call);
  pe = peer(rt, c, pe, call);
  core::Location loc{core::kHeapSegment, 0};
  if (nbytes) {
    if (!source) util::fatal_user_error(call, "argument 'source' is NULL with nbytes = %zu", nbytes);
    loc = core::resolve(rt, dest, nbytes, pe, call, "dest");
  }
  return am::Clocks::get().publish(*c, pe, loc, source, nbytes, call);
}

shmemx_stamp_t shmemx_ctx_stamp_wait(shmem_ctx_t ctx, int src_pe, shmemx_stamp_t stamp) {
  const char* call = "shmemx_ctx_stamp_wait";
  core::Runtime& rt = core::runtime(call);
  core::check_may_block(rt, call);  // named here: the wait's own check would not say which call
  core::Context* c = api::context(ctx, call);
  src_pe = peer(rt, c, src_pe, call);
  return am::Clocks::get().wait(*c, src_pe, checked_stamp(stamp, call), call);
}

int shmemx_ctx_stamp_test(shmem_ctx_t ctx, int src_pe, shmemx_stamp_t stamp) {
  const char* call = "shmemx_ctx_stamp_test";
  core::Runtime& rt = core::runtime(call);
  core::Context* c = api::context(ctx, call);
  src_pe = peer(rt, c, src_pe, call);
  return am::Clocks::get().test(*c, src_pe, checked_stamp(stamp, call), call) ? 1 : 0;
}

shmemx_stamp_t shmemx_ctx_stamp_delivered(shmem_ctx_t ctx, int src_pe, shmemx_stamp_t lane_stamp) {
  const char* call = "shmemx_ctx_stamp_delivered";
  core::Runtime& rt = core::runtime(call);
  core::Context* c = api::context(ctx, call);
  src_pe = peer(rt, c, src_pe, call);
  return am::Clocks::get().delivered(src_pe, am::lane_of(checked_stamp(lane_stamp, call)));
}

shmemx_stamp_t shmemx_ctx_clock(shmem_ctx_t ctx) {
  const char* call = "shmemx_ctx_clock";
  core::runtime(call);
  return am::Clocks::get().now(*api::context(ctx, call), call);
}

shmemx_stamp_t shmemx_ctx_clock_merge(shmem_ctx_t ctx, shmemx_stamp_t observed) {
  const char* call = "shmemx_ctx_clock_merge";
  core::runtime(call);
  return am::Clocks::get().merge(*api::context(ctx, call), checked_stamp(observed, call), call);
}

shmemx_stamp_t shmemx_publish(int pe) { return shmemx_ctx_publish(SHMEM_CTX_DEFAULT, pe); }
shmemx_stamp_t shmemx_putmem_stamped(void* dest, const void* source, size_t nbytes, int pe) {
  return shmemx_ctx_putmem_stamped(SHMEM_CTX_DEFAULT, dest, source, nbytes, pe);
}
shmemx_stamp_t shmemx_stamp_wait(int src_pe, shmemx_stamp_t stamp) {
  return shmemx_ctx_stamp_wait(SHMEM_CTX_DEFAULT, src_pe, stamp);
}

int shmemx_stamp_compare(shmemx_stamp_t a, shmemx_stamp_t b) {
  const int64_t d = am::time_distance(am::time_of(a), am::time_of(b));
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

shmemx_stamp_t shmemx_stamp_next(shmemx_stamp_t s) {
  return am::make_stamp(am::lane_of(s), am::time_of(s) + 1);
}

shmemx_stamp_t shmemx_am_token_stamp(shmemx_am_token_t token) {
  if (!token) util::fatal_user_error("shmemx_am_token_stamp", "argument 'token' is NULL");
  return token->stamp;
}

shmemx_stamp_t shmemx_am_last_stamp(void) { return am::Mailbox::last_stamp(); }

}  // extern "C"
