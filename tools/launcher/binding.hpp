// --bind-to core: the launcher works out each PE's CPU set before forking, and the child applies it
// with sched_setaffinity just before exec (no topology library calls after fork).
#pragma once
#include <sched.h>

#include <vector>

namespace causeway::launcher {

struct CpuBinding {
  cpu_set_t cpus;
  int core = -1;  // index of the core it stands for (for messages)
};

// One entry per PE: PE i gets core i % ncores (hwloc core objects when built with hwloc, otherwise
// the i % nproc-th CPU the launcher may run on). Empty, with a warning printed, if nothing usable
// was found.
std::vector<CpuBinding> plan_core_binding(int np);

// Called in the child; prints a warning and carries on if the kernel refuses.
void apply_binding(int pe, const CpuBinding& binding);

}  // namespace causeway::launcher
