// SPDX-License-Identifier: BSD-3-Clause
// This machine as causeway-info reports it: packages, cores, hardware threads and NUMA nodes (from
// hwloc when the build has it, else the CPU count alone), the network adapters hwloc sees with the
// NUMA nodes they hang off, and what the node-wide teams span.
#pragma once
#include <string>
#include <vector>

namespace causeway::info {

struct NumaNode {
  unsigned index = 0;
  unsigned long long memory_bytes = 0;
  unsigned cores = 0;
};

struct Adapter {
  std::string name;                  // as the OS names it (eth0, mlx5_0, ...)
  std::string kind;                  // "network" or "openfabrics"
  std::vector<unsigned> numa_nodes;  // the NUMA nodes it is attached to (empty: unknown)
};

struct Topology {
  std::string source;  // "hwloc 2.9.0" or "sysconf (no hwloc in this build)"
  unsigned packages = 0, cores = 0, hardware_threads = 0;
  std::vector<NumaNode> numa;
  std::vector<Adapter> adapters;
};

Topology read_topology();

}  // namespace causeway::info
