// SPDX-License-Identifier: BSD-3-Clause
#include "binding.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "causeway_build_config.h"

#if CAUSEWAY_HAVE_HWLOC
#include <hwloc.h>
#endif

namespace causeway::launcher {

namespace {

constexpr int kLevels = 5;

// One hardware thread the launcher may run on, with the index of the object that holds it at each
// level (hwloc logical indexes; the hwthread "index" is the OS CPU number, as taskset shows it).
struct Pu {
  int os = 0;
  int id[kLevels] = {};
  int at(Level level) const { return id[static_cast<int>(level)]; }
};

std::vector<Pu> without_hwloc(const cpu_set_t& allowed) {
  // Every CPU of the launcher's affinity mask counts as a core of its own, in one socket.
  std::vector<Pu> pus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    Pu pu;
    pu.os = cpu;
    pu.id[static_cast<int>(Level::hwthread)] = cpu;
    pu.id[static_cast<int>(Level::core)] = cpu;
    pus.push_back(pu);
  }
  return pus;
}

#if CAUSEWAY_HAVE_HWLOC
// The hardware threads of the launcher's affinity mask in hwloc's logical (topological) order.
std::vector<Pu> with_hwloc(const cpu_set_t& allowed) {
  std::vector<Pu> pus;
  hwloc_topology_t topology;
  if (hwloc_topology_init(&topology) != 0) return pus;
  if (hwloc_topology_load(topology) == 0) {
    const int numa_count = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_NUMANODE);
    const int pu_count = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PU);
    for (int i = 0; i < pu_count; ++i) {
      hwloc_obj_t obj = hwloc_get_obj_by_type(topology, HWLOC_OBJ_PU, i);
      if (!obj || obj->os_index >= CPU_SETSIZE || !CPU_ISSET(obj->os_index, &allowed)) continue;
      Pu pu;
      pu.os = static_cast<int>(obj->os_index);
      pu.id[static_cast<int>(Level::hwthread)] = pu.os;
      hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_CORE, obj);
      // A PU without a core object above it (rare; some VMs) counts as a core of its own.
      pu.id[static_cast<int>(Level::core)] = core ? static_cast<int>(core->logical_index) : 100000 + pu.os;
      hwloc_obj_t package = hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_PACKAGE, obj);
      pu.id[static_cast<int>(Level::socket)] = package ? static_cast<int>(package->logical_index) : 0;
      // NUMA nodes hang off the tree as memory children in hwloc 2: find the one whose CPUs hold it.
      for (int n = 0; n < numa_count; ++n) {
        hwloc_obj_t numa = hwloc_get_obj_by_type(topology, HWLOC_OBJ_NUMANODE, n);
        if (numa && numa->cpuset && hwloc_bitmap_isset(numa->cpuset, obj->os_index)) {
          pu.id[static_cast<int>(Level::numa)] = static_cast<int>(numa->logical_index);
          break;
        }
      }
      pus.push_back(pu);
    }
  }
  hwloc_topology_destroy(topology);
  return pus;
}
#endif

// Groups the PUs listed in `members` by their object at `level`, in order of first appearance.
std::vector<std::vector<int>> group_by(const std::vector<Pu>& pus, const std::vector<int>& members,
                                       Level level) {
  std::vector<std::vector<int>> groups;
  std::map<int, std::size_t> index_of;
  for (int p : members) {
    auto [it, added] = index_of.emplace(pus[p].at(level), groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(p);
  }
  return groups;
}

// "0-3,8": sorted ids as ranges.
std::string ranges(std::vector<int> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string out;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(ids[i]);
    if (j > i) {
      out += '-';  // (not "-" + to_string: GCC 12 gives a bogus -Wrestrict for that)
      out += std::to_string(ids[j]);
    }
    i = j + 1;
  }
  return out;
}

