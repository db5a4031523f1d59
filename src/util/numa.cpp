// SPDX-License-Identifier: BSD-3-Clause
#include "util/numa.hpp"

#include <dirent.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace causeway::util {

std::vector<int> parse_cpu_list(const std::string& text) {
  std::vector<int> cpus;
  const char* p = text.c_str();
  while (*p && *p != '\n') {
    char* end;
    const long first = std::strtol(p, &end, 10);
    if (end == p || first < 0) return {};
    long last = first;
    p = end;
    if (*p == '-') {
      last = std::strtol(p + 1, &end, 10);
      if (end == p + 1 || last < first) return {};
      p = end;
    }
    for (long c = first; c <= last; ++c) cpus.push_back(static_cast<int>(c));
    if (*p == ',')
      ++p;
    else if (*p && *p != '\n')
      return {};
  }
  return cpus;
}

std::vector<NumaNode> numa_nodes() {
  std::vector<NumaNode> nodes;
  DIR* dir = opendir("/sys/devices/system/node");
  if (!dir) return nodes;
  while (const dirent* entry = readdir(dir)) {
    int id;
    char extra;
    if (std::sscanf(entry->d_name, "node%d%c", &id, &extra) != 1) continue;
    std::ifstream in(std::string("/sys/devices/system/node/") + entry->d_name + "/cpulist");
    std::string line;
    if (!std::getline(in, line)) continue;
    std::vector<int> cpus = parse_cpu_list(line);
    if (!cpus.empty()) nodes.push_back({id, std::move(cpus)});
  }
  closedir(dir);
  std::sort(nodes.begin(), nodes.end(), [](const NumaNode& a, const NumaNode& b) { return a.id < b.id; });
  return nodes;
}

std::vector<int> nodes_near(const std::vector<NumaNode>& nodes, const std::vector<int>& bound) {
  std::vector<int> near;
  for (const NumaNode& node : nodes)
    if (std::any_of(node.cpus.begin(), node.cpus.end(),
                    [&](int cpu) { return std::find(bound.begin(), bound.end(), cpu) != bound.end(); }))
      near.push_back(node.id);
  return near;
}

std::vector<int> allowed_cpus() {
  cpu_set_t allowed;
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  return cpus;
}

bool prefer_nodes(void* base, std::size_t bytes, const std::vector<int>& nodes, std::string* error) {
  constexpr int kMaskBits = 1024;
  constexpr int kWordBits = 8 * sizeof(unsigned long);
  if (nodes.empty()) return true;
  for (int node : nodes)
    if (node < 0 || node >= kMaskBits) {
      *error = "NUMA node " + std::to_string(node) + " is beyond the mask";
      return false;
    }
  const auto bind = [&](int mode, std::size_t count) {
    unsigned long mask[kMaskBits / kWordBits] = {};
    for (std::size_t i = 0; i < count; ++i) mask[nodes[i] / kWordBits] |= 1ul << (nodes[i] % kWordBits);
    return syscall(SYS_mbind, base, bytes, mode, mask, kMaskBits, 0) == 0;
  };
  // Several nodes need MPOL_PREFERRED_MANY (Linux 5.15); before it, prefer the first one.
  if (bind(MPOL_PREFERRED_MANY, nodes.size())) return true;
  if (errno == EINVAL && bind(MPOL_PREFERRED, 1)) return true;
  *error = std::string("mbind: ") + std::strerror(errno);
  return false;
}

}  // namespace causeway::util
