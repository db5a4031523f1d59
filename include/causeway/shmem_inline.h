/* SPDX-License-Identifier: BSD-3-Clause */
/* Inline definitions of the hottest default-context calls: p, g, put, get (typed, sized, mem, and
 * their _nbi forms), put_signal, the atomics, fence, quiet, and the one-word waits.
 *
 * On a peer mapped into this process (the shm and self transports), each is a range check on
 * causeway/fast_path.h and a copy or a CPU atomic, compiled into the caller: no call, no PLT. On a
 * small ping-pong that call chain was most of the difference between Causeway and plain stores.
 * Anything else (a peer behind a network transport, checks mode, an address outside the symmetric
 * segments, a bad PE, before shmem_init) calls the library function itself, which does the full
 * work and reports errors, so the behaviour is the library's in every case.
 *
 * They are GNU inline definitions (as glibc's fortified string functions are): the body is used
 * only for inlining, `&shmem_long_p` is still the library's symbol, and the fallback reaches that
 * symbol through an asm-label alias. Define CAUSEWAY_NO_INLINE before including shmem.h (or pass
 * -DCAUSEWAY_NO_INLINE) for plain calls everywhere, e.g. for a tool that intercepts shmem_* symbols. */
#ifndef CAUSEWAY_SHMEM_INLINE_H
#define CAUSEWAY_SHMEM_INLINE_H

#if defined(__GNUC__) && !defined(CAUSEWAY_NO_INLINE)

#include <string.h>

#include "causeway/fast_path.h"
#include "causeway/shmem_type_lists.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CW_INLINE CAUSEWAY_INLINE_HELPER
/* A GNU inline definition of an API function declared in shmem.h. */
#define CW_INLINE_API extern __inline __attribute__((__always_inline__, __gnu_inline__))
#define CW_INLINE_STR2(x) #x
#define CW_INLINE_STR(x) CW_INLINE_STR2(x)
/* causeway_call_X names the library's shmem_X itself, bypassing the inline definition. */
#define CW_INLINE_CALL(RET, FORM, PARAMS) \
  extern RET causeway_call_##FORM PARAMS __asm__(CW_INLINE_STR(__USER_LABEL_PREFIX__) "shmem_" #FORM);

/* The peer's copy of nelems elements of `elem` bytes, or NULL (also when the size overflows). */
CW_INLINE char *causeway_inline_elems(const void *addr, size_t nelems, size_t elem, int pe) {
  if (__builtin_expect(nelems > SIZE_MAX / elem, 0)) return NULL;
  return causeway_direct_address(addr, nelems * elem, pe);
}

/* Contiguous transfers. FORM is the library name after shmem_; the _nbi forms complete at once on
 * a mapped peer, which the specification allows. A zero-length transfer moves nothing whatever its
 * pointers (NULL included): the miss branch looks at the length before calling the library, so
 * the hit path keeps its one compare. */
#define CW_INLINE_PUT(FORM, ELEM_TYPE, BYTES)                                                        \
  CW_INLINE_CALL(void, FORM, (ELEM_TYPE *, const ELEM_TYPE *, size_t, int))                          \
  CW_INLINE_API void shmem_##FORM(ELEM_TYPE *dest, const ELEM_TYPE *source, size_t nelems, int pe) { \
    char *remote = causeway_inline_elems(dest, nelems, BYTES, pe);                                   \
    if (__builtin_expect(remote != NULL, 1))                                                         \
      causeway_fast_copy(remote, source, nelems *(BYTES));                                           \
    else if (nelems != 0)                                                                            \
      causeway_call_##FORM(dest, source, nelems, pe);                                                \
  }
#define CW_INLINE_GET(FORM, ELEM_TYPE, BYTES)                                                        \
  CW_INLINE_CALL(void, FORM, (ELEM_TYPE *, const ELEM_TYPE *, size_t, int))                          \
  CW_INLINE_API void shmem_##FORM(ELEM_TYPE *dest, const ELEM_TYPE *source, size_t nelems, int pe) { \
    const char *remote = causeway_inline_elems(source, nelems, BYTES, pe);                           \
    if (__builtin_expect(remote != NULL, 1))                                                         \
      causeway_fast_copy(dest, remote, nelems *(BYTES));                                             \
    else if (nelems != 0)                                                                            \
      causeway_call_##FORM(dest, source, nelems, pe);                                                \
  }
