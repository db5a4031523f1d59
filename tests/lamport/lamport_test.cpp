// SPDX-License-Identifier: BSD-3-Clause
// Lamport clocks (shmemx.h): stamp arithmetic, lanes, ticks and merges, the stamps of active
// messages and replies, stamps of one context strictly increasing however its calls are mixed, and
// the C++ surface (causeway/stamp.hpp).
#include <shmemx.h>

#include <atomic>
#include <causeway/context.hpp>
#include <causeway/stamp.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include "lamport_util.hpp"
#include "pe_util.hpp"

namespace {

using lamport::lane_of;
using lamport::make_stamp;
using lamport::time_of;

// A handler id registered once per process (registration is collective: every PE reaches the
// first use in the same test).
template <auto Fn>
int handler_id(void* user = nullptr) {
  static int id = shmemx_am_register(Fn, user);
  return id;
}

TEST(StampArithmetic, NextAndCompareAcrossTheWrap) {
  const uint64_t max = lamport::time_mask();
  const shmemx_stamp_t a = make_stamp(3, 5);
  EXPECT_EQ(shmemx_stamp_next(a), make_stamp(3, 6));
  EXPECT_LT(shmemx_stamp_compare(a, shmemx_stamp_next(a)), 0);
  EXPECT_GT(shmemx_stamp_compare(shmemx_stamp_next(a), a), 0);
  EXPECT_EQ(shmemx_stamp_compare(a, a), 0);
  // Lanes are not compared.
  EXPECT_EQ(shmemx_stamp_compare(make_stamp(0, 5), make_stamp(7, 5)), 0);
  EXPECT_LT(shmemx_stamp_compare(make_stamp(9, 4), make_stamp(1, 5)), 0);
  // The last time wraps to 0 in the same lane, and 0 is after it.
  const shmemx_stamp_t last = make_stamp(2, max);
  EXPECT_EQ(shmemx_stamp_next(last), make_stamp(2, 0));
  EXPECT_GT(shmemx_stamp_compare(make_stamp(2, 0), last), 0);
  EXPECT_LT(shmemx_stamp_compare(last, make_stamp(2, 0)), 0);
  // Anything up to half the range ahead is after; across the wrap too.
  const uint64_t half = (max >> 1) + 1;
  for (uint64_t base : {uint64_t{0}, max - 2, half - 1, half + 3})
    for (uint64_t d : {uint64_t{1}, uint64_t{2}, half / 2, half - 1}) {
      const shmemx_stamp_t x = make_stamp(1, base), y = make_stamp(1, base + d);
      EXPECT_LT(shmemx_stamp_compare(x, y), 0) << "base " << base << " + " << d;
      EXPECT_GT(shmemx_stamp_compare(y, x), 0) << "base " << base << " + " << d;
    }
}

TEST(Clocks, EachContextHasItsOwnLane) {
  EXPECT_EQ(lane_of(shmemx_ctx_clock(SHMEM_CTX_DEFAULT)), 0);
  shmem_ctx_t ctx[3];
  std::set<int> lanes;
  for (auto& c : ctx) {
    ASSERT_EQ(shmem_ctx_create(0, &c), 0);
    const shmemx_stamp_t s = shmemx_ctx_publish(c, pe::right());
    const int lane = lane_of(s);
    EXPECT_GE(lane, 1);
    EXPECT_LT(lane, 32);
    EXPECT_EQ(lane_of(shmemx_ctx_clock(c)), lane);
    lanes.insert(lane);
  }
  EXPECT_EQ(lanes.size(), 3u) << "three live contexts share a lane";
  // A lane handed back keeps its clock: the next context on it continues above its stamps (the
  // watermarks peers hold for the lane stay valid).
  const shmemx_stamp_t last = shmemx_ctx_publish(ctx[1], pe::right());
  shmem_ctx_destroy(ctx[1]);
  ASSERT_EQ(shmem_ctx_create(0, &ctx[1]), 0);
  const shmemx_stamp_t first = shmemx_ctx_publish(ctx[1], pe::right());
  if (lane_of(first) == lane_of(last)) {
    EXPECT_GT(shmemx_stamp_compare(first, last), 0);
  }
  for (auto& c : ctx) shmem_ctx_destroy(c);
  shmem_barrier_all();
}

TEST(Clocks, TickMergeWaitAndTestOnOneContext) {
  shmem_ctx_t ctx;
  ASSERT_EQ(shmem_ctx_create(0, &ctx), 0);
  {
    lamport::ClockSync sync;  // fresh watermarks (8-bit stamps); then only this PE moves its clocks
    sync.run({SHMEM_CTX_DEFAULT, ctx});
  }
  for (shmem_ctx_t c : {SHMEM_CTX_DEFAULT, ctx}) {
    const shmemx_stamp_t before = shmemx_ctx_clock(c);
    const shmemx_stamp_t s = shmemx_ctx_publish(c, pe::right());
    EXPECT_EQ(s, shmemx_stamp_next(before)) << "a publish ticks once";
    EXPECT_EQ(shmemx_ctx_clock(c), s);
    // An empty stamped put is a publish.
    const shmemx_stamp_t empty = shmemx_ctx_putmem_stamped(c, nullptr, nullptr, 0, pe::right());
    EXPECT_EQ(empty, shmemx_stamp_next(s));
    // Merging a later stamp jumps past it; merging an earlier one ticks once.
    const shmemx_stamp_t ahead = make_stamp(lane_of(s), time_of(empty) + 10);
    EXPECT_EQ(shmemx_ctx_clock_merge(c, ahead), shmemx_stamp_next(ahead));
    const shmemx_stamp_t now = shmemx_ctx_clock(c);
    const shmemx_stamp_t behind = make_stamp(0, time_of(now) - 5);
    EXPECT_EQ(shmemx_ctx_clock_merge(c, behind), shmemx_stamp_next(now));
    // Publishing to itself: the wait returns the watermark and merges it.
    const shmemx_stamp_t mine = shmemx_ctx_publish(c, pe::me());
    const shmemx_stamp_t seen = shmemx_ctx_stamp_wait(c, pe::me(), mine);
    EXPECT_EQ(seen, mine);
    EXPECT_GT(shmemx_stamp_compare(shmemx_ctx_clock(c), mine), 0);
    EXPECT_EQ(shmemx_ctx_stamp_delivered(c, pe::me(), mine), mine);
    EXPECT_EQ(shmemx_ctx_stamp_test(c, pe::me(), mine), 1);
    EXPECT_EQ(shmemx_ctx_stamp_test(c, pe::me(), shmemx_stamp_next(mine)), 0) << "nothing newer published";
  }
  shmem_ctx_quiet(ctx);
  shmem_barrier_all();
  shmem_ctx_destroy(ctx);
}

// ---- Active messages carry stamps ----

struct AmSeen {
  std::atomic<long> requests{0}, replies{0}, bad{0};
  std::vector<shmemx_stamp_t> last_from;  // per source PE and lane: the previous token stamp
  std::vector<shmemx_stamp_t> reply_payloads, reply_stamps;
};
AmSeen g_am;

void stamp_reply_handler(shmemx_am_token_t token, int, const void* payload, size_t nbytes, void*) {
  shmemx_stamp_t request;
  if (nbytes != sizeof request) {
    ++g_am.bad;
    return;
  }
  std::memcpy(&request, payload, sizeof request);
  const shmemx_stamp_t stamp = shmemx_am_token_stamp(token);
  // A reply ticks the replier's default clock, which merged the request's stamp first.
  if (lane_of(stamp) != 0 || shmemx_stamp_compare(stamp, request) <= 0) ++g_am.bad;
  if (shmemx_stamp_compare(shmemx_ctx_clock(SHMEM_CTX_DEFAULT), stamp) <= 0) ++g_am.bad;
  g_am.reply_payloads.push_back(request);
  g_am.reply_stamps.push_back(stamp);
  ++g_am.replies;
}

void stamp_request_handler(shmemx_am_token_t token, int src, const void*, size_t, void*) {
  const shmemx_stamp_t stamp = shmemx_am_token_stamp(token);
  // The default clock merged the message's stamp before the handler runs.
  if (shmemx_stamp_compare(shmemx_ctx_clock(SHMEM_CTX_DEFAULT), stamp) <= 0) ++g_am.bad;
  // One source's messages on one lane run in send order, so their stamps increase.
  shmemx_stamp_t& last = g_am.last_from[std::size_t(src) * 32 + std::size_t(lane_of(stamp))];
  if (last != ~shmemx_stamp_t{0} && shmemx_stamp_compare(stamp, last) <= 0) ++g_am.bad;
  last = stamp;
  ++g_am.requests;
  shmemx_am_reply(token, handler_id<stamp_reply_handler>(), &stamp, sizeof stamp);
}

TEST(ActiveMessages, SendsAndRepliesCarryTheirStamps) {
  const int reply_id = handler_id<stamp_reply_handler>();
  const int request_id = handler_id<stamp_request_handler>();
  ASSERT_GE(reply_id, 0);
  ASSERT_GE(request_id, 0);
  shmem_ctx_t ctx;
  ASSERT_EQ(shmem_ctx_create(0, &ctx), 0);
  lamport::ClockSync sync;
  g_am.last_from.assign(std::size_t(pe::npes()) * 32, ~shmemx_stamp_t{0});
  g_am.requests = g_am.replies = g_am.bad = 0;
  g_am.reply_payloads.clear();
  g_am.reply_stamps.clear();
  sync.run({SHMEM_CTX_DEFAULT, ctx});

  constexpr int kMessages = 60;
  std::vector<shmemx_stamp_t> sent;
  char long_source[300] = {};
  char* long_dest = static_cast<char*>(shmem_malloc(sizeof long_source));
  for (int i = 0; i < kMessages; ++i) {
    shmem_ctx_t c = i % 2 ? ctx : SHMEM_CTX_DEFAULT;
    const shmemx_stamp_t before = shmemx_ctx_clock(c);
    if (i % 5 == 4)
      shmemx_am_send_long(c, pe::right(), request_id, long_dest, long_source, sizeof long_source);
    else
      shmemx_am_send(c, pe::right(), request_id, &i, sizeof i);
    const shmemx_stamp_t s = shmemx_am_last_stamp();
    EXPECT_EQ(lane_of(s), lane_of(before)) << "message " << i << " is stamped on its context's lane";
    EXPECT_GT(shmemx_stamp_compare(s, before), 0) << "message " << i << " ticks its context's clock";
    sent.push_back(s);
    // Every message and reply is an event on a causal chain that runs around the ring, so the
    // clocks move with all PEs' events together: bring them together often enough that 8-bit
    // stamps stay within their window (4 messages: 4 PEs x 4 events each, well under 128).
    if (i % 4 == 3) {
      shmem_ctx_quiet(ctx);
      shmem_quiet();
      sync.run({SHMEM_CTX_DEFAULT, ctx});
    }
  }
  shmem_ctx_quiet(ctx);
  shmem_quiet();  // every message ran and every reply came back
  EXPECT_EQ(g_am.replies.load(), kMessages);
  EXPECT_EQ(g_am.reply_payloads, sent) << "each reply echoes the token stamp its request ran with, "
                                          "which must be the stamp shmemx_am_last_stamp returned";
  int replies_unordered = 0;  // replies from one PE run in the order it sent them, on its lane 0
  for (std::size_t k = 1; k < g_am.reply_stamps.size(); ++k)
    replies_unordered += shmemx_stamp_compare(g_am.reply_stamps[k], g_am.reply_stamps[k - 1]) <= 0;
  EXPECT_EQ(replies_unordered, 0);
  shmem_barrier_all();
  EXPECT_EQ(g_am.requests.load(), kMessages);
  EXPECT_EQ(g_am.bad.load(), 0) << "handlers saw a stamp not merged, out of order, or a reply not after "
                                   "its request";
  shmem_barrier_all();
  shmem_free(long_dest);
  shmem_ctx_destroy(ctx);
}

// ---- Stamps of one context strictly increase ----

void noop_handler(shmemx_am_token_t, int, const void*, size_t, void*) {}

TEST(Clocks, StampedCallsOfAContextStrictlyIncrease) {
  const int id = handler_id<noop_handler>();
  ASSERT_GE(id, 0);
  shmem_ctx_t created, causal;
  ASSERT_EQ(shmem_ctx_create(0, &created), 0);
  ASSERT_EQ(shmem_ctx_create(SHMEMX_CTX_CAUSAL, &causal), 0);
  const std::vector<shmem_ctx_t> ctxs{SHMEM_CTX_DEFAULT, created, causal};
  auto* data = static_cast<char*>(shmem_calloc(64, 1));
  auto* announced = static_cast<uint64_t*>(shmem_calloc(1, sizeof(uint64_t)));
  lamport::ClockSync sync;
  std::mt19937_64 rng(0x5eed + pe::me());
  const char payload[64] = {1, 2, 3};
  // Rounds of calls, the clocks brought together between them. With 8-bit stamps a round must stay
  // within the window: its events on all PEs (4 x 3 x 6 calls, a third of them messages that merge
  // at their target) may all lie on one causal chain.
  const int rounds = lamport::wrap_mode() ? 25 : 8, calls = lamport::wrap_mode() ? 6 : 30;
  for (int round = 0; round < rounds; ++round) {
    sync.run(ctxs);
    for (std::size_t k = 0; k < ctxs.size(); ++k) {
      shmem_ctx_t c = ctxs[k];
      shmemx_stamp_t prev = shmemx_ctx_clock(c);
      for (int i = 0; i < calls; ++i) {
        const int peer = static_cast<int>(rng() % pe::npes());
        shmemx_stamp_t s;
        const char* what;
        switch (rng() % 3) {
          case 0: s = shmemx_ctx_publish(c, peer), what = "shmemx_ctx_publish"; break;
          case 1:
            s = shmemx_ctx_putmem_stamped(c, data, payload, 1 + rng() % 64, peer), what = "putmem_stamped";
            break;
          default:
            shmemx_am_send(c, peer, id, payload, rng() % 64);
            s = shmemx_am_last_stamp(), what = "shmemx_am_send";
        }
        EXPECT_EQ(lane_of(s), lane_of(prev)) << what;
        EXPECT_GT(shmemx_stamp_compare(s, prev), 0)
            << what << " on context " << k << ", round " << round << ", call " << i << ": stamp "
            << time_of(s) << " after " << time_of(prev);
        prev = s;
      }
    }
    // And a wait: the right neighbour publishes to this PE; the merged clock passes its stamp.
    const shmemx_stamp_t s = shmemx_ctx_publish(causal, pe::right());
    lamport::announce(announced, s, pe::right());
    const shmemx_stamp_t from_left = lamport::await_announced(announced);
    const shmemx_stamp_t w = shmemx_ctx_stamp_wait(created, pe::left(), from_left);
    EXPECT_GE(shmemx_stamp_compare(w, from_left), 0);
    EXPECT_GT(shmemx_stamp_compare(shmemx_ctx_clock(created), from_left), 0);
    for (shmem_ctx_t c : ctxs) shmem_ctx_quiet(c);
    shmem_barrier_all();
    *announced = 0;
  }
  shmem_barrier_all();
  shmem_free(announced);
  shmem_free(data);
  shmem_ctx_destroy(causal);
  shmem_ctx_destroy(created);
}

// ---- C++ ----

TEST(Cpp, PutStampedWaitStampOnACausalContext) {
  causeway::context ctx(causeway::ctx_options::causal);
  auto* halo = static_cast<long*>(shmem_calloc(16, sizeof(long)));
  auto* announced = static_cast<uint64_t*>(shmem_calloc(1, sizeof(uint64_t)));
  lamport::ClockSync sync;
  sync.run({SHMEM_CTX_DEFAULT, ctx.native_handle()});
  causeway::stamp last_seen;
  for (int i = 0; i < 50; ++i) {
    std::vector<long> edge(16);
    for (std::size_t k = 0; k < edge.size(); ++k) edge[k] = pe::me() * 1000L + i * 16 + long(k);
    const causeway::stamp before = causeway::clock(ctx);
    lamport::announce(announced, before.next().raw(), pe::right());  // the stamp the put will get
    const causeway::stamp t = causeway::put_stamped(ctx, halo, std::span<const long>(edge), pe::right());
    EXPECT_EQ(t, before.next()) << "only this thread moves the context's clock";
    EXPECT_EQ(t.lane(), before.lane());
    EXPECT_EQ(causeway::clock(ctx), t);
    const causeway::stamp from_left(lamport::await_announced(announced));
    const causeway::stamp seen = causeway::wait_stamp(ctx, pe::left(), from_left);
    EXPECT_GE(seen, from_left);
    EXPECT_GT(causeway::clock(ctx), from_left) << "the wait merged the stamp";
    if (i > 0) {
      EXPECT_GT(seen, last_seen);
    }
    last_seen = seen;
    int wrong = 0;
    for (std::size_t k = 0; k < 16; ++k) wrong += halo[k] != pe::left() * 1000L + i * 16 + long(k);
    EXPECT_EQ(wrong, 0) << "elements of iteration " << i << " not visible after wait_stamp";
    EXPECT_TRUE(causeway::test_stamp(ctx, pe::left(), from_left));
    EXPECT_FALSE(causeway::test_stamp(ctx, pe::left(), seen.next())) << "the left neighbour waits below";
    shmem_barrier_all();  // everyone has read its halo and announcement
    *announced = 0;
    shmem_barrier_all();
  }
  // The default-context forms, and merge.
  const causeway::stamp p = causeway::publish(pe::right());
  EXPECT_EQ(p.lane(), 0);
  lamport::announce(announced, p.raw(), pe::right());
  const causeway::stamp from_left(lamport::await_announced(announced));
  EXPECT_GE(causeway::wait_stamp(pe::left(), from_left), from_left);
  EXPECT_TRUE(causeway::test_stamp(pe::left(), from_left));
  const causeway::stamp ahead(shmemx_stamp_next(shmemx_stamp_next(causeway::clock().raw())));
  EXPECT_EQ(causeway::merge(ahead), ahead.next());
  EXPECT_EQ(causeway::merge(ctx, ahead).lane(), causeway::clock(ctx).lane());
  ctx.quiet();
  shmem_barrier_all();
  shmem_free(announced);
  shmem_free(halo);
}

}  // namespace
