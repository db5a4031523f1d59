// SPDX-License-Identifier: BSD-3-Clause
// The host daemon of a several-hosts job: `causeway-run --host-daemon --head ADDR --port P
// --host-index I --host-name NAME --ranks FIRST COUNT --size N`, started on its host by the head's
// launch agent. It reads the job's secret from stdin, connects back to the head and proves the
// secret, receives the job (working directory, environment, options, program and arguments: over
// the link, so that no shell on the way re-splits them), then runs a Job of its own PEs in relay
// mode: the PEs' requests, hang-ups and exits go to the head; allgather results and kill orders come
// back. When the link to the head drops, it ends its PEs and exits.
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bootstrap/seqpacket.hpp"
#include "job.hpp"

namespace causeway::launcher {

namespace {

struct DaemonArgs {
  std::string head, port, host_name;
  int host = -1, first_rank = -1, count = 0, size = 0;
};

bool parse_int(const char* text, int* out) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno || end == text || *end || value < 0 || value > (1 << 24)) return false;
  *out = static_cast<int>(value);
  return true;
}

bool parse_daemon_args(int argc, char** argv, DaemonArgs* a) {
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (arg == "--head" && (v = next())) {
      a->head = v;
    } else if (arg == "--port" && (v = next())) {
      a->port = v;
    } else if (arg == "--host-name" && (v = next())) {
      a->host_name = v;
    } else if (arg == "--host-index" && (v = next())) {
      if (!parse_int(v, &a->host)) return false;
    } else if (arg == "--size" && (v = next())) {
      if (!parse_int(v, &a->size)) return false;
    } else if (arg == "--ranks" && i + 2 < argc) {
      if (!parse_int(argv[i + 1], &a->first_rank) || !parse_int(argv[i + 2], &a->count)) return false;
      i += 2;
    } else {
      return false;
    }
  }
  return !a->head.empty() && !a->port.empty() && a->host >= 0 && a->first_rank >= 0 && a->count > 0 &&
         a->first_rank + a->count <= a->size;
}

// The secret: one line of hex on stdin, within 30 s. Afterwards stdin is /dev/null.
bool read_secret(link::Key* secret) {
  std::string line;
  char c;
  while (line.size() <= 2 * secret->size()) {
    pollfd in{STDIN_FILENO, POLLIN, 0};
    if (::poll(&in, 1, 30000) <= 0) break;
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    line.push_back(c);
  }
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0 && null_fd != STDIN_FILENO) {
    ::dup2(null_fd, STDIN_FILENO);
    ::close(null_fd);
  }
  return link::from_hex(line, *secret);
}

// A blocking connect, given up after 30 s.
int connect_to(const std::string& host, const std::string& port, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) {
    error->assign("cannot resolve the head address '").append(host).append("': ").append(::gai_strerror(rc));
    return -1;
  }
  int sock = -1;
  for (addrinfo* a = found; a && sock < 0; a = a->ai_next) {
    sock = ::socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) continue;
    const timeval limit{30, 0};
    ::setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (::connect(sock, a->ai_addr, a->ai_addrlen) != 0) {
      error->assign("cannot connect to the head at ")
          .append(host)
          .append(" port ")
          .append(port)
          .append(": ")
          .append(std::strerror(errno));
      ::close(sock);
      sock = -1;
    }
  }
  ::freeaddrinfo(found);
  return sock;
}

int fail(const DaemonArgs& a, int sock, const std::string& message) {
  if (sock >= 0) {
    link::send_frame(sock, link::Type::error, -1, 0, 0,
                     std::as_bytes(std::span(message.data(), message.size())));
    ::shutdown(sock, SHUT_WR);
    char ignored[256];
    while (::recv(sock, ignored, sizeof ignored, 0) > 0) {
    }
    ::close(sock);
  }
  std::fprintf(stderr, "causeway-run: host daemon on %s: %s\n", a.host_name.c_str(), message.c_str());
  return kExitLauncherError;
}

}  // namespace

