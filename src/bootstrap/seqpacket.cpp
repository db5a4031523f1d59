#include "bootstrap/seqpacket.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

namespace causeway::bootstrap {

bool send_record(int sock, wire::Op op, std::span<const std::byte> payload, std::span<const int> fds) {
  wire::Header header{op, static_cast<uint32_t>(payload.size()), static_cast<uint32_t>(fds.size()), 0};
  iovec iov[2] = {{&header, sizeof header}, {const_cast<std::byte*>(payload.data()), payload.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = payload.empty() ? 1 : 2;
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
  ssize_t sent;
  do sent = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  return sent == static_cast<ssize_t>(sizeof header + payload.size());
}

bool recv_record(int sock, wire::Header* header, std::vector<std::byte>* payload, std::vector<int>* fds) {
  payload->resize(wire::kMaxRecord);
  iovec iov[2] = {{header, sizeof *header}, {payload->data(), payload->size()}};
  std::vector<char> control(CMSG_SPACE(wire::kMaxFdsPerRecord * sizeof(int)));
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t got;
  do got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (got < 0 && errno == EINTR);
  if (got < static_cast<ssize_t>(sizeof *header)) {
    if (got >= 0) errno = got == 0 ? ECONNRESET : EPROTO;
    return false;
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const int* data = reinterpret_cast<const int*>(CMSG_DATA(c));
    fds->insert(fds->end(), data, data + n);
  }
  payload->resize(static_cast<std::size_t>(got) - sizeof *header);
  if (payload->size() != header->length || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
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
