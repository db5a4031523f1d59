// SPDX-License-Identifier: BSD-3-Clause
#include "topology.hpp"

#include <unistd.h>

#include "causeway_build_config.h"

#if CAUSEWAY_HAVE_HWLOC
#include <hwloc.h>
#endif

namespace causeway::info {

#if CAUSEWAY_HAVE_HWLOC
namespace {

unsigned count(hwloc_topology_t topo, hwloc_obj_type_t type) {
  const int n = hwloc_get_nbobjs_by_type(topo, type);
  return n > 0 ? static_cast<unsigned>(n) : 0;
}

// The NUMA nodes whose memory is local to `obj` (an I/O device's first CPU-side ancestor).
std::vector<unsigned> numa_of(hwloc_topology_t topo, hwloc_obj_t obj) {
  std::vector<unsigned> nodes;
  hwloc_obj_t anchor = hwloc_get_non_io_ancestor_obj(topo, obj);
  if (!anchor || !anchor->nodeset) return nodes;
  for (int i = hwloc_bitmap_first(anchor->nodeset); i >= 0; i = hwloc_bitmap_next(anchor->nodeset, i))
    nodes.push_back(static_cast<unsigned>(i));
  return nodes;
}

}  // namespace
#endif

Topology read_topology() {
  Topology t;
#if CAUSEWAY_HAVE_HWLOC
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) == 0) {
    hwloc_topology_set_io_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    if (hwloc_topology_load(topo) == 0) {
      const unsigned version = hwloc_get_api_version();
      t.source = "hwloc " + std::to_string(version >> 16) + "." + std::to_string((version >> 8) & 0xff) +
                 "." + std::to_string(version & 0xff);
      t.packages = count(topo, HWLOC_OBJ_PACKAGE);
      t.cores = count(topo, HWLOC_OBJ_CORE);
      t.hardware_threads = count(topo, HWLOC_OBJ_PU);
      for (unsigned i = 0; i < count(topo, HWLOC_OBJ_NUMANODE); ++i) {
        hwloc_obj_t node = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, i);
        NumaNode n;
        n.index = node->os_index;
        n.memory_bytes = node->attr ? node->attr->numanode.local_memory : 0;
        const int cores = hwloc_get_nbobjs_inside_cpuset_by_type(topo, node->cpuset, HWLOC_OBJ_CORE);
        n.cores = cores > 0 ? static_cast<unsigned>(cores) : 0;
        t.numa.push_back(n);
      }
      for (hwloc_obj_t dev = hwloc_get_next_osdev(topo, nullptr); dev;
           dev = hwloc_get_next_osdev(topo, dev)) {
        const auto type = dev->attr->osdev.type;
        if (type != HWLOC_OBJ_OSDEV_NETWORK && type != HWLOC_OBJ_OSDEV_OPENFABRICS) continue;
        t.adapters.push_back(Adapter{dev->name ? dev->name : "?",
                                     type == HWLOC_OBJ_OSDEV_NETWORK ? "network" : "openfabrics",
                                     numa_of(topo, dev)});
      }
    }
    hwloc_topology_destroy(topo);
  }
  if (!t.source.empty()) return t;
#endif
  t.source = "sysconf (no hwloc in this build)";
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  t.hardware_threads = cpus > 0 ? static_cast<unsigned>(cpus) : 0;
  return t;
}

}  // namespace causeway::info
