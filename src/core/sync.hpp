// SPDX-License-Identifier: BSD-3-Clause
// Ordering, completion and point-to-point synchronisation: fence, quiet, barriers, wait/test, locks.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "causeway/cpu.h"
#include "core/checks.hpp"
#include "core/fast_path.hpp"
#include "core/runtime.hpp"
#include "util/backoff.hpp"

namespace causeway::core {

void fence_full(Context& ctx);
// Transports whose operations complete at issue, in order, need only local store ordering: no
// calls (this is on the latency path of every put + fence + flag).
[[gnu::always_inline]] inline void fence(Context& ctx) {
  if (fast_path().fence_is_store_order) [[likely]] {
    causeway_order_stores();
    return;
  }
  fence_full(ctx);
}
void quiet(Context& ctx);
// Dissemination barrier over every PE, built on one-sided atomics (so any transport carries it).
// barrier_all also completes outstanding operations first; sync_all only synchronises.
void sync_all(Runtime& rt);
void barrier_all(Runtime& rt);

enum class Compare : int { eq = 0, ne = 1, gt = 2, ge = 3, lt = 4, le = 5 };

// True if cmp is one of the six OpenSHMEM comparison constants.
inline bool valid_compare(int cmp) { return cmp >= 0 && cmp <= 5; }

template <class T>
inline bool compare(T value, int cmp, T operand) {
  return CAUSEWAY_COMPARE(value, cmp, operand);
}

// Acquire load of a symmetric word that remote PEs update.
template <class T>
inline T load_acquire(const T* ivar) {
  return __atomic_load_n(ivar, __ATOMIC_ACQUIRE);
}

void report_bad_compare(int cmp, const char* call);

// One round of a wait's back-off (spin, yield or nap, on the doorbell or the transports'
// descriptors until `pred` holds), driving progress: after every spin when `poll_every_round`, and
// before giving up the CPU. Events mean a peer is working with this PE (its gets and atomics over
// tcp execute here): the wait goes back to yielding, to stay awake a while. So do pending events
// that progress reports none of: a peer's RMA stream, placed by this PE's progress over tcp,
// completes nothing here. Returns true when the round was past pure spinning (it yielded, napped
// or would have napped but for pending events).
template <class Pred>
inline bool backoff_round(Runtime& rt, util::Backoff& backoff, bool poll_every_round, Pred&& pred) {
  bool busy = false;  // a transport had events: pending instead of a nap, or ending it
  if (backoff.pause([&](long ns) { busy = rt.sleep_on_doorbell(ns, pred); })) {
    if (rt.progress_before_idle() > 0 || busy) backoff.rewind_to_yield();
    return true;
  }
  if (poll_every_round) rt.progress();
  return false;
}

// Waits until `pred()` holds, backing off (spin, yield, sleep) and driving progress: on every
// round when some transport needs it (its operations advance only then), else once spinning is
// over. Memory transports wrote is made visible before it returns. `note` says what the wait is
// for, in stall reports.
// `on_idle` runs each time the wait is about to give up the CPU (checks that cost a load or two).
template <class Pred, class OnIdle>
inline void wait_for(Runtime& rt, const util::WaitNote& note, Pred&& pred, OnIdle&& on_idle) {
  check_may_block(rt, "a wait (wait_until, test loop, barrier or collective)");
  if (!pred()) {
    util::WaitScope scope(note);
    util::Backoff backoff(rt.backoff_policy());
    const bool poll_every_round = rt.needs_progress();
    while (!pred())
      if (backoff_round(rt, backoff, poll_every_round, pred)) on_idle();
  }
  rt.make_visible();
}

template <class Pred>
inline void wait_for(Runtime& rt, const util::WaitNote& note, Pred&& pred) {
  wait_for(rt, note, pred, [] {});
}

// Calls f(std::integral_constant<Compare, C>{}) for the runtime comparison `cmp` (valid), so loops
// over one comparison compile to a load, a compare and a branch.
template <class F>
[[gnu::always_inline]] inline decltype(auto) with_compare(int cmp, F&& f) {
  switch (static_cast<Compare>(cmp)) {
    case Compare::eq: return f(std::integral_constant<Compare, Compare::eq>{});
    case Compare::ne: return f(std::integral_constant<Compare, Compare::ne>{});
    case Compare::gt: return f(std::integral_constant<Compare, Compare::gt>{});
    case Compare::ge: return f(std::integral_constant<Compare, Compare::ge>{});
    case Compare::lt: return f(std::integral_constant<Compare, Compare::lt>{});
    case Compare::le: break;
  }
  return f(std::integral_constant<Compare, Compare::le>{});
}

// Waits until one word compares true against `operand` and returns the value that did. The point-
// to-point sync a ping-pong waits in: the comparison is chosen once, outside the spin loop.
template <class T>
T wait_until_one(Runtime& rt, const T* ivar, int cmp, T operand, const char* call) {
  return with_compare(cmp, [&](auto c) {
    T value;
    const util::WaitNote note{.call = call,
                              .what = "a word to change",
                              .word = ivar,
                              .word_bytes = sizeof(T),
                              .cmp = cmp,
                              .operand = static_cast<uint64_t>(operand)};
    wait_for(rt, note, [&] {
      return compare(value = load_acquire(ivar), static_cast<int>(decltype(c)::value), operand);
    });
    return value;
  });
}

void set_lock(long* lock, const char* call);
void clear_lock(long* lock, const char* call);
int test_lock(long* lock, const char* call);

}  // namespace causeway::core
