// Bootstrap: how PEs find each other before any transport is up. Only used at init, finalize and for
// out-of-band errors; never on the data path.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "util/status.hpp"

namespace causeway::bootstrap {

class Bootstrap {
 public:
  virtual ~Bootstrap() = default;
  virtual const char* name() const = 0;
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Node index of every rank; PEs with the same index can share memory.
  const std::vector<int>& node_of() const { return node_of_; }
  // Testing: pretend consecutive groups of `pes_per_node` ranks are separate nodes (they still
  // share this machine, so descriptors still pass between them).
  void simulate_nodes(int pes_per_node) {
    if (pes_per_node > 0)
      for (int r = 0; r < size_; ++r) node_of_[r] = r / pes_per_node;
  }

  // Every rank contributes `mine` (the same length on all ranks); returns size() * mine.size() bytes.
  virtual Status allgather(std::span<const std::byte> mine, std::vector<std::byte>* all) = 0;
  // Every rank contributes any number of bytes (two allgathers: the lengths, then padded records);
  // `all` gets each rank's bytes.
  Status allgatherv(std::span<const std::byte> mine, std::vector<std::vector<std::byte>>* all);
  virtual Status barrier() = 0;
  // Node-local: every rank passes `mine.size()` file descriptors (same count everywhere); on return
  // `all` holds size() * count descriptors, received as new fds owned by the caller (-1 for ranks
  // on other nodes).
  virtual Status exchange_fds(std::span<const int> mine, std::vector<int>* all) = 0;
  // Ends the whole job with `status`, printing nothing more; never returns.
  [[noreturn]] virtual void abort_job(int status) = 0;

 protected:
  int rank_ = 0;
  int size_ = 1;
  std::vector<int> node_of_{0};
};

// Chooses the bootstrap from the environment: the causeway-run launcher when its variables are set,
// else a single-PE job.
std::unique_ptr<Bootstrap> create_bootstrap(Status* status);

}  // namespace causeway::bootstrap
