// SPDX-License-Identifier: BSD-3-Clause
// The launcher side of the bootstrap protocol (see src/bootstrap/launcher_protocol.hpp). A
// collective step (an allgather; a barrier is an empty one) collects one request from every PE,
// then answers all of them. Descriptors never pass through the launcher: PEs exchange them over
// their machine's node channel.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>

#include "bootstrap/seqpacket.hpp"
#include "job.hpp"

namespace causeway::launcher {

namespace {

void close_all(std::vector<int>& fds) {
  for (int fd : fds)
    if (fd >= 0) ::close(fd);
  fds.clear();
}

bool peer_gone(int err) { return err == EPIPE || err == ECONNRESET || err == ENOTCONN; }

}  // namespace

void Job::on_socket_ready(int pe) {
  if (pes_[pe].sock < 0) return;
  wire::Header header{};
  std::vector<std::byte> payload;
  std::vector<int> fds;
  errno = 0;
  if (!bootstrap::recv_message(pes_[pe].sock, &header, &payload, &fds)) {
    int err = errno;
    close_all(fds);
    if (peer_gone(err)) {  // the PE closed its end: it finalized, exited or died
      close_socket(pe);
      if (relay_) relay_hangup(pe);
      check_step_progress();
    } else {
      protocol_error("cannot read a request from PE " + std::to_string(pe) + ": " + std::strerror(err));
    }
    return;
  }
  if (!fds.empty()) {
    close_all(fds);
    protocol_error("PE " + std::to_string(pe) + " attached descriptors to a request");
    return;
  }
  if (relay_)
    relay_request(pe, header, payload);
  else
    on_request(pe, header, payload);
}

void Job::on_request(int pe, const wire::Header& header, std::vector<std::byte>& payload) {
  const std::string who = "PE " + std::to_string(pe);
  Pe& p = pes_[pe];
  p.initialized = true;
  if (header.op == wire::Op::abort) {
    int32_t status = 0;
    if (payload.size() < sizeof status) {
      protocol_error(who + " sent an abort request of " + std::to_string(payload.size()) + " bytes");
      return;
    }
    std::memcpy(&status, payload.data(), sizeof status);
    const std::string why(reinterpret_cast<const char*>(payload.data()) + sizeof status,
                          payload.size() - sizeof status);
    std::fprintf(stderr,
                 "causeway-run: PE %d called shmem_global_exit/aborted with status %d%s%s; ending the job\n",
                 pe, static_cast<int>(status), why.empty() ? "" : ": ", why.c_str());
    // Exit statuses are 8 bits: keep a non-zero status non-zero.
    int code = status & 0xff;
    if (status != 0 && code == 0) code = 1;
    begin_teardown(code);
    return;
  }
  if (header.op == wire::Op::finalize) {
    p.finalized = true;
    return;
  }
  if (header.op != wire::Op::allgather) {
    protocol_error(who + " sent an unknown request (op " + std::to_string(static_cast<uint32_t>(header.op)) +
                   ")");
    return;
  }
  if (p.joined) {
    protocol_error(who + " sent a second allgather request before the first was answered");
    return;
  }
  step_ = header.op;
  p.joined = true;
  p.payload = std::move(payload);
  ++step_joined_;
  check_step_progress();
}

void Job::check_step_progress() {
  if (exit_status_ || !step_ || relay_) return;
  if (step_joined_ == options_.np) {
    finish_allgather();
    if (!exit_status_) reset_step();
    return;
  }
  // The step can only complete if every PE that has not joined is still connected.
  int missing = -1;
  for (int pe = 0; pe < options_.np && missing < 0; ++pe)
    if (!pes_[pe].joined && disconnected(pe)) missing = pe;
  if (missing < 0) {
    step_orphan_deadline_.reset();
    return;
  }
  // It hung up; if its exit status is not in yet, wait briefly: a crash is reported as a crash.
  const auto now = Clock::now();
  if (!pes_[missing].reaped && !step_orphan_deadline_) {
    step_orphan_deadline_ = now + std::chrono::milliseconds(500);
    return;
  }
  if (!pes_[missing].reaped && now < *step_orphan_deadline_) return;
  bool barrier =
      std::all_of(pes_.begin(), pes_.end(), [](const Pe& q) { return !q.joined || q.payload.empty(); });
  std::fprintf(stderr, "causeway-run: PE %d exited before joining %s; ending the job\n", missing,
               barrier ? "a barrier" : "an allgather");
  begin_teardown(kExitLauncherError);
}

void Job::finish_allgather() {
  const int np = options_.np;
  // The reply: each PE's length, then the bytes back to back (lengths may differ).
  std::vector<std::byte> all(np * sizeof(uint64_t));
  for (int pe = 0; pe < np; ++pe) {
    const uint64_t length = pes_[pe].payload.size();
    std::memcpy(all.data() + pe * sizeof length, &length, sizeof length);
    all.insert(all.end(), pes_[pe].payload.begin(), pes_[pe].payload.end());
  }
  // Each host daemon gets the result once and hands it to its PEs.
  std::vector<bool> host_waits(hosts_.size(), false);
  for (int pe = 0; pe < np; ++pe)
    if (pes_[pe].host >= 0 && !disconnected(pe)) host_waits[pes_[pe].host] = true;
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    if (!host_waits[h] || hosts_[h].sock < 0) continue;
    if (!link::send_frame(hosts_[h].sock, link::Type::result, -1, 0, 0, all))
      lose_host(static_cast<int>(h), std::string("cannot send it a result: ").append(std::strerror(errno)));
  }
  for (int pe = 0; pe < np; ++pe) {
    if (pes_[pe].sock < 0) continue;
    if (bootstrap::send_message(pes_[pe].sock, wire::Op::allgather, all, {})) continue;
    int err = errno;
    if (peer_gone(err)) {
      close_socket(pe);  // its exit shows up through SIGCHLD
      continue;
    }
    protocol_error("cannot send the allgather result to PE " + std::to_string(pe) + ": " +
                   std::strerror(err));
    return;
  }
}

void Job::reset_step() {
  for (Pe& p : pes_) {
    p.joined = false;
    p.payload.clear();
  }
  step_.reset();
  step_joined_ = 0;
  step_orphan_deadline_.reset();
}

void Job::protocol_error(const std::string& message) {
  if (exit_status_) return;
  std::fprintf(stderr, "causeway-run: protocol error: %s; ending the job\n", message.c_str());
  begin_teardown(kExitLauncherError);
}

}  // namespace causeway::launcher
