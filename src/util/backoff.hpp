// SPDX-License-Identifier: BSD-3-Clause
// Spin, then yield, then sleep: waits stay fast when every PE has a core, and still finish when
// 8 PEs share 2 cores (a pure spin there starves the PE it is waiting for).
#pragma once
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "causeway/cpu.h"
#include "util/stall.hpp"

namespace causeway::util {

struct BackoffPolicy {
  long spin_count = 4000;
  long yield_count = 200;
  long max_sleep_us = 200;
  long stall_ms = 0;  // report a wait that sleeps this long (then at 2x, 4x...); 0: never
};

class Backoff {
 public:
  explicit Backoff(const BackoffPolicy& policy) : policy_(policy) {}

  // Returns true once the wait has gone past pure spinning (callers may run progress then).
  bool pause() {
    return pause([](long ns) {
      timespec ts{0, ns};
      nanosleep(&ts, nullptr);
    });
  }
  // The same, sleeping by `sleep(nanoseconds)` (which may return early, when woken).
  template <class Sleep>
  bool pause(Sleep&& sleep) {
    ++rounds_;
    if (rounds_ <= policy_.spin_count) {
      causeway_cpu_pause();
      return false;
    }
    if (rounds_ <= policy_.spin_count + policy_.yield_count) {
      sched_yield();
      return true;
    }
    if (policy_.stall_ms > 0) [[unlikely]]
      watch_for_stall();
    sleep_ns_ = sleep_ns_ ? sleep_ns_ * 2 : 1000;
    if (sleep_ns_ > policy_.max_sleep_us * 1000) sleep_ns_ = policy_.max_sleep_us * 1000;
    sleep(static_cast<long>(sleep_ns_));
    return true;
  }

  void reset() { rounds_ = 0, sleep_ns_ = 0, stall_start_ms_ = 0; }
  // Back to the start of the yielding phase, from wherever the wait is (the stall clock runs on):
  // for a waiter that progress just gave work, so it serves the next request without a wake-up.
  void rewind_to_yield() {
    if (rounds_ > policy_.spin_count) rounds_ = policy_.spin_count, sleep_ns_ = 0;
  }

 private:
  // Counts from the first sleep (spinning and yielding last a few milliseconds at most).
  void watch_for_stall() {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    const long ms = now.tv_sec * 1000L + now.tv_nsec / 1000000L + 1;  // + 1: never 0
    if (stall_start_ms_ == 0) {
      stall_start_ms_ = ms;
      next_report_ms_ = policy_.stall_ms;
    } else if (ms - stall_start_ms_ >= next_report_ms_) {
      report_stall(ms - stall_start_ms_);
      next_report_ms_ *= 2;
    }
  }

  const BackoffPolicy& policy_;
  long rounds_ = 0;
  long sleep_ns_ = 0;
  long stall_start_ms_ = 0;
  long next_report_ms_ = 0;
};

// Sleeps up to `ns` while *word == expected (a futex: the word may live in memory shared between
// processes); returns early when woken or when the word differs.
inline void futex_wait(std::atomic<uint32_t>* word, uint32_t expected, long ns) {
  timespec ts{0, ns};
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT, expected, &ts, nullptr, 0);
}
inline void futex_wake_all(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, 0x7fffffff, nullptr, nullptr, 0);
}

}  // namespace causeway::util
