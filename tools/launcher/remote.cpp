// SPDX-License-Identifier: BSD-3-Clause
// The head of a several-hosts job. It listens on an ephemeral TCP port, starts one host daemon per
// host entry through the launch agent (`AGENT HOST /path/to/causeway-run --host-daemon ...`, the
// job's secret on the agent's stdin), checks each connection's proof of the secret, and then serves
// the daemons' PEs exactly as it serves PEs of its own: allgathers over all ranks, aborts, exits.
// It ends the job everywhere when a PE fails, a host is lost (its link closes or its agent exits
// before the daemon said it was done), on --timeout and on SIGINT/SIGTERM.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "job.hpp"

extern char** environ;

namespace causeway::launcher {

namespace {

constexpr auto kConnectWait = std::chrono::seconds(60);    // a daemon must connect within this
constexpr auto kHandshakeWait = std::chrono::seconds(10);  // and prove the secret within this
constexpr auto kAgentLinger = std::chrono::seconds(2);     // agent gone: link must close within this
constexpr auto kAgentsEnd = std::chrono::seconds(5);       // every PE gone: agents must end within this

std::string address_text(const sockaddr* addr) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (addr->sa_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, text, sizeof text);
  else if (addr->sa_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, text, sizeof text);
  std::string result = text;
  // An IPv4 peer of a dual-stack listener shows up as ::ffff:a.b.c.d.
  if (result.rfind("::ffff:", 0) == 0 && result.find('.') != std::string::npos) result.erase(0, 7);
  return result;
}

// The local address the kernel would send from to reach `host`: connect() on a UDP socket sends
// nothing, it only picks the route.
bool route_source(const std::string& host, std::string* address, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), "9", &hints, &found);
  if (rc != 0) {
    error->assign("cannot resolve host '").append(host).append("': ").append(::gai_strerror(rc));
    return false;
  }
  int last_errno = 0;
  for (addrinfo* a = found; a; a = a->ai_next) {
    const int sock = ::socket(a->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) continue;
    sockaddr_storage mine{};
    socklen_t length = sizeof mine;
    if (::connect(sock, a->ai_addr, a->ai_addrlen) == 0 &&
        ::getsockname(sock, reinterpret_cast<sockaddr*>(&mine), &length) == 0) {
      ::close(sock);
      ::freeaddrinfo(found);
      *address = address_text(reinterpret_cast<sockaddr*>(&mine));
      return true;
    }
    last_errno = errno;
    ::close(sock);
  }
  ::freeaddrinfo(found);
  error->assign("no route to host '").append(host).append("': ").append(std::strerror(last_errno));
  return false;
}

bool forwarded_variable(std::string_view name) {
  if (name == "CAUSEWAY_RANK" || name == "CAUSEWAY_SIZE" || name == "CAUSEWAY_BOOTSTRAP_FD") return false;
  for (std::string_view prefix : {"CAUSEWAY_", "SHMEM_", "UCX_", "FI_", "OMPI_"})
    if (name.substr(0, prefix.size()) == prefix) return true;
  return false;
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  for (std::size_t pos = 0;;) {
    pos = text.find_first_not_of(" \t", pos);
    if (pos == std::string::npos) return words;
    const std::size_t end = text.find_first_of(" \t", pos);
    words.push_back(text.substr(pos, end - pos));
    pos = end;
  }
}

}  // namespace

bool Job::start_hosts() {
  launcher_pid_ = ::getpid();
  std::signal(SIGPIPE, SIG_IGN);
  apply_exports(options_.exports);
  if (!link::random_bytes(secret_.data(), secret_.size())) {
    std::fprintf(stderr, "causeway-run: cannot read /dev/urandom for the job's secret\n");
    return false;
  }
  pes_.resize(options_.np);
  for (const HostEntry& entry : options_.hosts) {
    Host host;
    host.entry = entry;
    std::string error;
    if (!options_.head_address.empty()) {
      host.address = options_.head_address;
    } else if (!route_source(entry.name, &host.address, &error)) {
      std::fprintf(stderr, "causeway-run: %s (give --head-address)\n", error.c_str());
      return false;
    }
    for (int r = entry.first_rank; r < entry.first_rank + entry.count; ++r) pes_[r].host = hosts_.size();
    hosts_.push_back(std::move(host));
  }
  if (options_.display_map)
    for (const Host& h : hosts_)
      std::fprintf(stderr, "causeway-run: host %s: ranks %d-%d (connects back to %s)\n", h.entry.name.c_str(),
                   h.entry.first_rank, h.entry.first_rank + h.entry.count - 1, h.address.c_str());
  if (!open_listener() || !setup_signals()) return false;
  connect_deadline_ = Clock::now() + kConnectWait;
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    if (start_agent(static_cast<int>(h))) continue;
    for (std::size_t rest = h; rest < hosts_.size(); ++rest) hosts_[rest].agent_reaped = true;
    lose_host(static_cast<int>(h), "cannot start its launch agent");
    break;
  }
  return true;
}

