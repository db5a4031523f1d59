#include "binding.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "causeway_build_config.h"

#if CAUSEWAY_HAVE_HWLOC
#include <hwloc.h>
#include <hwloc/glibc-sched.h>
#endif

namespace causeway::launcher {

namespace {

#if CAUSEWAY_HAVE_HWLOC
// The cpusets of the cores this process may use, in hwloc's logical order.
std::vector<cpu_set_t> hwloc_cores() {
  std::vector<cpu_set_t> cores;
  hwloc_topology_t topology;
  if (hwloc_topology_init(&topology) != 0) return cores;
  if (hwloc_topology_load(topology) == 0) {
    int count = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE);
    for (int c = 0; c < count; ++c) {
      hwloc_obj_t core = hwloc_get_obj_by_type(topology, HWLOC_OBJ_CORE, c);
      if (!core || !core->cpuset || hwloc_bitmap_iszero(core->cpuset)) continue;
      cpu_set_t set;
      CPU_ZERO(&set);
      if (hwloc_cpuset_to_glibc_sched_affinity(topology, core->cpuset, &set, sizeof set) != 0) continue;
      if (CPU_COUNT(&set) > 0) cores.push_back(set);
    }
  }
  hwloc_topology_destroy(topology);
  return cores;
}
#endif

// Without hwloc: every CPU of the launcher's own affinity mask counts as one "core".
std::vector<cpu_set_t> allowed_cpus() {
  std::vector<cpu_set_t> cpus;
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof mask, &mask) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &mask)) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    cpus.push_back(one);
  }
  return cpus;
}

}  // namespace

std::vector<CpuBinding> plan_core_binding(int np) {
  std::vector<cpu_set_t> cores;
#if CAUSEWAY_HAVE_HWLOC
  cores = hwloc_cores();
  if (cores.empty())
    std::fprintf(stderr, "causeway-run: warning: hwloc found no cores; binding to CPUs instead\n");
#endif
  if (cores.empty()) cores = allowed_cpus();
  std::vector<CpuBinding> plan;
  if (cores.empty()) {
    std::fprintf(stderr, "causeway-run: warning: cannot find the CPUs to bind to; PEs run unbound\n");
    return plan;
  }
  plan.resize(np);
  for (int pe = 0; pe < np; ++pe) {
    int core = pe % static_cast<int>(cores.size());
    plan[pe].cpus = cores[core];
    plan[pe].core = core;
  }
  return plan;
}

void apply_binding(int pe, const CpuBinding& binding) {
  if (sched_setaffinity(0, sizeof binding.cpus, &binding.cpus) == 0) return;
  char line[256];
  int len = std::snprintf(line, sizeof line, "causeway-run: warning: PE %d: cannot bind to core %d: %s\n", pe,
                          binding.core, std::strerror(errno));
  if (len > 0) {
    ssize_t ignored =
        ::write(STDERR_FILENO, line, static_cast<std::size_t>(len) < sizeof line ? len : sizeof line - 1);
    (void)ignored;
  }
}

}  // namespace causeway::launcher
