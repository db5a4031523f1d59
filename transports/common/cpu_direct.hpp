// What the transports that reach memory with the CPU share (self, shm, and loopback_async's
// executing side): an AMO on a word this process can address, through the one CPU atomic table
// (causeway/cpu.h), and the operations of transports whose copies and atomics complete before
// they return, which keep no per-context state.
#pragma once
#include <cstdint>
#include <cstring>

#include "causeway/cpu.h"
#include "transports/transport.hpp"

namespace causeway::tl {

// The CPU atomic for `a` on `target`; writes exactly a.width bytes to a.fetched when set.
inline Status cpu_amo(void* target, const AmoArgs& a) {
  if (a.width == 8) {
    const uint64_t old =
        causeway_cpu_amo64(static_cast<int>(a.op), static_cast<uint64_t*>(target), a.operand, a.compare);
    if (a.fetched) std::memcpy(a.fetched, &old, 8);
  } else if (a.width == 4) {
    const uint32_t old =
        causeway_cpu_amo32(static_cast<int>(a.op), static_cast<uint32_t*>(target),
                           static_cast<uint32_t>(a.operand), static_cast<uint32_t>(a.compare));
    if (a.fetched) std::memcpy(a.fetched, &old, 4);
  } else {
    return Status::not_supported;
  }
  return Status::ok;
}

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