bool Job::open_listener() {
  // Dual-stack where IPv6 exists, so that hosts reached over either family can connect.
  listener_ = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listener_ >= 0) {
    int off = 0;
    ::setsockopt(listener_, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    sockaddr_in6 any{};
    any.sin6_family = AF_INET6;
    any.sin6_addr = in6addr_any;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) {
      ::close(listener_);
      listener_ = -1;
    }
  }
  if (listener_ < 0) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_ANY);
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) {
      std::fprintf(stderr, "causeway-run: cannot open a TCP port for the hosts: %s\n", std::strerror(errno));
      return false;
    }
  }
  if (::listen(listener_, 128) != 0) {
    std::fprintf(stderr, "causeway-run: cannot listen for the hosts: %s\n", std::strerror(errno));
    return false;
  }
  return true;
}

// AGENT... HOST SELF --host-daemon ...; a host that is this machine is started directly unless an
// agent was named. The agent leads a process group of its own (the whole agent can be ended) and
// reads the secret from a pipe on its stdin.
bool Job::start_agent(int h) {
  Host& host = hosts_[h];
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &length);
  const int port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                     : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  char self[4096];
  const ssize_t self_length = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (self_length <= 0) {
    std::fprintf(stderr, "causeway-run: cannot find its own path: %s\n", std::strerror(errno));
    return false;
  }
  self[self_length] = '\0';
  std::vector<std::string> args;
  if (!host.entry.local || options_.launch_agent_given) {
    args = split_words(options_.launch_agent);
    args.push_back(host.entry.name);
  }
  for (const std::string& word :
       {std::string(self), std::string("--host-daemon"), std::string("--head"), host.address,
        std::string("--port"), std::to_string(port), std::string("--host-index"), std::to_string(h),
        std::string("--host-name"), host.entry.name, std::string("--ranks"),
        std::to_string(host.entry.first_rank), std::to_string(host.entry.count), std::string("--size"),
        std::to_string(options_.np)})
    args.push_back(word);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int secret_pipe[2];
  if (::pipe2(secret_pipe, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "causeway-run: cannot create a pipe: %s\n", std::strerror(errno));
    return false;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::fprintf(stderr, "causeway-run: cannot start the agent for %s: %s\n", host.entry.name.c_str(),
                 std::strerror(errno));
    ::close(secret_pipe[0]);
    ::close(secret_pipe[1]);
    return false;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != launcher_pid_) ::_exit(1);
    ::setpgid(0, 0);
    reset_signals_in_child();
    ::dup2(secret_pipe[0], STDIN_FILENO);
    ::execvp(argv[0], argv.data());
    const std::string message = std::string("causeway-run: cannot execute launch agent '")
                                    .append(argv[0])
                                    .append("': ")
                                    .append(std::strerror(errno))
                                    .append("\n");
    ssize_t ignored = ::write(STDERR_FILENO, message.data(), message.size());
    (void)ignored;
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  host.agent = pid;
  ::close(secret_pipe[0]);
  // Far less than a pipe holds: the write completes even if the agent never reads it.
  const std::string line = link::to_hex(secret_).append("\n");
  ssize_t written = ::write(secret_pipe[1], line.data(), line.size());
  (void)written;
  ::close(secret_pipe[1]);
  return true;
}

