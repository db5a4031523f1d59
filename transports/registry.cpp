// The transports compiled into this build. Optional ones (ucx, ofi, cuda_ipc) add entries here
// behind their meson feature macros.
#include "transports/transport.hpp"

namespace causeway::tl {

Transport* create_self_transport(int my_pe, int n_pes, Status* status);
Transport* create_shm_transport(int my_pe, int n_pes, Status* status);

std::span<const TransportInfo> available_transports() {
  static const TransportInfo table[] = {
      {"self", "loopback to this PE's own memory", create_self_transport},
      {"shm", "same-node peers through mapped shared memory (memfd), CMA fallback", create_shm_transport},
  };
  return table;
}

}  // namespace causeway::tl
