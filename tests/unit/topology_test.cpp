// SPDX-License-Identifier: BSD-3-Clause
// util::nearest and ucx_device_list: which NICs a PE bound to some CPUs should use.
#include "util/topology.hpp"

#include <gtest/gtest.h>
#include <sched.h>

using causeway::util::nearest;
using causeway::util::NetworkDevice;

namespace {

// Two sockets of 4 CPUs, an RDMA device and an interface on each, and one on the machine itself.
NetworkDevice device(const char* name, bool rdma, std::vector<int> cpus, std::vector<int> ports = {}) {
  NetworkDevice d;
  d.name = name;
  d.rdma = rdma;
  d.cpus = std::move(cpus);
  d.ports = std::move(ports);
  return d;
}

const std::vector<NetworkDevice> kTwoSockets = {
    device("mlx5_0", true, {0, 1, 2, 3}, {1}), device("eth0", false, {0, 1, 2, 3}),
    device("mlx5_1", true, {4, 5, 6, 7}, {1, 2}), device("eth1", false, {4, 5, 6, 7})};

std::vector<std::string> names(const std::vector<NetworkDevice>& devices) {
  std::vector<std::string> out;
  for (const NetworkDevice& d : devices) out.push_back(d.name);
  return out;
}

TEST(NearestNics, BoundToOneSocketGetsItsOwn) {
  EXPECT_EQ(names(nearest(kTwoSockets, {5})), (std::vector<std::string>{"mlx5_1", "eth1"}));
  EXPECT_EQ(names(nearest(kTwoSockets, {0, 1})), (std::vector<std::string>{"mlx5_0", "eth0"}));
}

TEST(NearestNics, NothingToPreferGivesNoRestriction) {
  EXPECT_TRUE(nearest(kTwoSockets, {3, 4}).empty());                    // spans both sockets
  EXPECT_TRUE(nearest(kTwoSockets, {0, 1, 2, 3, 4, 5, 6, 7}).empty());  // unbound
  EXPECT_TRUE(nearest(kTwoSockets, {9}).empty());                       // near none
  EXPECT_TRUE(nearest({device("eth0", false, {})}, {0}).empty());       // one device on the machine
  EXPECT_TRUE(nearest({}, {0}).empty());
}

TEST(NearestNics, DevicesOnTheWholeMachineCountAsNear) {
  const std::vector<NetworkDevice> devices = {device("eth0", false, {}), device("mlx5_1", true, {4, 5}, {1})};
  EXPECT_EQ(names(nearest(devices, {0})), (std::vector<std::string>{"eth0"}));
}

TEST(NearestNics, UcxListNamesRdmaPorts) {
  EXPECT_EQ(causeway::util::ucx_device_list(nearest(kTwoSockets, {4})), "mlx5_1:1,mlx5_1:2,eth1");
  EXPECT_EQ(causeway::util::ucx_device_list({device("mlx5_2", true, {0})}), "mlx5_2:1");  // no port info
}

// On this machine, whatever it has: the answer is consistent with nearest() and never throws.
TEST(NearestNics, ThisMachine) {
  const auto near = causeway::util::nearest_network_devices();
  for (const NetworkDevice& d : near) EXPECT_FALSE(d.name.empty());
}

}  // namespace
