// SPDX-License-Identifier: BSD-3-Clause
// The launcher's event loop: PE sockets, the signalfd (SIGCHLD, SIGINT, SIGTERM, SIGHUP), tagged
// output pipes, the links of several-hosts jobs and the deadlines (job timeout, grace period before
// SIGKILL, daemons connecting) all go through one poll().
#include "job.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

namespace causeway::launcher {

namespace {

constexpr auto kTermGrace = std::chrono::seconds(2);    // SIGTERM first, SIGKILL after this
constexpr auto kReportGrace = std::chrono::seconds(1);  // for the PEs' reports at the timeout

}  // namespace

Job::Job(Options options) : options_(std::move(options)) {}

Job::Job(Options options, int head_sock, std::string host_name, int stdin_pipe)
    : options_(std::move(options)),
      relay_(true),
      head_sock_(head_sock),
      host_name_(std::move(host_name)),
      stdin_pipe_(stdin_pipe) {}

Job::~Job() {
  reset_step();
  for (Pe& pe : pes_) {
    if (pe.sock >= 0) ::close(pe.sock);
    if (pe.child_sock >= 0) ::close(pe.child_sock);
  }
  for (Host& h : hosts_)
    if (h.sock >= 0) ::close(h.sock);
  close_stdin_pipe();
  for (Pending& p : pending_) ::close(p.fd);
  if (listener_ >= 0) ::close(listener_);
  if (head_sock_ >= 0) ::close(head_sock_);
  if (signal_fd_ >= 0) ::close(signal_fd_);
}

int Job::run() {
  if (options_.multi_host) {
    if (!start_hosts()) return kExitLauncherError;
  } else if (!prepare()) {
    if (relay_) finish_relay("cannot prepare its PEs (see its messages)");
    return kExitLauncherError;
  }
  if (options_.timeout_s > 0)
    timeout_deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(options_.timeout_s));
  for (int pe = 0; pe < options_.np && !options_.multi_host; ++pe) {
    if (spawn(pe)) continue;
    // Could not start them all: the ones that never started count as gone, the rest are ended.
    for (int rest = pe; rest < options_.np; ++rest) {
      pes_[rest].reaped = true;
      close_socket(rest);
      ::close(pes_[rest].child_sock);
      pes_[rest].child_sock = -1;
    }
    begin_teardown(kExitLauncherError);
    if (relay_) finish_relay("cannot start all its PEs (see its messages)");
    break;
  }
  return loop();
}

int Job::loop() {
  std::vector<pollfd> fds;
  std::vector<Slot> slots;
  while (!all_reaped() || agents_running()) {
    add_poll_fds(&fds, &slots);

    // Sleep until the nearest deadline that still matters.
    std::optional<Clock::time_point> wake;
    auto consider = [&wake](const std::optional<Clock::time_point>& t) {
      if (t && (!wake || *t < *wake)) wake = t;
    };
    if (!exit_status_) {
      consider(timeout_deadline_);
      consider(step_orphan_deadline_);
    } else if (!killed_) {
      consider(kill_deadline_);
    }
    consider_host_deadlines(&wake);
    int timeout_ms = -1;
    if (wake) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*wake - Clock::now()).count();
      timeout_ms = left < 0 ? 0 : left > 60000 ? 60000 : static_cast<int>(left);
    }

    int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready < 0 && errno != EINTR) {
      std::fprintf(stderr, "causeway-run: poll: %s\n", std::strerror(errno));
      begin_teardown(kExitLauncherError);
      kill_remaining(SIGKILL);
      killed_ = true;
      ::usleep(10000);
    }
    // Exits and signals first, so a crash is reported as such before its hung-up socket is seen.
    handle_signals();
    if (ready > 0) {
      for (std::size_t i = 1; i < fds.size(); ++i)
        if (fds[i].revents) on_ready(slots[i]);
    }

    const auto now = Clock::now();
    if (!exit_status_ && timeout_deadline_ && now >= *timeout_deadline_) on_timeout(now);
    if (!exit_status_ && step_orphan_deadline_ && now >= *step_orphan_deadline_) check_step_progress();
    if (exit_status_ && !killed_ && kill_deadline_ && now >= *kill_deadline_) {
      kill_remaining(SIGKILL);
      killed_ = true;
    }
    check_hosts(now);
  }
  kill_leftover_groups();
  if (output_.active()) output_.finish();
  if (relay_) finish_relay();
  return exit_status_.value_or(0);
}

