// SPDX-License-Identifier: BSD-3-Clause
#include "bootstrap/node_channel.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "bootstrap/bootstrap.hpp"
#include "bootstrap/seqpacket.hpp"
#include "util/log.hpp"

namespace causeway::bootstrap {

namespace {

// Abstract socket address (no file, gone with its last descriptor), unique per job and machine.
socklen_t channel_address(const Bootstrap& boot, sockaddr_un* addr) {
  std::memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  const std::string name =
      "causeway-" + boot.job_id() + "-machine" + std::to_string(boot.machine_of()[boot.rank()]);
  std::memcpy(addr->sun_path + 1, name.data(), name.size());  // sun_path[0] = 0: abstract
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
}

bool same_user(int sock) {
  ucred cred{};
  socklen_t len = sizeof cred;
  return getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == geteuid();
}

Status failed(const char* what, int local_rank) {
  CW_LOG(util::LogLevel::error, "node channel: %s (local rank %d): %s (did a PE on this machine die?)", what,
         local_rank, std::strerror(errno));
  return Status::io_error;
}

void close_all(std::vector<int>& fds) {
  for (int fd : fds)
    if (fd >= 0) ::close(fd);
  fds.clear();
}

// The scatter message: per local rank its byte count and descriptor count, then the bytes.
struct Entry {
  uint64_t bytes;
  uint64_t fds;
};

}  // namespace

Status NodeChannel::open(Bootstrap& boot, std::unique_ptr<NodeChannel>* out) {
  std::unique_ptr<NodeChannel> channel(new NodeChannel(boot.local_rank(), boot.local_size()));
  sockaddr_un addr;
  const socklen_t addr_len = channel_address(boot, &addr);
  int listener = -1;
  if (channel->local_rank_ == 0 && channel->local_size_ > 1) {
    listener = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0 ||
        ::listen(listener, channel->local_size_) != 0) {
      Status s = failed("cannot listen", 0);
      if (listener >= 0) ::close(listener);
      (void)boot.barrier();  // let the others through to their own error
      return s;
    }
  }
  if (Status s = boot.barrier(); is_error(s)) {  // the leader listens before anyone connects
    if (listener >= 0) ::close(listener);
    return s;
  }
  if (channel->local_rank_ == 0) {
    channel->members_.assign(channel->local_size_, -1);
    for (int accepted = 1; accepted < channel->local_size_; ++accepted) {
      int sock = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      int32_t who = -1;
      if (sock < 0 || !same_user(sock) || ::recv(sock, &who, sizeof who, 0) != sizeof who || who < 1 ||
          who >= channel->local_size_ || channel->members_[who] >= 0) {
        if (sock >= 0) ::close(sock);
        ::close(listener);
        errno = errno ? errno : EPROTO;
        return failed("a local PE did not join", 0);
      }
      size_socket_buffers(sock);
      channel->members_[who] = sock;
    }
    if (listener >= 0) ::close(listener);
  } else {
    int sock = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    const int32_t me = channel->local_rank_;
    if (sock < 0 || ::connect(sock, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0 || !same_user(sock) ||
        ::send(sock, &me, sizeof me, MSG_NOSIGNAL) != sizeof me) {
      Status s = failed("cannot reach this machine's leader", channel->local_rank_);
      if (sock >= 0) ::close(sock);
      return s;
    }
    size_socket_buffers(sock);
    channel->leader_ = sock;
  }
  *out = std::move(channel);
  return Status::ok;
}

NodeChannel::~NodeChannel() {
  if (leader_ >= 0) ::close(leader_);
  for (int sock : members_)
    if (sock >= 0) ::close(sock);
}

Status NodeChannel::allgather(std::span<const std::byte> bytes, std::span<const int> fds,
                              std::vector<std::vector<std::byte>>* all_bytes,
                              std::vector<std::vector<int>>* all_fds) {
  all_bytes->assign(local_size_, {});
  all_fds->assign(local_size_, {});
  return local_rank_ == 0 ? gather_as_leader(bytes, fds, all_bytes, all_fds)
                          : exchange_as_member(bytes, fds, all_bytes, all_fds);
}

Status NodeChannel::gather_as_leader(std::span<const std::byte> bytes, std::span<const int> fds,
                                     std::vector<std::vector<std::byte>>* all_bytes,
                                     std::vector<std::vector<int>>* all_fds) {
  (*all_bytes)[0].assign(bytes.begin(), bytes.end());
  for (int fd : fds) {
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return failed("cannot duplicate a descriptor", 0);
    (*all_fds)[0].push_back(copy);
  }
  for (int member = 1; member < local_size_; ++member) {
    wire::Header header{};
    if (!recv_message(members_[member], &header, &(*all_bytes)[member], &(*all_fds)[member]) ||
        header.op != wire::Op::fds) {
      if (errno == 0) errno = EPROTO;
      return failed("cannot receive a local PE's contribution", member);
    }
  }
  // One message for everyone: the table of counts, the bytes, and every descriptor in order.
  std::vector<std::byte> scatter(local_size_ * sizeof(Entry));
  std::vector<int> every;
  for (int r = 0; r < local_size_; ++r) {
    const Entry e{(*all_bytes)[r].size(), (*all_fds)[r].size()};
    std::memcpy(scatter.data() + r * sizeof e, &e, sizeof e);
    scatter.insert(scatter.end(), (*all_bytes)[r].begin(), (*all_bytes)[r].end());
    every.insert(every.end(), (*all_fds)[r].begin(), (*all_fds)[r].end());
  }
  for (int member = 1; member < local_size_; ++member)
    if (!send_message(members_[member], wire::Op::fds, scatter, every))
      return failed("cannot send the node exchange", member);
  return Status::ok;
}

Status NodeChannel::exchange_as_member(std::span<const std::byte> bytes, std::span<const int> fds,
                                       std::vector<std::vector<std::byte>>* all_bytes,
                                       std::vector<std::vector<int>>* all_fds) {
  if (!send_message(leader_, wire::Op::fds, bytes, fds))
    return failed("cannot send to the leader", local_rank_);
  wire::Header header{};
  std::vector<std::byte> scatter;
  std::vector<int> every;
  if (!recv_message(leader_, &header, &scatter, &every) || header.op != wire::Op::fds ||
      scatter.size() < local_size_ * sizeof(Entry)) {
    close_all(every);
    if (errno == 0) errno = EPROTO;
    return failed("cannot receive the node exchange", local_rank_);
  }
  std::size_t byte_at = local_size_ * sizeof(Entry), fd_at = 0;
  for (int r = 0; r < local_size_; ++r) {
    Entry e;
    std::memcpy(&e, scatter.data() + r * sizeof e, sizeof e);
    if (byte_at + e.bytes > scatter.size() || fd_at + e.fds > every.size()) {
      close_all(every);
      errno = EPROTO;
      return failed("malformed node exchange", local_rank_);
    }
    (*all_bytes)[r].assign(scatter.begin() + byte_at, scatter.begin() + byte_at + e.bytes);
    (*all_fds)[r].assign(every.begin() + fd_at, every.begin() + fd_at + e.fds);
    byte_at += e.bytes;
    fd_at += e.fds;
  }
  return Status::ok;
}

}  // namespace causeway::bootstrap
