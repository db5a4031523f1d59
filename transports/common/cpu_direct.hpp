// Shared by the transports whose operations complete at issue (self, shm): CPU atomics on memory
// this process can address (its own, or a peer's mapped here), store ordering, and the operations
// that need no per-context state.
#pragma once
#include <cstdint>

#include "transports/transport.hpp"

namespace causeway::tl {

template <class U>
[[gnu::always_inline]] inline U direct_amo_width(U* p, const AmoArgs& a) {
  const U v = static_cast<U>(a.operand);
  constexpr int order = __ATOMIC_SEQ_CST;
  // OpenSHMEM orders AMOs only through fence and quiet, so fetch and set need atomicity, not a
  // full barrier: a plain load or store on x86 instead of a locked instruction.
  switch (a.op) {
    case AmoOp::fetch: return __atomic_load_n(p, __ATOMIC_ACQUIRE);
    case AmoOp::set: __atomic_store_n(p, v, __ATOMIC_RELEASE); return 0;
    case AmoOp::swap: return __atomic_exchange_n(p, v, order);
    case AmoOp::compare_swap: {
      U expected = static_cast<U>(a.compare);
      __atomic_compare_exchange_n(p, &expected, v, false, order, order);
      return expected;
    }
    case AmoOp::add: __atomic_fetch_add(p, v, order); return 0;
    case AmoOp::fetch_add: return __atomic_fetch_add(p, v, order);
    case AmoOp::bit_and: __atomic_fetch_and(p, v, order); return 0;
    case AmoOp::fetch_and: return __atomic_fetch_and(p, v, order);
    case AmoOp::bit_or: __atomic_fetch_or(p, v, order); return 0;
    case AmoOp::fetch_or: return __atomic_fetch_or(p, v, order);
    case AmoOp::bit_xor: __atomic_fetch_xor(p, v, order); return 0;
    case AmoOp::fetch_xor: return __atomic_fetch_xor(p, v, order);
  }
  return 0;
}

// Orders every earlier store of this thread, including the non-temporal stores a large memcpy
// uses, before every later store. On x86 plain stores are already ordered (TSO), so an sfence is
// all that is needed; elsewhere a release fence.
inline void order_stores() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_sfence();
#endif
  __atomic_thread_fence(__ATOMIC_RELEASE);
}

// quiet: earlier stores are visible before any later load or store of this thread.
inline void complete_stores() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

inline Status direct_amo(void* target, const AmoArgs& a) {
  if (a.width == 8) {
    uint64_t old = direct_amo_width(static_cast<uint64_t*>(target), a);
    if (a.fetched) *a.fetched = old;
  } else if (a.width == 4) {
    uint32_t old = direct_amo_width(static_cast<uint32_t*>(target), a);
    if (a.fetched) *a.fetched = old;
  } else {
    return Status::not_supported;
  }
  return Status::ok;
}

// Operations shared by transports whose copies and atomics complete before they return (self,
// shm): they keep no per-context state, fence only orders stores and quiet makes them visible.
namespace complete_at_issue {
inline Status context_create(Transport* t, Context** out) {
  *out = new Context{t};
  return Status::ok;
}
inline void context_destroy(Context* c) { delete c; }
inline Status fence(Context*) {
  order_stores();
  return Status::ok;
}
inline Status quiet(Context*) {
  complete_stores();
  return Status::ok;
}
inline Status progress(Transport*) { return Status::ok; }
}  // namespace complete_at_issue

}  // namespace causeway::tl
