// SPDX-License-Identifier: BSD-3-Clause
#include "bootstrap/seqpacket.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace causeway::bootstrap {

namespace {

// A record of zero bytes would read as end-of-file: continuation records start with this byte.
constexpr std::byte kContinuation{0xC0};

bool send_record(int sock, const wire::Header* header, std::span<const std::byte> bytes,
                 std::span<const int> fds) {
  iovec iov[2];
  int n_iov = 0;
  std::byte mark = kContinuation;
  if (header)
    iov[n_iov++] = {const_cast<wire::Header*>(header), sizeof *header};
  else
    iov[n_iov++] = {&mark, 1};
  if (!bytes.empty()) iov[n_iov++] = {const_cast<std::byte*>(bytes.data()), bytes.size()};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = n_iov;
  std::vector<char> control;
  if (!fds.empty()) {
    control.resize(CMSG_SPACE(fds.size() * sizeof(int)));
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), fds.data(), fds.size() * sizeof(int));
  }
  const std::size_t expected = (header ? sizeof *header : 1) + bytes.size();
  ssize_t sent;
  do sent = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  if (sent >= 0 && static_cast<std::size_t>(sent) != expected) errno = EPROTO;
  return sent >= 0 && static_cast<std::size_t>(sent) == expected;
}

// Receives one record into `into` (at most into.size() bytes); returns its length or -1.
ssize_t recv_record(int sock, std::span<std::byte> into, std::vector<int>* fds) {
  iovec iov{into.data(), into.size()};
  std::vector<char> control(CMSG_SPACE(wire::kMaxFdsPerRecord * sizeof(int)));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t got;
  do got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (got < 0 && errno == EINTR);
  if (got < 0) return -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const int* data = reinterpret_cast<const int*>(CMSG_DATA(c));
    fds->insert(fds->end(), data, data + n);
  }
  if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
    errno = EPROTO;
    return -1;
  }
  return got;
}

}  // namespace

bool send_message(int sock, wire::Op op, std::span<const std::byte> payload, std::span<const int> fds) {
  const wire::Header header{op, static_cast<uint32_t>(fds.size()), payload.size()};
  std::size_t byte_offset = 0, fd_offset = 0;
  bool first = true;
  // The first record holds the header and as much as fits; the rest follow in order.
  while (first || byte_offset < payload.size() || fd_offset < fds.size()) {
    const std::size_t room = wire::kMaxRecord - (first ? sizeof header : 1);
    const std::size_t n_bytes = std::min(room, payload.size() - byte_offset);
    const std::size_t n_fds = std::min<std::size_t>(wire::kMaxFdsPerRecord, fds.size() - fd_offset);
    if (!send_record(sock, first ? &header : nullptr, payload.subspan(byte_offset, n_bytes),
                     fds.subspan(fd_offset, n_fds)))
      return false;
    byte_offset += n_bytes;
    fd_offset += n_fds;
    first = false;
  }
  return true;
}

bool recv_message(int sock, wire::Header* header, std::vector<std::byte>* payload, std::vector<int>* fds) {
  std::vector<std::byte> record(wire::kMaxRecord);
  const std::size_t fds_before = fds->size();
  ssize_t got = recv_record(sock, record, fds);
  if (got < static_cast<ssize_t>(sizeof *header)) {
    if (got >= 0) errno = got == 0 ? ECONNRESET : EPROTO;
    return false;
  }
  std::memcpy(header, record.data(), sizeof *header);
  payload->assign(record.begin() + sizeof *header, record.begin() + got);
  while (payload->size() < header->length || fds->size() - fds_before < header->count) {
    got = recv_record(sock, record, fds);
    if (got <= 0 || record[0] != kContinuation) {
      if (got >= 0) errno = got == 0 ? ECONNRESET : EPROTO;
      return false;
    }
    payload->insert(payload->end(), record.begin() + 1, record.begin() + got);
  }
  if (payload->size() != header->length || fds->size() - fds_before != header->count) {
    errno = EPROTO;
    return false;
  }
  return true;
}

void size_socket_buffers(int sock) {
  int bytes = static_cast<int>(wire::kMaxRecord + 4096);
  setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

}  // namespace causeway::bootstrap
