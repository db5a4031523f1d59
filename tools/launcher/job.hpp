// One causeway-run job: starts the PEs, serves their bootstrap requests, watches them, and takes the
// whole job down as soon as anything goes wrong. Single-threaded, driven by poll().
//   spawn.cpp       sockets, pipes and forking the PEs (including everything the child does)
//   job.cpp         event loop, reaping, timeouts, signals and teardown
//   collective.cpp  the launcher side of the wire protocol (allgather, abort, finalize)
#pragma once
#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "binding.hpp"
#include "bootstrap/launcher_protocol.hpp"
#include "options.hpp"
#include "output.hpp"

namespace causeway::launcher {

namespace wire = bootstrap::wire;

// Exit statuses of the launcher itself (a failing PE's own status is passed on otherwise).
inline constexpr int kExitLauncherError = 1;
inline constexpr int kExitTimeout = 124;

class Job {
 public:
  explicit Job(Options options);
  ~Job();
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  // Runs the job to the end; returns the launcher's exit status.
  int run();

 private:
  using Clock = std::chrono::steady_clock;

  struct Pe {
    pid_t pid = -1;
    int sock = -1;        // launcher end of the bootstrap socket (-1 once the PE hung up)
    int child_sock = -1;  // PE end, open in the launcher until the PE is forked
    bool reaped = false;
    // The PE leads its own process group (pgid = pid), so ending the job ends what it forked too.
    bool own_group = false;
    int wait_status = 0;
    bool initialized = false;  // it made a bootstrap request (shmem_init)
    bool finalized = false;    // it said it called shmem_finalize: its exit is expected
    // Collective step in progress:
    bool joined = false;
    std::vector<std::byte> payload;
  };

  // spawn.cpp
  bool prepare();
  bool spawn(int pe);
  [[noreturn]] void child_main(int pe);

  // job.cpp
  int loop();
  void handle_signals();
  void reap_children();
  void on_pe_exit(int pe);
  void begin_teardown(int exit_status);
  void kill_remaining(int signal);
  void kill_leftover_groups();
  int running_count() const;
  bool all_reaped() const;
  void close_socket(int pe);

  // collective.cpp
  void on_socket_ready(int pe);
  void on_request(int pe, const wire::Header& header, std::vector<std::byte>& payload);
  void check_step_progress();
  void finish_allgather();
  void reset_step();
  void protocol_error(const std::string& message);

  Options options_;
  std::vector<Pe> pes_;
  std::vector<CpuBinding> binding_;
  TaggedOutput output_;
  pid_t launcher_pid_ = -1;
  int signal_fd_ = -1;
  rlimit original_nofile_{};

  // Collective step (an allgather) in progress.
  std::optional<wire::Op> step_;
  int step_joined_ = 0;
  // A PE hung up in the middle of a step: give its exit status a moment to arrive, so that a crash
  // is reported as a crash rather than as a missing participant.
  std::optional<Clock::time_point> step_orphan_deadline_;

  // Teardown: once set, the job is ending with this status.
  std::optional<int> exit_status_;
  std::optional<Clock::time_point> kill_deadline_;
  bool killed_ = false;
  std::optional<Clock::time_point> timeout_deadline_;
};

}  // namespace causeway::launcher
