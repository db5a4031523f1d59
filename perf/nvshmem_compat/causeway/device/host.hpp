// SPDX-License-Identifier: BSD-3-Clause
// causeway::device::this_world over NVSHMEM (see ../../nvshmem_compat.hpp). Collective, as in
// Causeway: the first call allocates a symmetric probe word to ask nvshmem_ptr which PEs it maps.
#pragma once
#include <vector>

#include "causeway_device.cuh"

namespace causeway::device {

inline world this_world() {
  static route* routes = nullptr;
  if (!routes) {
    void* probe = nvshmem_malloc(sizeof(uint64_t));
    std::vector<route> host(nvshmem_n_pes());
    for (int pe = 0; pe < nvshmem_n_pes(); ++pe) host[pe] = nvshmem_ptr(probe, pe) ? route::p2p : route::none;
    if (cudaMalloc(&routes, host.size() * sizeof(route)) != cudaSuccess ||
        cudaMemcpy(routes, host.data(), host.size() * sizeof(route), cudaMemcpyHostToDevice) != cudaSuccess) {
      std::fprintf(stderr, "nvshmem_compat: cannot place the route table on the GPU\n");
      shmem_global_exit(1);
    }
  }
  return {nvshmem_my_pe(), nvshmem_n_pes(), routes};
}

}  // namespace causeway::device
