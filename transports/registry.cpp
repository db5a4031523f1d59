// SPDX-License-Identifier: BSD-3-Clause
// The transports compiled into this build. Optional ones (ucx, ofi, cuda_ipc) add entries here
// behind their meson feature macros.
#include "causeway_build_config.h"
#include "transports/transport.hpp"

namespace causeway::tl {

Transport* create_self_transport(const TransportInit& init, Status* status);
Transport* create_shm_transport(const TransportInit& init, Status* status);
Transport* create_loopback_async_transport(const TransportInit& init, Status* status);
#if CAUSEWAY_HAVE_UCX
Transport* create_ucx_transport(const TransportInit& init, Status* status);
std::string probe_ucx();
#endif
#if CAUSEWAY_HAVE_CUDA
Transport* create_cuda_ipc_transport(const TransportInit& init, Status* status);
std::string probe_cuda_ipc();
#endif
#if CAUSEWAY_HAVE_OFI
Transport* create_ofi_transport(const TransportInit& init, Status* status);
std::string ofi_describe_providers();
#endif

std::span<const TransportInfo> available_transports() {
  static const TransportInfo table[] = {
    {"self", "loopback to this PE's own memory", create_self_transport, false, nullptr},
    {"shm", "same-node peers through mapped shared memory (memfd), CMA fallback", create_shm_transport, false,
     nullptr},
#if CAUSEWAY_HAVE_UCX
    {"ucx", "any reachable PE through UCX (InfiniBand, RoCE, tcp; shared memory on one node)",
     create_ucx_transport, true, probe_ucx},
#endif
#if CAUSEWAY_HAVE_OFI
    {"ofi", "libfabric (OFI) network transport: RMA and atomics over an RDM endpoint (CAUSEWAY_OFI_PROVIDER)",
     create_ofi_transport, true, ofi_describe_providers},
#endif
#if CAUSEWAY_HAVE_CUDA
    {"cuda_ipc",
     "device memory of PEs on this node: peer GPU heaps mapped through CUDA VMM handles, copy engines for "
     "host "
     "calls, load/store from kernels",
     create_cuda_ipc_transport, false, probe_cuda_ipc, true},
#endif
    {"loopback_async",
     "test transport that behaves like a NIC: deferred, reordered completion, keys, NIC-domain atomics; "
     "reaches PEs on this machine",
     create_loopback_async_transport, false, nullptr},
  };
  return table;
}

}  // namespace causeway::tl
