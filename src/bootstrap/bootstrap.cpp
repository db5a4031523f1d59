// The two bootstraps this build has: the causeway-run launcher socket and a single-PE job.
#include "bootstrap/bootstrap.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

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
  Status exchange_fds(std::span<const int> mine, std::vector<int>* all) override {
    all->clear();
    for (int fd : mine) {
      int copy = fcntl_dup(fd);
      if (copy < 0) return Status::io_error;
      all->push_back(copy);
    }
    return Status::ok;
  }
  [[noreturn]] void abort_job(int status) override { std::_Exit(status); }

 private:
  static int fcntl_dup(int fd) { return ::dup(fd); }
};

class LauncherBootstrap final : public Bootstrap {
 public:
  LauncherBootstrap(int rank, int size, int sock) : sock_(sock) {
    rank_ = rank;
    size_ = size;
    node_of_.assign(size, 0);  // causeway-run starts every PE on this node
    size_socket_buffers(sock_);
  }
  ~LauncherBootstrap() override { ::close(sock_); }
  const char* name() const override { return "causeway-run"; }

  Status allgather(std::span<const std::byte> mine, std::vector<std::byte>* all) override {
    if (!send_record(sock_, wire::Op::allgather, mine, {})) return lost("allgather");
    wire::Header header{};
    std::vector<int> fds;
    if (!recv_record(sock_, &header, all, &fds)) return lost("allgather");
    if (all->size() != mine.size() * size_) return lost("allgather (short reply)");
    return Status::ok;
  }

  Status barrier() override {
    std::vector<std::byte> ignored;
    return allgather({}, &ignored);
  }

  Status exchange_fds(std::span<const int> mine, std::vector<int>* all) override {
    if (!send_record(sock_, wire::Op::fds, {}, mine)) return lost("fd exchange");
    all->clear();
    const std::size_t expected = mine.size() * size_;
    while (all->size() < expected) {
      wire::Header header{};
      std::vector<std::byte> payload;
      if (!recv_record(sock_, &header, &payload, all)) return lost("fd exchange");
    }
    return Status::ok;
  }

  [[noreturn]] void abort_job(int status) override {
    int32_t value = status;
    send_record(sock_, wire::Op::abort, std::as_bytes(std::span(&value, 1)), {});
    // The launcher now kills every PE; if it is gone, exit by ourselves.
    sleep(5);
    std::_Exit(status);
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

Status Bootstrap::allgatherv(std::span<const std::byte> mine, std::vector<std::vector<std::byte>>* all) {
  const uint64_t length = mine.size();
  std::vector<std::byte> lengths_bytes;
  if (Status s = allgather(std::as_bytes(std::span(&length, 1)), &lengths_bytes); is_error(s)) return s;
  std::vector<uint64_t> lengths(size_);
  std::memcpy(lengths.data(), lengths_bytes.data(), size_ * sizeof(uint64_t));
  uint64_t longest = 0;
  for (uint64_t l : lengths) longest = l > longest ? l : longest;
  std::vector<std::byte> padded(longest), gathered;
  if (!mine.empty()) std::memcpy(padded.data(), mine.data(), mine.size());
  if (Status s = allgather(padded, &gathered); is_error(s)) return s;
  all->assign(size_, {});
  for (int r = 0; r < size_; ++r)
    (*all)[r].assign(gathered.begin() + r * longest, gathered.begin() + r * longest + lengths[r]);
  return Status::ok;
}

std::unique_ptr<Bootstrap> create_bootstrap(Status* status) {
  *status = Status::ok;
  int rank = 0, size = 0, fd = -1;
  bool have_rank = env_int(wire::kEnvRank, &rank), have_size = env_int(wire::kEnvSize, &size),
       have_fd = env_int(wire::kEnvFd, &fd);
  if (!have_rank && !have_size && !have_fd) return std::make_unique<SingleBootstrap>();
  if (!(have_rank && have_size && have_fd) || size < 1 || rank >= size) {
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