int host_daemon_main(int argc, char** argv) {
  DaemonArgs a;
  if (!parse_daemon_args(argc, argv, &a)) {
    std::fprintf(stderr, "causeway-run: --host-daemon is started by causeway-run itself (bad arguments)\n");
    return 2;
  }
  link::Key secret;
  if (!read_secret(&secret)) return fail(a, -1, "no valid secret on stdin");
  std::string error;
  const int sock = connect_to(a.head, a.port, &error);
  if (sock < 0) return fail(a, -1, error);
  link::tune_socket(sock);

  link::Challenge challenge{};
  if (!link::recv_all(sock, &challenge, sizeof challenge) || challenge.magic != link::kMagic)
    return fail(a, -1, "the head sent no valid challenge");
  link::Hello hello{link::kMagic, a.host, link::proof(secret, "causeway-daemon", challenge.nonce, a.host)};
  link::Frame frame{};
  std::vector<std::byte> payload;
  if (!link::send_all(sock, &hello, sizeof hello) || !link::recv_frame(sock, &frame, &payload) ||
      static_cast<link::Type>(frame.type) != link::Type::setup || payload.size() < sizeof(link::Mac))
    return fail(a, -1, "the head refused this daemon (or went away)");
  const link::Mac expected = link::proof(secret, "causeway-head", challenge.nonce, a.host);
  if (!link::equal_constant_time(expected, std::span(reinterpret_cast<const uint8_t*>(payload.data()), 32)))
    return fail(a, -1, "the head did not prove the job's secret");
  std::vector<std::string> setup;
  if (!link::get_strings(std::span(payload).subspan(sizeof(link::Mac)), &setup) || setup.size() % 2)
    return fail(a, sock, "malformed job description from the head");

  // The daemon parses the head's options for its own PEs, as if given -n COUNT on its command line.
  std::vector<std::string> words{"causeway-run", "-n", std::to_string(a.count)};
  std::vector<std::string> program;
  int stdin_rank = kStdinNone;
  for (std::size_t i = 0; i < setup.size(); i += 2) {
    const std::string& key = setup[i];
    const std::string& value = setup[i + 1];
    if (key == "cwd" && ::chdir(value.c_str()) != 0)
      return fail(a, sock,
                  std::string("cannot enter the working directory ")
                      .append(value)
                      .append(": ")
                      .append(std::strerror(errno)));
    if (key == "env") {
      const std::size_t eq = value.find('=');
      if (eq != std::string::npos) ::setenv(value.substr(0, eq).c_str(), value.c_str() + eq + 1, 1);
    }
    if (key == "option") words.push_back(value);
    if (key == "arg") program.push_back(value);
    if (key == "stdin_pe") stdin_rank = std::atoi(value.c_str());
  }
  if (program.empty()) return fail(a, sock, "the head sent no program");
  words.push_back("--");
  words.insert(words.end(), program.begin(), program.end());
  std::vector<char*> parse_argv;
  for (std::string& w : words) parse_argv.push_back(w.data());
  parse_argv.push_back(nullptr);

  Options options;
  if (parse_options(static_cast<int>(words.size()), parse_argv.data(), &options) != ParseOutcome::run)
    return fail(a, sock, "cannot use the head's options");
  options.first_rank = a.first_rank;
  options.world_size = a.size;
  options.stdin_pe = kStdinNone;
  // The PE that reads the job's stdin runs here: it gets a pipe, fed with what the head forwards.
  int stdin_pipe = -1;
  if (stdin_rank != kStdinNone && stdin_rank >= a.first_rank && stdin_rank < a.first_rank + a.count) {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0)
      return fail(a, sock, std::string("cannot make the stdin pipe: ").append(std::strerror(errno)));
    ::dup2(ends[0], STDIN_FILENO);  // what the PE inherits (dup2 leaves fd 0 open across exec)
    ::close(ends[0]);
    ::fcntl(ends[1], F_SETFL, ::fcntl(ends[1], F_GETFL) | O_NONBLOCK);
    stdin_pipe = ends[1];
    options.stdin_pe = stdin_rank - a.first_rank;
  }
  // `words` owns the strings the program vector points into: it lives until the job ends.
  Job job(std::move(options), sock, a.host_name, stdin_pipe);
  return job.run();
}

void Job::relay_request(int pe, const wire::Header& header, std::vector<std::byte>& payload) {
  pes_[pe].initialized = true;
  if (header.op == wire::Op::allgather) pes_[pe].joined = true;
  if (head_sock_ < 0) return;
  if (!link::send_frame(head_sock_, link::Type::request, options_.first_rank + pe,
                        static_cast<int32_t>(header.op), 0, payload))
    head_lost("cannot send a request to the head");
}

void Job::relay_hangup(int pe) {
  if (head_sock_ >= 0 &&
      !link::send_frame(head_sock_, link::Type::hangup, options_.first_rank + pe, 0, 0, {}))
    head_lost("cannot send to the head");
}

void Job::relay_exit(int pe) {
  const Pe& p = pes_[pe];
  if (head_sock_ >= 0 &&
      !link::send_frame(head_sock_, link::Type::exit, options_.first_rank + pe, p.wait_status, p.pid, {}))
    head_lost("cannot send to the head");
}

void Job::on_head_ready() {
  link::Frame frame{};
  std::vector<std::byte> payload;
  if (!link::recv_frame(head_sock_, &frame, &payload)) return head_lost("the connection to the head closed");
  switch (static_cast<link::Type>(frame.type)) {
    case link::Type::result:
      for (int pe = 0; pe < options_.np; ++pe) {
        Pe& p = pes_[pe];
        if (!p.joined) continue;
        p.joined = false;
        if (p.sock < 0 || bootstrap::send_message(p.sock, wire::Op::allgather, payload, {})) continue;
        close_socket(pe);  // it is gone; its exit follows through SIGCHLD
        relay_hangup(pe);
      }
      return;
    case link::Type::kill:
      if (frame.value == SIGURG) {  // the head's timeout: the PEs report, the job goes on for now
        ask_for_reports();
        return;
      }
      if (!exit_status_) begin_teardown(kExitLauncherError);
      if (frame.value == SIGKILL && !killed_) {
        kill_remaining(SIGKILL);
        killed_ = true;
      }
      return;
    case link::Type::stdin_data: on_stdin_frame(payload); return;
    default: return head_lost("the head sent an unknown frame");
  }
}

void Job::head_lost(const char* why) {
  if (head_sock_ < 0) return;
  ::close(head_sock_);
  head_sock_ = -1;
  if (exit_status_) return;
  std::fprintf(stderr, "causeway-run: host daemon on %s: %s; ending its PEs\n", host_name_.c_str(), why);
  begin_teardown(kExitLauncherError);
}

// Every PE has exited (or none could start: `error`). Says so, then waits for the head to close the
// link, so that nothing it sent is cut off by a reset.
void Job::finish_relay(const char* error) {
  if (head_sock_ < 0) return;
  if (error)
    link::send_frame(head_sock_, link::Type::error, -1, 0, 0,
                     std::as_bytes(std::span(error, std::strlen(error))));
  else
    link::send_frame(head_sock_, link::Type::done, -1, 0, 0, {});
  ::shutdown(head_sock_, SHUT_WR);
  const timeval limit{5, 0};
  ::setsockopt(head_sock_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  char ignored[4096];
  while (::recv(head_sock_, ignored, sizeof ignored, 0) > 0) {
  }
  ::close(head_sock_);
  head_sock_ = -1;
}

}  // namespace causeway::launcher
