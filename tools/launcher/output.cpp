// SPDX-License-Identifier: BSD-3-Clause
#include "output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace causeway::launcher {

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kLongestLine = 64 * 1024;  // longer lines are cut into tagged pieces

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {  // the terminal or pipe is non-blocking and full: wait for it
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, 100);
        continue;
      }
      return;  // EPIPE and the like: the reader is gone, drop the output
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void close_fd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

}  // namespace

TaggedOutput::~TaggedOutput() {
  for (Stream& s : streams_) {
    close_fd(&s.read_fd);
    close_fd(&s.write_fd);
  }
}

bool TaggedOutput::create(int np, int first_rank) {
  streams_.resize(2 * static_cast<std::size_t>(np));
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    Stream& s = streams_[i];
    s.pe = first_rank + static_cast<int>(i / 2);
    s.target = i % 2 == 0 ? STDOUT_FILENO : STDERR_FILENO;
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) return false;
    s.read_fd = ends[0];
    s.write_fd = ends[1];
    ::fcntl(s.read_fd, F_SETFL, ::fcntl(s.read_fd, F_GETFL) | O_NONBLOCK);
  }
  return true;
}

void TaggedOutput::close_write_ends(int pe) {
  close_fd(&streams_[2 * pe].write_fd);
  close_fd(&streams_[2 * pe + 1].write_fd);
}

void TaggedOutput::become_child(int pe) {
  // dup2 leaves the new fds 1 and 2 without FD_CLOEXEC, so they survive exec; the pipe fds
  // themselves are close-on-exec, and are closed here anyway.
  ::dup2(streams_[2 * pe].write_fd, STDOUT_FILENO);
  ::dup2(streams_[2 * pe + 1].write_fd, STDERR_FILENO);
  for (Stream& s : streams_) {
    if (s.read_fd > STDERR_FILENO) ::close(s.read_fd);
    if (s.write_fd > STDERR_FILENO) ::close(s.write_fd);
    s.read_fd = s.write_fd = -1;
  }
}

void TaggedOutput::add_poll_fds(std::vector<pollfd>* fds, std::vector<int>* owner) const {
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    if (streams_[i].read_fd < 0) continue;
    fds->push_back(pollfd{streams_[i].read_fd, POLLIN, 0});
    owner->push_back(static_cast<int>(i));
  }
}

TaggedOutput::ReadResult TaggedOutput::read_some(Stream& s) {
  char buf[kReadChunk];
  for (;;) {
    ssize_t n = ::read(s.read_fd, buf, sizeof buf);
    if (n > 0) {
      s.pending.append(buf, static_cast<std::size_t>(n));
      return ReadResult::data;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return ReadResult::empty;
    return ReadResult::closed;
  }
}

void TaggedOutput::emit_lines(Stream& s, bool flush_partial) {
  char prefix[32];
  int prefix_len = std::snprintf(prefix, sizeof prefix, "[pe %d] ", s.pe);
  std::string out;
  std::size_t start = 0;
  for (;;) {
    std::size_t newline = s.pending.find('\n', start);
    std::size_t end;
    if (newline != std::string::npos && newline - start < kLongestLine) {
      end = newline + 1;
    } else if (s.pending.size() - start >= kLongestLine) {
      end = start + kLongestLine;
    } else {
      break;
    }
    out.assign(prefix, prefix_len);
    out.append(s.pending, start, end - start);
    if (out.back() != '\n') out.push_back('\n');
    write_all(s.target, out.data(), out.size());
    start = end;
  }
  s.pending.erase(0, start);
  if (flush_partial && !s.pending.empty()) {
    out.assign(prefix, prefix_len);
    out += s.pending;
    out.push_back('\n');
    write_all(s.target, out.data(), out.size());
    s.pending.clear();
  }
}

void TaggedOutput::close_read(Stream& s) { close_fd(&s.read_fd); }

void TaggedOutput::on_readable(int index) {
  Stream& s = streams_[index];
  bool open = read_some(s) != ReadResult::closed;
  emit_lines(s, !open);
  if (!open) close_read(s);
}

void TaggedOutput::drain(int pe) {
  for (int index : {2 * pe, 2 * pe + 1}) {
    Stream& s = streams_[index];
    if (s.read_fd < 0) continue;
    ReadResult result;
    while ((result = read_some(s)) == ReadResult::data) emit_lines(s, false);
    if (result == ReadResult::closed) {
      emit_lines(s, true);
      close_read(s);
    }
  }
}

void TaggedOutput::finish() {
  for (Stream& s : streams_) {
    if (s.read_fd < 0) continue;
    // Every PE has exited, so what they wrote is already in the pipe: read until it runs dry
    // (a grandchild still holding the pipe must not keep the launcher waiting).
    while (read_some(s) == ReadResult::data) emit_lines(s, false);
    emit_lines(s, true);
    close_read(s);
  }
}

}  // namespace causeway::launcher
