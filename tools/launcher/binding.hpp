// SPDX-License-Identifier: BSD-3-Clause
// --map-by / --bind-to: the launcher works out each PE's CPU set before forking (with hwloc when the
// build has it), and the child applies it with sched_setaffinity just before exec (no topology
// library calls after fork).
#pragma once
#include <sched.h>

#include <string>
#include <vector>

#include "options.hpp"

namespace causeway::launcher {

struct CpuBinding {
  bool bound = false;
  cpu_set_t cpus;     // when bound
  std::string where;  // "core 3", "cores 2-3", "socket 0": for messages
};

// One entry per PE, or an empty vector when no PE is bound. Returns false, with the reason printed,
// when the job must not start (a binding this machine cannot give, NOOVERSUBSCRIBE exceeded). Warns
// on stderr when PEs share a core or hwthread, and prints the --report-bindings lines.
bool plan_binding(const Options& options, std::vector<CpuBinding>* plan);

// Called in the child; prints a warning and carries on if the kernel refuses.
void apply_binding(int pe, const CpuBinding& binding);

// "0-3,8,10-11": the CPUs of `set` as ranges (for messages).
std::string cpu_list(const cpu_set_t& set);

}  // namespace causeway::launcher
