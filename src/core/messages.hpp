// SPDX-License-Identifier: BSD-3-Clause
// Messages through a transport's own message path (tl::TransportOps::am_send: UCX active messages,
// libfabric sends). Core owns every transport's message sink and tells apart two channels by a
// byte ahead of the header: its own notifications (below), applied here inside progress, and the
// layer above's messages (active messages), handed to the receiver that layer installs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/issue.hpp"
#include "core/runtime.hpp"
#include "core/sync.hpp"
#include "transports/transport.hpp"

namespace causeway::core {

// The largest header + payload the transport carrying host memory to `pe` sends by a message path
// of its own, 0 if it has none. A message of the layer above through it (header at most 63 bytes).
std::size_t message_path_limit(const Runtime& rt, int pe);
void issue_message(Runtime& rt, Context* ctx, int pe, const void* header, std::size_t header_bytes,
                   const void* payload, std::size_t payload_bytes, const char* call);

// A signal `pe` waits for (a barrier's round, a collective's step): `bytes` of `src` into `dst`
// (none: dst is ignored), then `op` (set or add) of `value` on the word `sig`, in that order as
// `pe` sees them, and after every earlier signal to `pe`. To a peer reached through a transport
// whose messages keep their order (caps.ordered_message_bytes; with CAUSEWAY_SYNC_MESSAGES), one
// message applied by the target's progress: a network's remote atomic can cost a reply that the
// next quiet would wait for. Otherwise put, fence and AMO. Unlike put_signal it is not completed
// by quiet: the target learns of it only by its wait, which is all these users need. The word may
// have no other writer taking another path.
void issue_notify_slow(Runtime& rt, int pe, Location dst, const void* src, std::size_t bytes, Location sig,
                       uint64_t value, tl::AmoOp op, const char* call);
inline void issue_notify(Runtime& rt, int pe, Location dst, const void* src, std::size_t bytes, Location sig,
                         uint64_t value, tl::AmoOp op, const char* call) {
  if (rt.amo_direct()) [[likely]]
    if (char* word = host_address(rt, pe, sig)) [[likely]] {  // a mapped peer: stores
      if (bytes) {
        issue_put(rt, nullptr, pe, dst, src, bytes, false, call);
        fence(rt.default_context());
      }
      tl::cpu_amo(word, tl::AmoArgs{op, sizeof(uint64_t), value, 0, nullptr});
      return;
    }
  issue_notify_slow(rt, pe, dst, src, bytes, sig, value, op, call);
}

// Completes what issue_notify sent to `pes` through transports that move only when this PE calls
// them. A call that signalled peers and returns (a barrier, a collective) must not leave a signal
// waiting for this PE's next progress: the peers would wait for as long as it computes.
void complete_notifies(Runtime& rt, std::span<const int> pes, const char* call);

// Installs core's sink on every transport in use with a message path (at init, before any peer can
// send); it stays until the transports are destroyed: no message arrives after finalize's barrier.
// Also chooses each peer's notification path (PeerRoute::notify_transport).
Status connect_message_sinks(Runtime& rt);

}  // namespace causeway::core
