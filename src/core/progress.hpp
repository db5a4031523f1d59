// SPDX-License-Identifier: BSD-3-Clause
// The progress engine: every source of deferred work (transport contexts whose operations advance
// only when polled, the active-message mailboxes; later ordering stages and the GPU proxy ring) in
// one list, polled from waits, quiet, test calls and an optional progress thread.
//
// The default shm job registers no source, so poll() is one relaxed load and waits stay pure
// spins. Sources must be safe to poll from any thread (transports that need progress lock their
// contexts).
#pragma once
#include <atomic>
#include <chrono>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "transports/transport.hpp"

struct pollfd;

namespace causeway::core {

class ProgressEngine {
 public:
  ProgressEngine() = default;
  ProgressEngine(const ProgressEngine&) = delete;
  ProgressEngine& operator=(const ProgressEngine&) = delete;
  ~ProgressEngine() { stop_thread(); }

  // Adds a transport context if its transport needs progress; removing an unknown one is a no-op.
  void add(tl::Context* c);
  void remove(tl::Context* c);

  // A source from a layer above core (the active-message mailboxes): `poll` runs its pending work
  // and returns the events processed; `quiet`, when set, returns once what this PE sent through it
  // has completed at the targets (shmem_quiet calls it after the transports' quiet).
  struct Hook {
    int (*poll)(void* self);
    void (*quiet)(void* self);
    void* self;
  };
  static constexpr std::size_t kMaxHooks = 8;  // one per upper-layer service (the am mailbox)
  void add_hook(const Hook& hook);
  void remove_hook(void* self);
  // Runs every hook's quiet (see Hook); false when there are none.
  bool quiet_hooks();

  bool active() const { return count_.load(std::memory_order_relaxed) != 0; }
  // Some source is a transport context (not only hooks): waits then poll a transport, at the cost
  // of a system call or more per poll over a network, and sleep on its wait descriptors.
  bool polls_transports() const { return transport_count_.load(std::memory_order_relaxed) != 0; }
  // One pass over every source; returns the events processed.
  int poll() {
    if (!active()) [[likely]]
      return 0;
    caller_polls_.fetch_add(1, std::memory_order_relaxed);
    return poll_sources();
  }

  // Completes everything every source has outstanding (before this PE blocks where it cannot
  // poll, e.g. in a bootstrap exchange, so no peer waits on an operation parked here).
  void complete_all();

  // A wait's nap when sources need this PE's progress: up to `ns`, but woken by the first source
  // whose wait descriptor becomes readable (a peer's get or atomic that only this PE can execute
  // arrives over UCX-over-tcp, say). A plain sleep would hold such a request for the whole nap.
  // Returns true when a source had events: pending now (then it does not nap), or the one that
  // ended the nap.
  bool sleep_until_event(long ns);

  // For the time this PE blocks where it cannot poll (a bootstrap exchange): completes everything,
  // then, unless the progress thread already runs, polls from a helper thread until the scope
  // ends, because peers may still need this PE's progress to complete their own operations (a
  // transport that executes peers' operations at the target, such as UCX over tcp).
  class BlockedScope {
   public:
    explicit BlockedScope(ProgressEngine& engine);
    ~BlockedScope();
    BlockedScope(const BlockedScope&) = delete;
    BlockedScope& operator=(const BlockedScope&) = delete;

   private:
    ProgressEngine& engine_;
    bool started_ = false;
  };

  // A thread that polls every `interval`, blocking on the sources' wait descriptors in between.
  bool start_thread(std::chrono::microseconds interval);
  void stop_thread();
  bool thread_running() const { return thread_.joinable(); }

 private:
  // Events processed; *held is set when a source answered kProgressHeld.
  int poll_sources(bool* held = nullptr);
  void thread_main(std::chrono::microseconds interval);
  // Appends the sources' wait descriptors to fds[*n..max); true (and stops) if one answers busy.
  bool collect_wait_fds(pollfd* fds, std::size_t* n, std::size_t max);

  void update_count() {
    count_.store(static_cast<int>(sources_.size() + hooks_.size()), std::memory_order_relaxed);
    transport_count_.store(static_cast<int>(sources_.size()), std::memory_order_relaxed);
  }

  mutable std::shared_mutex mutex_;  // sources_ and hooks_: shared to poll, exclusive to change
  std::vector<tl::Context*> sources_;
  std::vector<Hook> hooks_;
  std::atomic<int> count_{0};
  std::atomic<int> transport_count_{0};
  std::thread thread_;
  std::atomic<bool> stop_{false};
  int wake_fd_ = -1;  // eventfd that ends the thread's wait
  // Polls by the PE's own threads (its waits, quiet, test): while it moves, the progress thread
  // keeps off the CPU they run on instead of waking with them at every arrival.
  std::atomic<uint64_t> caller_polls_{0};
};

}  // namespace causeway::core
