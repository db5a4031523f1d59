// Command line of causeway-run (alias oshrun): launcher options, then the program and its arguments.
// The options follow Open MPI's mpirun where they overlap, so that command lines written for mpirun
// work unchanged on one node; what would need several nodes is refused with a message.
#pragma once
#include <optional>
#include <string>
#include <vector>

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
  bool tag_output = false;
  double timeout_s = 0;      // 0: no limit
  std::string timeout_text;  // as the user wrote it, for the timeout message
  std::vector<ExportedVar> exports;
  std::vector<char*> program;  // program and its arguments, null-terminated
};

enum class ParseOutcome { run, done, usage_error };

// Parses argv into *options. Prints --help / --version text itself (outcome `done`) and prints the
// error plus a usage summary to stderr for a bad command line (outcome `usage_error`).
ParseOutcome parse_options(int argc, char** argv, Options* options);

void print_usage(bool brief);

inline constexpr int kMaxPes = 1 << 16;

}  // namespace causeway::launcher
