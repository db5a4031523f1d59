// SPDX-License-Identifier: BSD-3-Clause
// Bootstrap: how PEs find each other before any transport is up. Only used at init, finalize, heap
// growth and for out-of-band errors; never on the data path.
//
//   bootstrap.cpp      the base class (job id, machine layout, node channel) and the choice
//   launcher.cpp       causeway-run's socket, and the single-PE job
//   plugin.cpp         PMIx and MPI, each a plugin library loaded only when chosen
//   node_channel.cpp   descriptors and bytes between the PEs of one machine, under any launcher
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "util/status.hpp"

namespace causeway::bootstrap {

class NodeChannel;

class Bootstrap {
 public:
  virtual ~Bootstrap();
  virtual const char* name() const = 0;
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Random, the same on every PE of the job (names the node channel, tags logs).
  const std::string& job_id() const { return job_id_; }

  // Node index of every rank; PEs with the same index share memory (TEAM_SHARED, shm's reach).
  const std::vector<int>& node_of() const { return node_of_; }
  // Testing: pretend consecutive groups of `pes_per_node` ranks are separate nodes. They still
  // share this machine, so descriptors still pass between them (machine_of is unchanged).
  void simulate_nodes(int pes_per_node);
  // The real layout: ranks with the same index run on the same machine (same kernel and network
  // namespace), so file descriptors can pass between them.
  const std::vector<int>& machine_of() const { return machine_of_; }
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }

  // Every rank contributes `mine` (the same length on all ranks); returns size() * mine.size() bytes.
  virtual Status allgather(std::span<const std::byte> mine, std::vector<std::byte>* all) = 0;
  // Every rank contributes any number of bytes; `all` gets each rank's bytes.
  virtual Status allgatherv(std::span<const std::byte> mine, std::vector<std::vector<std::byte>>* all);
  virtual Status barrier() = 0;
  // Collective. Every rank passes `mine.size()` file descriptors (the same count everywhere); on
  // return `all` holds size() * count descriptors, new ones owned by the caller, -1 for ranks on
  // other machines. Goes through the node channel: no launcher is involved.
  Status exchange_fds(std::span<const int> mine, std::vector<int>* all);
  // A barrier among this machine's PEs (node channel). The node channel is opened by the first
  // exchange_fds or node_barrier, which every PE of the job must call.
  Status node_barrier();
  // Ends the whole job with `status`; `why` (optional) goes to the launcher's report. Never returns.
  [[noreturn]] virtual void abort_job(int status, const char* why = nullptr) = 0;
  // Collective, after the last exchange: this PE leaves the job normally (the launcher learns that
  // its exit is expected; an MPI the bootstrap initialised is finalized).
  virtual Status finalize();

 protected:
  Bootstrap();
  // Collective, once the subclass can exchange: agrees on the job id and finds the machines.
  Status establish();
  Status open_channel();

  int rank_ = 0;
  int size_ = 1;

 private:
  friend std::unique_ptr<Bootstrap> create_bootstrap(const std::string&, Status*);

  std::string job_id_;
  std::vector<int> node_of_{0};
  std::vector<int> machine_of_{0};
  int local_rank_ = 0;
  int local_size_ = 1;
  std::unique_ptr<NodeChannel> channel_;
};

// Chooses the bootstrap: `choice` is CAUSEWAY_BOOTSTRAP (auto, launcher, pmix, mpi, single). Auto
// takes causeway-run's when its variables are set, MPI when the program already initialised MPI,
// PMIx under a PMIx launcher (mpirun, prterun, srun --mpi=pmix), MPI under Open MPI's mpirun when
// PMIx is not available, and a single PE otherwise; a foreign launcher that started several
// processes which no bootstrap can join is an error, never N jobs of one PE.
std::unique_ptr<Bootstrap> create_bootstrap(const std::string& choice, Status* status);

}  // namespace causeway::bootstrap
