// SPDX-License-Identifier: BSD-3-Clause
// Command line of causeway-run (alias oshrun): launcher options, then the program and its arguments.
// The options follow Open MPI's mpirun where they overlap, so that command lines written for mpirun
// work unchanged. Hosts other than this one (-H, --hostfile) or a --launch-agent make a several-hosts
// job: a host daemon on each host starts that host's PEs (remote.cpp, host_daemon.cpp).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "hosts.hpp"

namespace causeway::launcher {

// Topology levels, finest first (the order matters: "coarser" compares greater).
enum class Level { hwthread, core, numa, socket, node };

const char* level_name(Level level);

// --map-by: where consecutive PEs go. `slot` places PE i on core i (one slot per core, as mpirun
// counts slots on a node without a hostfile); `node` is the whole (single) node.
enum class MapBy { slot, hwthread, core, numa, socket, node };

struct Placement {
  bool map_given = false;
  MapBy map = MapBy::slot;
  int cpus_per_pe = 1;  // :PE=n, in cores (in hwthreads with --map-by hwthread)
  bool no_oversubscribe = false;

  bool bind_given = false;
  std::optional<Level> bind;  // nullopt: not bound
  bool bind_if_supported = false;
  bool overload_allowed = false;  // no warning when PEs share a core or hwthread
};

struct ExportedVar {
  std::string name;
  std::optional<std::string> value;  // empty: pass the launcher's own value on
};

inline constexpr int kStdinNone = -1;

struct Options {
  int np = 0;
  Placement placement;
  bool report_bindings = false;
  bool oversubscribe = false;  // accepted for mpirun compatibility; causeway-run never refuses np > cores
  int stdin_pe = 0;            // the PE that reads the launcher's stdin, or kStdinNone
  bool stdin_given = false;
  bool tag_output = false;
  double timeout_s = 0;      // 0: no limit
  std::string timeout_text;  // as the user wrote it, for the timeout message
  std::vector<ExportedVar> exports;
  std::vector<char*> program;  // program and its arguments, null-terminated

  // Several hosts: each entry's PEs are started by its host daemon through the launch agent.
  bool multi_host = false;
  std::vector<HostEntry> hosts;
  std::string launch_agent = "ssh";  // split at blanks; HOST COMMAND ARGS... follow
  bool launch_agent_given = false;
  std::string head_address;  // the address daemons connect to; empty: found per host
  bool display_map = false;  // print which ranks go to which host
  // The options each host daemon repeats for its own PEs (placement, --tag-output).
  std::vector<std::string> daemon_options;

  // Set in a host daemon: its PEs are ranks first_rank .. first_rank + np - 1 of world_size.
  int first_rank = 0;
  int world_size = 0;  // 0: np
  int size() const { return world_size ? world_size : np; }
};

enum class ParseOutcome { run, done, usage_error };

// Parses argv into *options. Prints --help / --version text itself (outcome `done`) and prints the
// error plus a usage summary to stderr for a bad command line (outcome `usage_error`).
ParseOutcome parse_options(int argc, char** argv, Options* options);

// The hidden entry point of a host daemon (causeway-run --host-daemon ...); see host_daemon.cpp.
int host_daemon_main(int argc, char** argv);

void print_usage(bool brief);

inline constexpr int kMaxPes = 1 << 16;

}  // namespace causeway::launcher
