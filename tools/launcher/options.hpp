// Command line of causeway-run (alias oshrun): launcher options, then the program and its arguments.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace causeway::launcher {

enum class BindMode { none, core };

struct ExportedVar {
  std::string name;
  std::optional<std::string> value;  // empty: pass the launcher's own value on
};

struct Options {
  int np = 0;
  BindMode bind = BindMode::none;
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
