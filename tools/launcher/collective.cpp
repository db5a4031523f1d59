// The launcher side of the bootstrap protocol (see src/bootstrap/launcher_protocol.hpp). A collective
// step (allgather or fd exchange) collects one request from every PE, then answers all of them.
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

constexpr int kListedPes = 8;  // how many offending PEs a protocol error names

void close_all(std::vector<int>& fds) {
  for (int fd : fds)
    if (fd >= 0) ::close(fd);
  fds.clear();
}

bool peer_gone(int err) { return err == EPIPE || err == ECONNRESET || err == ENOTCONN; }

}  // namespace

const char* Job::step_name(wire::Op op) { return op == wire::Op::fds ? "fd exchange" : "allgather"; }

void Job::on_socket_ready(int pe) {
  if (pes_[pe].sock < 0) return;
  wire::Header header{};
  std::vector<std::byte> payload;
  std::vector<int> fds;
  errno = 0;
  if (!bootstrap::recv_record(pes_[pe].sock, &header, &payload, &fds)) {
    int err = errno;
    close_all(fds);
    if (peer_gone(err)) {  // the PE closed its end: it finalized, exited or died
      close_socket(pe);
      check_step_progress();
    } else {
      protocol_error("cannot read a request from PE " + std::to_string(pe) + ": " + std::strerror(err));
    }
    return;
  }
  on_request(pe, header, payload, fds);
}

void Job::on_request(int pe, const wire::Header& header, std::vector<std::byte>& payload,
                     std::vector<int>& fds) {
  const std::string who = "PE " + std::to_string(pe);
  if (header.op == wire::Op::abort) {
    close_all(fds);
    int32_t status = 0;
    if (payload.size() != sizeof status) {
      protocol_error(who + " sent an abort request of " + std::to_string(payload.size()) + " bytes");
      return;
    }
    std::memcpy(&status, payload.data(), sizeof status);
    std::fprintf(stderr,
                 "causeway-run: PE %d called shmem_global_exit/aborted with status %d; ending the job\n", pe,
                 static_cast<int>(status));
    // Exit statuses are 8 bits: keep a non-zero status non-zero.
    int code = status & 0xff;
    if (status != 0 && code == 0) code = 1;
    begin_teardown(code);
    return;
  }
  if (header.op != wire::Op::allgather && header.op != wire::Op::fds) {
    close_all(fds);
    protocol_error(who + " sent an unknown request (op " + std::to_string(static_cast<uint32_t>(header.op)) +
                   ")");
    return;
  }
  Pe& p = pes_[pe];
  std::string problem;
  if (p.joined) {
    problem = who + " sent a second " + step_name(header.op) + " request before the first was answered";
  } else if (step_ && *step_ != header.op) {
    auto other = std::find_if(pes_.begin(), pes_.end(), [](const Pe& q) { return q.joined; });
    problem = who + " started a " + step_name(header.op) + " while PE " +
              std::to_string(other - pes_.begin()) + " is in a " + step_name(*step_);
  } else if (header.op == wire::Op::fds && fds.size() != header.count) {
    problem =
        who + " announced " + std::to_string(header.count) + " fds but sent " + std::to_string(fds.size());
  } else if (header.op == wire::Op::allgather && !fds.empty()) {
    problem = who + " attached fds to an allgather";
  }
  if (!problem.empty()) {
    close_all(fds);
    protocol_error(problem);
    return;
  }
  step_ = header.op;
  p.joined = true;
  p.payload = std::move(payload);
  p.fds = std::move(fds);
  ++step_joined_;
  check_step_progress();
}

