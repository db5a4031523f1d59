// SPDX-License-Identifier: BSD-3-Clause
// Exercises the bootstrap under whatever launcher starts it (causeway-run, mpirun with PMIx or MPI):
// records larger than one socket record, lengths that differ per rank, and more descriptors than
// fit in one message. Exits 0 on every rank only if everything arrived intact.
//   bootstrap_prog [CHOICE [ACTION]]   CHOICE: CAUSEWAY_BOOTSTRAP's values (default auto)
// ACTION, for the launcher's failure tests (after the first exchange, each rank prints
// "bootstrap_prog: rank R ready"):
//   kill=R    rank R SIGKILLs itself; the others wait in the next allgather
//   sleep=S   every rank sleeps S seconds before going on (time to kill something from outside)
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "bootstrap/bootstrap.hpp"

using causeway::is_error;
using causeway::Status;

namespace {

int failures = 0;

void expect(bool ok, const char* what, int rank, int peer) {
  if (ok) return;
  std::fprintf(stderr, "bootstrap_prog: rank %d: %s (peer %d)\n", rank, what, peer);
  ++failures;
}

std::byte pattern(int rank, std::size_t i) { return static_cast<std::byte>((rank * 131 + i * 7) & 0xff); }

}  // namespace

int main(int argc, char** argv) {
  const char* choice = argc > 1 ? argv[1] : "auto";
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;  // each rank receives every local rank's descriptors
  setrlimit(RLIMIT_NOFILE, &files);

  Status status;
  auto boot = causeway::bootstrap::create_bootstrap(choice, &status);
  if (!boot) {
    std::fprintf(stderr, "bootstrap_prog: no bootstrap (%s)\n", causeway::to_string(status));
    return 1;
  }
  const int me = boot->rank(), n = boot->size();
  const char* action = argc > 2 ? argv[2] : "";
  std::printf("bootstrap_prog: rank %d ready\n", me);
  std::fflush(stdout);
  if (std::strncmp(action, "kill=", 5) == 0 && std::atoi(action + 5) == me) raise(SIGKILL);
  if (std::strncmp(action, "sleep=", 6) == 0) sleep(static_cast<unsigned>(std::atoi(action + 6)));

  // Variable lengths, most of them larger than one record (256 KiB).
  std::vector<std::byte> mine((me + 1) * 300000 + me);
  for (std::size_t i = 0; i < mine.size(); ++i) mine[i] = pattern(me, i);
  std::vector<std::vector<std::byte>> all;
  expect(!is_error(boot->allgatherv(mine, &all)), "allgatherv failed", me, -1);
  for (int r = 0; r < n && !all.empty(); ++r) {
    bool same = all[r].size() == static_cast<std::size_t>((r + 1) * 300000 + r);
    for (std::size_t i = 0; same && i < all[r].size(); ++i) same = all[r][i] == pattern(r, i);
    expect(same, "allgatherv record differs", me, r);
  }

  // Equal lengths.
  const uint64_t word = 1000u + me;
  std::vector<std::byte> words;
  expect(!is_error(boot->allgather(std::as_bytes(std::span(&word, 1)), &words)), "allgather failed", me, -1);
  for (int r = 0; r < n && words.size() == n * sizeof word; ++r) {
    uint64_t got;
    std::memcpy(&got, words.data() + r * sizeof got, sizeof got);
    expect(got == 1000u + r, "allgather word differs", me, r);
  }

  // More descriptors than one record carries; each holds its owner and index.
  constexpr int kFds = 230;
  std::vector<int> fds;
  for (int i = 0; i < kFds; ++i) {
    int fd = memfd_create("bootstrap-prog", MFD_CLOEXEC);
    const int content[2] = {me, i};
    expect(fd >= 0 && write(fd, content, sizeof content) == sizeof content, "memfd", me, -1);
    fds.push_back(fd);
  }
  std::vector<int> received;
  expect(!is_error(boot->exchange_fds(fds, &received)), "exchange_fds failed", me, -1);
  for (int r = 0; r < n && received.size() == std::size_t(n) * kFds; ++r) {
    const bool local = boot->machine_of()[r] == boot->machine_of()[me];
    for (int i = 0; i < kFds; ++i) {
      const int fd = received[r * kFds + i];
      if (!local) {
        expect(fd == -1, "descriptor from another machine", me, r);
        continue;
      }
      int content[2] = {-1, -1};
      expect(fd >= 0 && pread(fd, content, sizeof content, 0) == sizeof content && content[0] == r &&
                 content[1] == i,
             "descriptor content differs", me, r);
      if (fd >= 0) close(fd);
    }
  }
  for (int fd : fds) close(fd);

  expect(!is_error(boot->node_barrier()), "node barrier failed", me, -1);
  expect(!is_error(boot->barrier()), "barrier failed", me, -1);
  expect(!is_error(boot->finalize()), "finalize failed", me, -1);
  int machines = 0;
  for (int m : boot->machine_of()) machines = m + 1 > machines ? m + 1 : machines;
  std::printf("bootstrap_prog: rank %d of %d via %s (job %s, machine %d of %d, local rank %d of %d): %s\n",
              me, n, boot->name(), boot->job_id().c_str(), boot->machine_of()[me], machines,
              boot->local_rank(), boot->local_size(), failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
