// SPDX-License-Identifier: BSD-3-Clause
// NUMA placement of this PE's memory: a PE bound to the CPUs of some NUMA nodes should have its
// symmetric heap's pages there, whoever touches them first (peers map the heap and may fault pages
// in), so its own loads and stores never cross the inter-socket link. Read from sysfs (what hwloc
// reads too), so it works in every build.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace causeway::util {

struct NumaNode {
  int id;
  std::vector<int> cpus;
};

// "0-3,8,10-11" -> {0,1,2,3,8,10,11}; an empty list for text that does not parse.
std::vector<int> parse_cpu_list(const std::string& text);

// The machine's NUMA nodes that have CPUs (/sys/devices/system/node); empty when sysfs does not say.
std::vector<NumaNode> numa_nodes();

// Of `nodes`, the ids of those with a CPU in `bound`, ascending.
std::vector<int> nodes_near(const std::vector<NumaNode>& nodes, const std::vector<int>& bound);

// The CPUs this process may run on.
std::vector<int> allowed_cpus();

// Asks the kernel to take the pages of [base, base + bytes) from `nodes` (preferred, not bound:
// another node still serves when those are full). False with `error` set when it refused.
bool prefer_nodes(void* base, std::size_t bytes, const std::vector<int>& nodes, std::string* error);

}  // namespace causeway::util