void Job::on_listener_ready() {
  for (;;) {
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    const int fd =
        ::accept4(listener_, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    Pending p;
    p.fd = fd;
    p.peer = address_text(reinterpret_cast<sockaddr*>(&peer));
    p.challenge.magic = link::kMagic;
    p.deadline = Clock::now() + kHandshakeWait;
    if (!link::random_bytes(p.challenge.nonce, sizeof p.challenge.nonce) ||
        ::send(fd, &p.challenge, sizeof p.challenge, MSG_NOSIGNAL) != sizeof p.challenge) {
      ::close(fd);
      continue;
    }
    pending_.push_back(p);
  }
}

void Job::drop_pending(int index, const char* why) {
  std::fprintf(stderr, "causeway-run: refused a connection from %s: %s\n", pending_[index].peer.c_str(), why);
  ::close(pending_[index].fd);
  pending_.erase(pending_.begin() + index);
}

// Reads the daemon's hello without blocking; a complete one with a valid proof makes the
// connection that host's link.
void Job::on_pending_ready(int index) {
  Pending& p = pending_[index];
  auto* into = reinterpret_cast<char*>(&p.hello);
  const ssize_t n = ::recv(p.fd, into + p.got, sizeof p.hello - p.got, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) return drop_pending(index, "closed before proving the job's secret");
  p.got += static_cast<std::size_t>(n);
  if (p.got < sizeof p.hello) return;
  const int h = p.hello.host;
  if (p.hello.magic != link::kMagic || h < 0 || h >= static_cast<int>(hosts_.size()))
    return drop_pending(index, "not a causeway-run host daemon");
  const link::Mac expected = link::proof(secret_, "causeway-daemon", p.challenge.nonce, h);
  if (!link::equal_constant_time(expected, p.hello.proof)) return drop_pending(index, "wrong secret");
  Host& host = hosts_[h];
  if (host.connected) return drop_pending(index, "its host is connected already");

  const int fd = p.fd;
  const link::Challenge challenge = p.challenge;
  pending_.erase(pending_.begin() + index);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  link::tune_socket(fd);
  host.sock = fd;
  host.connected = true;
  // The setup: the head's own proof, then what the daemon needs to start its PEs.
  const link::Mac head_proof = link::proof(secret_, "causeway-head", challenge.nonce, h);
  std::vector<std::byte> setup(reinterpret_cast<const std::byte*>(head_proof.data()),
                               reinterpret_cast<const std::byte*>(head_proof.data()) + head_proof.size());
  link::put_strings(&setup, setup_strings());
  if (!link::send_frame(fd, link::Type::setup, -1, 0, 0, setup))
    return lose_host(h, std::string("cannot send the job to its daemon: ").append(std::strerror(errno)));
  bool all_connected = true;
  for (const Host& other : hosts_) all_connected = all_connected && other.connected;
  if (all_connected) {  // nobody else may join
    ::close(listener_);
    listener_ = -1;
    connect_deadline_.reset();
  }
}

// Pairs of (key, value): cwd, env NAME=VALUE, option (for the daemon's own parse), arg.
std::vector<std::string> Job::setup_strings() const {
  std::vector<std::string> out;
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd)) {
    out.emplace_back("cwd");
    out.emplace_back(cwd);
  }
  for (char** e = environ; *e; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    bool exported = forwarded_variable(name);
    for (const ExportedVar& var : options_.exports) exported = exported || var.name == name;
    if (!exported || entry.find('=') == std::string_view::npos) continue;
    out.emplace_back("env");
    out.emplace_back(entry);
  }
  for (const std::string& option : options_.daemon_options) {
    out.emplace_back("option");
    out.push_back(option);
  }
  out.emplace_back("stdin_pe");
  out.emplace_back(std::to_string(options_.stdin_pe));
  for (char* arg : options_.program) {
    if (!arg) break;
    out.emplace_back("arg");
    out.emplace_back(arg);
  }
  return out;
}

void Job::on_host_ready(int h) {
  Host& host = hosts_[h];
  link::Frame frame{};
  std::vector<std::byte> payload;
  errno = 0;
  if (!link::recv_frame(host.sock, &frame, &payload)) {
    const int err = errno;
    ::close(host.sock);
    host.sock = -1;
    if (host.done) return;
    lose_host(h, err == ECONNRESET || err == 0 ? std::string("the connection to its daemon closed")
                                               : std::string("its link failed: ").append(std::strerror(err)));
    return;
  }
  on_host_frame(h, frame, payload);
}

void Job::on_host_frame(int h, const link::Frame& frame, std::vector<std::byte>& payload) {
  Host& host = hosts_[h];
  const int first = host.entry.first_rank, last = first + host.entry.count - 1;
  const auto type = static_cast<link::Type>(frame.type);
  const bool rank_frame =
      type == link::Type::request || type == link::Type::hangup || type == link::Type::exit;
  if (rank_frame && (frame.rank < first || frame.rank > last))
    return lose_host(h, std::string("its daemon sent a frame for rank ").append(std::to_string(frame.rank)));
  switch (type) {
    case link::Type::request: {
      if (exit_status_) return;
      wire::Header header{static_cast<wire::Op>(frame.value), 0, payload.size()};
      on_request(frame.rank, header, payload);
      return;
    }
    case link::Type::hangup:
      pes_[frame.rank].hung_up = true;
      check_step_progress();
      return;
    case link::Type::exit:
      if (pes_[frame.rank].reaped) return;
      pes_[frame.rank].pid = frame.extra;
      pes_[frame.rank].wait_status = frame.value;
      pes_[frame.rank].hung_up = true;
      on_pe_exit(frame.rank);
      return;
    case link::Type::done:
      host.done = true;
      for (int r = first; r <= last; ++r) pes_[r].reaped = true;
      ::close(host.sock);
      host.sock = -1;
      return;
    case link::Type::error: {
      const std::string message(reinterpret_cast<const char*>(payload.data()), payload.size());
      return lose_host(h, message);
    }
    default:
      return lose_host(h, std::string("its daemon sent an unknown frame (type ")
                              .append(std::to_string(frame.type))
                              .append(")"));
  }
}

