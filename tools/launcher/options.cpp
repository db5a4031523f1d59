// Parsing of the causeway-run command line. Options come first; the first word that is not an option
// (or the word after "--") is the program, and everything after it belongs to the program.
#include "options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "causeway_build_config.h"

namespace causeway::launcher {

namespace {

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

bool parse_np(const char* text, int* out) {
  if (!text || !*text) return false;
  for (const char* p = text; *p; ++p)
    if (*p < '0' || *p > '9') return false;
  errno = 0;
  long value = std::strtol(text, nullptr, 10);
  if (errno != 0 || value < 1 || value > kMaxPes) return false;
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

ParseOutcome usage_error(const char* fmt, const char* what) {
  std::fprintf(stderr, "causeway-run: ");
  std::fprintf(stderr, fmt, what);
  std::fprintf(stderr, "\n");
  print_usage(true);
  return ParseOutcome::usage_error;
}

void print_version() {
  std::printf("causeway-run (Causeway) %s\n", CAUSEWAY_VERSION);
  std::printf("core binding: %s\n", CAUSEWAY_HAVE_HWLOC ? "hwloc" : "sched_setaffinity (no hwloc)");
}

}  // namespace

void print_usage(bool brief) {
  std::FILE* out = brief ? stderr : stdout;
  std::fprintf(out, "usage: causeway-run [options] -n N program [args...]\n");
  if (brief) {
    std::fprintf(out, "Try 'causeway-run --help' for more information.\n");
    return;
  }
  std::fprintf(out,
               "Starts N processing elements (PEs) of an OpenSHMEM program on this node.\n"
               "\n"
               "Options:\n"
               "  -n N, -np N, --np N     number of PEs to start (required, 1..%d)\n"
               "  --bind-to core|none     bind PE i to core i %% ncores (default: none)\n"
               "  --tag-output            prefix every output line with \"[pe N] \"\n"
               "  --timeout SECONDS       end the job if it runs longer (exit status 124)\n"
               "  -x NAME=VALUE, -x NAME  export an environment variable to every PE\n"
               "  -h, --help              show this help and exit\n"
               "  -V, --version           show the version and exit\n"
               "\n"
               "Options may also be written --option=value. Option parsing stops at the program\n"
               "name (or at \"--\"). The exit status is 0 when every PE exits 0; otherwise the status\n"
               "of the first PE that failed (128+signal if it was killed), the status given to\n"
               "shmem_global_exit, 124 on timeout, 2 for a bad command line, 130/143 when the\n"
               "launcher is interrupted.\n",
               kMaxPes);
}

ParseOutcome parse_options(int argc, char** argv, Options* options) {
  int i = 1;
  for (; i < argc; ++i) {
    const char* arg = argv[i];
    if (arg[0] != '-' || arg[1] == '\0') break;  // the program
    if (std::strcmp(arg, "--") == 0) {
      ++i;
      break;
    }
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

    if (option_is(arg, "-n", &inline_value) || option_is(arg, "-np", &inline_value) ||
        option_is(arg, "--np", &inline_value) || option_is(arg, "--n", &inline_value)) {
      const char* value = value_of(arg);
      if (!value) return ParseOutcome::usage_error;
      if (!parse_np(value, &options->np))
        return usage_error("invalid number of PEs '%s' (want an integer from 1 to 65536)", value);
    } else if (option_is(arg, "--bind-to", &inline_value)) {
      const char* value = value_of("--bind-to");
      if (!value) return ParseOutcome::usage_error;
      if (std::strcmp(value, "core") == 0)
        options->bind = BindMode::core;
      else if (std::strcmp(value, "none") == 0)
        options->bind = BindMode::none;
      else
        return usage_error("invalid --bind-to value '%s' (want core or none)", value);
    } else if (option_is(arg, "--tag-output", &inline_value) && !inline_value) {
      options->tag_output = true;
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
      return usage_error("unknown option '%s'", arg);
    }
  }

  if (i >= argc) return usage_error("%s", "no program given");
  if (options->np == 0) return usage_error("%s", "missing the number of PEs (-n N)");
  options->program.assign(argv + i, argv + argc);
  options->program.push_back(nullptr);
  return ParseOutcome::run;
}

}  // namespace causeway::launcher
