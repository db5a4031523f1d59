/* SPDX-License-Identifier: BSD-3-Clause */
/* Causeway: OpenSHMEM 1.5 C API.
 * Typed functions are declared by expanding the type lists in causeway/shmem_type_lists.h; the
 * names and signatures are exactly the specification's (shmem_TYPENAME_put, ...). */
#ifndef SHMEM_H
#define SHMEM_H

#include <stddef.h>
#include <stdint.h>

#include "causeway/shmem_type_lists.h"

#define SHMEM_API __attribute__((visibility("default")))
/* Deprecated names stay quiet: old programs must build unchanged, warnings included. */
#define SHMEM_DEPRECATED SHMEM_API

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Library constants ---- */
#define SHMEM_MAJOR_VERSION 1
#define SHMEM_MINOR_VERSION 5
#define SHMEM_MAX_NAME_LEN 256
#define SHMEM_VENDOR_STRING "Causeway"
#define _SHMEM_MAJOR_VERSION SHMEM_MAJOR_VERSION
#define _SHMEM_MINOR_VERSION SHMEM_MINOR_VERSION
#define _SHMEM_MAX_NAME_LEN SHMEM_MAX_NAME_LEN
#define _SHMEM_VENDOR_STRING SHMEM_VENDOR_STRING

#define SHMEM_THREAD_SINGLE 0
#define SHMEM_THREAD_FUNNELED 1
#define SHMEM_THREAD_SERIALIZED 2
#define SHMEM_THREAD_MULTIPLE 3

#define SHMEM_CMP_EQ 0
#define SHMEM_CMP_NE 1
#define SHMEM_CMP_GT 2
#define SHMEM_CMP_GE 3
#define SHMEM_CMP_LT 4
#define SHMEM_CMP_LE 5
#define _SHMEM_CMP_EQ SHMEM_CMP_EQ
#define _SHMEM_CMP_NE SHMEM_CMP_NE
#define _SHMEM_CMP_GT SHMEM_CMP_GT
#define _SHMEM_CMP_GE SHMEM_CMP_GE
#define _SHMEM_CMP_LT SHMEM_CMP_LT
#define _SHMEM_CMP_LE SHMEM_CMP_LE

#define SHMEM_MALLOC_ATOMICS_REMOTE (1L << 0)
#define SHMEM_MALLOC_SIGNAL_REMOTE (1L << 1)

/* ---- Library setup, exit and query ---- */
SHMEM_API void shmem_init(void);
SHMEM_API int shmem_init_thread(int requested, int *provided);
SHMEM_API void shmem_query_thread(int *provided);
SHMEM_API void shmem_finalize(void);
SHMEM_API __attribute__((noreturn)) void shmem_global_exit(int status);
SHMEM_API int shmem_my_pe(void);
SHMEM_API int shmem_n_pes(void);
SHMEM_API int shmem_pe_accessible(int pe);
SHMEM_API int shmem_addr_accessible(const void *addr, int pe);
SHMEM_API void *shmem_ptr(const void *dest, int pe);
SHMEM_API void shmem_info_get_version(int *major, int *minor);
SHMEM_API void shmem_info_get_name(char *name);

/* ---- Memory management (collective) ---- */
SHMEM_API void *shmem_malloc(size_t size);
SHMEM_API void *shmem_calloc(size_t count, size_t size);
SHMEM_API void *shmem_align(size_t alignment, size_t size);
SHMEM_API void *shmem_realloc(void *ptr, size_t size);
SHMEM_API void shmem_free(void *ptr);
SHMEM_API void *shmem_malloc_with_hints(size_t size, long hints);

/* ---- Contexts ---- */
typedef struct causeway_ctx *shmem_ctx_t;
typedef struct causeway_team *shmem_team_t;
SHMEM_API extern struct causeway_ctx causeway_ctx_default;
#define SHMEM_CTX_DEFAULT ((shmem_ctx_t)&causeway_ctx_default)
#define SHMEM_CTX_INVALID ((shmem_ctx_t)NULL)
#define SHMEM_CTX_SERIALIZED (1L << 0)
#define SHMEM_CTX_PRIVATE (1L << 1)
#define SHMEM_CTX_NOSTORE (1L << 2)

