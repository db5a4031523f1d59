/* SPDX-License-Identifier: BSD-3-Clause */
/* Causeway: OpenSHMEM 1.5 teams and collectives (plus the 1.6 scans and shmem_team_ptr).
 * Included by shmem.h; valid C11 and C++. Typed routines are declared by expanding the type lists
 * (causeway/shmem_type_lists.h and the reduction lists below), never written out per type. */
#ifndef CAUSEWAY_SHMEM_COLLECTIVES_H
#define CAUSEWAY_SHMEM_COLLECTIVES_H
/* The X-macro lists below are laid out by hand. */
/* clang-format off */

#include <stddef.h>
#include <stdint.h>

#include "causeway/shmem_type_lists.h"
/* shmem.h includes this header at its end; included alone, this pulls in shmem.h (shmem_team_t,
 * SHMEM_API) first. */
#include <shmem.h>

#ifdef __cplusplus
#include <complex>
#endif

#ifndef SHMEM_API
#define SHMEM_API __attribute__((visibility("default")))
#endif
#ifndef SHMEM_DEPRECATED
#define SHMEM_DEPRECATED SHMEM_API
#endif

/* ---- Complex types of the sum/prod reductions ----
 * The routines take the C complex types (cw_complexd_t is double _Complex, causeway/shmem_type_lists.h)
 * in C, and in C++ where the compiler has them (GCC, Clang); there std::complex overloads forward to
 * them (below). Another C++ compiler gets the routines declared with the layout-compatible
 * std::complex. Without complex support in C (__STDC_NO_COMPLEX__) the complex routines are not
 * declared, as the specification allows. */
#if defined(CW_HAVE_C_COMPLEX)
#define CW_COMPLEX_TYPES(X) X(cw_complexd_t, complexd) X(cw_complexf_t, complexf)
#elif defined(__cplusplus)
#define CW_COMPLEX_TYPES(X) X(std::complex<double>, complexd) X(std::complex<float>, complexf)
#else
#define CW_COMPLEX_TYPES(X)
#endif

/* ---- Reduction type lists: X(TYPE, TYPENAME) ---- */
/* Team-based reductions (spec table "Reduction Types ... for Team-Based Reductions"). */
#define CW_REDUCE_BITWISE_TYPES(X)                                                                 \
  X(unsigned char, uchar) X(unsigned short, ushort) X(unsigned int, uint) X(unsigned long, ulong) \
  X(unsigned long long, ulonglong) X(int8_t, int8) X(int16_t, int16) X(int32_t, int32)            \
  X(int64_t, int64) X(uint8_t, uint8) X(uint16_t, uint16) X(uint32_t, uint32) X(uint64_t, uint64) \
  X(size_t, size)
#define CW_REDUCE_MINMAX_TYPES(X)                                                                    \
  X(char, char) X(signed char, schar) X(short, short) X(int, int) X(long, long)                      \
  X(long long, longlong) X(ptrdiff_t, ptrdiff) CW_REDUCE_BITWISE_TYPES(X) X(float, float)            \
  X(double, double) X(long double, longdouble)
#define CW_REDUCE_ARITH_TYPES(X) CW_REDUCE_MINMAX_TYPES(X) CW_COMPLEX_TYPES(X)

/* Active-set reductions, shmem_TYPENAME_OP_to_all (deprecated; spec table "... for Active-Set-Based
 * Reductions"). */
#define CW_TO_ALL_BITWISE_TYPES(X) X(short, short) X(int, int) X(long, long) X(long long, longlong)
#define CW_TO_ALL_MINMAX_TYPES(X) \
  CW_TO_ALL_BITWISE_TYPES(X) X(float, float) X(double, double) X(long double, longdouble)
#define CW_TO_ALL_ARITH_TYPES(X) CW_TO_ALL_MINMAX_TYPES(X) CW_COMPLEX_TYPES(X)