// Index 0 is always the signalfd; each other entry's slot says what it is.
void Job::add_poll_fds(std::vector<pollfd>* fds, std::vector<Slot>* slots) const {
  fds->assign(1, pollfd{signal_fd_, POLLIN, 0});
  slots->assign(1, Slot{Kind::signals, -1});
  auto add = [&](int fd, Kind kind, int index) {
    fds->push_back(pollfd{fd, POLLIN, 0});
    slots->push_back(Slot{kind, index});
  };
  if (!exit_status_) {
    for (int pe = 0; pe < options_.np; ++pe)
      if (pes_[pe].sock >= 0) add(pes_[pe].sock, Kind::pe_socket, pe);
    if (listener_ >= 0) add(listener_, Kind::listener, -1);
    for (std::size_t i = 0; i < pending_.size(); ++i) add(pending_[i].fd, Kind::pending, static_cast<int>(i));
  }
  // Links stay open in teardown: exits and kill orders still travel over them.
  for (std::size_t h = 0; h < hosts_.size(); ++h)
    if (hosts_[h].sock >= 0) add(hosts_[h].sock, Kind::host, static_cast<int>(h));
  if (head_sock_ >= 0) add(head_sock_, Kind::head, -1);
  if (const int h = stdin_host(); h >= 0 && !exit_status_) add(STDIN_FILENO, Kind::stdin_in, h);
  if (stdin_pipe_ >= 0 && !stdin_queue_.empty()) {
    fds->push_back(pollfd{stdin_pipe_, POLLOUT, 0});
    slots->push_back(Slot{Kind::stdin_out, -1});
  }
  std::vector<int> owner;
  const std::size_t first_pipe = fds->size();
  output_.add_poll_fds(fds, &owner);
  for (std::size_t i = first_pipe; i < fds->size(); ++i)
    slots->push_back(Slot{Kind::pipe, owner[i - first_pipe]});
}

void Job::on_ready(const Slot& slot) {
  switch (slot.kind) {
    case Kind::signals: return;
    case Kind::pe_socket:
      if (!exit_status_) on_socket_ready(slot.index);
      return;
    case Kind::pipe: output_.on_readable(slot.index); return;
    case Kind::listener:
      if (!exit_status_) on_listener_ready();
      return;
    case Kind::pending:
      // An earlier entry of this round may have closed pending connections: check it is still there.
      if (!exit_status_ && slot.index < static_cast<int>(pending_.size())) on_pending_ready(slot.index);
      return;
    case Kind::host: on_host_ready(slot.index); return;
    case Kind::head: on_head_ready(); return;
    case Kind::stdin_in: on_stdin_readable(); return;
    case Kind::stdin_out: on_stdin_writable(); return;
  }
}

void Job::handle_signals() {
  signalfd_siginfo info;
  while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    int sig = static_cast<int>(info.ssi_signo);
    if (sig == SIGCHLD) continue;  // reaped below
    if (!exit_status_) {
      const char* name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
      std::fprintf(stderr, "causeway-run: received %s; ending the job\n", name);
      begin_teardown(128 + sig);
    } else if (!killed_) {
      // Asked again while the PEs are still being ended: do not wait for the grace period.
      kill_remaining(SIGKILL);
      killed_ = true;
    }
  }
  reap_children();
}

void Job::reap_children() {
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    for (int pe = 0; pe < options_.np; ++pe) {
      if (pes_[pe].pid != pid || pes_[pe].reaped || pes_[pe].host >= 0) continue;
      pes_[pe].wait_status = status;
      on_pe_exit(pe);
      break;
    }
    for (std::size_t h = 0; h < hosts_.size(); ++h)
      if (hosts_[h].agent == pid && !hosts_[h].agent_reaped) on_agent_exit(static_cast<int>(h), status);
  }
}

