// SPDX-License-Identifier: BSD-3-Clause
#include "core/progress.hpp"

#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <mutex>

#include "util/log.hpp"

namespace causeway::core {

void ProgressEngine::add(tl::Context* c) {
  if (!c->transport->caps.needs_progress) return;
  std::unique_lock lock(mutex_);
  sources_.push_back(c);
  update_count();
}

void ProgressEngine::remove(tl::Context* c) {
  std::unique_lock lock(mutex_);
  auto it = std::find(sources_.begin(), sources_.end(), c);
  if (it == sources_.end()) return;
  sources_.erase(it);
  update_count();
}

void ProgressEngine::add_hook(const Hook& hook) {
  std::unique_lock lock(mutex_);
  if (hooks_.size() == kMaxHooks) {
    util::log(util::LogLevel::error, "progress engine: more than %zu hooks", kMaxHooks);
    util::abort_job(1);
  }
  hooks_.push_back(hook);
  update_count();
}

void ProgressEngine::remove_hook(void* self) {
  std::unique_lock lock(mutex_);
  std::erase_if(hooks_, [self](const Hook& h) { return h.self == self; });
  update_count();
}

bool ProgressEngine::quiet_hooks() {
  if (!active()) return false;
  // Copied out (onto the stack: quiet is on the data path): a hook's quiet polls, and so takes the
  // lock shared, while it waits.
  std::array<Hook, kMaxHooks> hooks;
  std::size_t n;
  {
    std::shared_lock lock(mutex_);
    n = hooks_.size();
    std::copy(hooks_.begin(), hooks_.end(), hooks.begin());
  }
  for (std::size_t i = 0; i < n; ++i)
    if (hooks[i].quiet) hooks[i].quiet(hooks[i].self);
  return n != 0;
}

int ProgressEngine::poll_sources(bool* held) {
  std::shared_lock lock(mutex_);
  int events = 0;
  for (tl::Context* c : sources_) {
    const int n = c->transport->ops->progress(c);
    if (n > 0)
      events += n;
    else if (n == tl::kProgressHeld && held)
      *held = true;
  }
  for (const Hook& h : hooks_) events += h.poll(h.self);
  return events;
}

void ProgressEngine::complete_all() {
  if (!active()) return;
  std::shared_lock lock(mutex_);
  for (tl::Context* c : sources_) c->transport->ops->quiet(c);
}

ProgressEngine::BlockedScope::BlockedScope(ProgressEngine& engine) : engine_(engine) {
  if (!engine_.active()) return;
  engine_.complete_all();
  if (!engine_.thread_running()) started_ = engine_.start_thread(std::chrono::microseconds(50));
}

ProgressEngine::BlockedScope::~BlockedScope() {
  if (started_) engine_.stop_thread();
}

bool ProgressEngine::start_thread(std::chrono::microseconds interval) {
  if (thread_.joinable()) return true;
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return false;
  stop_.store(false);
  thread_ = std::thread([this, interval] { thread_main(interval); });
  return true;
}

void ProgressEngine::stop_thread() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  const uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof one) < 0) {
    // The thread still sees stop_ at its next interval.
  }
  thread_.join();
  close(wake_fd_);
  wake_fd_ = -1;
}

bool ProgressEngine::collect_wait_fds(pollfd* fds, std::size_t* n, std::size_t max) {
  std::shared_lock lock(mutex_);
  for (tl::Context* c : sources_) {
    const int fd = c->transport->ops->wait_fd(c);
    if (fd == tl::kWaitFdBusy) return true;
    if (fd >= 0 && *n < max) fds[(*n)++] = pollfd{fd, POLLIN, 0};
  }
  return false;
}

bool ProgressEngine::sleep_until_event(long ns) {
  constexpr std::size_t kMaxWaitFds = 16;  // more sources still nap, only not woken by the extra ones
  pollfd fds[kMaxWaitFds];
  std::size_t n = 0;
  if (collect_wait_fds(fds, &n, kMaxWaitFds)) return true;  // the wait's next round progresses
  const timespec nap{0, ns};
  return ppoll(fds, n, &nap, nullptr) > 0;  // woken by a source, not by the time
}

void ProgressEngine::thread_main(std::chrono::microseconds interval) {
  // A fixed array, not a vector: nothing of this thread's stays on the heap (a child forked while
  // it runs would report that as a leak), and sources beyond it are still polled, only not waited on.
  constexpr std::size_t kMaxWaitFds = 64;
  pollfd fds[kMaxWaitFds];
  const timespec wait{static_cast<time_t>(interval.count() / 1000000),
                      static_cast<long>(interval.count() % 1000000) * 1000};
  // While the PE's own threads poll (their waits count their polls) or hold a source (waiting in a
  // blocking call), this thread only naps: woken by the same arrivals as they are, it took the CPU
  // from the PE pinned there, and both then queued for the transport's lock. The nap doubles while
  // they go on (a wake-up every 100 us cost a 1 MiB UCX put stream 9-14%), so the thread takes over
  // at most kLongestStandDownNs after they stop. fds[0] is the stop descriptor throughout.
  constexpr long kFirstStandDownNs = 200 * 1000, kLongestStandDownNs = 1600 * 1000;
  long stand_down_ns = kFirstStandDownNs;
  fds[0] = pollfd{wake_fd_, POLLIN, 0};
  const auto stand_down = [&](std::size_t nfds) {  // a nap woken by fds[0, nfds)
    const timespec nap{0, stand_down_ns};
    ppoll(fds, nfds, &nap, nullptr);
    stand_down_ns = std::min(2 * stand_down_ns, kLongestStandDownNs);
  };
  uint64_t polls_seen = caller_polls_.load(std::memory_order_relaxed);
  while (!stop_.load(std::memory_order_relaxed)) {
    if (const uint64_t polls = caller_polls_.load(std::memory_order_relaxed); polls != polls_seen) {
      polls_seen = polls;
      stand_down(1);
      continue;
    }
    bool held = false;
    if (poll_sources(&held) > 0) {
      stand_down_ns = kFirstStandDownNs;
      continue;
    }
    // Idle: block until a source has work, the interval (or, while a PE thread holds a source,
    // the stand-down nap) passes, or stop_thread wakes us. A held source gives no descriptor; the
    // others still wake the thread.
    std::size_t n = 1;
    if (collect_wait_fds(fds, &n, kMaxWaitFds)) {
      sched_yield();  // poll again soon, without spinning against the threads that run the PE
    } else if (held) {
      stand_down(n);
    } else {
      stand_down_ns = kFirstStandDownNs;
      ppoll(fds, n, &wait, nullptr);
    }
  }
}

}  // namespace causeway::core
