// Spin, then yield, then sleep: waits stay fast when every PE has a core, and still finish when
// 8 PEs share 2 cores (a pure spin there starves the PE it is waiting for).
#pragma once
#include <sched.h>
#include <time.h>

#include <cstdint>

#include "causeway/cpu.h"

namespace causeway::util {

struct BackoffPolicy {
  long spin_count = 4000;
  long yield_count = 200;
  long max_sleep_us = 200;
};

class Backoff {
 public:
  explicit Backoff(const BackoffPolicy& policy) : policy_(policy) {}

  // Returns true once the wait has gone past pure spinning (callers may run progress then).
  bool pause() {
    ++rounds_;
    if (rounds_ <= policy_.spin_count) {
      causeway_cpu_pause();
      return false;
    }
    if (rounds_ <= policy_.spin_count + policy_.yield_count) {
      sched_yield();
      return true;
    }
    sleep_ns_ = sleep_ns_ ? sleep_ns_ * 2 : 1000;
    if (sleep_ns_ > policy_.max_sleep_us * 1000) sleep_ns_ = policy_.max_sleep_us * 1000;
    timespec ts{0, static_cast<long>(sleep_ns_)};
    nanosleep(&ts, nullptr);
    return true;
  }

  void reset() { rounds_ = 0, sleep_ns_ = 0; }

 private:
  const BackoffPolicy& policy_;
  long rounds_ = 0;
  long sleep_ns_ = 0;
};

}  // namespace causeway::util
