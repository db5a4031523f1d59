// SPDX-License-Identifier: BSD-3-Clause
// causeway-info: prints the version, the optional features this build found, the transports compiled
// in and every environment variable the library reads (with its current value when set).
//
//   causeway-info            everything, as text
//   causeway-info --env      the environment-variable table only
//   causeway-info --json     everything (or, with --env, the table only) as one JSON object
#include <shmem.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "build_info.h"
#include "causeway_build_config.h"
#include "revision.h"
#include "topology.hpp"
#include "transports/transport.hpp"
#include "util/config.hpp"

namespace {

// What a transport found on this machine (the libfabric providers that suit ofi), or "".
using causeway::util::ConfigEntry;
using causeway::util::ConfigType;

struct Feature {
  const char* name;
  bool found;
  const char* used_by;  // what in this build uses it; nullptr: nothing yet (found is all it means)
};

constexpr Feature kFeatures[] = {
    {"hwloc", CAUSEWAY_HAVE_HWLOC != 0, "causeway-run --bind-to/--map-by"},
    {"pmix", CAUSEWAY_HAVE_PMIX != 0, "the PMIx bootstrap plugin"},
    {"mpi", CAUSEWAY_HAVE_MPI != 0, "the MPI bootstrap plugin, perf/ baselines"},
    {"ucx", CAUSEWAY_HAVE_UCX != 0, "the ucx transport"},
    {"ofi", CAUSEWAY_HAVE_OFI != 0, "the ofi transport"},
    {"cuda", CAUSEWAY_HAVE_CUDA != 0, "the device heap, the cuda_ipc transport, the device API"},
};

// "yes (used by ...)", "yes, not used by anything yet" or "no".
std::string feature_text(const Feature& f) {
  if (!f.found) return "no";
  return f.used_by ? std::string("yes (used by ") + f.used_by + ")"
                   : "yes (found at build; nothing uses it yet)";
}

const char* type_name(ConfigType type) {
  switch (type) {
    case ConfigType::Bool: return "bool";
    case ConfigType::Int: return "int";
    case ConfigType::Size: return "size";
    case ConfigType::String: return "string";
  }
  return "?";
}

// JSON string literal for `text` (RFC 8259 escaping; bytes >= 0x80 pass through as UTF-8).
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// Prints `text` word-wrapped to `width` columns, every line indented by `indent` spaces.
void print_wrapped(std::string_view text, int indent, std::size_t width) {
  std::string line;
  auto flush = [&] {
    std::printf("%*s%s\n", indent, "", line.c_str());
    line.clear();
  };
  while (!text.empty()) {
    std::size_t space = text.find(' ');
    std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    if (word.empty()) continue;
    if (!line.empty() && line.size() + 1 + word.size() > width) flush();
    if (!line.empty()) line += ' ';
    line += word;
  }
  if (!line.empty()) flush();
}

void print_env_text() {
  std::printf("Environment variables (set values are marked; sizes take K/M/G suffixes):\n");
  for (const ConfigEntry& e : causeway::util::config_table()) {
    const char* value = std::getenv(e.name);
    std::printf("  %s  (%s, default \"%s\")", e.name, type_name(e.type), e.default_value);
    if (value) std::printf("  set to \"%s\"", value);
    std::printf("\n");
    print_wrapped(e.help, 6, 90);
  }
}

const char* first_network() {
  for (const auto& t : causeway::tl::available_transports())
    if (t.network) return t.name;
  return "nothing (this build has no network transport)";
}

std::string numa_list(const std::vector<unsigned>& nodes) {
  std::string out;
  for (unsigned n : nodes) {
    if (!out.empty()) out += ',';
    out += std::to_string(n);
  }
  return out;
}

void print_topology_text() {
  const causeway::info::Topology t = causeway::info::read_topology();
  std::printf("This machine (%s):\n", t.source.c_str());
  if (t.packages || t.cores)
    std::printf("  %u package(s), %u core(s), %u hardware thread(s)\n", t.packages, t.cores,
                t.hardware_threads);
  else
    std::printf("  %u CPU(s) online\n", t.hardware_threads);
  for (const auto& n : t.numa)
    std::printf("  NUMA node %u: %.1f GiB, %u core(s)\n", n.index,
                static_cast<double>(n.memory_bytes) / (1 << 30), n.cores);
  for (const auto& a : t.adapters)
    std::printf("  adapter %s (%s)%s%s\n", a.name.c_str(), a.kind.c_str(),
                a.numa_nodes.empty() ? "" : ", NUMA node ", numa_list(a.numa_nodes).c_str());
  const unsigned per_core = t.cores ? t.cores : t.hardware_threads;
  std::printf(
      "  SHMEM_TEAM_SHARED and SHMEM_TEAM_NODE span the PEs on one machine (shm reaches them all);\n"
      "  %u PEs here get a core each (causeway-run --bind-to core), more share cores.\n",
      per_core);
}

std::string topology_json() {
  const causeway::info::Topology t = causeway::info::read_topology();
  std::string out = "{\"source\": " + json_string(t.source.c_str()) +
                    ", \"packages\": " + std::to_string(t.packages) +
                    ", \"cores\": " + std::to_string(t.cores) +
                    ", \"hardware_threads\": " + std::to_string(t.hardware_threads) + ", \"numa_nodes\": [";
  const char* separator = "";
  for (const auto& n : t.numa) {
    out += separator + std::string("{\"index\": ") + std::to_string(n.index) +
           ", \"memory_bytes\": " + std::to_string(n.memory_bytes) +
           ", \"cores\": " + std::to_string(n.cores) + "}";
    separator = ", ";
  }
  out += "], \"adapters\": [";
  separator = "";
  for (const auto& a : t.adapters) {
    out += separator + std::string("{\"name\": ") + json_string(a.name.c_str()) +
           ", \"kind\": " + json_string(a.kind.c_str()) + ", \"numa_nodes\": [" + numa_list(a.numa_nodes) +
           "]}";
    separator = ", ";
  }
  return out + "]}";
}

void print_text() {
  std::printf("Causeway %s\n", CAUSEWAY_VERSION);
  std::printf("OpenSHMEM %d.%d (vendor string \"%s\")\n\n", SHMEM_MAJOR_VERSION, SHMEM_MINOR_VERSION,
              SHMEM_VENDOR_STRING);
  std::printf("Build features:\n");
  for (const Feature& f : kFeatures) std::printf("  %-6s %s\n", f.name, feature_text(f).c_str());
  std::printf("\nTransports compiled in (default preference order):\n");
  for (const auto& t : causeway::tl::available_transports()) {
    std::printf("  %-6s %s\n", t.name, t.description);
    if (t.probe) std::printf("         found: %s\n", t.probe().c_str());
  }
  std::printf("  With CAUSEWAY_TRANSPORTS=auto: self and shm serve this node; %s serves other nodes.\n",
              first_network());
  std::printf("\n");
  print_topology_text();
  std::printf("\n");
  print_env_text();
}

std::string env_json(const char* indent) {
  std::string out = "[";
  const char* separator = "\n";
  for (const ConfigEntry& e : causeway::util::config_table()) {
    const char* value = std::getenv(e.name);
    out += separator;
    out += indent;
    out += "{\"name\": " + json_string(e.name) + ", \"type\": " + json_string(type_name(e.type)) +
           ", \"default\": " + json_string(e.default_value) +
           ", \"value\": " + (value ? json_string(value) : std::string("null")) +
           ", \"help\": " + json_string(e.help) + "}";
    separator = ",\n";
  }
  return out + "\n" + std::string(indent, std::strlen(indent) >= 2 ? std::strlen(indent) - 2 : 0) + "]";
}

void print_json(bool env_only) {
  if (env_only) {
    std::printf("{\"environment\": %s}\n", env_json("    ").c_str());
    return;
  }
  std::string out = "{\n";
  out += "  \"version\": " + json_string(CAUSEWAY_VERSION) + ",\n";
  out += "  \"openshmem_version\": " +
         json_string(std::to_string(SHMEM_MAJOR_VERSION) + "." + std::to_string(SHMEM_MINOR_VERSION)) + ",\n";
  out += "  \"vendor\": " + json_string(SHMEM_VENDOR_STRING) + ",\n";
  out += "  \"features\": {";
  const char* separator = "";
  for (const Feature& f : kFeatures) {
    out += separator + json_string(f.name) + ": {\"found\": " + (f.found ? "true" : "false") +
           ", \"used_by\": " + (f.found && f.used_by ? json_string(f.used_by) : std::string("null")) + "}";
    separator = ", ";
  }
  out += "},\n  \"transports\": [";
  separator = "\n";
  for (const auto& t : causeway::tl::available_transports()) {
    out += separator;
    out += "    {\"name\": " + json_string(t.name) + ", \"description\": " + json_string(t.description) +
           ", \"network\": " + (t.network ? "true" : "false") +
           ", \"found\": " + (t.probe ? json_string(t.probe()) : std::string("null")) + "}";
    separator = ",\n";
  }
  out += "\n  ],\n  \"topology\": " + topology_json() + ",\n  \"environment\": " + env_json("    ") + "\n}\n";
  std::fputs(out.c_str(), stdout);
}

void print_version() {
  std::printf("causeway-info (Causeway) %s\n", CAUSEWAY_VERSION);
  std::printf("git revision: %s\n", CAUSEWAY_GIT_REVISION);
  std::printf("build type:   %s\n", CAUSEWAY_BUILD_TYPE);
  std::printf("compiler:     %s\n", CAUSEWAY_BUILD_COMPILER);
  std::printf("prefix:       %s (libraries in %s)\n", CAUSEWAY_BUILD_PREFIX, CAUSEWAY_BUILD_LIBDIR);
  std::printf("options:      %s\n", CAUSEWAY_BUILD_OPTIONS);
}

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: causeway-info [--env] [--json] [--version]\n"
               "Prints what this build of Causeway contains: version, optional features found at build\n"
               "time, transports compiled in, this machine's topology (packages, cores, NUMA nodes,\n"
               "network adapters and their NUMA nodes), and every environment variable the library reads.\n"
               "\n"
               "  --env      print only the environment-variable table\n"
               "  --json     print JSON instead of text\n"
               "  -V, --version  print the version, git revision, build type, compiler, prefix and options\n"
               "  -h, --help show this help\n");
}

}  // namespace

int main(int argc, char** argv) {
  bool env_only = false, json = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--env") {
      env_only = true;
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "-V" || arg == "--version") {
      print_version();
      return std::fflush(stdout) == 0 ? 0 : 1;
    } else if (arg == "-h" || arg == "--help") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "causeway-info: unknown argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  if (json)
    print_json(env_only);
  else if (env_only)
    print_env_text();
  else
    print_text();
  return std::fflush(stdout) == 0 ? 0 : 1;
}
