// SPDX-License-Identifier: BSD-3-Clause
// What the transports that reach memory with the CPU share (self, shm, and loopback_async's
// executing side): the operations of transports whose copies and atomics complete before they
// return, which keep no per-context state. (Their AMOs use tl::cpu_amo from transport.hpp.)
#pragma once
#include <cstdint>
#include <cstring>

#include "causeway/cpu.h"
#include "transports/transport.hpp"

namespace causeway::tl {

// Operations of transports whose operations complete at issue (self, shm): fence only orders
// stores, quiet makes them visible, and there is never anything to progress.
namespace complete_at_issue {
inline Status context_create(Transport* t, long, Context** out) {
  *out = new Context{t};
  return Status::ok;
}
inline void context_destroy(Context* c) { delete c; }
inline Status fence(Context*) {
  causeway_order_stores();
  return Status::ok;
}
inline Status quiet(Context*) {
  causeway_complete_stores();
  return Status::ok;
}
inline Status quiet_pe(Context*, int) {
  causeway_complete_stores();
  return Status::ok;
}
inline int progress(Context*) { return 0; }
inline int wait_fd(Context*) { return -1; }
}  // namespace complete_at_issue

}  // namespace causeway::tl
