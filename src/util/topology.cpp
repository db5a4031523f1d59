// SPDX-License-Identifier: BSD-3-Clause
#include "util/topology.hpp"

#include <unistd.h>

#include <algorithm>
#include <string>

#include "causeway_build_config.h"
#include "util/numa.hpp"

#if CAUSEWAY_HAVE_HWLOC
#include <hwloc.h>
#endif

namespace causeway::util {

std::vector<NetworkDevice> nearest(const std::vector<NetworkDevice>& devices, const std::vector<int>& bound) {
  std::vector<NetworkDevice> near;
  for (const NetworkDevice& d : devices) {
    const bool overlaps = d.cpus.empty() || std::any_of(d.cpus.begin(), d.cpus.end(), [&](int cpu) {
                            return std::find(bound.begin(), bound.end(), cpu) != bound.end();
                          });
    if (overlaps) near.push_back(d);
  }
  if (near.size() == devices.size()) near.clear();
  return near;
}

std::string ucx_device_list(const std::vector<NetworkDevice>& devices) {
  std::string list;
  auto add = [&](const std::string& name) { list += (list.empty() ? "" : ",") + name; };
  for (const NetworkDevice& d : devices) {
    if (!d.rdma) {
      add(d.name);
      continue;
    }
    if (d.ports.empty()) add(d.name + ":1");
    for (int port : d.ports) add(d.name + ":" + std::to_string(port));
  }
  return list;
}

#if CAUSEWAY_HAVE_HWLOC
namespace {

std::vector<int> cpus_of(hwloc_const_bitmap_t set) {
  std::vector<int> cpus;
  for (int cpu = hwloc_bitmap_first(set); cpu >= 0; cpu = hwloc_bitmap_next(set, cpu)) cpus.push_back(cpu);
  return cpus;
}

// An RDMA device's active ports, from hwloc's "Port<N>State" infos (4: active).
std::vector<int> active_ports(hwloc_obj_t dev) {
  std::vector<int> ports;
  for (int port = 1; port <= 8; ++port) {
    const std::string key = "Port" + std::to_string(port) + "State";
    if (const char* state = hwloc_obj_get_info_by_name(dev, key.c_str()); state && std::string(state) == "4")
      ports.push_back(port);
  }
  return ports;
}

std::vector<NetworkDevice> find_nearest_network_devices() {
  // Unbound (every online CPU allowed): every device is as near as any other, and hwloc's I/O
  // discovery (some 20 ms) is not worth running.
  const std::vector<int> bound = allowed_cpus();
  if (bound.empty() || static_cast<long>(bound.size()) >= sysconf(_SC_NPROCESSORS_ONLN)) return {};

  hwloc_topology_t topology;
  if (hwloc_topology_init(&topology) != 0) return {};
  std::vector<NetworkDevice> devices;
  if (hwloc_topology_set_io_types_filter(topology, HWLOC_TYPE_FILTER_KEEP_IMPORTANT) == 0 &&
      hwloc_topology_load(topology) == 0) {
    const hwloc_const_bitmap_t machine = hwloc_topology_get_topology_cpuset(topology);
    for (hwloc_obj_t dev = nullptr; (dev = hwloc_get_next_osdev(topology, dev)) != nullptr;) {
      const auto type = dev->attr->osdev.type;
      if (type != HWLOC_OBJ_OSDEV_NETWORK && type != HWLOC_OBJ_OSDEV_OPENFABRICS) continue;
      NetworkDevice d;
      d.name = dev->name ? dev->name : "";
      d.rdma = type == HWLOC_OBJ_OSDEV_OPENFABRICS;
      if (d.name.empty()) continue;
      if (d.rdma) d.ports = active_ports(dev);
      const hwloc_obj_t anchor = hwloc_get_non_io_ancestor_obj(topology, dev);
      if (anchor && anchor->cpuset && !hwloc_bitmap_isequal(anchor->cpuset, machine))
        d.cpus = cpus_of(anchor->cpuset);
      devices.push_back(std::move(d));
    }
  }
  hwloc_topology_destroy(topology);
  return nearest(devices, bound);
}

}  // namespace

// Asked by every network transport at its creation: hwloc's discovery runs once per process.
std::vector<NetworkDevice> nearest_network_devices() {
  static const std::vector<NetworkDevice> found = find_nearest_network_devices();
  return found;
}
#else
std::vector<NetworkDevice> nearest_network_devices() { return {}; }
#endif

}  // namespace causeway::util
