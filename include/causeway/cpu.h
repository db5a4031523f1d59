/* SPDX-License-Identifier: BSD-3-Clause */
/* What Causeway does with the CPU itself, in one place: the spin-wait pause, the store fence, the
 * OpenSHMEM comparison, and the table of CPU atomics on a word this process can address. The
 * library (core, the self and shm transports, the collectives) and the inline definitions in
 * shmem_inline.h all use these, so memory orders and semantics cannot drift apart.
 *
 * Plain C with no dependencies, usable from C and C++; every helper is always inlined. */
#ifndef CAUSEWAY_CPU_H
#define CAUSEWAY_CPU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Helpers that GNU inline definitions use must be GNU inline too (C forbids an extern inline
 * function to use a static one); always inlined, they never need a symbol. */
#define CAUSEWAY_INLINE_HELPER extern __inline __attribute__((__always_inline__, __gnu_inline__))

/* One spin of a wait loop: lets the sibling hyperthread run and avoids the pipeline flush a
 * tight loop pays when the awaited line arrives. */
CAUSEWAY_INLINE_HELPER void causeway_cpu_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield" ::: "memory");
#endif
}

/* Orders every earlier store of this thread, including the non-temporal stores a large memcpy
 * uses, before every later store. x86 orders plain stores (TSO), so an sfence is all it needs;
 * elsewhere a release fence. */
CAUSEWAY_INLINE_HELPER void causeway_order_stores(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_sfence();
#endif
  __atomic_thread_fence(__ATOMIC_RELEASE);
}

/* Earlier stores are visible before any later load or store of this thread (quiet). */
CAUSEWAY_INLINE_HELPER void causeway_complete_stores(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

/* The OpenSHMEM comparison SHMEM_CMP_EQ..LE (0..5) of V against X; 0 for any other cmp. A macro
 * so that it serves every integer type; with a constant cmp it folds to one compare. */
#define CAUSEWAY_COMPARE(V, CMP, X) \
  ((CMP) == 0   ? (V) == (X)        \
   : (CMP) == 1 ? (V) != (X)        \
   : (CMP) == 2 ? (V) > (X)         \
   : (CMP) == 3 ? (V) >= (X)        \
   : (CMP) == 4 ? (V) < (X)         \
   : (CMP) == 5 ? (V) <= (X)        \
                : 0)

/* Atomic operations, numbered as the library's transport interface numbers them. */
enum causeway_amo_op {
  CAUSEWAY_AMO_FETCH = 0,
  CAUSEWAY_AMO_SET,
  CAUSEWAY_AMO_SWAP,
  CAUSEWAY_AMO_COMPARE_SWAP,
  CAUSEWAY_AMO_ADD,
  CAUSEWAY_AMO_FETCH_ADD,
  CAUSEWAY_AMO_AND,
  CAUSEWAY_AMO_FETCH_AND,
  CAUSEWAY_AMO_OR,
  CAUSEWAY_AMO_FETCH_OR,
  CAUSEWAY_AMO_XOR,
  CAUSEWAY_AMO_FETCH_XOR
};

/* The CPU atomic for `op` on a 4- or 8-byte word; returns the old value (0 for the non-fetching
 * operations). OpenSHMEM orders AMOs only through fence and quiet, so fetch and set need
 * atomicity, not a full barrier: an acquire load and a release store (plain moves on x86). The
 * read-modify-writes are sequentially consistent. With a constant `op` the switch folds away. */
#define CAUSEWAY_CPU_AMO_BODY(P, OP, V, COMPARE)                                            \
  switch (OP) {                                                                             \
    case CAUSEWAY_AMO_FETCH: return __atomic_load_n(P, __ATOMIC_ACQUIRE);                   \
    case CAUSEWAY_AMO_SET: __atomic_store_n(P, V, __ATOMIC_RELEASE); return 0;              \
    case CAUSEWAY_AMO_SWAP: return __atomic_exchange_n(P, V, __ATOMIC_SEQ_CST);             \
    case CAUSEWAY_AMO_COMPARE_SWAP:                                                         \
      __atomic_compare_exchange_n(P, &(COMPARE), V, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
      return COMPARE;                                                                       \
    case CAUSEWAY_AMO_ADD: __atomic_fetch_add(P, V, __ATOMIC_SEQ_CST); return 0;            \
    case CAUSEWAY_AMO_FETCH_ADD: return __atomic_fetch_add(P, V, __ATOMIC_SEQ_CST);         \
    case CAUSEWAY_AMO_AND: __atomic_fetch_and(P, V, __ATOMIC_SEQ_CST); return 0;            \
    case CAUSEWAY_AMO_FETCH_AND: return __atomic_fetch_and(P, V, __ATOMIC_SEQ_CST);         \
    case CAUSEWAY_AMO_OR: __atomic_fetch_or(P, V, __ATOMIC_SEQ_CST); return 0;              \
    case CAUSEWAY_AMO_FETCH_OR: return __atomic_fetch_or(P, V, __ATOMIC_SEQ_CST);           \
    case CAUSEWAY_AMO_XOR: __atomic_fetch_xor(P, V, __ATOMIC_SEQ_CST); return 0;            \
    case CAUSEWAY_AMO_FETCH_XOR: return __atomic_fetch_xor(P, V, __ATOMIC_SEQ_CST);         \
  }                                                                                         \
  return 0;

CAUSEWAY_INLINE_HELPER uint32_t causeway_cpu_amo32(int op, uint32_t *p, uint32_t v, uint32_t compare){
    CAUSEWAY_CPU_AMO_BODY(p, op, v, compare)} CAUSEWAY_INLINE_HELPER uint64_t
    causeway_cpu_amo64(int op, uint64_t *p, uint64_t v, uint64_t compare) {
  CAUSEWAY_CPU_AMO_BODY(p, op, v, compare)
}
#undef CAUSEWAY_CPU_AMO_BODY

#ifdef __cplusplus
}
#endif

#endif /* CAUSEWAY_CPU_H */
