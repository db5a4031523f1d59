// SPDX-License-Identifier: BSD-3-Clause
// Which network devices are nearest to this process (hwloc, where the build has it): on a node
// with several NICs a network transport should use the ones attached to the PE's own NUMA node or
// socket, as a PE bound there reaches them without crossing the inter-socket link.
#pragma once
#include <string>
#include <vector>

namespace causeway::util {

struct NetworkDevice {
  std::string name;        // an interface (eth0, ib0) or an RDMA device (mlx5_0)
  bool rdma = false;       // an RDMA device (hwloc's OpenFabrics class): UCX names its ports, mlx5_0:1
  std::vector<int> ports;  // its active ports (RDMA devices)
  std::vector<int> cpus;   // the CPUs of the NUMA node or package it hangs off; empty: the whole machine
};

// Of `devices`, those near `bound` (the CPUs this process may run on): hanging off the whole
// machine, or off CPUs that overlap `bound`. Empty when all or none are near: nothing to prefer.
std::vector<NetworkDevice> nearest(const std::vector<NetworkDevice>& devices, const std::vector<int>& bound);

// nearest() of the machine's network devices for this process's binding. Empty without hwloc, when
// the process may run on every CPU, or when hwloc cannot tell.
std::vector<NetworkDevice> nearest_network_devices();

// The devices as UCX_NET_DEVICES lists them: interfaces by name, RDMA devices by port (mlx5_0:1).
std::string ucx_device_list(const std::vector<NetworkDevice>& devices);

}  // namespace causeway::util