/* C++ code that names its complex types as std::complex (the C++ API, C++ tests) uses these: the
 * arithmetic lists with std::complex entries, which resolve to the routines either way. */
#if defined(__cplusplus)
#define CW_STD_COMPLEX_TYPES(X) X(std::complex<double>, complexd) X(std::complex<float>, complexf)
#define CW_CXX_REDUCE_ARITH_TYPES(X) CW_REDUCE_MINMAX_TYPES(X) CW_STD_COMPLEX_TYPES(X)
#define CW_CXX_TO_ALL_ARITH_TYPES(X) CW_TO_ALL_MINMAX_TYPES(X) CW_STD_COMPLEX_TYPES(X)
#endif

/* Sized active-set collectives: X(BITS, BYTES). */
#define CW_ACTIVE_SET_SIZES(X) X(32, 4) X(64, 8)

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Constants ----
 * Causeway's active-set collectives keep their synchronisation state inside the library, so pSync
 * and pWrk are accepted (and left untouched) but never needed beyond these minimal sizes. */
#define SHMEM_SYNC_VALUE 0L
#define SHMEM_SYNC_SIZE 8
#define SHMEM_BCAST_SYNC_SIZE 8
#define SHMEM_REDUCE_SYNC_SIZE 8
#define SHMEM_BARRIER_SYNC_SIZE 8
#define SHMEM_COLLECT_SYNC_SIZE 8
#define SHMEM_ALLTOALL_SYNC_SIZE 8
#define SHMEM_ALLTOALLS_SYNC_SIZE 8
#define SHMEM_REDUCE_MIN_WRKDATA_SIZE 8
#define _SHMEM_SYNC_VALUE SHMEM_SYNC_VALUE
#define _SHMEM_BCAST_SYNC_SIZE SHMEM_BCAST_SYNC_SIZE
#define _SHMEM_REDUCE_SYNC_SIZE SHMEM_REDUCE_SYNC_SIZE
#define _SHMEM_BARRIER_SYNC_SIZE SHMEM_BARRIER_SYNC_SIZE
#define _SHMEM_COLLECT_SYNC_SIZE SHMEM_COLLECT_SYNC_SIZE
#define _SHMEM_REDUCE_MIN_WRKDATA_SIZE SHMEM_REDUCE_MIN_WRKDATA_SIZE

/* ---- Teams (shmem.h declares shmem_team_t, a pointer to the opaque struct causeway_team) ---- */

typedef struct {
  int num_contexts;
} shmem_team_config_t;

#define SHMEM_TEAM_NUM_CONTEXTS (1L << 0)
#define SHMEM_TEAM_INVALID ((shmem_team_t)NULL)

/* Predefined teams. SHMEM_TEAM_SHARED: PEs whose symmetric memory this PE reaches by load/store
 * (shmem_ptr). SHMEM_TEAM_NODE (OpenSHMEM 1.6): PEs on this PE's node. */
SHMEM_API extern shmem_team_t SHMEM_TEAM_WORLD;
SHMEM_API extern shmem_team_t SHMEM_TEAM_SHARED;
SHMEM_API extern shmem_team_t SHMEM_TEAM_NODE;

SHMEM_API int shmem_team_my_pe(shmem_team_t team);
SHMEM_API int shmem_team_n_pes(shmem_team_t team);
SHMEM_API int shmem_team_get_config(shmem_team_t team, long config_mask, shmem_team_config_t *config);
SHMEM_API int shmem_team_translate_pe(shmem_team_t src_team, int src_pe, shmem_team_t dest_team);
SHMEM_API int shmem_team_split_strided(shmem_team_t parent_team, int start, int stride, int size,
                                       const shmem_team_config_t *config, long config_mask,
                                       shmem_team_t *new_team);
SHMEM_API int shmem_team_split_2d(shmem_team_t parent_team, int xrange,
                                  const shmem_team_config_t *xaxis_config, long xaxis_mask,
                                  shmem_team_t *xaxis_team, const shmem_team_config_t *yaxis_config,
                                  long yaxis_mask, shmem_team_t *yaxis_team);
