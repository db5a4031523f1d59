/* SPDX-License-Identifier: BSD-3-Clause */
/* Causeway's small-message fast path, shared by the library and the inline forms in
 * causeway/shmem_inline.h: what a put, get or atomic on the default context needs to reach a peer
 * that is mapped into this process, on one cache line.
 *
 * The library fills it after shmem_init has attached every peer and empties it at shmem_finalize.
 * An empty one (n_pes == 0: before init, after finalize, and always in checks mode) sends every
 * call to the library's full path, which validates and reports errors. So a miss here only ever
 * means "call the library".
 *
 * Atomics take it only while `amo_direct` is set: when some peer is served by a transport whose
 * atomics are not coherent with CPU atomics (a NIC's), every atomic goes through that transport,
 * so puts and gets stay inline while atomics call the library.
 *
 * The symbol carries the layout version: a program built against another layout fails to link
 * instead of misreading the structure. */
#ifndef CAUSEWAY_FAST_PATH_H
#define CAUSEWAY_FAST_PATH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "causeway/cpu.h"

#ifdef __cplusplus
extern "C" {
#endif

struct causeway_fast_segment {
  uintptr_t base;      /* this PE's copy */
  size_t size;         /* 0: nothing in this segment takes the fast path */
  char *const *direct; /* per world PE: its copy of the segment mapped here, or NULL */
};

struct causeway_fast_path {
  struct causeway_fast_segment segments[2]; /* the symmetric heap, then the executable's data */
  unsigned n_pes;                           /* 0: every call takes the full path */
  unsigned char fence_is_store_order;       /* fence is a store fence, no transport call */
  unsigned char amo_direct;                 /* atomics may be CPU atomics on a mapped peer */
} __attribute__((aligned(64)));

#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
extern struct causeway_fast_path causeway_fast_path_v2;

/* The address of `pe`'s copy of [addr, addr + bytes) when it is mapped here, else NULL. The segment
 * is picked by index, so heap and static objects take the same branches. */
CAUSEWAY_INLINE_HELPER char *causeway_direct_address(const void *addr, size_t bytes, int pe) {
  const struct causeway_fast_path *fast = &causeway_fast_path_v2;
  if (__builtin_expect((unsigned)pe >= fast->n_pes, 0)) return NULL;
  const uintptr_t a = (uintptr_t)addr;
  const unsigned index = a - fast->segments[0].base >= fast->segments[0].size; /* 0: heap, 1: data */
  const struct causeway_fast_segment *s = &fast->segments[index];
  const uintptr_t offset = a - s->base;
  if (__builtin_expect(offset >= s->size || bytes > s->size - offset, 0)) return NULL;
  char *base = s->direct[pe];
  return base ? base + offset : NULL;
}

/* The same for an atomic (or a signal, which is one): NULL also while atomics must go through a
 * transport (amo_direct clear). */
CAUSEWAY_INLINE_HELPER char *causeway_amo_address(const void *addr, size_t bytes, int pe) {
  if (__builtin_expect(!causeway_fast_path_v2.amo_direct, 0)) return NULL;
  return causeway_direct_address(addr, bytes, pe);
}

/* The first and the last `sizeof(T)` bytes of [s, s + n), both loaded before either is stored. */
#define CAUSEWAY_COPY_ENDS_(T)                   \
  do {                                           \
    T head, tail;                                \
    memcpy(&head, s, sizeof(T));                 \
    memcpy(&tail, s + n - sizeof(T), sizeof(T)); \
    memcpy(d, &head, sizeof(T));                 \
    memcpy(d + n - sizeof(T), &tail, sizeof(T)); \
  } while (0)
/* Up to 16 bytes with two overlapping moves per width, else memcpy: the small messages whose latency
 * is mostly call overhead never reach memcpy. An aligned element of 2, 4 or 8 bytes is written by
 * whole-width stores, so a reader polling it never sees half of a new value (a sanitizer's memcpy
 * may copy byte by byte, backwards). */
CAUSEWAY_INLINE_HELPER void causeway_fast_copy(void *dst, const void *src, size_t n) {
  char *d = (char *)dst;
  const char *s = (const char *)src;
  if (__builtin_expect(n > 16, 0))
    memcpy(d, s, n);
  else if (n >= 8)
    CAUSEWAY_COPY_ENDS_(uint64_t);
  else if (n >= 4)
    CAUSEWAY_COPY_ENDS_(uint32_t);
  else if (n >= 2)
    CAUSEWAY_COPY_ENDS_(uint16_t);
  else if (n > 0)
    d[0] = s[0];
}
#undef CAUSEWAY_COPY_ENDS_

/* Orders a copy's stores before a later release store: small copies are plain stores, which the
 * release store already orders; a large memcpy may use non-temporal ones. */
CAUSEWAY_INLINE_HELPER void causeway_order_large_copy(size_t bytes) {
#if defined(__x86_64__) || defined(__i386__)
  if (bytes > 16) __builtin_ia32_sfence(); /* the release store that follows orders the rest */
#else
  (void)bytes;
#endif
}

/* put_signal through the peer's mapping: the data, then the signal word (set, or add when `add`),
 * so a reader that sees the signal sees the data. */
CAUSEWAY_INLINE_HELPER void causeway_put_signal_direct(char *data, const void *src, size_t bytes,
                                                       uint64_t *word, uint64_t signal, int add) {
  causeway_fast_copy(data, src, bytes);
  causeway_order_large_copy(bytes);
  if (add)
    __atomic_fetch_add(word, signal, __ATOMIC_RELEASE);
  else
    __atomic_store_n(word, signal, __ATOMIC_RELEASE);
}

#ifdef __cplusplus
}
#endif

#endif /* CAUSEWAY_FAST_PATH_H */
