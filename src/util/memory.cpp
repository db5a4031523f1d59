// SPDX-License-Identifier: BSD-3-Clause
#include "util/memory.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace causeway::util {

namespace {

std::string read_text(const std::string& path) {
  std::string text;
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  return text;
}

// This process's memory cgroup limit and usage files: cgroup v2 ("0::/path" in /proc/self/cgroup,
// memory.max and memory.current) or v1 (a "memory" controller line, memory.limit_in_bytes and
// memory.usage_in_bytes). Empty strings if there is none.
std::pair<std::string, std::string> cgroup_memory_files() {
  const std::string self = read_text("/proc/self/cgroup");
  std::size_t line = 0;
  while (line < self.size()) {
    std::size_t end = self.find('\n', line);
    if (end == std::string::npos) end = self.size();
    const std::string entry = self.substr(line, end - line);
    line = end + 1;
    const std::size_t first = entry.find(':'), second = entry.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = entry.substr(first + 1, second - first - 1);
    const std::string path = entry.substr(second + 1);
    if (controllers.empty() && entry.compare(0, first, "0") == 0)
      return {"/sys/fs/cgroup" + path + "/memory.max", "/sys/fs/cgroup" + path + "/memory.current"};
    if (("," + controllers + ",").find(",memory,") != std::string::npos)
      return {"/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes",
              "/sys/fs/cgroup/memory" + path + "/memory.usage_in_bytes"};
  }
  return {};
}

}  // namespace

std::optional<MemoryAvailable> memory_available_from(const char* meminfo, const char* cgroup_max,
                                                     const char* cgroup_current) {
  std::optional<MemoryAvailable> result;
  if (const char* line = meminfo ? std::strstr(meminfo, "MemAvailable:") : nullptr) {
    char* end = nullptr;
    const unsigned long long kib = std::strtoull(line + std::strlen("MemAvailable:"), &end, 10);
    if (end != line + std::strlen("MemAvailable:")) result = MemoryAvailable{kib * 1024, "MemAvailable"};
  }
  // "max" means no limit; a number is the limit in bytes.
  if (cgroup_max && cgroup_current && std::strncmp(cgroup_max, "max", 3) != 0) {
    char* end_max = nullptr;
    char* end_current = nullptr;
    const unsigned long long limit = std::strtoull(cgroup_max, &end_max, 10);
    const unsigned long long used = std::strtoull(cgroup_current, &end_current, 10);
    if (end_max != cgroup_max && end_current != cgroup_current) {
      const std::size_t left = used < limit ? limit - used : 0;
      if (!result || left < result->bytes) result = MemoryAvailable{left, "the cgroup's memory limit"};
    }
  }
  return result;
}

std::optional<MemoryAvailable> memory_available() {
  const std::string meminfo = read_text("/proc/meminfo");
  const auto [max_file, current_file] = cgroup_memory_files();
  std::string max, current;
  if (!max_file.empty()) {
    max = read_text(max_file);
    current = read_text(current_file);
  }
  return memory_available_from(meminfo.empty() ? nullptr : meminfo.c_str(),
                               max.empty() ? nullptr : max.c_str(),
                               current.empty() ? nullptr : current.c_str());
}

}  // namespace causeway::util