void Job::on_pe_exit(int pe) {
  Pe& p = pes_[pe];
  // A request sent just before exiting (an abort, typically) still counts: read what is queued.
  while (!exit_status_ && p.sock >= 0) {
    pollfd queued{p.sock, POLLIN, 0};
    if (::poll(&queued, 1, 0) <= 0) break;
    on_socket_ready(pe);
  }
  p.reaped = true;
  close_socket(pe);
  if (output_.active()) output_.drain(pe);
  if (relay_) {  // the head judges
    relay_exit(pe);
    return;
  }
  if (exit_status_) return;  // the job is already ending; later deaths are expected

  const int status = p.wait_status;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && p.initialized && !p.finalized) {
    // Its peers would wait for it forever in their next barrier.
    std::fprintf(stderr,
                 "causeway-run: PE %d (%s) exited with status 0 after shmem_init without calling "
                 "shmem_finalize; ending the job\n",
                 pe, describe(pe).c_str());
    begin_teardown(kExitLauncherError);
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    check_step_progress();
  } else if (WIFEXITED(status)) {
    std::fprintf(stderr, "causeway-run: PE %d (%s) exited with status %d\n", pe, describe(pe).c_str(),
                 WEXITSTATUS(status));
    begin_teardown(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* description = strsignal(sig);
    std::fprintf(stderr, "causeway-run: PE %d (%s) was killed by signal %d (%s)\n", pe, describe(pe).c_str(),
                 sig, description ? description : "unknown signal");
    begin_teardown(128 + sig);
  }
}

// First expiry: every PE is asked (SIGURG, which a program without Causeway ignores) to report
// what it waits on and where it is; the second, kReportGrace later, ends the job.
void Job::on_timeout(Clock::time_point now) {
  if (!report_asked_) {
    std::fprintf(
        stderr, "causeway-run: job timed out after %s s; asking the %d PEs still running what they wait on\n",
        options_.timeout_text.c_str(), running_count());
    report_asked_ = true;
    ask_for_reports();
    timeout_deadline_ = now + kReportGrace;
    return;
  }
  std::fprintf(stderr, "causeway-run: job timed out after %s s; killed %d PEs\n",
               options_.timeout_text.c_str(), running_count());
  begin_teardown(kExitTimeout);
}

// SIGURG to each PE itself (not its group: once per PE), here and through the host daemons.
void Job::ask_for_reports() {
  send_kill(SIGURG);
  for (const Pe& pe : pes_)
    if (pe.pid > 0 && pe.host < 0 && !pe.reaped) ::kill(pe.pid, SIGURG);
}

void Job::begin_teardown(int exit_status) {
  if (exit_status_) return;
  exit_status_ = exit_status;
  reset_step();
  kill_remaining(SIGTERM);
  kill_deadline_ = Clock::now() + kTermGrace;
}

void Job::kill_remaining(int signal) {
  send_kill(signal);
  for (const Pe& pe : pes_) {
    if (pe.pid <= 0 || pe.host >= 0) continue;
    // The whole group: the PE and whatever it forked (which outlives a PE that already exited).
    if (pe.own_group) ::kill(-pe.pid, signal);
    if (!pe.reaped) ::kill(pe.pid, signal);  // if it left its group (setsid, setpgid)
  }
}

// Every PE has exited: nothing the job started may outlive it. A process a PE forked is still in the
// PE's group (the group lives on while it has members, so its id cannot be reused meanwhile).
void Job::kill_leftover_groups() {
  for (const Pe& pe : pes_)
    if (pe.pid > 0 && pe.own_group) ::kill(-pe.pid, SIGKILL);
}

int Job::running_count() const {
  int count = 0;
  for (const Pe& pe : pes_)
    if ((pe.pid > 0 || pe.host >= 0) && !pe.reaped) ++count;
  return count;
}

bool Job::all_reaped() const {
  for (const Pe& pe : pes_)
    if (!pe.reaped) return false;
  return true;
}

void Job::close_socket(int pe) {
  if (pes_[pe].sock >= 0) ::close(pes_[pe].sock);
  pes_[pe].sock = -1;
}

bool Job::disconnected(int pe) const {
  const Pe& p = pes_[pe];
  return p.reaped || (p.host >= 0 ? p.hung_up : p.sock < 0);
}

std::string Job::describe(int pe) const {
  std::string text = "pid ";
  text.append(std::to_string(pes_[pe].pid));
  if (pes_[pe].host >= 0) text.append(" on ").append(hosts_[pes_[pe].host].entry.name);
  return text;
}

}  // namespace causeway::launcher