// "PEs 0, 2, 4" (at most 8 named).
std::string pe_list(const std::vector<int>& pes) {
  std::string out = "PEs ";
  for (std::size_t i = 0; i < pes.size() && i < 8; ++i) {
    if (i) out += ", ";
    out += std::to_string(pes[i]);
  }
  if (pes.size() > 8) out += " and " + std::to_string(pes.size() - 8) + " more";
  return out;
}

// Binding to cores or hwthreads is meant to give each PE its own; say so where it does not. PEs
// spin while they wait, and two of them on one core take turns at a scheduler time slice each.
void warn_shared(const std::vector<std::vector<int>>& objects_of_pe, Level level) {
  std::map<int, std::vector<int>> pes_on;
  for (std::size_t pe = 0; pe < objects_of_pe.size(); ++pe)
    for (int object : objects_of_pe[pe]) pes_on[object].push_back(static_cast<int>(pe));
  int shared = 0;
  for (const auto& [object, pes] : pes_on) {
    if (pes.size() < 2) continue;
    if (++shared <= 8)
      std::fprintf(stderr, "causeway-run: warning: %s share %s %d\n", pe_list(pes).c_str(), level_name(level),
                   object);
  }
  if (shared == 0) return;
  if (shared > 8)
    std::fprintf(stderr, "causeway-run: warning: ... and %d more shared %ss\n", shared - 8,
                 level_name(level));
  std::fprintf(stderr,
               "causeway-run: warning: PEs bound to the same %s take turns on it, and a PE that spins "
               "in a wait slows the other down; start fewer PEs or use --bind-to none "
               "(--bind-to %s:overload-allowed silences this)\n",
               level_name(level), level_name(level));
}

}  // namespace

std::string cpu_list(const cpu_set_t& set) {
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return ranges(cpus);
}

bool plan_binding(const Options& options, std::vector<CpuBinding>* plan) {
  const Placement& placement = options.placement;
  const int np = options.np;
  plan->clear();
  if (!placement.bind && !placement.no_oversubscribe && !options.report_bindings) return true;

  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    std::fprintf(stderr, "causeway-run: cannot read this process's CPU affinity: %s\n", std::strerror(errno));
    return false;
  }
  std::vector<Pu> pus;
#if CAUSEWAY_HAVE_HWLOC
  pus = with_hwloc(allowed);
  if (pus.empty() && placement.bind && *placement.bind >= Level::numa && !placement.bind_if_supported) {
    std::fprintf(stderr, "causeway-run: hwloc cannot read this machine's topology; cannot bind to %ss\n",
                 level_name(*placement.bind));
    return false;
  }
  if (pus.empty()) std::fprintf(stderr, "causeway-run: warning: hwloc found no CPUs; using the CPU list\n");
