// SPDX-License-Identifier: BSD-3-Clause
// The bootstrap base (job id, machine layout, descriptor exchange through the node channel) and
// the choice of bootstrap, including the refusal to run a foreign launcher's N processes as N
// separate one-PE jobs.
#include "bootstrap/bootstrap.hpp"

#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "bootstrap/backends.hpp"
#include "bootstrap/node_channel.hpp"
#include "util/log.hpp"

namespace causeway::bootstrap {

Bootstrap::Bootstrap() = default;
Bootstrap::~Bootstrap() = default;

void Bootstrap::simulate_nodes(int pes_per_node) {
  if (pes_per_node > 0)
    for (int r = 0; r < size_; ++r) node_of_[r] = r / pes_per_node;
}

namespace {

// What this PE contributes to the first exchange: random bits (rank 0's become the job id) and
// what makes two processes the same machine: one running kernel and one network namespace (the
// node channel's abstract socket lives there).
struct Identity {
  uint8_t random[16];
  char boot_id[40];
  uint64_t net_namespace;
};

void read_identity(Identity* me) {
  std::memset(me, 0, sizeof *me);
  if (getrandom(me->random, sizeof me->random, 0) != static_cast<ssize_t>(sizeof me->random)) {
    const uint64_t mix[2] = {static_cast<uint64_t>(getpid()), static_cast<uint64_t>(time(nullptr))};
    std::memcpy(me->random, mix, sizeof mix);
  }
  if (std::FILE* f = std::fopen("/proc/sys/kernel/random/boot_id", "r")) {
    if (!std::fgets(me->boot_id, sizeof me->boot_id, f)) me->boot_id[0] = '\0';
    std::fclose(f);
  }
  if (me->boot_id[0] == '\0') gethostname(me->boot_id, sizeof me->boot_id - 1);
  struct stat ns {};
  if (stat("/proc/self/ns/net", &ns) == 0) me->net_namespace = ns.st_ino;
}

}  // namespace

Status Bootstrap::establish() {
  Identity me;
  read_identity(&me);
  std::vector<std::byte> all_bytes;
  if (Status s = allgather(std::as_bytes(std::span(&me, 1)), &all_bytes); is_error(s)) return s;
  const auto* all = reinterpret_cast<const Identity*>(all_bytes.data());
  char hex[2 * sizeof me.random + 1];
  for (std::size_t i = 0; i < sizeof me.random; ++i) std::snprintf(hex + 2 * i, 3, "%02x", all[0].random[i]);
  job_id_ = hex;
  // Machines are numbered in order of their lowest rank.
  machine_of_.assign(size_, -1);
  int machines = 0;
  for (int r = 0; r < size_; ++r) {
    if (machine_of_[r] >= 0) continue;
    for (int q = r; q < size_; ++q)
      if (machine_of_[q] < 0 && all[q].net_namespace == all[r].net_namespace &&
          std::memcmp(all[q].boot_id, all[r].boot_id, sizeof me.boot_id) == 0)
        machine_of_[q] = machines;
    ++machines;
  }
  node_of_ = machine_of_;
  local_rank_ = local_size_ = 0;
  for (int r = 0; r < size_; ++r) {
    if (machine_of_[r] != machine_of_[rank_]) continue;
    if (r < rank_) ++local_rank_;
    ++local_size_;
  }
  CW_LOG_AT(bootstrap, util::LogLevel::debug,
            "%s: rank %d of %d, job %s, machine %d of %d (local rank %d of %d)", name(), rank_, size_,
            job_id_.c_str(), machine_of_[rank_], machines, local_rank_, local_size_);
  return Status::ok;
}

Status Bootstrap::allgatherv(std::span<const std::byte> mine, std::vector<std::vector<std::byte>>* all) {
  const uint64_t length = mine.size();
  std::vector<std::byte> lengths_bytes;
  if (Status s = allgather(std::as_bytes(std::span(&length, 1)), &lengths_bytes); is_error(s)) return s;
  std::vector<uint64_t> lengths(size_);
  std::memcpy(lengths.data(), lengths_bytes.data(), size_ * sizeof(uint64_t));
  uint64_t longest = 0;
  for (uint64_t l : lengths) longest = l > longest ? l : longest;
  std::vector<std::byte> padded(longest), gathered;
  if (!mine.empty()) std::memcpy(padded.data(), mine.data(), mine.size());
  if (Status s = allgather(padded, &gathered); is_error(s)) return s;
  all->assign(size_, {});
  for (int r = 0; r < size_; ++r)
    (*all)[r].assign(gathered.begin() + r * longest, gathered.begin() + r * longest + lengths[r]);
  return Status::ok;
}

Status Bootstrap::open_channel() { return channel_ ? Status::ok : NodeChannel::open(*this, &channel_); }

Status Bootstrap::node_barrier() {
  if (Status s = open_channel(); is_error(s)) return s;
  std::vector<std::vector<std::byte>> bytes;
  std::vector<std::vector<int>> fds;
  return channel_->allgather({}, {}, &bytes, &fds);
}

Status Bootstrap::exchange_fds(std::span<const int> mine, std::vector<int>* all) {
  if (Status s = open_channel(); is_error(s)) return s;
  std::vector<std::vector<std::byte>> ignored;
  std::vector<std::vector<int>> local;
  if (Status s = channel_->allgather({}, mine, &ignored, &local); is_error(s)) return s;
  all->assign(size_ * mine.size(), -1);
  int local_rank = 0;
  Status status = Status::ok;
  for (int r = 0; r < size_; ++r) {
    if (machine_of_[r] != machine_of_[rank_]) continue;
    std::vector<int>& theirs = local[local_rank++];
    if (theirs.size() != mine.size()) {
      CW_LOG(util::LogLevel::error, "fd exchange: PE %d passed %zu descriptors, this PE %zu", r,
             theirs.size(), mine.size());
      status = Status::invalid_arg;
    }
    for (std::size_t i = 0; i < theirs.size(); ++i) {
      if (i < mine.size())
        (*all)[r * mine.size() + i] = theirs[i];
      else
        ::close(theirs[i]);
    }
  }
  return status;
}

Status Bootstrap::finalize() {
  channel_.reset();
  return Status::ok;
}

namespace {

// A launcher that started this process as one of several, as far as its variables say.
struct ForeignLauncher {
  const char* name;
  long processes;  // 0: unknown
  const char* fix;
};

long env_long(const char* name) {
  const char* text = std::getenv(name);
  if (!text || !*text) return 0;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  return *end == '\0' && value > 0 ? value : 0;
}

std::optional<ForeignLauncher> foreign_launcher() {
  if (long n = env_long("OMPI_COMM_WORLD_SIZE"))
    return ForeignLauncher{"Open MPI's mpirun (or its oshrun)", n,
                           "build Causeway with libpmix-dev or Open MPI's libmpi-dev installed (its PMIx and "
                           "MPI bootstraps join mpirun's jobs), or start the job with causeway-run -n N"};
  if (std::getenv("SLURM_STEP_NUM_TASKS") && std::getenv("SLURM_PROCID"))
    return ForeignLauncher{"Slurm's srun", env_long("SLURM_STEP_NUM_TASKS"),
                           "launch with srun --mpi=pmix (Causeway's PMIx bootstrap joins it), or set "
                           "CAUSEWAY_BOOTSTRAP=mpi with an MPI built for Slurm"};
  if (std::getenv("PMIX_RANK") || std::getenv("PMIX_NAMESPACE"))
    return ForeignLauncher{"a PMIx launcher (prterun, mpirun, srun --mpi=pmix)", 0,
                           "build Causeway with libpmix-dev installed so its PMIx bootstrap can join"};
  if (long n = env_long("PMI_SIZE"))
    return ForeignLauncher{
        "a PMI launcher (MPICH's mpiexec/Hydra)", n,
        "set CAUSEWAY_BOOTSTRAP=mpi with a Causeway built against that MPI, or use causeway-run"};
  return std::nullopt;
}

bool launcher_variables_set() { return std::getenv("CAUSEWAY_RANK") || std::getenv("CAUSEWAY_BOOTSTRAP_FD"); }

}  // namespace

std::unique_ptr<Bootstrap> create_bootstrap(const std::string& choice, Status* status) {
  *status = Status::ok;
  const std::optional<ForeignLauncher> foreign = foreign_launcher();
  std::unique_ptr<Bootstrap> boot;
  std::string tried;  // why plugins did not join, for the error below
  if (choice == "launcher" || (choice == "auto" && launcher_variables_set())) {
    boot = create_launcher_bootstrap(status);
  } else if (choice == "single") {
    boot = create_single_bootstrap();
    if (foreign && foreign->processes > 1)
      util::log(util::LogLevel::warn,
                "CAUSEWAY_BOOTSTRAP=single under %s (%ld processes): each process is a job of one PE",
                foreign->name, foreign->processes);
  } else if (choice == "pmix" || choice == "mpi") {
    boot = create_plugin_bootstrap(choice.c_str(), &tried);
    if (!boot) {
      util::log(util::LogLevel::error, "CAUSEWAY_BOOTSTRAP=%s: %s", choice.c_str(), tried.c_str());
      *status = Status::unreachable;
      return nullptr;
    }
  } else if (choice == "auto") {
    // MPI first when the program has initialised it already; else PMIx under a PMIx launcher;
    // else MPI under Open MPI's mpirun.
    if (mpi_already_initialized()) boot = create_plugin_bootstrap("mpi", &tried);
    if (!boot && (std::getenv("PMIX_RANK") || std::getenv("PMIX_NAMESPACE")))
      boot = create_plugin_bootstrap("pmix", &tried);
    if (!boot && std::getenv("OMPI_COMM_WORLD_SIZE")) boot = create_plugin_bootstrap("mpi", &tried);
    if (!boot) {
      if (foreign && foreign->processes != 1) {
        std::string count =
            foreign->processes > 1 ? std::to_string(foreign->processes) : std::string("several");
        util::log(util::LogLevel::error,
                  "this process was started by %s as one of %s processes, but no Causeway bootstrap can join "
                  "them (%s), so each would run as a separate job of one PE. Fix: %s.",
                  foreign->name, count.c_str(), tried.empty() ? "none built" : tried.c_str(), foreign->fix);
        *status = Status::unreachable;
        return nullptr;
      }
      boot = create_single_bootstrap();
    }
  } else {
    util::log(util::LogLevel::error, "CAUSEWAY_BOOTSTRAP=%s is not one of auto, launcher, pmix, mpi, single",
              choice.c_str());
    *status = Status::invalid_arg;
    return nullptr;
  }
  if (!boot) return nullptr;
  if (Status s = boot->establish(); is_error(s)) {
    *status = s;
    return nullptr;
  }
  // A launcher that says how many it started must find them all in the job.
  const bool ours = std::string(boot->name()) == "causeway-run" || std::string(boot->name()) == "single";
  if (foreign && foreign->processes > 1 && !ours && boot->size() != foreign->processes) {
    util::log(util::LogLevel::error,
              "%s started %ld processes but the %s bootstrap joined a job of %d PEs; Fix: %s.", foreign->name,
              foreign->processes, boot->name(), boot->size(), foreign->fix);
    *status = Status::unreachable;
    return nullptr;
  }
  return boot;
}

}  // namespace causeway::bootstrap