#define CW_INLINE_TRANSFERS(PREFIX, SUFFIX, ELEM_TYPE, BYTES) \
  CW_INLINE_PUT(PREFIX##put##SUFFIX, ELEM_TYPE, BYTES)        \
  CW_INLINE_GET(PREFIX##get##SUFFIX, ELEM_TYPE, BYTES)        \
  CW_INLINE_PUT(PREFIX##put##SUFFIX##_nbi, ELEM_TYPE, BYTES)  \
  CW_INLINE_GET(PREFIX##get##SUFFIX##_nbi, ELEM_TYPE, BYTES)

#define CW_INLINE_RMA(TYPE, NAME)                                                         \
  CW_INLINE_TRANSFERS(NAME##_, , TYPE, sizeof(TYPE))                                      \
  CW_INLINE_CALL(void, NAME##_p, (TYPE *, TYPE, int))                                     \
  CW_INLINE_API void shmem_##NAME##_p(TYPE *dest, TYPE value, int pe) {                   \
    char *remote = causeway_direct_address(dest, sizeof(TYPE), pe);                       \
    if (__builtin_expect(remote != NULL, 1))                                              \
      memcpy(remote, &value, sizeof(TYPE));                                               \
    else                                                                                  \
      causeway_call_##NAME##_p(dest, value, pe);                                          \
  }                                                                                       \
  CW_INLINE_CALL(TYPE, NAME##_g, (const TYPE *, int))                                     \
  CW_INLINE_API TYPE shmem_##NAME##_g(const TYPE *source, int pe) {                       \
    const char *remote = causeway_direct_address(source, sizeof(TYPE), pe);               \
    TYPE value;                                                                           \
    if (__builtin_expect(remote == NULL, 0)) return causeway_call_##NAME##_g(source, pe); \
    memcpy(&value, remote, sizeof(TYPE));                                                 \
    return value;                                                                         \
  }
CW_RMA_TYPES(CW_INLINE_RMA)
#undef CW_INLINE_RMA
#define CW_INLINE_SIZED(BITS, BYTES) CW_INLINE_TRANSFERS(, BITS, void, BYTES)
CW_SIZED_RMA(CW_INLINE_SIZED)
#undef CW_INLINE_SIZED
CW_INLINE_TRANSFERS(, mem, void, 1)

/* Atomics: the CPU atomic the library uses on a mapped peer (causeway/cpu.h's table, on the
 * type's bit pattern), while atomics may be CPU atomics (amo_direct). */
#define CW_INLINE_AMO_PEER(TYPE, DEST, PE, FALLBACK)                         \
  TYPE *peer = (TYPE *)(void *)causeway_amo_address(DEST, sizeof(TYPE), PE); \
  if (__builtin_expect(peer == NULL, 0)) {                                   \
    FALLBACK;                                                                \
  }
/* The old value of OP on *peer, through the 4- or 8-byte entry of the table. */
#define CW_INLINE_AMO_OLD(TYPE, OP, VALUE, COND)                \
  TYPE old;                                                     \
  if (sizeof(TYPE) == 4) {                                      \
    uint32_t v, c, o;                                           \
    memcpy(&v, &(VALUE), 4);                                    \
    memcpy(&c, &(COND), 4);                                     \
    o = causeway_cpu_amo32(OP, (uint32_t *)(void *)peer, v, c); \
    memcpy(&old, &o, 4);                                        \
  } else {                                                      \
    uint64_t v, c, o;                                           \
    memcpy(&v, &(VALUE), 8);                                    \
    memcpy(&c, &(COND), 8);                                     \
    o = causeway_cpu_amo64(OP, (uint64_t *)(void *)peer, v, c); \
    memcpy(&old, &o, 8);                                        \
  }
#define CW_INLINE_AMO_FETCHING(TYPE, NAME, OP, AMO)                                                \
  CW_INLINE_CALL(TYPE, NAME##_atomic_##OP, (TYPE *, TYPE, int))                                    \
  CW_INLINE_API TYPE shmem_##NAME##_atomic_##OP(TYPE *dest, TYPE value, int pe) {                  \
    CW_INLINE_AMO_PEER(TYPE, dest, pe, return causeway_call_##NAME##_atomic_##OP(dest, value, pe)) \
    CW_INLINE_AMO_OLD(TYPE, AMO, value, value)                                                     \
    return old;                                                                                    \
  }
#define CW_INLINE_AMO_UPDATE(TYPE, NAME, OP, AMO)                                                    \
  CW_INLINE_CALL(void, NAME##_atomic_##OP, (TYPE *, TYPE, int))                                      \
  CW_INLINE_API void shmem_##NAME##_atomic_##OP(TYPE *dest, TYPE value, int pe) {                    \
    CW_INLINE_AMO_PEER(TYPE, dest, pe, causeway_call_##NAME##_atomic_##OP(dest, value, pe); return ) \
    CW_INLINE_AMO_OLD(TYPE, AMO, value, value)                                                       \
    (void)old;                                                                                       \
  }

#define CW_INLINE_AMO_STANDARD(TYPE, NAME)                                                           \
  CW_INLINE_AMO_FETCHING(TYPE, NAME, fetch_add, CAUSEWAY_AMO_FETCH_ADD)                              \
  CW_INLINE_AMO_UPDATE(TYPE, NAME, add, CAUSEWAY_AMO_ADD)                                            \
  CW_INLINE_CALL(TYPE, NAME##_atomic_fetch_inc, (TYPE *, int))                                       \
  CW_INLINE_API TYPE shmem_##NAME##_atomic_fetch_inc(TYPE *dest, int pe) {                           \
    CW_INLINE_AMO_PEER(TYPE, dest, pe, return causeway_call_##NAME##_atomic_fetch_inc(dest, pe))     \
    const TYPE one = 1;                                                                              \
    CW_INLINE_AMO_OLD(TYPE, CAUSEWAY_AMO_FETCH_ADD, one, one)                                        \
    return old;                                                                                      \
  }                                                                                                  \
  CW_INLINE_CALL(void, NAME##_atomic_inc, (TYPE *, int))                                             \
  CW_INLINE_API void shmem_##NAME##_atomic_inc(TYPE *dest, int pe) {                                 \
    CW_INLINE_AMO_PEER(TYPE, dest, pe, causeway_call_##NAME##_atomic_inc(dest, pe); return )         \
    const TYPE one = 1;                                                                              \
    CW_INLINE_AMO_OLD(TYPE, CAUSEWAY_AMO_ADD, one, one)                                              \
    (void)old;                                                                                       \
  }                                                                                                  \
  CW_INLINE_CALL(TYPE, NAME##_atomic_compare_swap, (TYPE *, TYPE, TYPE, int))                        \
  CW_INLINE_API TYPE shmem_##NAME##_atomic_compare_swap(TYPE *dest, TYPE cond, TYPE value, int pe) { \
    CW_INLINE_AMO_PEER(TYPE, dest, pe,                                                               \
                       return causeway_call_##NAME##_atomic_compare_swap(dest, cond, value, pe))     \
    CW_INLINE_AMO_OLD(TYPE, CAUSEWAY_AMO_COMPARE_SWAP, value, cond)                                  \
    return old;                                                                                      \
  }
CW_AMO_STANDARD_TYPES(CW_INLINE_AMO_STANDARD)
#undef CW_INLINE_AMO_STANDARD

/* fetch, set and swap also take float and double: the table moves their bit patterns. */
#define CW_INLINE_AMO_EXTENDED(TYPE, NAME)                                                             \
  CW_INLINE_CALL(TYPE, NAME##_atomic_fetch, (const TYPE *, int))                                       \
  CW_INLINE_API TYPE shmem_##NAME##_atomic_fetch(const TYPE *source, int pe) {                         \
    CW_INLINE_AMO_PEER(const TYPE, source, pe, return causeway_call_##NAME##_atomic_fetch(source, pe)) \
    const TYPE none = 0;                                                                               \
    CW_INLINE_AMO_OLD(TYPE, CAUSEWAY_AMO_FETCH, none, none)                                            \
    return old;                                                                                        \
  }                                                                                                    \
  CW_INLINE_AMO_UPDATE(TYPE, NAME, set, CAUSEWAY_AMO_SET)                                              \
  CW_INLINE_AMO_FETCHING(TYPE, NAME, swap, CAUSEWAY_AMO_SWAP)
CW_AMO_EXTENDED_TYPES(CW_INLINE_AMO_EXTENDED)
#undef CW_INLINE_AMO_EXTENDED

#define CW_INLINE_AMO_BITWISE(TYPE, NAME)                               \
  CW_INLINE_AMO_FETCHING(TYPE, NAME, fetch_and, CAUSEWAY_AMO_FETCH_AND) \
  CW_INLINE_AMO_UPDATE(TYPE, NAME, and, CAUSEWAY_AMO_AND)               \
  CW_INLINE_AMO_FETCHING(TYPE, NAME, fetch_or, CAUSEWAY_AMO_FETCH_OR)   \
  CW_INLINE_AMO_UPDATE(TYPE, NAME, or, CAUSEWAY_AMO_OR)                 \
  CW_INLINE_AMO_FETCHING(TYPE, NAME, fetch_xor, CAUSEWAY_AMO_FETCH_XOR) \
  CW_INLINE_AMO_UPDATE(TYPE, NAME, xor, CAUSEWAY_AMO_XOR)
CW_AMO_BITWISE_TYPES(CW_INLINE_AMO_BITWISE)
#undef CW_INLINE_AMO_BITWISE

/* put_signal: the data, then the signal word (a large copy's non-temporal stores are fenced). */
#define CW_INLINE_PUT_SIGNAL(FORM, ELEM_TYPE, BYTES)                                                   \
  CW_INLINE_CALL(void, FORM, (ELEM_TYPE *, const ELEM_TYPE *, size_t, uint64_t *, uint64_t, int, int)) \
  CW_INLINE_API void shmem_##FORM(ELEM_TYPE *dest, const ELEM_TYPE *source, size_t nelems,             \
                                  uint64_t *sig_addr, uint64_t signal, int sig_op, int pe) {           \
    char *data = causeway_inline_elems(dest, nelems, BYTES, pe);                                       \
    uint64_t *word = (uint64_t *)(void *)causeway_amo_address(sig_addr, sizeof(uint64_t), pe);         \
    if (__builtin_expect(data == NULL || word == NULL || (sig_op != 0 && sig_op != 1), 0)) {           \
      causeway_call_##FORM(dest, source, nelems, sig_addr, signal, sig_op, pe);                        \
      return;                                                                                          \
    }                                                                                                  \
    causeway_put_signal_direct(data, source, nelems *(BYTES), word, signal, sig_op == 1 /* ADD */);    \
  }
#define CW_INLINE_PUT_SIGNALS(PREFIX, SUFFIX, ELEM_TYPE, BYTES)        \
  CW_INLINE_PUT_SIGNAL(PREFIX##put##SUFFIX##_signal, ELEM_TYPE, BYTES) \
  CW_INLINE_PUT_SIGNAL(PREFIX##put##SUFFIX##_signal_nbi, ELEM_TYPE, BYTES)
#define CW_INLINE_TYPED_PUT_SIGNALS(TYPE, NAME) CW_INLINE_PUT_SIGNALS(NAME##_, , TYPE, sizeof(TYPE))
CW_RMA_TYPES(CW_INLINE_TYPED_PUT_SIGNALS)
#undef CW_INLINE_TYPED_PUT_SIGNALS
#define CW_INLINE_SIZED_PUT_SIGNALS(BITS, BYTES) CW_INLINE_PUT_SIGNALS(, BITS, void, BYTES)
CW_SIZED_RMA(CW_INLINE_SIZED_PUT_SIGNALS)
#undef CW_INLINE_SIZED_PUT_SIGNALS
CW_INLINE_PUT_SIGNALS(, mem, void, 1)

/* Waits on one word: a short spin here, so the wake-up runs straight on in the caller; a longer
 * wait (and any argument the library must check) continues in the library, which backs off. With
 * the usual constant `cmp` the comparison folds to one instruction. */
#define CW_INLINE_WAIT_SPINS 256
#define CW_INLINE_HOLDS CAUSEWAY_COMPARE
#define CW_INLINE_WAIT(TYPE, NAME)                                                            \
  CW_INLINE_CALL(void, NAME##_wait_until, (TYPE *, int, TYPE))                                \
  CW_INLINE_API void shmem_##NAME##_wait_until(TYPE *ivar, int cmp, TYPE cmp_value) {         \
    if (__builtin_expect(causeway_fast_path_v2.n_pes != 0, 1))                                \
      for (int spin = 0; spin < CW_INLINE_WAIT_SPINS; ++spin) {                               \
        if (CW_INLINE_HOLDS(__atomic_load_n(ivar, __ATOMIC_ACQUIRE), cmp, cmp_value)) return; \
        causeway_cpu_pause();                                                                 \
      }                                                                                       \
    causeway_call_##NAME##_wait_until(ivar, cmp, cmp_value);                                  \
  }
CW_P2P_SYNC_TYPES(CW_INLINE_WAIT)
#undef CW_INLINE_WAIT
CW_INLINE_CALL(uint64_t, signal_wait_until, (uint64_t *, int, uint64_t))
CW_INLINE_API uint64_t shmem_signal_wait_until(uint64_t *sig_addr, int cmp, uint64_t cmp_value) {
  if (__builtin_expect(causeway_fast_path_v2.n_pes != 0, 1))
    for (int spin = 0; spin < CW_INLINE_WAIT_SPINS; ++spin) {
      const uint64_t value = __atomic_load_n(sig_addr, __ATOMIC_ACQUIRE);
      if (CW_INLINE_HOLDS(value, cmp, cmp_value)) return value;
      causeway_cpu_pause();
    }
  return causeway_call_signal_wait_until(sig_addr, cmp, cmp_value);
}
#undef CW_INLINE_HOLDS
#undef CW_INLINE_WAIT_SPINS

/* ThreadSanitizer does not model standalone fences (GCC warns at every use): under it fence and
 * quiet stay library calls. */
#if defined(__SANITIZE_THREAD__)
#define CW_INLINE_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CW_INLINE_UNDER_TSAN 1
#endif
#endif
#if !defined(CW_INLINE_UNDER_TSAN)
/* fence orders this thread's stores (sfence also covers a large memcpy's non-temporal stores);
 * quiet makes them visible. Only when every transport completes at issue, in order. */
CW_INLINE_CALL(void, fence, (void))
CW_INLINE_API void shmem_fence(void) {
  if (__builtin_expect(!causeway_fast_path_v2.fence_is_store_order, 0)) {
    causeway_call_fence();
    return;
  }
  causeway_order_stores();
}
CW_INLINE_CALL(void, quiet, (void))
CW_INLINE_API void shmem_quiet(void) {
  if (__builtin_expect(!causeway_fast_path_v2.fence_is_store_order, 0)) {
    causeway_call_quiet();
    return;
  }
  causeway_complete_stores();
}
#endif /* !CW_INLINE_UNDER_TSAN */
#undef CW_INLINE_UNDER_TSAN

#undef CW_INLINE_AMO_PEER
#undef CW_INLINE_AMO_OLD
#undef CW_INLINE_AMO_FETCHING
#undef CW_INLINE_AMO_UPDATE
#undef CW_INLINE_TRANSFERS
#undef CW_INLINE_PUT_SIGNAL
#undef CW_INLINE_PUT_SIGNALS
#undef CW_INLINE_PUT
#undef CW_INLINE_GET
#undef CW_INLINE_CALL
#undef CW_INLINE_STR
#undef CW_INLINE_STR2
#undef CW_INLINE_API
#undef CW_INLINE

#ifdef __cplusplus
}
#endif

#endif /* __GNUC__ && !CAUSEWAY_NO_INLINE */

#endif /* CAUSEWAY_SHMEM_INLINE_H */
