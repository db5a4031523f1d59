// SPDX-License-Identifier: BSD-3-Clause
// Parsing of the causeway-run command line. Options come first; the first word that is not an option
// (or the word after "--") is the program, and everything after it belongs to the program.
#include "options.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "causeway_build_config.h"

namespace causeway::launcher {

const char* level_name(Level level) {
  switch (level) {
    case Level::hwthread: return "hwthread";
    case Level::core: return "core";
    case Level::numa: return "numa";
    case Level::socket: return "socket";
    case Level::node: return "node";
  }
  return "?";
}

namespace {

// mpirun also takes its long options with one dash (-npernode, -bind-to, -hostfile, ...); command
// lines pasted from scripts written for it use that form a lot. These are the names accepted both
// ways; -n, -np, -N, -H, -x, -h and -V are short options of their own.
constexpr const char* kLongNames[] = {
    "np",   "bind-to",  "map-by",           "npernode",     "report-bindings", "oversubscribe",
    "host", "hostfile", "machinefile",      "tag-output",   "timeout",         "stdin",
    "help", "version",  "default-hostfile", "launch-agent", "head-address",    "display-map"};

// `arg` with a single leading dash turned into two when it names one of kLongNames.
std::string normalize(const char* arg) {
  if (arg[0] != '-' || arg[1] == '-' || arg[1] == '\0' || arg[2] == '\0') return arg;
  std::string_view name(arg + 1);
  name = name.substr(0, name.find('='));
  for (const char* known : kLongNames)
    if (name == known && name != "np") return std::string("-") + arg;
  return arg;
}

// True when `arg` is `name` or `name=...`; in the latter case *inline_value points after the '='.
bool option_is(const char* arg, const char* name, const char** inline_value) {
  std::size_t len = std::strlen(name);
  if (std::strncmp(arg, name, len) != 0) return false;
  if (arg[len] == '\0') {
    *inline_value = nullptr;
    return true;
  }
  if (arg[len] == '=') {
    *inline_value = arg + len + 1;
    return true;
  }
  return false;
}

bool parse_count(std::string_view text, int max, int* out) {
  if (text.empty() || text.size() > 9) return false;
  long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > max) return false;
  *out = static_cast<int>(value);
  return true;
}

bool parse_seconds(const char* text, double* out) {
  if (!text || !*text) return false;
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(text, &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(value) || value <= 0 || value > 1e9) return false;
  *out = value;
  return true;
}

bool valid_env_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (c == '=' || c == '\0') return false;
  return true;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

__attribute__((format(printf, 1, 2))) ParseOutcome usage_error(const char* fmt, ...) {
  std::fprintf(stderr, "causeway-run: ");
  va_list args;
  va_start(args, fmt);
  std::vfprintf(stderr, fmt, args);
  va_end(args);
  std::fprintf(stderr, "\n");
  print_usage(true);
  return ParseOutcome::usage_error;
}

// The one message for everything that would take more than this node without naming the nodes.
ParseOutcome multi_host_refusal(const std::string& reason) {
  std::fprintf(stderr,
               "causeway-run: %s; name the hosts with -H host:slots,... or --hostfile FILE\n"
               "causeway-run: (or start the job with mpirun or srun and the PMIx bootstrap).\n",
               reason.c_str());
  return ParseOutcome::usage_error;
}

void print_version() {
  std::printf("causeway-run (Causeway) %s\n", CAUSEWAY_VERSION);
  std::printf("core binding: %s\n", CAUSEWAY_HAVE_HWLOC ? "hwloc" : "sched_setaffinity (no hwloc)");
}

// --map-by OBJECT[:MODIFIER...]; modifiers are separated by ':' (Open MPI 5) or ',' (Open MPI 4).
ParseOutcome parse_map_by(const char* value, Placement* placement, int* npernode) {
  std::vector<std::string> parts;
  {
    std::string_view rest(value);
    while (true) {
      const std::size_t sep = rest.find_first_of(":,");
      parts.push_back(lower(rest.substr(0, sep)));
      if (sep == std::string_view::npos) break;
      rest = rest.substr(sep + 1);
    }
  }
  const std::string& object = parts[0];
  std::size_t first_modifier = 1;
  if (object == "slot") {
    placement->map = MapBy::slot;
  } else if (object == "core") {
    placement->map = MapBy::core;
  } else if (object == "hwthread") {
    placement->map = MapBy::hwthread;
  } else if (object == "socket" || object == "package") {
    placement->map = MapBy::socket;
  } else if (object == "numa") {
    placement->map = MapBy::numa;
  } else if (object == "node") {
    placement->map = MapBy::node;
  } else if (object == "ppr") {
    // ppr:N:node is -N N; per-socket or per-core counts are not implemented.
    int count = 0;
    if (parts.size() < 3 || !parse_count(parts[1], kMaxPes, &count))
      return usage_error("invalid --map-by '%s' (want ppr:N:node)", value);
    if (parts[2] != "node")
      return usage_error("--map-by '%s': only ppr:N:node is supported (PEs per node)", value);
    *npernode = count;
    placement->map = MapBy::slot;
    first_modifier = 3;
  } else if (object == "seq" || object == "rankfile" || object == "dist" || object == "board") {
    return usage_error(
        "--map-by %s is not supported by causeway-run (single node: use slot, core, hwthread, "
        "socket, numa or node)",
        object.c_str());
  } else {
    return usage_error(
        "invalid --map-by '%s' (want slot, core, hwthread, socket, numa or node, optionally "
        "followed by :PE=n, :OVERSUBSCRIBE, :NOOVERSUBSCRIBE or :SPAN)",
        value);
  }
  placement->map_given = true;
  for (std::size_t m = first_modifier; m < parts.size(); ++m) {
    const std::string& modifier = parts[m];
    int count = 0;
    if (modifier.rfind("pe=", 0) == 0) {
      if (!parse_count(std::string_view(modifier).substr(3), 1024, &count))
        return usage_error("invalid --map-by '%s' (PE=n wants n from 1 to 1024)", value);
      placement->cpus_per_pe = count;
    } else if (modifier == "oversubscribe") {
      placement->no_oversubscribe = false;
    } else if (modifier == "nooversubscribe") {
      placement->no_oversubscribe = true;
    } else if (modifier == "span") {
      // Spreading over all nodes is the same as over this one.
    } else if (modifier == "nolocal") {
      return usage_error("--map-by ...:NOLOCAL is not supported (leave this host out of -H instead)");
    } else {
      return usage_error(
          "invalid --map-by modifier '%s' in '%s' (want PE=n, OVERSUBSCRIBE, NOOVERSUBSCRIBE "
          "or SPAN)",
          modifier.c_str(), value);
    }
  }
  return ParseOutcome::run;
}

// --bind-to LEVEL[:overload-allowed][:if-supported]
ParseOutcome parse_bind_to(const char* value, Placement* placement) {
  std::string_view rest(value);
  const std::size_t sep = rest.find_first_of(":,");
  const std::string level = lower(rest.substr(0, sep));
  rest = sep == std::string_view::npos ? std::string_view{} : rest.substr(sep + 1);
  placement->bind_given = true;
  if (level == "none") {
    placement->bind.reset();
  } else if (level == "core") {
    placement->bind = Level::core;
  } else if (level == "hwthread") {
    placement->bind = Level::hwthread;
  } else if (level == "socket" || level == "package") {
    placement->bind = Level::socket;
  } else if (level == "numa") {
    placement->bind = Level::numa;
  } else {
    return usage_error("invalid --bind-to '%s' (want core, hwthread, socket, numa or none)", value);
  }
  while (!rest.empty()) {
    const std::size_t next = rest.find_first_of(":,");
    const std::string modifier = lower(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    if (modifier == "overload-allowed")
      placement->overload_allowed = true;
    else if (modifier == "if-supported")
      placement->bind_if_supported = true;
    else
      return usage_error("invalid --bind-to modifier '%s' (want overload-allowed or if-supported)",
                         modifier.c_str());
  }
  return ParseOutcome::run;
}

// Several hosts: -N gives each host's slots; the ranks are dealt out (stdin goes to its PE's host).
ParseOutcome settle_hosts(int npernode, Options* options) {
  long slots = 0;
  for (HostEntry& h : options->hosts) {
    if (npernode) h.slots = npernode;
    slots += h.slots;
  }
  if (options->np == 0) {
    if (slots > kMaxPes) return usage_error("%ld slots: more than %d PEs", slots, kMaxPes);
    options->np = static_cast<int>(slots);
  }
  std::string error;
  if (!assign_ranks(options->np, options->oversubscribe, &options->hosts, &error))
    return usage_error("%s", error.c_str());
  return ParseOutcome::run;
}

// Binding and mapping defaults that depend on several options, and what this build cannot do.
ParseOutcome settle_placement(Placement* p) {
  if (!p->bind_given && p->map_given) {
    // As mpirun: a mapping without a binding binds to the mapped object (to cores with PE=n).
    switch (p->map) {
      case MapBy::slot:
      case MapBy::core: p->bind = Level::core; break;
      case MapBy::hwthread: p->bind = Level::hwthread; break;
      case MapBy::numa: p->bind = Level::numa; break;
      case MapBy::socket: p->bind = Level::socket; break;
      case MapBy::node: p->bind.reset(); break;
    }
    if (p->cpus_per_pe > 1) p->bind = p->map == MapBy::hwthread ? Level::hwthread : Level::core;
  }
  if (!CAUSEWAY_HAVE_HWLOC) {
    // Without hwloc only the CPU list of sched_getaffinity is known: no sockets, no NUMA nodes.
    if (p->map == MapBy::socket || p->map == MapBy::numa)
      return usage_error("--map-by %s needs hwloc, and this causeway-run was built without it",
                         p->map == MapBy::socket ? "socket" : "numa");
    if (p->bind && (*p->bind == Level::socket || *p->bind == Level::numa)) {
      if (p->bind_if_supported) {
        p->bind.reset();
      } else {
        return usage_error(
            "--bind-to %s needs hwloc, and this causeway-run was built without it (core, "
            "hwthread and none work; add :if-supported to run unbound instead)",
            level_name(*p->bind));
      }
    }
  }
  return ParseOutcome::run;
}

}  // namespace

void print_usage(bool brief) {
  std::FILE* out = brief ? stderr : stdout;
  std::fprintf(out, "usage: causeway-run [options] -n N [-H host:slots,...] program [args...]\n");
  if (brief) {
    std::fprintf(out, "Try 'causeway-run --help' for more information.\n");
    return;
  }
  std::fprintf(out,
               "Starts N processing elements (PEs) of an OpenSHMEM program on this node, or on\n"
               "the hosts given with -H or --hostfile.\n"
               "\n"
               "Options:\n"
               "  -n N, -np N, --np N     number of PEs to start (1..%d); may be left out with -N,\n"
               "                          -H or --hostfile, which then give the count\n"
               "  -N N, --npernode N      PEs per node; on one node at most N PEs (N >= -n)\n"
               "  --map-by OBJ[:MOD]      place consecutive PEs by slot (default), core, hwthread,\n"
               "                          socket, numa or node; MOD: PE=n (n cpus per PE),\n"
               "                          OVERSUBSCRIBE, NOOVERSUBSCRIBE (refuse more PEs than cpus),\n"
               "                          SPAN; ppr:N:node is -N N\n"
               "  --bind-to LEVEL[:MOD]   bind each PE to a core, hwthread, socket or numa node, or\n"
               "                          none (default: none, or the --map-by object);\n"
               "                          MOD: overload-allowed (no warning for shared cores),\n"
               "                          if-supported (run unbound where binding is not possible)\n"
               "  --report-bindings       print each PE's binding on stderr before starting it\n"
               "  --oversubscribe         more PEs than the hosts' slots (one node: always allowed)\n"
               "  --stdin PE|none         the PE that reads causeway-run's stdin (default 0); the\n"
               "                          others get /dev/null\n"
               "  -H, --host LIST         hosts to run on: host[:slots],... (slots default to 1);\n"
               "                          hosts are filled in order; this machine alone runs as\n"
               "                          without -H\n"
               "  --hostfile FILE         hosts from FILE (--machinefile): lines \"host slots=N\",\n"
               "                          \"host:N\" or \"host\"; '#' starts a comment\n"
               "  --launch-agent CMD      start each host's daemon with CMD HOST COMMAND... (default\n"
               "                          ssh); given, it is used for this machine too\n"
               "  --head-address ADDR     the address of this machine the hosts connect back to\n"
               "                          (default: the one the route to each host leaves from)\n"
               "  --display-map           print which ranks run on which host before starting\n"
               "  --tag-output            prefix every output line with \"[pe N] \"\n"
               "  --timeout SECONDS       end the job if it runs longer (each PE first reports what it\n"
               "                          waits on; exit status 124)\n"
               "  -x NAME=VALUE, -x NAME  export an environment variable to every PE (other hosts get\n"
               "                          these and CAUSEWAY_*, SHMEM_*, UCX_*, FI_*, OMPI_*)\n"
               "  -h, --help              show this help and exit\n"
               "  -V, --version           show the version and exit\n"
               "\n"
               "Options may also be written --option=value, and the long ones with one dash, as\n"
               "mpirun takes them (-npernode 4). Option parsing stops at the program name (or at\n"
               "\"--\"). The exit status is 0 when every PE exits 0; otherwise the status of the\n"
               "first PE that failed (128+signal if it was killed), the status given to\n"
               "shmem_global_exit, 124 on timeout, 2 for a bad or refused command line, 130/143\n"
               "when the launcher is interrupted.\n",
               kMaxPes);
}

ParseOutcome parse_options(int argc, char** argv, Options* options) {
  int npernode = 0;
  bool hosts_given = false;
  std::string error;
  int i = 1;
  for (; i < argc; ++i) {
    if (argv[i][0] != '-' || argv[i][1] == '\0') break;  // the program
    if (std::strcmp(argv[i], "--") == 0) {
      ++i;
      break;
    }
    const std::string normalized = normalize(argv[i]);
    const char* arg = normalized.c_str();
    const char* inline_value = nullptr;
    // Options that take a value accept it inline (--opt=value) or as the next word.
    auto value_of = [&](const char* name) -> const char* {
      if (inline_value) return inline_value;
      if (i + 1 >= argc) {
        usage_error("option '%s' needs a value", name);
        return nullptr;
      }
      return argv[++i];
    };
    // Options that take no value refuse one given inline.
    auto is_flag = [&](const char* name) { return option_is(arg, name, &inline_value) && !inline_value; };

    if (option_is(arg, "-n", &inline_value) || option_is(arg, "-np", &inline_value) ||
        option_is(arg, "--np", &inline_value) || option_is(arg, "--n", &inline_value)) {
      const char* value = value_of(argv[i]);
      if (!value) return ParseOutcome::usage_error;
      if (!parse_count(value, kMaxPes, &options->np))
        return usage_error("invalid number of PEs '%s' (want an integer from 1 to %d)", value, kMaxPes);
    } else if (option_is(arg, "-N", &inline_value) || option_is(arg, "--npernode", &inline_value)) {
      const char* value = value_of(argv[i]);
      if (!value) return ParseOutcome::usage_error;
      if (!parse_count(value, kMaxPes, &npernode))
        return usage_error("invalid PEs per node '%s' (want an integer from 1 to %d)", value, kMaxPes);
    } else if (option_is(arg, "--map-by", &inline_value)) {
      const char* value = value_of("--map-by");
      if (!value) return ParseOutcome::usage_error;
      if (parse_map_by(value, &options->placement, &npernode) != ParseOutcome::run)
        return ParseOutcome::usage_error;
      if (lower(value).rfind("ppr", 0) != 0)
        options->daemon_options.push_back(std::string("--map-by=") + value);
    } else if (option_is(arg, "--bind-to", &inline_value)) {
      const char* value = value_of("--bind-to");
      if (!value) return ParseOutcome::usage_error;
      if (parse_bind_to(value, &options->placement) != ParseOutcome::run) return ParseOutcome::usage_error;
      options->daemon_options.push_back(std::string("--bind-to=") + value);
    } else if (is_flag("--report-bindings")) {
      options->report_bindings = true;
      options->daemon_options.push_back("--report-bindings");
    } else if (is_flag("--oversubscribe")) {
      options->oversubscribe = true;
    } else if (option_is(arg, "-H", &inline_value) || option_is(arg, "--host", &inline_value)) {
      const char* value = value_of(argv[i]);
      if (!value) return ParseOutcome::usage_error;
      if (!add_host_list(value, &options->hosts, &error)) return usage_error("%s", error.c_str());
      hosts_given = true;
    } else if (option_is(arg, "--hostfile", &inline_value) ||
               option_is(arg, "--machinefile", &inline_value) ||
               option_is(arg, "--default-hostfile", &inline_value)) {
      const char* value = value_of(argv[i]);
      if (!value) return ParseOutcome::usage_error;
      if (!read_hostfile(value, &options->hosts, &error)) return usage_error("%s", error.c_str());
      hosts_given = true;
    } else if (option_is(arg, "--launch-agent", &inline_value)) {
      const char* value = value_of("--launch-agent");
      if (!value) return ParseOutcome::usage_error;
      if (std::string_view(value).find_first_not_of(" \t") == std::string_view::npos)
        return usage_error("%s", "--launch-agent: empty command");
      options->launch_agent = value;
      options->launch_agent_given = true;
    } else if (option_is(arg, "--head-address", &inline_value)) {
      const char* value = value_of("--head-address");
      if (!value) return ParseOutcome::usage_error;
      if (!*value) return usage_error("%s", "--head-address: empty address");
      options->head_address = value;
    } else if (is_flag("--display-map")) {
      options->display_map = true;
    } else if (option_is(arg, "--stdin", &inline_value)) {
      const char* value = value_of("--stdin");
      if (!value) return ParseOutcome::usage_error;
      int pe = 0;
      if (std::strcmp(value, "none") == 0)
        options->stdin_pe = kStdinNone;
      else if (std::strcmp(value, "0") == 0 || parse_count(value, kMaxPes - 1, &pe))
        options->stdin_pe = pe;
      else
        return usage_error("invalid --stdin '%s' (want a PE number or none; 'all' is not supported)", value);
      options->stdin_given = true;
    } else if (is_flag("--tag-output")) {
      options->tag_output = true;
      options->daemon_options.push_back("--tag-output");
    } else if (option_is(arg, "--timeout", &inline_value)) {
      const char* value = value_of("--timeout");
      if (!value) return ParseOutcome::usage_error;
      if (!parse_seconds(value, &options->timeout_s))
        return usage_error("invalid --timeout '%s' (want a positive number of seconds)", value);
      options->timeout_text = value;
    } else if (option_is(arg, "-x", &inline_value)) {
      const char* value = value_of("-x");
      if (!value) return ParseOutcome::usage_error;
      ExportedVar var;
      if (const char* eq = std::strchr(value, '=')) {
        var.name.assign(value, eq);
        var.value = std::string(eq + 1);
      } else {
        var.name = value;
      }
      if (!valid_env_name(var.name))
        return usage_error("invalid -x argument '%s' (want NAME=VALUE or NAME)", value);
      options->exports.push_back(std::move(var));
    } else if (std::strcmp(arg, "-h") == 0 || std::strcmp(arg, "--help") == 0) {
      print_usage(false);
      return ParseOutcome::done;
    } else if (std::strcmp(arg, "-V") == 0 || std::strcmp(arg, "--version") == 0) {
      print_version();
      return ParseOutcome::done;
    } else {
      return usage_error("unknown option '%s'", argv[i]);
    }
  }

  const bool remote_host =
      std::any_of(options->hosts.begin(), options->hosts.end(), [](const HostEntry& h) { return !h.local; });
  options->multi_host = remote_host || options->launch_agent_given || !options->head_address.empty();
  if (options->multi_host && !hosts_given)
    return usage_error("%s", "--launch-agent and --head-address need hosts (-H or --hostfile)");
  if (options->multi_host) {
    if (settle_hosts(npernode, options) != ParseOutcome::run) return ParseOutcome::usage_error;
  } else {
    int slots = 0;
    for (const HostEntry& h : options->hosts) slots += h.slots;
    options->hosts.clear();
    if (options->np == 0) options->np = npernode ? npernode : std::min(slots, kMaxPes);
    if (npernode && npernode < options->np)
      return multi_host_refusal(std::to_string(options->np) + " PEs at " + std::to_string(npernode) +
                                " per node need " + std::to_string((options->np + npernode - 1) / npernode) +
                                " nodes");
  }
  if (i >= argc) return usage_error("%s", "no program given");
  if (options->np == 0) return usage_error("%s", "missing the number of PEs (-n N)");
  if (options->stdin_pe >= options->np)
    return usage_error("--stdin %d: there is no such PE in a job of %d", options->stdin_pe, options->np);
  if (settle_placement(&options->placement) != ParseOutcome::run) return ParseOutcome::usage_error;
  options->program.assign(argv + i, argv + argc);
  options->program.push_back(nullptr);
  return ParseOutcome::run;
}

}  // namespace causeway::launcher