SHMEM_API void shmem_team_destroy(shmem_team_t team);
SHMEM_API void *shmem_team_ptr(shmem_team_t team, const void *dest, int pe); /* OpenSHMEM 1.6 */

/* ---- Team-based collectives: zero on success ---- */
SHMEM_API int shmem_team_sync(shmem_team_t team);

#define CW_DECLARE_TEAM_COLL(TYPE, NAME)                                                             \
  SHMEM_API int shmem_##NAME##_broadcast(shmem_team_t team, TYPE *dest, const TYPE *source,         \
                                         size_t nelems, int PE_root);                               \
  SHMEM_API int shmem_##NAME##_collect(shmem_team_t team, TYPE *dest, const TYPE *source,           \
                                       size_t nelems);                                              \
  SHMEM_API int shmem_##NAME##_fcollect(shmem_team_t team, TYPE *dest, const TYPE *source,          \
                                        size_t nelems);                                             \
  SHMEM_API int shmem_##NAME##_alltoall(shmem_team_t team, TYPE *dest, const TYPE *source,          \
                                        size_t nelems);                                             \
  SHMEM_API int shmem_##NAME##_alltoalls(shmem_team_t team, TYPE *dest, const TYPE *source,         \
                                         ptrdiff_t dst, ptrdiff_t sst, size_t nelems);
CW_RMA_TYPES(CW_DECLARE_TEAM_COLL)
#undef CW_DECLARE_TEAM_COLL

SHMEM_API int shmem_broadcastmem(shmem_team_t team, void *dest, const void *source, size_t nelems,
                                 int PE_root);
SHMEM_API int shmem_collectmem(shmem_team_t team, void *dest, const void *source, size_t nelems);
SHMEM_API int shmem_fcollectmem(shmem_team_t team, void *dest, const void *source, size_t nelems);
SHMEM_API int shmem_alltoallmem(shmem_team_t team, void *dest, const void *source, size_t nelems);
SHMEM_API int shmem_alltoallsmem(shmem_team_t team, void *dest, const void *source, ptrdiff_t dst,
                                 ptrdiff_t sst, size_t nelems);

#define CW_DECLARE_REDUCE(TYPE, NAME, OP)                                                        \
  SHMEM_API int shmem_##NAME##_##OP##_reduce(shmem_team_t team, TYPE *dest, const TYPE *source, \
                                             size_t nreduce);
#define CW_DECLARE_BITWISE_REDUCE(TYPE, NAME) \
  CW_DECLARE_REDUCE(TYPE, NAME, and) CW_DECLARE_REDUCE(TYPE, NAME, or) CW_DECLARE_REDUCE(TYPE, NAME, xor)
#define CW_DECLARE_MINMAX_REDUCE(TYPE, NAME) CW_DECLARE_REDUCE(TYPE, NAME, max) CW_DECLARE_REDUCE(TYPE, NAME, min)
#define CW_DECLARE_ARITH_REDUCE(TYPE, NAME) CW_DECLARE_REDUCE(TYPE, NAME, sum) CW_DECLARE_REDUCE(TYPE, NAME, prod)
CW_REDUCE_BITWISE_TYPES(CW_DECLARE_BITWISE_REDUCE)
CW_REDUCE_MINMAX_TYPES(CW_DECLARE_MINMAX_REDUCE)
CW_REDUCE_ARITH_TYPES(CW_DECLARE_ARITH_REDUCE)
#undef CW_DECLARE_BITWISE_REDUCE
#undef CW_DECLARE_MINMAX_REDUCE
#undef CW_DECLARE_ARITH_REDUCE
#undef CW_DECLARE_REDUCE

