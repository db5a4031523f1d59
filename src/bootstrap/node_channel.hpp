// SPDX-License-Identifier: BSD-3-Clause
// Node channel: descriptors and bytes among the PEs of one machine, without the launcher. The
// machine's local rank 0 listens on an abstract Unix socket named from the job id; the others
// connect once and stay connected. Each exchange is a gather at the leader and a scatter of the
// whole set back, so a PE receives only its own machine's descriptors. Peers must run as the same
// user (checked both ways with SO_PEERCRED).
#pragma once
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "util/status.hpp"

namespace causeway::bootstrap {

class Bootstrap;

class NodeChannel {
 public:
  // Collective over the whole job (it uses the bootstrap's barrier between listen and connect).
  static Status open(Bootstrap& boot, std::unique_ptr<NodeChannel>* out);
  ~NodeChannel();
  NodeChannel(const NodeChannel&) = delete;
  NodeChannel& operator=(const NodeChannel&) = delete;

  // Collective over this machine's PEs: each contributes bytes and descriptors; on return the
  // vectors are indexed by local rank and hold every local PE's contribution (descriptors are new
  // ones owned by the caller, this PE's own included).
  Status allgather(std::span<const std::byte> bytes, std::span<const int> fds,
                   std::vector<std::vector<std::byte>>* all_bytes, std::vector<std::vector<int>>* all_fds);

 private:
  NodeChannel(int local_rank, int local_size) : local_rank_(local_rank), local_size_(local_size) {}
  Status gather_as_leader(std::span<const std::byte> bytes, std::span<const int> fds,
                          std::vector<std::vector<std::byte>>* all_bytes,
                          std::vector<std::vector<int>>* all_fds);
  Status exchange_as_member(std::span<const std::byte> bytes, std::span<const int> fds,
                            std::vector<std::vector<std::byte>>* all_bytes,
                            std::vector<std::vector<int>>* all_fds);

  int local_rank_;
  int local_size_;
  int leader_ = -1;           // members: the connection to the leader
  std::vector<int> members_;  // leader: connection per local rank (-1 for itself)
};

}  // namespace causeway::bootstrap
