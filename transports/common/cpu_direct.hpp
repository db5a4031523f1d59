// SPDX-License-Identifier: BSD-3-Clause
// What the transports that reach memory with the CPU share (self, shm, and loopback_async's
// executing side): the operations of transports whose copies and atomics complete before they
// return, which keep no per-context state. (Their AMOs use tl::cpu_amo from transport.hpp.)
#pragma once
#include <cstdint>
#include <cstring>

#include "causeway/cpu.h"
#include "causeway/fast_path.h"
#include "transports/transport.hpp"

namespace causeway::tl {

// A put or get on memory the CPU reaches. Small ones load everything before storing (so overlap is
// safe) and write an aligned element with whole-width stores: a PE polling the word sees the old
// value or the new one, never part of each, even under a sanitizer whose memmove goes byte by byte.
inline void copy_mapped(void* dst, const void* src, std::size_t n) {
  if (n <= 16)
    causeway_fast_copy(dst, src, n);
  else
    std::memmove(dst, src, n);
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
inline int wait_fd(Context*) { return kWaitFdNone; }
}  // namespace complete_at_issue

}  // namespace causeway::tl
