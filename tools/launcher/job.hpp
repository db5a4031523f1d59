// SPDX-License-Identifier: BSD-3-Clause
// One causeway-run job: starts the PEs, serves their bootstrap requests, watches them, and takes the
// whole job down as soon as anything goes wrong. Single-threaded, driven by poll().
//   spawn.cpp        sockets, pipes and forking the PEs (including everything the child does)
//   job.cpp          event loop, reaping, timeouts, signals and teardown
//   collective.cpp   the launcher side of the wire protocol (allgather, abort, finalize)
// Several hosts: the head Job starts no PE itself; each host's daemon runs a Job of its own PEs in
// relay mode, passing their requests and exits to the head over TCP (link.hpp).
//   remote.cpp       the head: launch agents, the listener and handshake, frames from the daemons
//   host_daemon.cpp  the daemon: connecting back, and the relay side of the Job
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
#include "link.hpp"
#include "options.hpp"
#include "output.hpp"

namespace causeway::launcher {

namespace wire = bootstrap::wire;

// Exit statuses of the launcher itself (a failing PE's own status is passed on otherwise).
inline constexpr int kExitLauncherError = 1;
inline constexpr int kExitTimeout = 124;

// In a child the launcher forked: every signal back to its default disposition, none blocked.
void reset_signals_in_child();
// -x NAME=VALUE sets NAME here (so PEs inherit it); a bare -x NAME warns when NAME is unset.
void apply_exports(const std::vector<ExportedVar>& exports);

class Job {
 public:
  explicit Job(Options options);
  // A host daemon's Job: its PEs' requests and exits go to the head over `head_sock`, and the head's
  // results and kill orders come back over it.
  Job(Options options, int head_sock, std::string host_name, int stdin_pipe = -1);
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
    // The head of several hosts: the host that runs this PE (-1: this launcher forked it).
    int host = -1;
    bool hung_up = false;  // a remote PE closed its bootstrap socket
  };

  // The head of several hosts: one launch agent and daemon per host entry.
  struct Host {
    HostEntry entry;
    std::string address;  // the head address the daemon connects to
    pid_t agent = -1;
    bool agent_reaped = false;
    int agent_status = 0;
    int sock = -1;  // the daemon's authenticated link
    bool connected = false, done = false, lost = false;
    std::optional<Clock::time_point> agent_gone_deadline;  // agent exited: the link must close by then
  };
  // A connection to the head's port that has not proved the secret yet.
  struct Pending {
    int fd = -1;
    std::string peer;
    link::Challenge challenge{};
    link::Hello hello{};
    std::size_t got = 0;
    Clock::time_point deadline;
  };
  enum class Kind { signals, pe_socket, pipe, listener, pending, host, head, stdin_in, stdin_out };
  struct Slot {
    Kind kind;
    int index;
  };

  // spawn.cpp
  bool prepare();
  bool setup_signals();
  bool spawn(int pe);
  [[noreturn]] void child_main(int pe);

  // job.cpp
  int loop();
  void handle_signals();
  void reap_children();
  void on_pe_exit(int pe);
  void on_timeout(Clock::time_point now);
  void ask_for_reports();
  void begin_teardown(int exit_status);
  void kill_remaining(int signal);
  void kill_leftover_groups();
  int running_count() const;
  bool all_reaped() const;
  void close_socket(int pe);
  bool disconnected(int pe) const;
  std::string describe(int pe) const;  // "pid N" or "pid N on HOST"
  void add_poll_fds(std::vector<pollfd>* fds, std::vector<Slot>* slots) const;
  void on_ready(const Slot& slot);

  // remote.cpp (the head of several hosts)
  bool start_hosts();
  bool open_listener();
  bool start_agent(int host);
  void on_listener_ready();
  void on_pending_ready(int index);
  void drop_pending(int index, const char* why);
  void on_host_ready(int host);
  void on_host_frame(int host, const link::Frame& frame, std::vector<std::byte>& payload);
  void on_agent_exit(int host, int status);
  void lose_host(int host, const std::string& why);
  void send_kill(int signal);
  void check_hosts(Clock::time_point now);
  void consider_host_deadlines(std::optional<Clock::time_point>* wake) const;
  bool agents_running() const;
  std::vector<std::string> setup_strings() const;

  // stdin_relay.cpp: the head reads its stdin for a PE on another host; that host's daemon feeds it
  // into the PE's stdin pipe.
  int stdin_host() const;
  void on_stdin_readable();
  void on_stdin_frame(const std::vector<std::byte>& payload);
  void on_stdin_writable();
  void close_stdin_pipe();
  // host_daemon.cpp (relay mode)
  bool relay() const { return relay_; }
  void relay_request(int pe, const wire::Header& header, std::vector<std::byte>& payload);
  void relay_exit(int pe);
  void relay_hangup(int pe);
  void on_head_ready();
  void head_lost(const char* why);
  void finish_relay(const char* error = nullptr);

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
  bool report_asked_ = false;  // the timeout has asked the PEs for their reports
  std::optional<Clock::time_point> timeout_deadline_;

  // The head of several hosts.
  std::vector<Host> hosts_;
  std::vector<Pending> pending_;
  int listener_ = -1;
  link::Key secret_{};
  std::optional<Clock::time_point> connect_deadline_;  // every daemon must have connected by then
  std::optional<Clock::time_point> agents_deadline_;   // every PE gone: agents must end by then
  bool agents_termed_ = false;

  bool stdin_open_ = true;  // the head: its stdin has not ended or failed yet
  // A host daemon (relay mode).
  bool relay_ = false;
  int head_sock_ = -1;
  std::string host_name_;
  int stdin_pipe_ = -1;       // write end of the stdin PE's pipe (non-blocking), or -1
  std::string stdin_queue_;   // bytes from the head the pipe has not taken yet
  bool stdin_ended_ = false;  // the head said the input ended: close the pipe once the queue is out
};

}  // namespace causeway::launcher