void Job::check_step_progress() {
  if (exit_status_ || !step_) return;
  if (step_joined_ == options_.np) {
    if (*step_ == wire::Op::allgather)
      finish_allgather();
    else
      finish_fd_exchange();
    if (!exit_status_) reset_step();
    return;
  }
  // The step can only complete if every PE that has not joined is still connected.
  int missing = -1;
  for (int pe = 0; pe < options_.np && missing < 0; ++pe)
    if (!pes_[pe].joined && (pes_[pe].sock < 0 || pes_[pe].reaped)) missing = pe;
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
  bool barrier = *step_ == wire::Op::allgather && std::all_of(pes_.begin(), pes_.end(), [](const Pe& q) {
    return !q.joined || q.payload.empty();
  });
  std::fprintf(stderr, "causeway-run: PE %d exited before joining %s; ending the job\n", missing,
               barrier                   ? "a barrier"
               : *step_ == wire::Op::fds ? "the fd exchange"
                                         : "an allgather");
  begin_teardown(kExitLauncherError);
}

void Job::finish_allgather() {
  const int np = options_.np;
  const std::size_t length = pes_[0].payload.size();
  std::string differ;
  int listed = 0, odd = 0;
  for (int pe = 1; pe < np; ++pe) {
    if (pes_[pe].payload.size() == length) continue;
    if (listed++ < kListedPes)
      differ += ", PE " + std::to_string(pe) + " sent " + std::to_string(pes_[pe].payload.size()) + " bytes";
    ++odd;
  }
  if (odd > 0) {
    if (odd > kListedPes) differ += " (and " + std::to_string(odd - kListedPes) + " more)";
    protocol_error("allgather lengths differ: PE 0 sent " + std::to_string(length) + " bytes" + differ);
    return;
  }
  if (length * static_cast<std::size_t>(np) > wire::kMaxRecord) {
    protocol_error("allgather of " + std::to_string(length) + " bytes per PE exceeds the " +
                   std::to_string(wire::kMaxRecord) + "-byte record limit for " + std::to_string(np) +
                   " PEs");
    return;
  }
  std::vector<std::byte> all;
  all.reserve(length * np);
  for (const Pe& p : pes_) all.insert(all.end(), p.payload.begin(), p.payload.end());
  for (int pe = 0; pe < np; ++pe) {
    if (pes_[pe].sock < 0) continue;
    if (bootstrap::send_record(pes_[pe].sock, wire::Op::allgather, all, {})) continue;
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

void Job::finish_fd_exchange() {
  const int np = options_.np;
  const std::size_t count = pes_[0].fds.size();
  std::string differ;
  int listed = 0, odd = 0;
  for (int pe = 1; pe < np; ++pe) {
    if (pes_[pe].fds.size() == count) continue;
    if (listed++ < kListedPes)
      differ += ", PE " + std::to_string(pe) + " sent " + std::to_string(pes_[pe].fds.size()) + " fds";
    ++odd;
  }
  if (odd > 0) {
    if (odd > kListedPes) differ += " (and " + std::to_string(odd - kListedPes) + " more)";
    protocol_error("fd exchange counts differ: PE 0 sent " + std::to_string(count) + " fds" + differ);
    return;
  }
  std::vector<int> all;
  all.reserve(count * np);
  for (const Pe& p : pes_) all.insert(all.end(), p.fds.begin(), p.fds.end());
  const std::span<const int> every(all);
  for (int pe = 0; pe < np; ++pe) {
    for (std::size_t offset = 0; offset < every.size() && pes_[pe].sock >= 0;
         offset += wire::kMaxFdsPerRecord) {
      std::size_t n = std::min<std::size_t>(wire::kMaxFdsPerRecord, every.size() - offset);
      if (bootstrap::send_record(pes_[pe].sock, wire::Op::fds, {}, every.subspan(offset, n))) continue;
      int err = errno;
      if (peer_gone(err)) {
        close_socket(pe);
        break;
      }
      protocol_error("cannot pass the exchanged fds to PE " + std::to_string(pe) + ": " + std::strerror(err));
      return;  // reset_step (from the teardown) closes the launcher's copies
    }
  }
  // The PEs hold their own copies now; reset_step closes the launcher's.
}

void Job::reset_step() {
  for (Pe& p : pes_) {
    p.joined = false;
    p.payload.clear();
    close_all(p.fds);
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