#endif
  if (pus.empty()) pus = without_hwloc(allowed);
  if (pus.empty()) {
    std::fprintf(stderr, "causeway-run: warning: cannot find the CPUs to bind to; PEs run unbound\n");
    return true;
  }

  // Where PEs are placed (slot and node: consecutive cores), and the unit each one takes.
  Level map_level = Level::core;
  switch (placement.map) {
    case MapBy::slot:
    case MapBy::node:
    case MapBy::core: map_level = Level::core; break;
    case MapBy::hwthread: map_level = Level::hwthread; break;
    case MapBy::numa: map_level = Level::numa; break;
    case MapBy::socket: map_level = Level::socket; break;
  }
  std::vector<int> all(pus.size());
  for (std::size_t p = 0; p < pus.size(); ++p) all[p] = static_cast<int>(p);

  const int width = placement.cpus_per_pe;
  const Level slot_level = map_level == Level::hwthread ? Level::hwthread : Level::core;
  const int slots = static_cast<int>(group_by(pus, all, slot_level).size());
  if (placement.no_oversubscribe && static_cast<long>(np) * width > slots) {
    std::fprintf(stderr,
                 "causeway-run: %d PEs of %d %s%s each need %ld %ss, and this node has %d available "
                 "(NOOVERSUBSCRIBE)\n",
                 np, width, level_name(slot_level), width > 1 ? "s" : "", static_cast<long>(np) * width,
                 level_name(slot_level), slots);
    return false;
  }

  if (!placement.bind) {
    if (options.report_bindings)
      for (int pe = 0; pe < np; ++pe)
        std::fprintf(stderr, "causeway-run: PE %d not bound: cpus %s\n", options.first_rank + pe,
                     cpu_list(allowed).c_str());
    return true;
  }

  // A PE takes `width` units (the binding level, or the mapping level when the binding is coarser)
  // from the next mapping object in turn; when the unit is the mapping level itself, PEs simply
  // take consecutive units across the node.
  const Level bind_level = *placement.bind;
  const Level unit_level = std::min(bind_level, map_level);
  std::vector<std::vector<std::vector<int>>> objects;  // object -> unit -> PUs
  for (const auto& object :
       unit_level == map_level ? std::vector<std::vector<int>>{all} : group_by(pus, all, map_level))
    objects.push_back(group_by(pus, object, unit_level));
  for (const auto& units : objects) {
    if (static_cast<int>(units.size()) >= width) continue;
    std::fprintf(stderr, "causeway-run: --map-by ...:PE=%d needs %d %ss per %s; one has only %zu\n", width,
                 width, level_name(unit_level), level_name(map_level), units.size());
    return false;
  }

  plan->resize(np);
  std::vector<std::size_t> cursor(objects.size(), 0);
  std::vector<std::vector<int>> bound_objects(np);  // ids at bind_level, for the sharing check
  for (int pe = 0; pe < np; ++pe) {
    const std::size_t o = static_cast<std::size_t>(pe) % objects.size();
    const auto& units = objects[o];
    std::vector<int> bind_ids;
    for (int u = 0; u < width; ++u)
      for (int p : units[(cursor[o] + u) % units.size()]) bind_ids.push_back(pus[p].at(bind_level));
    cursor[o] += width;
    std::sort(bind_ids.begin(), bind_ids.end());
    bind_ids.erase(std::unique(bind_ids.begin(), bind_ids.end()), bind_ids.end());

    CpuBinding& binding = (*plan)[pe];
    binding.bound = true;
    CPU_ZERO(&binding.cpus);
    for (const Pu& pu : pus)
      if (std::binary_search(bind_ids.begin(), bind_ids.end(), pu.at(bind_level)))
        CPU_SET(pu.os, &binding.cpus);
    binding.where =
        std::string(level_name(bind_level)) + (bind_ids.size() > 1 ? "s " : " ") + ranges(bind_ids);
    bound_objects[pe] = std::move(bind_ids);
  }

  if ((bind_level == Level::core || bind_level == Level::hwthread) && !placement.overload_allowed)
    warn_shared(bound_objects, bind_level);
  if (options.report_bindings)
    for (int pe = 0; pe < np; ++pe)
      std::fprintf(stderr, "causeway-run: PE %d bound to %s: cpus %s\n", options.first_rank + pe,
                   (*plan)[pe].where.c_str(), cpu_list((*plan)[pe].cpus).c_str());
  return true;
}

void apply_binding(int pe, const CpuBinding& binding) {
  if (!binding.bound || sched_setaffinity(0, sizeof binding.cpus, &binding.cpus) == 0) return;
  char line[256];
  int len = std::snprintf(line, sizeof line, "causeway-run: warning: PE %d: cannot bind to %s: %s\n", pe,
                          binding.where.c_str(), std::strerror(errno));
  if (len > 0) {
    ssize_t ignored =
        ::write(STDERR_FILENO, line, static_cast<std::size_t>(len) < sizeof line ? len : sizeof line - 1);
    (void)ignored;
  }
}

}  // namespace causeway::launcher
