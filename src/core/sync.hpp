// Ordering, completion and point-to-point synchronisation: fence, quiet, barriers, wait/test, locks.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/checks.hpp"
#include "core/runtime.hpp"
#include "util/backoff.hpp"

namespace causeway::core {

void fence(Context& ctx);
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
  switch (static_cast<Compare>(cmp)) {
    case Compare::eq: return value == operand;
    case Compare::ne: return value != operand;
    case Compare::gt: return value > operand;
    case Compare::ge: return value >= operand;
    case Compare::lt: return value < operand;
    case Compare::le: return value <= operand;
  }
  return false;
}

// Acquire load of a symmetric word that remote PEs update.
template <class T>
inline T load_acquire(const T* ivar) {
  return __atomic_load_n(ivar, __ATOMIC_ACQUIRE);
}

void report_bad_compare(int cmp, const char* call);

// Waits until `pred()` holds, backing off (spin, yield, sleep) and driving transport progress.
template <class Pred>
inline void wait_for(Runtime& rt, Pred&& pred) {
  if (pred()) return;
  util::Backoff backoff(rt.backoff_policy());
  while (!pred())
    if (backoff.pause()) rt.progress();
}

void set_lock(long* lock, const char* call);
void clear_lock(long* lock, const char* call);
int test_lock(long* lock, const char* call);

}  // namespace causeway::core
