// SPDX-License-Identifier: BSD-3-Clause
// causeway-run (installed also as oshrun): starts an OpenSHMEM job of N PEs on this node or on
// several hosts.
//   causeway-run [options] -n N [-H host:slots,...] program [args...]
//   causeway-run --host-daemon ...   (hidden: a host's daemon, started by the head; host_daemon.cpp)
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "job.hpp"
#include "options.hpp"

namespace {

// Descriptors 0-2 must be taken before any socket or pipe is made, or a PE's bootstrap socket could
// land on, say, fd 1 and be overwritten by its redirected output.
void ensure_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (opened >= 0 && opened != fd) {  // cannot happen while fd is the lowest free one; be safe
      ::dup2(opened, fd);
      ::close(opened);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  ensure_standard_fds();
  if (argc > 1 && std::strcmp(argv[1], "--host-daemon") == 0)
    return causeway::launcher::host_daemon_main(argc, argv);
  causeway::launcher::Options options;
  switch (causeway::launcher::parse_options(argc, argv, &options)) {
    case causeway::launcher::ParseOutcome::done: return 0;
    case causeway::launcher::ParseOutcome::usage_error: return 2;
    case causeway::launcher::ParseOutcome::run: break;
  }
  causeway::launcher::Job job(std::move(options));
  return job.run();
}
