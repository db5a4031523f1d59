// SPDX-License-Identifier: BSD-3-Clause
#include "core/sync.hpp"

#include "core/issue.hpp"
#include "core/messages.hpp"
#include "core/rma.hpp"
#include "util/log.hpp"

namespace causeway::core {

// Reached only when a transport needs its own fence (or before init, where runtime() reports it).
void fence_full(Context& ctx) { issue_fence(runtime("shmem_fence"), ctx, "shmem_fence"); }

void quiet(Context& ctx) {
  Runtime& rt = runtime("shmem_quiet");
  check_may_block(rt, "shmem_quiet");
  issue_quiet(rt, ctx, "shmem_quiet");
}

namespace {

// True once `pe` has left through the implicit finalize at exit: it waits for every PE at the
// bootstrap and will never arrive at a barrier again. Only peers this PE maps can be asked.
bool departed(Runtime& rt, int pe) {
  Location loc;
  const auto& word = rt.internal().departed.value;
  if (!rt.locate(&word, sizeof word, &loc)) return false;
  const char* peer = host_address(rt, pe, loc);
  return peer && reinterpret_cast<const std::atomic<uint64_t>*>(peer)->load(std::memory_order_acquire) != 0;
}

}  // namespace

void sync_all(Runtime& rt) {
  check_may_block(rt, "shmem_sync_all / shmem_barrier_all");
  const int n = rt.n_pes(), me = rt.my_pe();
  if (n == 1) return;
  const uint64_t epoch = rt.next_barrier_epoch();
  InternalArea& area = rt.internal();
  Location flags{};  // round 0's flag; round k's is k flags on
  rt.locate(&area.barrier[0].value, sizeof(uint64_t), &flags);
  int notified[64];
  int rounds = 0;
  // Round k: tell PE me+2^k we arrived, wait for PE me-2^k. Flags only grow, so they never need a
  // reset and a fast PE's next epoch can never be mistaken for a missing one.
  for (int k = 0, dist = 1; dist < n; ++k, dist <<= 1) {
    const int to = (me + dist) % n;
    notified[rounds++] = to;
    auto& mine = area.barrier[k].value;
    const Location flag{flags.segment, flags.offset + k * sizeof(InternalArea::Flag)};
    issue_notify(rt, to, flag, nullptr, 0, flag, epoch, tl::AmoOp::set, "shmem_barrier_all");
    const auto arrived = [&] { return mine.load(std::memory_order_acquire) >= epoch; };
    const int from = (me - dist + n) % n;
    const util::WaitNote note{.call = "shmem_barrier_all / shmem_sync_all",
                              .what = "barrier round",
                              .step = k,
                              .peer = from,
                              .word = &mine,
                              .word_bytes = 8,
                              .cmp = 3 /* >= */,
                              .operand = epoch};
    wait_for(rt, note, arrived, [&] {
      if (rt.departure_checks() && departed(rt, from) && !arrived())
        util::fatal_user_error(
            "shmem_barrier_all",
            "PE %d returned from main or called exit() without shmem_finalize while this PE "
            "waits for it in a barrier, which can therefore never complete",
            from);
    });
  }
  // A transport that moves only when this PE calls it may still hold a flag (a wait that found its
  // own flag already there ran no progress): deliver them now, or a peer still in this barrier
  // waits for as long as this PE computes after it. Only the notified peers are completed.
  if (rt.needs_progress()) [[unlikely]]
    complete_notifies(rt, std::span<const int>(notified, static_cast<std::size_t>(rounds)),
                      "shmem_barrier_all");
}

void barrier_all(Runtime& rt) {
  quiet(rt.default_context());
  sync_all(rt);
}

void report_bad_compare(int cmp, const char* call) {
  util::fatal_user_error(
      call, "argument 'cmp' = %d is not a comparison constant (SHMEM_CMP_EQ, _NE, _GT, _GE, _LT, _LE)", cmp);
}

// Locks: a test-and-set word kept on PE 0's copy of the lock variable, holding owner+1. Waiters back
// off, so many PEs contending on 2 cores still let the owner run.
void set_lock(long* lock, const char* call) {
  Runtime& rt = runtime(call);
  const long me = rt.my_pe() + 1;
  if (amo<long>(nullptr, tl::AmoOp::compare_swap, lock, me, 0, 0, call) == 0) return;
  util::WaitScope scope({.call = call, .what = "the lock, which another PE holds"});
  util::Backoff backoff(rt.backoff_policy());
  const bool poll_every_round = rt.needs_progress();
  while (amo<long>(nullptr, tl::AmoOp::compare_swap, lock, me, 0, 0, call) != 0)
    if (backoff.pause())
      rt.progress_before_idle();
    else if (poll_every_round)
      rt.progress();
}

int test_lock(long* lock, const char* call) {
  Runtime& rt = runtime(call);
  const long me = rt.my_pe() + 1;
  if (amo<long>(nullptr, tl::AmoOp::compare_swap, lock, me, 0, 0, call) == 0) return 0;
  // Not taken: the caller will most likely spin on test_lock, and a spinning PE must still serve
  // its peers (as shmem_test does). Over a transport that executes peers' operations at the target
  // (UCX over tcp), a PE whose own attempts are CPU atomics (the lock word on this node) would
  // otherwise never progress, and the holder's operations on this PE, or its release, never end.
  rt.progress();
  return 1;
}

void clear_lock(long* lock, const char* call) {
  Runtime& rt = runtime(call);
  // Writes made inside the critical section complete before the next owner can get in.
  quiet(rt.default_context());
  const long me = rt.my_pe() + 1;
  long owner = amo<long>(nullptr, tl::AmoOp::compare_swap, lock, 0, me, 0, call);
  if (owner != me && rt.checks())
    util::fatal_user_error(call, "argument 'lock' = %p is not held by this PE (owner is %s)", (void*)lock,
                           owner == 0 ? "nobody" : "another PE");
}

}  // namespace causeway::core
