// SPDX-License-Identifier: BSD-3-Clause
// stdin across hosts. As with one host, one PE (--stdin, default 0) reads causeway-run's stdin and
// the others read /dev/null. When that PE runs on another host, the head reads its own stdin and
// sends it in stdin_data frames (an empty one ends it); that host's daemon started the PE with the
// read end of a pipe as stdin and writes the frames into the other end, queueing what the pipe does
// not take yet, so a PE that reads slowly never stalls the daemon's other work.
#include <unistd.h>

#include <cerrno>
#include <span>

#include "job.hpp"

namespace causeway::launcher {

// The host whose daemon takes the head's stdin now, or -1 (one host, none, ended, not connected).
int Job::stdin_host() const {
  if (hosts_.empty() || !stdin_open_ || options_.stdin_pe == kStdinNone) return -1;
  const int h = pes_[static_cast<std::size_t>(options_.stdin_pe)].host;
  if (h < 0) return -1;
  const Host& host = hosts_[static_cast<std::size_t>(h)];
  return host.connected && host.sock >= 0 && !host.done && !host.lost ? h : -1;
}

void Job::on_stdin_readable() {
  const int h = stdin_host();
  if (h < 0) return;
  char buf[65536];
  const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) stdin_open_ = false;  // the end, or an error: either way the PE sees the end
  const std::span<const std::byte> bytes =
      n > 0 ? std::as_bytes(std::span(buf, static_cast<std::size_t>(n))) : std::span<const std::byte>{};
  if (!link::send_frame(hosts_[static_cast<std::size_t>(h)].sock, link::Type::stdin_data, options_.stdin_pe,
                        0, 0, bytes))
    lose_host(h, "cannot send it the job's stdin");
}

void Job::on_stdin_frame(const std::vector<std::byte>& payload) {
  if (stdin_pipe_ < 0) return;  // the PE closed its stdin or exited: the rest is dropped
  if (payload.empty())
    stdin_ended_ = true;
  else
    stdin_queue_.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  on_stdin_writable();
}

void Job::on_stdin_writable() {
  std::size_t written = 0;
  while (stdin_pipe_ >= 0 && written < stdin_queue_.size()) {
    const ssize_t n = ::write(stdin_pipe_, stdin_queue_.data() + written, stdin_queue_.size() - written);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      break;  // full: the poll loop says when it takes more
    } else {
      close_stdin_pipe();  // EPIPE: nobody reads it any more
      return;
    }
  }
  stdin_queue_.erase(0, written);
  if (stdin_ended_ && stdin_queue_.empty()) close_stdin_pipe();
}

void Job::close_stdin_pipe() {
  if (stdin_pipe_ >= 0) ::close(stdin_pipe_);
  stdin_pipe_ = -1;
  stdin_queue_.clear();
}

}  // namespace causeway::launcher
