// SPDX-License-Identifier: BSD-3-Clause
// The two bootstraps without plugins: causeway-run's socket and a single-PE job.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "bootstrap/backends.hpp"
#include "bootstrap/seqpacket.hpp"
#include "util/log.hpp"

namespace causeway::bootstrap {

namespace {

class SingleBootstrap final : public Bootstrap {
 public:
  const char* name() const override { return "single"; }
  Status allgather(std::span<const std::byte> mine, std::vector<std::byte>* all) override {
    all->assign(mine.begin(), mine.end());
    return Status::ok;
  }
  Status barrier() override { return Status::ok; }
  [[noreturn]] void abort_job(int status, const char*) override { std::_Exit(status); }
};

class LauncherBootstrap final : public Bootstrap {
 public:
  LauncherBootstrap(int rank, int size, int sock) : sock_(sock) {
    rank_ = rank;
    size_ = size;
    size_socket_buffers(sock_);
  }
  ~LauncherBootstrap() override { ::close(sock_); }
  const char* name() const override { return "causeway-run"; }

  Status allgatherv(std::span<const std::byte> mine, std::vector<std::vector<std::byte>>* all) override {
    if (!send_message(sock_, wire::Op::allgather, mine, {})) return lost("allgather");
    wire::Header header{};
    std::vector<std::byte> reply;
    std::vector<int> fds;
    if (!recv_message(sock_, &header, &reply, &fds) || !fds.empty()) return lost("allgather");
    // The reply: every rank's length, then the bytes back to back.
    const std::size_t table = size_ * sizeof(uint64_t);
    if (reply.size() < table) return lost("allgather (short reply)");
    all->assign(size_, {});
    std::size_t at = table;
    for (int r = 0; r < size_; ++r) {
      uint64_t length;
      std::memcpy(&length, reply.data() + r * sizeof length, sizeof length);
      if (at + length > reply.size()) return lost("allgather (short reply)");
      (*all)[r].assign(reply.begin() + at, reply.begin() + at + length);
      at += length;
    }
    return Status::ok;
  }

  Status allgather(std::span<const std::byte> mine, std::vector<std::byte>* all) override {
    std::vector<std::vector<std::byte>> each;
    if (Status s = allgatherv(mine, &each); is_error(s)) return s;
    all->clear();
    all->reserve(mine.size() * size_);
    for (int r = 0; r < size_; ++r) {
      if (each[r].size() != mine.size()) {
        CW_LOG(util::LogLevel::error, "bootstrap allgather: PE %d contributed %zu bytes, this PE %zu", r,
               each[r].size(), mine.size());
        return Status::invalid_arg;
      }
      all->insert(all->end(), each[r].begin(), each[r].end());
    }
    return Status::ok;
  }

  Status barrier() override {
    std::vector<std::vector<std::byte>> ignored;
    return allgatherv({}, &ignored);
  }

  [[noreturn]] void abort_job(int status, const char* why) override {
    std::vector<std::byte> request(sizeof(int32_t));
    const int32_t value = status;
    std::memcpy(request.data(), &value, sizeof value);
    if (why)
      request.insert(request.end(), reinterpret_cast<const std::byte*>(why),
                     reinterpret_cast<const std::byte*>(why) + std::strlen(why));
    send_message(sock_, wire::Op::abort, request, {});
    // The launcher now kills every PE; if it is gone, exit by ourselves.
    sleep(5);
    std::_Exit(status);
  }

  Status finalize() override {
    Bootstrap::finalize();
    // From now on this PE's exit is expected; exiting before this is reported as an error.
    if (!send_message(sock_, wire::Op::finalize, {}, {})) return lost("finalize");
    return Status::ok;
  }

 private:
  Status lost(const char* what) {
    CW_LOG(util::LogLevel::error,
           "bootstrap %s with causeway-run failed: %s (did the launcher or a peer die?)", what,
           std::strerror(errno));
    return Status::io_error;
  }
  int sock_;
};

bool env_int(const char* name, int* out) {
  const char* text = std::getenv(name);
  if (!text) return false;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 0 || value > (1 << 24)) return false;
  *out = static_cast<int>(value);
  return true;
}

}  // namespace

std::unique_ptr<Bootstrap> create_single_bootstrap() { return std::make_unique<SingleBootstrap>(); }

std::unique_ptr<Bootstrap> create_launcher_bootstrap(Status* status) {
  int rank = 0, size = 0, fd = -1;
  bool have_rank = env_int(wire::kEnvRank, &rank), have_size = env_int(wire::kEnvSize, &size),
       have_fd = env_int(wire::kEnvFd, &fd);
  if (!(have_rank && have_size && have_fd) || size < 1 || rank >= size || fcntl(fd, F_GETFD) < 0) {
    CW_LOG(util::LogLevel::error,
           "inconsistent launcher environment (%s, %s, %s); start PEs with causeway-run", wire::kEnvRank,
           wire::kEnvSize, wire::kEnvFd);
    *status = Status::invalid_arg;
    return nullptr;
  }
  // Children the program itself forks or execs must not take our identity.
  unsetenv(wire::kEnvFd);
  unsetenv(wire::kEnvRank);
  unsetenv(wire::kEnvSize);
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  return std::make_unique<LauncherBootstrap>(rank, size, fd);
}

}  // namespace causeway::bootstrap
