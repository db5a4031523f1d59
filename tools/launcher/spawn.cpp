// SPDX-License-Identifier: BSD-3-Clause
// Starting the PEs: one SOCK_SEQPACKET socketpair per PE, optional output pipes, then fork + exec.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bootstrap/seqpacket.hpp"
#include "job.hpp"

namespace causeway::launcher {

namespace {

void child_message(const char* fmt, int pe, const char* program, const char* reason) {
  char line[1024];
  int len = std::snprintf(line, sizeof line, fmt, pe, program, reason);
  if (len <= 0) return;
  if (static_cast<std::size_t>(len) >= sizeof line) len = sizeof line - 1;
  ssize_t ignored = ::write(STDERR_FILENO, line, len);
  (void)ignored;
}

}  // namespace

void apply_exports(const std::vector<ExportedVar>& exports) {
  for (const ExportedVar& var : exports) {
    if (var.value) {
      ::setenv(var.name.c_str(), var.value->c_str(), 1);
    } else if (!std::getenv(var.name.c_str())) {
      std::fprintf(stderr, "causeway-run: warning: -x %s: not set in the launcher's environment\n",
                   var.name.c_str());
    }
  }
}

void reset_signals_in_child() {
  // The launcher blocks and handles signals itself; what it starts gets the defaults back.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &default_action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

bool Job::prepare() {
  launcher_pid_ = ::getpid();
  const int np = options_.np;

  // Each PE needs a few descriptors here, and the fd exchange holds np * count of them at once.
  getrlimit(RLIMIT_NOFILE, &original_nofile_);
  rlimit raised = original_nofile_;
  raised.rlim_cur = raised.rlim_max;
  setrlimit(RLIMIT_NOFILE, &raised);

  apply_exports(options_.exports);

  pes_.resize(np);
  for (int pe = 0; pe < np; ++pe) {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) {
      std::fprintf(stderr, "causeway-run: cannot create the bootstrap socket for PE %d: %s\n", pe,
                   std::strerror(errno));
      return false;
    }
    bootstrap::size_socket_buffers(ends[0]);
    bootstrap::size_socket_buffers(ends[1]);
    pes_[pe].sock = ends[0];
    pes_[pe].child_sock = ends[1];
  }
  if (options_.tag_output && !output_.create(np, options_.first_rank)) {
    std::fprintf(stderr, "causeway-run: cannot create the output pipes: %s\n", std::strerror(errno));
    return false;
  }
  // Placement is worked out (and --report-bindings printed) before any PE starts.
  if (!plan_binding(options_, &binding_)) return false;
  return setup_signals();
}

bool Job::setup_signals() {
  // Signals the loop handles arrive through a signalfd; the PEs get them unblocked again. A signal
  // whose disposition is SIG_IGN never reaches a signalfd, and an ignored SIGCHLD would even reap
  // the PEs behind our back, so an inherited "ignore" is undone (except for SIGHUP, as under nohup).
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : {SIGCHLD, SIGINT, SIGTERM, SIGHUP}) sigaddset(&handled, sig);
  for (int sig : {SIGCHLD, SIGINT, SIGTERM}) std::signal(sig, SIG_DFL);
  if (sigprocmask(SIG_BLOCK, &handled, nullptr) != 0 ||
      (signal_fd_ = ::signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
    std::fprintf(stderr, "causeway-run: cannot set up signal handling: %s\n", std::strerror(errno));
    return false;
  }
  return true;
}

bool Job::spawn(int pe) {
  std::fflush(stdout);
  std::fflush(stderr);
  // Each PE leads a process group of its own, so that the job's end reaches the processes it forks
  // (kill(-pgid)). Not the PE that reads a terminal: outside the terminal's foreground group its
  // reads would stop it (SIGTTIN); that PE stays in the launcher's group.
  pes_[pe].own_group = !(pe == options_.stdin_pe && ::isatty(STDIN_FILENO));
  pid_t pid = ::fork();
  if (pid < 0) {
    std::fprintf(stderr, "causeway-run: cannot start PE %d: fork: %s\n", pe, std::strerror(errno));
    return false;
  }
  if (pid == 0) child_main(pe);
  // Also here, so the group exists before the launcher can signal it (whichever runs first wins;
  // EACCES once the child has exec'd is harmless).
  if (pes_[pe].own_group) ::setpgid(pid, pid);
  pes_[pe].pid = pid;
  ::close(pes_[pe].child_sock);
  pes_[pe].child_sock = -1;
  if (output_.active()) output_.close_write_ends(pe);
  return true;
}

void Job::child_main(int pe) {
  // Die with the launcher. If it is already gone (we were re-parented before the call), stop here.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != launcher_pid_) ::_exit(1);
  if (pes_[pe].own_group) ::setpgid(0, 0);

  reset_signals_in_child();
  ::close(signal_fd_);
  if (head_sock_ >= 0) ::close(head_sock_);

  if (output_.active()) output_.become_child(pe);

  // As under mpirun, one PE reads the launcher's stdin and the others read /dev/null: PEs sharing
  // one input would each get an unpredictable part of it.
  if (pe != options_.stdin_pe) {
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) {
      ::dup2(null_fd, STDIN_FILENO);  // the copy on fd 0 is not close-on-exec
      if (null_fd != STDIN_FILENO) ::close(null_fd);
    } else {
      child_message("causeway-run: warning: PE %d (%s): cannot open /dev/null for stdin: %s\n", pe,
                    options_.program[0], std::strerror(errno));
    }
  }

  // Every descriptor the launcher made is close-on-exec; close the others' ones now regardless, and
  // keep only this PE's end of its own socket across exec.
  const int mine = pes_[pe].child_sock;
  for (int other = 0; other < options_.np; ++other) {
    if (pes_[other].sock >= 0) ::close(pes_[other].sock);
    if (other != pe && pes_[other].child_sock >= 0) ::close(pes_[other].child_sock);
  }
  ::fcntl(mine, F_SETFD, 0);

  ::setenv(wire::kEnvRank, std::to_string(options_.first_rank + pe).c_str(), 1);
  ::setenv(wire::kEnvSize, std::to_string(options_.size()).c_str(), 1);
  ::setenv(wire::kEnvFd, std::to_string(mine).c_str(), 1);
  ::setrlimit(RLIMIT_NOFILE, &original_nofile_);
  if (!binding_.empty()) apply_binding(pe, binding_[pe]);

  ::execvp(options_.program[0], options_.program.data());
  child_message("causeway-run: PE %d: cannot execute '%s': %s\n", pe, options_.program[0],
                std::strerror(errno));
  ::_exit(127);
}

}  // namespace causeway::launcher