/* Prefix sums (OpenSHMEM 1.6): inclusive and exclusive. */
#define CW_DECLARE_SCAN(TYPE, NAME)                                                               \
  SHMEM_API int shmem_##NAME##_sum_inscan(shmem_team_t team, TYPE *dest, const TYPE *source,     \
                                          size_t nelems);                                        \
  SHMEM_API int shmem_##NAME##_sum_exscan(shmem_team_t team, TYPE *dest, const TYPE *source,     \
                                          size_t nelems);
CW_REDUCE_ARITH_TYPES(CW_DECLARE_SCAN)
#undef CW_DECLARE_SCAN

/* ---- Active-set collectives (deprecated; PE_start, logPE_stride, PE_size name the set) ---- */
SHMEM_DEPRECATED void shmem_barrier(int PE_start, int logPE_stride, int PE_size, long *pSync);
/* The deprecated form of shmem_sync; shmem_sync(team) is shmem_team_sync (see the end of this file). */
SHMEM_DEPRECATED void shmem_sync(int PE_start, int logPE_stride, int PE_size, long *pSync);

#define CW_DECLARE_ACTIVE_SET_SIZED(BITS, BYTES)                                                     \
  SHMEM_DEPRECATED void shmem_broadcast##BITS(void *dest, const void *source, size_t nelems,        \
                                              int PE_root, int PE_start, int logPE_stride,           \
                                              int PE_size, long *pSync);                             \
  SHMEM_DEPRECATED void shmem_collect##BITS(void *dest, const void *source, size_t nelems,          \
                                            int PE_start, int logPE_stride, int PE_size,             \
                                            long *pSync);                                            \
  SHMEM_DEPRECATED void shmem_fcollect##BITS(void *dest, const void *source, size_t nelems,         \
                                             int PE_start, int logPE_stride, int PE_size,            \
                                             long *pSync);                                           \
  SHMEM_DEPRECATED void shmem_alltoall##BITS(void *dest, const void *source, size_t nelems,         \
                                             int PE_start, int logPE_stride, int PE_size,            \
                                             long *pSync);                                           \
  SHMEM_DEPRECATED void shmem_alltoalls##BITS(void *dest, const void *source, ptrdiff_t dst,        \
                                              ptrdiff_t sst, size_t nelems, int PE_start,            \
                                              int logPE_stride, int PE_size, long *pSync);
CW_ACTIVE_SET_SIZES(CW_DECLARE_ACTIVE_SET_SIZED)
#undef CW_DECLARE_ACTIVE_SET_SIZED

#define CW_DECLARE_TO_ALL(TYPE, NAME, OP)                                                           \
  SHMEM_DEPRECATED void shmem_##NAME##_##OP##_to_all(TYPE *dest, const TYPE *source, int nreduce,  \
                                                     int PE_start, int logPE_stride, int PE_size,  \
                                                     TYPE *pWrk, long *pSync);
#define CW_DECLARE_BITWISE_TO_ALL(TYPE, NAME) \
  CW_DECLARE_TO_ALL(TYPE, NAME, and) CW_DECLARE_TO_ALL(TYPE, NAME, or) CW_DECLARE_TO_ALL(TYPE, NAME, xor)
#define CW_DECLARE_MINMAX_TO_ALL(TYPE, NAME) CW_DECLARE_TO_ALL(TYPE, NAME, max) CW_DECLARE_TO_ALL(TYPE, NAME, min)
#define CW_DECLARE_ARITH_TO_ALL(TYPE, NAME) CW_DECLARE_TO_ALL(TYPE, NAME, sum) CW_DECLARE_TO_ALL(TYPE, NAME, prod)
CW_TO_ALL_BITWISE_TYPES(CW_DECLARE_BITWISE_TO_ALL)
CW_TO_ALL_MINMAX_TYPES(CW_DECLARE_MINMAX_TO_ALL)
CW_TO_ALL_ARITH_TYPES(CW_DECLARE_ARITH_TO_ALL)
#undef CW_DECLARE_BITWISE_TO_ALL
#undef CW_DECLARE_MINMAX_TO_ALL
#undef CW_DECLARE_ARITH_TO_ALL
#undef CW_DECLARE_TO_ALL

