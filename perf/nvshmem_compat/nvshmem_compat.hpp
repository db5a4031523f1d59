// SPDX-License-Identifier: BSD-3-Clause
// Causeway's API over NVSHMEM, for the side-by-side builds of perf/cuda_bench.cu and
// examples/moe/moe_cuda.cu: this folder on the include path (and not Causeway's include/) builds
// those programs unchanged against NVSHMEM. It covers the calls they make and no more; it is a
// measuring tool, not a port. Start: alone as one PE, or under causeway-run, where PE 0 hands
// NVSHMEM's unique id to the others through a file, so neither PMI nor MPI is needed.
#pragma once
// Lets a program label its output ("nvshmem" or "causeway") and nothing else.
#define CAUSEWAY_NVSHMEM_COMPAT 1
#include <cuda_runtime_api.h>
#include <nvshmem.h>
#include <nvshmemx.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace nvshmem_compat {

inline int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

struct state {
  bool up = false;  // NVSHMEM initialised (false without a GPU: the programs then skip)
  int device = -1;
};
inline state& self() {
  static state s;
  return s;
}

// The launcher's pid and start time (field 22 of /proc/PID/stat): names this job's file of the
// unique id, and no later job's, even if the pid comes round again.
inline std::string launcher_id() {
  const std::string pid = std::to_string(getppid());
  std::string start = "0";
  if (FILE* f = std::fopen(("/proc/" + pid + "/stat").c_str(), "r")) {
    char line[1024] = {};
    if (std::fgets(line, sizeof line, f)) {
      const char* p = std::strrchr(line, ')');  // the command name may hold spaces
      for (int field = 2; p && field < 22; ++field) p = std::strchr(p + 1, ' ');
      if (p) start = std::to_string(std::strtoull(p + 1, nullptr, 10));
    }
    std::fclose(f);
  }
  return pid + "." + start;
}

// GPU: CAUSEWAY_CUDA_DEVICE, else the rank modulo the GPUs (Causeway's defaults on one host).
inline void init() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) return;
  const int rank = env_int("CAUSEWAY_RANK", 0), size = env_int("CAUSEWAY_SIZE", 1);
  const int device = env_int("CAUSEWAY_CUDA_DEVICE", rank % devices);
  if (cudaSetDevice(device) != cudaSuccess) return;
  nvshmemx_uniqueid_t id = NVSHMEMX_UNIQUEID_INITIALIZER;
  const std::string path = "/tmp/cw-nvshmem-uid." + launcher_id();
  if (rank == 0) {
    nvshmemx_get_uniqueid(&id);
    const std::string tmp = path + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f || std::fwrite(&id, sizeof id, 1, f) != 1 || std::fclose(f) != 0 ||
        std::rename(tmp.c_str(), path.c_str()) != 0) {
      std::fprintf(stderr, "nvshmem_compat: cannot publish the unique id in %s\n", path.c_str());
      std::exit(1);
    }
  } else {
    FILE* f = nullptr;
    for (int tries = 0; tries < 30000 && !(f = std::fopen(path.c_str(), "rb")); ++tries) usleep(1000);
    if (!f || std::fread(&id, sizeof id, 1, f) != 1) {
      std::fprintf(stderr, "nvshmem_compat: rank %d: no unique id in %s after 30 s\n", rank, path.c_str());
      std::exit(1);
    }
    std::fclose(f);
  }
  nvshmemx_init_attr_t attr = NVSHMEMX_INIT_ATTR_INITIALIZER;
  nvshmemx_set_attr_uniqueid_args(rank, size, &id, &attr);
  if (const int status = nvshmemx_init_attr(NVSHMEMX_INIT_WITH_UNIQUEID, &attr); status != 0) {
    // (Two PEs on one GPU, say, which NVSHMEM refuses without MPS.)
    std::fprintf(stderr, "nvshmem_compat: rank %d: nvshmemx_init_attr failed (status %d)\n", rank, status);
    std::exit(1);
  }
  nvshmem_barrier_all();
  if (rank == 0) std::remove(path.c_str());
  self() = {true, device};
}

}  // namespace nvshmem_compat