void Job::on_agent_exit(int h, int status) {
  Host& host = hosts_[h];
  host.agent_reaped = true;
  host.agent_status = status;
  if (host.done || host.lost) return;
  std::string how = WIFSIGNALED(status)
                        ? std::string("was killed by signal ").append(std::to_string(WTERMSIG(status)))
                        : std::string("exited with status ").append(std::to_string(WEXITSTATUS(status)));
  if (!host.connected) {
    lose_host(h, std::string("its launch agent ").append(how).append(" before its daemon connected"));
    return;
  }
  // What the daemon sent before it ended may still be on its way: give the link a moment to close.
  host.agent_gone_deadline = Clock::now() + kAgentLinger;
}

void Job::lose_host(int h, const std::string& why) {
  Host& host = hosts_[h];
  if (host.lost || host.done) return;
  host.lost = true;
  if (host.sock >= 0) ::close(host.sock);
  host.sock = -1;
  const int first = host.entry.first_rank, last = first + host.entry.count - 1;
  for (int r = first; r <= last; ++r) {
    pes_[r].reaped = true;
    pes_[r].hung_up = true;
  }
  if (host.agent > 0 && !host.agent_reaped) ::kill(-host.agent, SIGTERM);
  if (!exit_status_) {
    std::fprintf(stderr, "causeway-run: lost host %s (ranks %d-%d): %s; ending the job\n",
                 host.entry.name.c_str(), first, last, why.c_str());
    begin_teardown(kExitLauncherError);
  }
}

void Job::send_kill(int signal) {
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    Host& host = hosts_[h];
    if (host.sock < 0 || host.done) continue;
    if (!link::send_frame(host.sock, link::Type::kill, -1, signal, 0, {}))
      lose_host(static_cast<int>(h), "cannot send it the order to end its PEs");
  }
  // Hosts whose daemon never connected: end their agents.
  for (Host& host : hosts_)
    if (!host.connected && host.agent > 0 && !host.agent_reaped) ::kill(-host.agent, signal);
}

void Job::consider_host_deadlines(std::optional<Clock::time_point>* wake) const {
  auto consider = [wake](const std::optional<Clock::time_point>& t) {
    if (t && (!*wake || *t < **wake)) *wake = t;
  };
  if (!exit_status_) consider(connect_deadline_);
  for (const Pending& p : pending_) consider(p.deadline);
  for (const Host& h : hosts_) consider(h.agent_gone_deadline);
  consider(agents_deadline_);
}

void Job::check_hosts(Clock::time_point now) {
  if (hosts_.empty()) return;
  for (int i = static_cast<int>(pending_.size()) - 1; i >= 0; --i)
    if (now >= pending_[i].deadline) drop_pending(i, "did not prove the job's secret in time");
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    Host& host = hosts_[h];
    if (!host.agent_gone_deadline || now < *host.agent_gone_deadline) continue;
    host.agent_gone_deadline.reset();
    if (!host.done) lose_host(static_cast<int>(h), "its launch agent exited");
  }
  if (!exit_status_ && connect_deadline_ && now >= *connect_deadline_) {
    for (std::size_t h = 0; h < hosts_.size(); ++h)
      if (!hosts_[h].connected) lose_host(static_cast<int>(h), "its daemon did not connect within 60 s");
  }
  // Every PE is gone: the agents end with their daemons; those that do not are ended.
  if (all_reaped() && agents_running()) {
    if (!agents_deadline_) agents_deadline_ = now + kAgentsEnd;
    if (now >= *agents_deadline_) {
      for (Host& host : hosts_)
        if (host.agent > 0 && !host.agent_reaped) ::kill(-host.agent, agents_termed_ ? SIGKILL : SIGTERM);
      agents_termed_ = true;
      agents_deadline_ = now + kAgentLinger;
    }
  }
}

bool Job::agents_running() const {
  for (const Host& h : hosts_)
    if (h.agent > 0 && !h.agent_reaped) return true;
  return false;
}

}  // namespace causeway::launcher