SHMEM_API int shmem_ctx_create(long options, shmem_ctx_t *ctx);
SHMEM_API void shmem_ctx_destroy(shmem_ctx_t ctx);
SHMEM_API int shmem_team_create_ctx(shmem_team_t team, long options, shmem_ctx_t *ctx);
SHMEM_API int shmem_ctx_get_team(shmem_ctx_t ctx, shmem_team_t *team);

/* Every operation that takes a context is declared twice from one line: shmem_NAME(args) on the
 * default context and shmem_ctx_NAME(ctx, args). */
#define CW_DECLARE_WITH_CTX(RET, NAME, ...) \
  SHMEM_API RET shmem_##NAME(__VA_ARGS__);  \
  SHMEM_API RET shmem_ctx_##NAME(shmem_ctx_t ctx, __VA_ARGS__);

/* ---- Remote memory access ---- */
#define CW_DECLARE_RMA(TYPE, NAME)                                                                     \
  CW_DECLARE_WITH_CTX(void, NAME##_put, TYPE *dest, const TYPE *source, size_t nelems, int pe)         \
  CW_DECLARE_WITH_CTX(void, NAME##_p, TYPE *dest, TYPE value, int pe)                                  \
  CW_DECLARE_WITH_CTX(void, NAME##_iput, TYPE *dest, const TYPE *source, ptrdiff_t dst, ptrdiff_t sst, \
                      size_t nelems, int pe)                                                           \
  CW_DECLARE_WITH_CTX(void, NAME##_get, TYPE *dest, const TYPE *source, size_t nelems, int pe)         \
  CW_DECLARE_WITH_CTX(TYPE, NAME##_g, const TYPE *source, int pe)                                      \
  CW_DECLARE_WITH_CTX(void, NAME##_iget, TYPE *dest, const TYPE *source, ptrdiff_t dst, ptrdiff_t sst, \
                      size_t nelems, int pe)                                                           \
  CW_DECLARE_WITH_CTX(void, NAME##_put_nbi, TYPE *dest, const TYPE *source, size_t nelems, int pe)     \
  CW_DECLARE_WITH_CTX(void, NAME##_get_nbi, TYPE *dest, const TYPE *source, size_t nelems, int pe)
CW_RMA_TYPES(CW_DECLARE_RMA)
#undef CW_DECLARE_RMA

#define CW_DECLARE_SIZED_RMA(BITS, BYTES)                                                             \
  CW_DECLARE_WITH_CTX(void, put##BITS, void *dest, const void *source, size_t nelems, int pe)         \
  CW_DECLARE_WITH_CTX(void, get##BITS, void *dest, const void *source, size_t nelems, int pe)         \
  CW_DECLARE_WITH_CTX(void, iput##BITS, void *dest, const void *source, ptrdiff_t dst, ptrdiff_t sst, \
                      size_t nelems, int pe)                                                          \
  CW_DECLARE_WITH_CTX(void, iget##BITS, void *dest, const void *source, ptrdiff_t dst, ptrdiff_t sst, \
                      size_t nelems, int pe)                                                          \
  CW_DECLARE_WITH_CTX(void, put##BITS##_nbi, void *dest, const void *source, size_t nelems, int pe)   \
  CW_DECLARE_WITH_CTX(void, get##BITS##_nbi, void *dest, const void *source, size_t nelems, int pe)
CW_SIZED_RMA(CW_DECLARE_SIZED_RMA)
#undef CW_DECLARE_SIZED_RMA

CW_DECLARE_WITH_CTX(void, putmem, void *dest, const void *source, size_t nelems, int pe)
CW_DECLARE_WITH_CTX(void, getmem, void *dest, const void *source, size_t nelems, int pe)
CW_DECLARE_WITH_CTX(void, putmem_nbi, void *dest, const void *source, size_t nelems, int pe)
CW_DECLARE_WITH_CTX(void, getmem_nbi, void *dest, const void *source, size_t nelems, int pe)

/* ---- Signals ---- */
#define SHMEM_SIGNAL_SET 0
#define SHMEM_SIGNAL_ADD 1
#define CW_DECLARE_PUT_SIGNAL(TYPE, NAME)                                                         \
  CW_DECLARE_WITH_CTX(void, NAME##_put_signal, TYPE *dest, const TYPE *source, size_t nelems,     \
                      uint64_t *sig_addr, uint64_t signal, int sig_op, int pe)                    \
  CW_DECLARE_WITH_CTX(void, NAME##_put_signal_nbi, TYPE *dest, const TYPE *source, size_t nelems, \
                      uint64_t *sig_addr, uint64_t signal, int sig_op, int pe)
CW_RMA_TYPES(CW_DECLARE_PUT_SIGNAL)
#undef CW_DECLARE_PUT_SIGNAL
#define CW_DECLARE_SIZED_PUT_SIGNAL(BITS, BYTES)                                                   \
  CW_DECLARE_WITH_CTX(void, put##BITS##_signal, void *dest, const void *source, size_t nelems,     \
                      uint64_t *sig_addr, uint64_t signal, int sig_op, int pe)                     \
  CW_DECLARE_WITH_CTX(void, put##BITS##_signal_nbi, void *dest, const void *source, size_t nelems, \
                      uint64_t *sig_addr, uint64_t signal, int sig_op, int pe)
CW_SIZED_RMA(CW_DECLARE_SIZED_PUT_SIGNAL)
#undef CW_DECLARE_SIZED_PUT_SIGNAL
CW_DECLARE_WITH_CTX(void, putmem_signal, void *dest, const void *source, size_t nelems, uint64_t *sig_addr,
                    uint64_t signal, int sig_op, int pe)
CW_DECLARE_WITH_CTX(void, putmem_signal_nbi, void *dest, const void *source, size_t nelems,
                    uint64_t *sig_addr, uint64_t signal, int sig_op, int pe)
SHMEM_API uint64_t shmem_signal_fetch(const uint64_t *sig_addr);
SHMEM_API uint64_t shmem_signal_wait_until(uint64_t *sig_addr, int cmp, uint64_t cmp_value);
/* OpenSHMEM 1.6 */
CW_DECLARE_WITH_CTX(void, signal_add, uint64_t *sig_addr, uint64_t signal, int pe)
CW_DECLARE_WITH_CTX(void, signal_set, uint64_t *sig_addr, uint64_t signal, int pe)

/* ---- Atomic memory operations ---- */
#define CW_DECLARE_AMO_STANDARD(TYPE, NAME)                                                                 \
  CW_DECLARE_WITH_CTX(TYPE, NAME##_atomic_fetch_inc, TYPE *dest, int pe)                                    \
  CW_DECLARE_WITH_CTX(void, NAME##_atomic_inc, TYPE *dest, int pe)                                          \
  CW_DECLARE_WITH_CTX(TYPE, NAME##_atomic_fetch_add, TYPE *dest, TYPE value, int pe)                        \
  CW_DECLARE_WITH_CTX(void, NAME##_atomic_add, TYPE *dest, TYPE value, int pe)                              \
  CW_DECLARE_WITH_CTX(TYPE, NAME##_atomic_compare_swap, TYPE *dest, TYPE cond, TYPE value, int pe)          \
  CW_DECLARE_WITH_CTX(void, NAME##_atomic_fetch_inc_nbi, TYPE *fetch, TYPE *dest, int pe)                   \
  CW_DECLARE_WITH_CTX(void, NAME##_atomic_fetch_add_nbi, TYPE *fetch, TYPE *dest, TYPE value, int pe)       \
  CW_DECLARE_WITH_CTX(void, NAME##_atomic_compare_swap_nbi, TYPE *fetch, TYPE *dest, TYPE cond, TYPE value, \
                      int pe)
CW_AMO_STANDARD_TYPES(CW_DECLARE_AMO_STANDARD)
#undef CW_DECLARE_AMO_STANDARD

#define CW_DECLARE_AMO_EXTENDED(TYPE, NAME)                                                   \
  CW_DECLARE_WITH_CTX(TYPE, NAME##_atomic_fetch, const TYPE *source, int pe)                  \
  CW_DECLARE_WITH_CTX(void, NAME##_atomic_set, TYPE *dest, TYPE value, int pe)                \
  CW_DECLARE_WITH_CTX(TYPE, NAME##_atomic_swap, TYPE *dest, TYPE value, int pe)               \
  CW_DECLARE_WITH_CTX(void, NAME##_atomic_fetch_nbi, TYPE *fetch, const TYPE *source, int pe) \
  CW_DECLARE_WITH_CTX(void, NAME##_atomic_swap_nbi, TYPE *fetch, TYPE *dest, TYPE value, int pe)
CW_AMO_EXTENDED_TYPES(CW_DECLARE_AMO_EXTENDED)
#undef CW_DECLARE_AMO_EXTENDED

#define CW_DECLARE_AMO_BITWISE_OP(TYPE, NAME, OP)                                     \
  CW_DECLARE_WITH_CTX(TYPE, NAME##_atomic_fetch_##OP, TYPE *dest, TYPE value, int pe) \
  CW_DECLARE_WITH_CTX(void, NAME##_atomic_##OP, TYPE *dest, TYPE value, int pe)       \
  CW_DECLARE_WITH_CTX(void, NAME##_atomic_fetch_##OP##_nbi, TYPE *fetch, TYPE *dest, TYPE value, int pe)
#define CW_DECLARE_AMO_BITWISE(TYPE, NAME)   \
  CW_DECLARE_AMO_BITWISE_OP(TYPE, NAME, and) \
  CW_DECLARE_AMO_BITWISE_OP(TYPE, NAME, or) CW_DECLARE_AMO_BITWISE_OP(TYPE, NAME, xor)
CW_AMO_BITWISE_TYPES(CW_DECLARE_AMO_BITWISE)
#undef CW_DECLARE_AMO_BITWISE
#undef CW_DECLARE_AMO_BITWISE_OP

/* ---- Point-to-point synchronization ---- */
#define CW_DECLARE_P2P_SYNC(TYPE, NAME)                                                                     \
  SHMEM_API void shmem_##NAME##_wait_until(TYPE *ivar, int cmp, TYPE cmp_value);                            \
  SHMEM_API void shmem_##NAME##_wait_until_all(TYPE *ivars, size_t nelems, const int *status, int cmp,      \
                                               TYPE cmp_value);                                             \
  SHMEM_API size_t shmem_##NAME##_wait_until_any(TYPE *ivars, size_t nelems, const int *status, int cmp,    \
                                                 TYPE cmp_value);                                           \
  SHMEM_API size_t shmem_##NAME##_wait_until_some(TYPE *ivars, size_t nelems, size_t *indices,              \
                                                  const int *status, int cmp, TYPE cmp_value);              \
  SHMEM_API void shmem_##NAME##_wait_until_all_vector(TYPE *ivars, size_t nelems, const int *status,        \
                                                      int cmp, TYPE *cmp_values);                           \
  SHMEM_API size_t shmem_##NAME##_wait_until_any_vector(TYPE *ivars, size_t nelems, const int *status,      \
                                                        int cmp, TYPE *cmp_values);                         \
  SHMEM_API size_t shmem_##NAME##_wait_until_some_vector(TYPE *ivars, size_t nelems, size_t *indices,       \
                                                         const int *status, int cmp, TYPE *cmp_values);     \
  SHMEM_API int shmem_##NAME##_test(TYPE *ivar, int cmp, TYPE cmp_value);                                   \
  SHMEM_API int shmem_##NAME##_test_all(TYPE *ivars, size_t nelems, const int *status, int cmp,             \
                                        TYPE cmp_value);                                                    \
  SHMEM_API size_t shmem_##NAME##_test_any(TYPE *ivars, size_t nelems, const int *status, int cmp,          \
                                           TYPE cmp_value);                                                 \
  SHMEM_API size_t shmem_##NAME##_test_some(TYPE *ivars, size_t nelems, size_t *indices, const int *status, \
                                            int cmp, TYPE cmp_value);                                       \
  SHMEM_API int shmem_##NAME##_test_all_vector(TYPE *ivars, size_t nelems, const int *status, int cmp,      \
                                               TYPE *cmp_values);                                           \
  SHMEM_API size_t shmem_##NAME##_test_any_vector(TYPE *ivars, size_t nelems, const int *status, int cmp,   \
                                                  TYPE *cmp_values);                                        \
  SHMEM_API size_t shmem_##NAME##_test_some_vector(TYPE *ivars, size_t nelems, size_t *indices,             \
                                                   const int *status, int cmp, TYPE *cmp_values);
CW_P2P_SYNC_TYPES(CW_DECLARE_P2P_SYNC)
#undef CW_DECLARE_P2P_SYNC

/* ---- Memory ordering, barriers, locks ---- */
SHMEM_API void shmem_fence(void);
SHMEM_API void shmem_quiet(void);
SHMEM_API void shmem_ctx_fence(shmem_ctx_t ctx);
SHMEM_API void shmem_ctx_quiet(shmem_ctx_t ctx);
/* OpenSHMEM 1.6: complete operations to one PE. */
SHMEM_API void shmem_pe_quiet(const int *target_pes, size_t npes);
SHMEM_API void shmem_ctx_pe_quiet(shmem_ctx_t ctx, const int *target_pes, size_t npes);
SHMEM_API void shmem_barrier_all(void);
SHMEM_API void shmem_sync_all(void);
SHMEM_API void shmem_set_lock(long *lock);
SHMEM_API void shmem_clear_lock(long *lock);
SHMEM_API int shmem_test_lock(long *lock);
SHMEM_API void shmem_pcontrol(const int level, ...);

/* ---- Deprecated names that older programs still use ---- */
SHMEM_DEPRECATED void start_pes(int npes);
SHMEM_DEPRECATED int _my_pe(void);
SHMEM_DEPRECATED int _num_pes(void);
SHMEM_DEPRECATED void *shmalloc(size_t size);
SHMEM_DEPRECATED void shfree(void *ptr);
SHMEM_DEPRECATED void *shrealloc(void *ptr, size_t size);
SHMEM_DEPRECATED void *shmemalign(size_t alignment, size_t size);
/* Cache management: no effect on cache-coherent machines, as the specification allows. */
SHMEM_DEPRECATED void shmem_clear_cache_inv(void);
SHMEM_DEPRECATED void shmem_set_cache_inv(void);
SHMEM_DEPRECATED void shmem_clear_cache_line_inv(void *dest);
SHMEM_DEPRECATED void shmem_set_cache_line_inv(void *dest);
SHMEM_DEPRECATED void shmem_udcflush(void);
SHMEM_DEPRECATED void shmem_udcflush_line(void *dest);

#define CW_DECLARE_DEPRECATED_AMO(TYPE, NAME)                                \
  SHMEM_DEPRECATED TYPE shmem_##NAME##_finc(TYPE *dest, int pe);             \
  SHMEM_DEPRECATED void shmem_##NAME##_inc(TYPE *dest, int pe);              \
  SHMEM_DEPRECATED TYPE shmem_##NAME##_fadd(TYPE *dest, TYPE value, int pe); \
  SHMEM_DEPRECATED void shmem_##NAME##_add(TYPE *dest, TYPE value, int pe);  \
  SHMEM_DEPRECATED TYPE shmem_##NAME##_cswap(TYPE *dest, TYPE cond, TYPE value, int pe);
CW_DEPRECATED_AMO_TYPES(CW_DECLARE_DEPRECATED_AMO)
#undef CW_DECLARE_DEPRECATED_AMO

#define CW_DECLARE_DEPRECATED_EXTENDED_AMO(TYPE, NAME)                      \
  SHMEM_DEPRECATED TYPE shmem_##NAME##_fetch(const TYPE *source, int pe);   \
  SHMEM_DEPRECATED void shmem_##NAME##_set(TYPE *dest, TYPE value, int pe); \
  SHMEM_DEPRECATED TYPE shmem_##NAME##_swap(TYPE *dest, TYPE value, int pe);
CW_DEPRECATED_EXTENDED_AMO_TYPES(CW_DECLARE_DEPRECATED_EXTENDED_AMO)
#undef CW_DECLARE_DEPRECATED_EXTENDED_AMO
SHMEM_DEPRECATED long shmem_swap(long *dest, long value, int pe);

#define CW_DECLARE_DEPRECATED_WAIT(TYPE, NAME) \
  SHMEM_DEPRECATED void shmem_##NAME##_wait(TYPE *ivar, TYPE cmp_value);
CW_DEPRECATED_WAIT_TYPES(CW_DECLARE_DEPRECATED_WAIT)
#undef CW_DECLARE_DEPRECATED_WAIT
SHMEM_DEPRECATED void shmem_wait(long *ivar, long cmp_value);
SHMEM_DEPRECATED void shmem_wait_until(long *ivar, int cmp, long cmp_value);

#ifdef __cplusplus
}
#endif

/* Inline definitions of the hottest calls for peers mapped into this process (opt out with
 * CAUSEWAY_NO_INLINE). */
#include "causeway/shmem_inline.h"

/* Teams and collectives. */
#include "causeway/shmem_collectives.h"

/* Type-generic names (C11 _Generic, or C++ overloads): shmem_put, shmem_atomic_add, ... */
#include "causeway/shmem_generic.h"

#endif /* SHMEM_H */