#ifdef __cplusplus
}
#endif

/* ---- shmem_sync: the 1.5 team form shmem_sync(team) beside the deprecated four-argument form ----
 * Each form is a real function: shmem_sync(team) is shmem_team_sync, and the four-argument form is
 * the symbol shmem_sync. C++ overloads the name; C dispatches on the argument count with a macro
 * (any other count names the undeclared shmem_sync_takes_1_or_4_arguments, so it does not compile).
 * Inside the macro's own expansion shmem_sync is not expanded again: it calls the function, and
 * `&shmem_sync` or `(shmem_sync)(...)` name the four-argument routine as before. */
#define CW_SYNC_PICK(a1, a2, a3, a4, NAME, ...) NAME
#ifdef __cplusplus
extern "C++" inline int shmem_sync(shmem_team_t team) { return shmem_team_sync(team); }
#else
#define shmem_sync(...)                                                                         \
  CW_SYNC_PICK(__VA_ARGS__, shmem_sync, shmem_sync_takes_1_or_4_arguments,                      \
               shmem_sync_takes_1_or_4_arguments, shmem_team_sync, ~)(__VA_ARGS__)
#endif

/* ---- C++: std::complex forms of the complex routines ----
 * Where the C routines take double _Complex / float _Complex, a C++ program may pass either those
 * or the layout-compatible std::complex<double> / std::complex<float>: these overloads forward. */
#if defined(__cplusplus) && defined(CW_HAVE_C_COMPLEX)
extern "C++" {
#define CW_CXX_STD_COMPLEX_PAIRS(X) \
  X(std::complex<double>, cw_complexd_t, complexd) X(std::complex<float>, cw_complexf_t, complexf)
#define CW_CXX_COMPLEX_TEAM(STD, C, NAME, OP)                                                             \
  inline int shmem_##NAME##_##OP(shmem_team_t team, STD *dest, const STD *source, size_t nelems) {        \
    return shmem_##NAME##_##OP(team, reinterpret_cast<C *>(dest), reinterpret_cast<const C *>(source),    \
                               nelems);                                                                   \
  }
#define CW_CXX_COMPLEX_TO_ALL(STD, C, NAME, OP)                                                           \
  inline void shmem_##NAME##_##OP##_to_all(STD *dest, const STD *source, int nreduce, int PE_start,       \
                                           int logPE_stride, int PE_size, STD *pWrk, long *pSync) {       \
    shmem_##NAME##_##OP##_to_all(reinterpret_cast<C *>(dest), reinterpret_cast<const C *>(source),        \
                                 nreduce, PE_start, logPE_stride, PE_size, reinterpret_cast<C *>(pWrk),  \
                                 pSync);                                                                  \
  }
#define CW_CXX_COMPLEX_FORMS(STD, C, NAME)                                                                \
  CW_CXX_COMPLEX_TEAM(STD, C, NAME, sum_reduce) CW_CXX_COMPLEX_TEAM(STD, C, NAME, prod_reduce)           \
  CW_CXX_COMPLEX_TEAM(STD, C, NAME, sum_inscan) CW_CXX_COMPLEX_TEAM(STD, C, NAME, sum_exscan)            \
  CW_CXX_COMPLEX_TO_ALL(STD, C, NAME, sum) CW_CXX_COMPLEX_TO_ALL(STD, C, NAME, prod)
CW_CXX_STD_COMPLEX_PAIRS(CW_CXX_COMPLEX_FORMS)
#undef CW_CXX_COMPLEX_FORMS
#undef CW_CXX_COMPLEX_TO_ALL
#undef CW_CXX_COMPLEX_TEAM
#undef CW_CXX_STD_COMPLEX_PAIRS
} /* extern "C++" */
#endif

/* clang-format on */
#endif /* CAUSEWAY_SHMEM_COLLECTIVES_H */
