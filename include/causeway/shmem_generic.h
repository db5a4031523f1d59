/* SPDX-License-Identifier: BSD-3-Clause */
/* Causeway: the OpenSHMEM 1.5 type-generic interfaces, included at the end of shmem.h.
 *
 *   C11 (and later, not C++): each generic name is a function-like macro that counts its
 *   arguments to tell the context form (shmem_put(ctx, dest, ...)) from the plain one
 *   (shmem_put(dest, ...)), then selects the typed routine with _Generic on the type that the
 *   dispatching pointer argument points to. A type outside the routine's table has no association,
 *   so the call does not compile.
 *   C++: the same names as overloaded inline functions forwarding to the typed routines; the
 *   context forms are the overloads that take a shmem_ctx_t first.
 *
 * Both are generated from the CW_GENERIC_* lists of causeway/shmem_type_lists.h, which hold each
 * C type once (the spec tables repeat types through typedefs, which _Generic and overloading
 * reject). Routines with a generic name and groups:
 *   RMA (context forms): put, p, iput, get, g, iget, put_nbi, get_nbi, put_signal, put_signal_nbi
 *   AMO (context forms): atomic_{fetch, set, swap, compare_swap, fetch_inc, inc, fetch_add, add,
 *     fetch_and, and, fetch_or, or, fetch_xor, xor}, atomic_{fetch, swap, compare_swap, fetch_inc,
 *     fetch_add, fetch_and, fetch_or, fetch_xor}_nbi
 *   Point-to-point synchronization: wait_until[_all|_any|_some][_vector], test[_all|_any|_some][_vector]
 *   Team collectives: broadcast, collect, fcollect, alltoall, alltoalls, {and, or, xor, max, min,
 *     sum, prod}_reduce
 *   Deprecated: fetch, set, swap, cswap, finc, inc, fadd, add, wait
 *
 * Names that shmem.h also declares as plain deprecated C routines (shmem_wait_until, shmem_wait,
 * shmem_swap, all on long): in C the macro replaces the call and selects the same long routine; in
 * C++ the plain routine is the long overload, so no overload of the same signature is added. */
#ifndef CAUSEWAY_SHMEM_GENERIC_H
#define CAUSEWAY_SHMEM_GENERIC_H

#ifndef SHMEM_H
#include <shmem.h>
#endif
#include "causeway/shmem_type_lists.h"

/* Team collectives are generic only where their typed routines are declared. */
#if defined(CAUSEWAY_SHMEM_COLLECTIVES_H) || defined(CW_COLLECTIVE_TYPED_API)
#define CW_GENERIC_HAVE_COLLECTIVES 1
#endif

#if defined(__cplusplus)
/* ===================================== C++ ===================================== */

#define CW_CXX_UNPAREN(...) __VA_ARGS__

/* inline RET shmemOP PARAMS, forwarding to shmem_NAMEOP ARGS. */
#define CW_CXX_DEF(RET, OP, NAME, PARAMS, ARGS) \
  inline RET shmem##OP PARAMS { return shmem_##NAME##OP ARGS; }
/* The same plus the context form, forwarding to shmem_ctx_NAMEOP(ctx, ARGS). */
#define CW_CXX_DEF_CTX(RET, OP, NAME, PARAMS, ARGS)              \
  CW_CXX_DEF(RET, OP, NAME, PARAMS, ARGS)                        \
  inline RET shmem##OP(shmem_ctx_t ctx, CW_CXX_UNPAREN PARAMS) { \
    return shmem_ctx_##NAME##OP(ctx, CW_CXX_UNPAREN ARGS);       \
  }

/* CW_CXX_UNLESS_LONG(NAME, tokens): the tokens, except for the entry whose TYPENAME is long
 * (there the plain extern "C" routine of shmem.h already is the long overload). */
#define CW_CXX_PROBE_long ~, 1
#define CW_CXX_SECOND(a, b, ...) b
#define CW_CXX_SECOND_(...) CW_CXX_SECOND(__VA_ARGS__)
#define CW_CXX_IS_LONG(NAME) CW_CXX_SECOND_(CW_CXX_PROBE_##NAME, 0, ~)
#define CW_CXX_CAT(a, b) CW_CXX_CAT_(a, b)
#define CW_CXX_CAT_(a, b) a##b
#define CW_CXX_UNLESS_LONG(NAME, ...) CW_CXX_CAT(CW_CXX_UNLESS_LONG_, CW_CXX_IS_LONG(NAME))(__VA_ARGS__)
#define CW_CXX_UNLESS_LONG_0(...) __VA_ARGS__
#define CW_CXX_UNLESS_LONG_1(...)

extern "C++" {

/* ---- RMA ---- */
#define CW_CXX_RMA(T, N, A)                                                                                \
  CW_CXX_DEF_CTX(void, _put, N, (T * dest, const T *source, size_t nelems, int pe),                        \
                 (dest, source, nelems, pe))                                                               \
  CW_CXX_DEF_CTX(void, _get, N, (T * dest, const T *source, size_t nelems, int pe),                        \
                 (dest, source, nelems, pe))                                                               \
  CW_CXX_DEF_CTX(void, _put_nbi, N, (T * dest, const T *source, size_t nelems, int pe),                    \
                 (dest, source, nelems, pe))                                                               \
  CW_CXX_DEF_CTX(void, _get_nbi, N, (T * dest, const T *source, size_t nelems, int pe),                    \
                 (dest, source, nelems, pe))                                                               \
  CW_CXX_DEF_CTX(void, _p, N, (T * dest, T value, int pe), (dest, value, pe))                              \
  CW_CXX_DEF_CTX(T, _g, N, (const T *source, int pe), (source, pe))                                        \
  CW_CXX_DEF_CTX(void, _iput, N,                                                                           \
                 (T * dest, const T *source, ptrdiff_t dst, ptrdiff_t sst, size_t nelems, int pe),         \
                 (dest, source, dst, sst, nelems, pe))                                                     \
  CW_CXX_DEF_CTX(void, _iget, N,                                                                           \
                 (T * dest, const T *source, ptrdiff_t dst, ptrdiff_t sst, size_t nelems, int pe),         \
                 (dest, source, dst, sst, nelems, pe))                                                     \
  CW_CXX_DEF_CTX(                                                                                          \
      void, _put_signal, N,                                                                                \
      (T * dest, const T *source, size_t nelems, uint64_t *sig_addr, uint64_t signal, int sig_op, int pe), \
      (dest, source, nelems, sig_addr, signal, sig_op, pe))                                                \
  CW_CXX_DEF_CTX(                                                                                          \
      void, _put_signal_nbi, N,                                                                            \
      (T * dest, const T *source, size_t nelems, uint64_t *sig_addr, uint64_t signal, int sig_op, int pe), \
      (dest, source, nelems, sig_addr, signal, sig_op, pe))
CW_GENERIC_RMA_TYPES(CW_CXX_RMA, ~)
#undef CW_CXX_RMA

/* ---- AMO ---- */
#define CW_CXX_AMO_STANDARD(T, N, A)                                                                       \
  CW_CXX_DEF_CTX(T, _atomic_fetch_inc, N, (T * dest, int pe), (dest, pe))                                  \
  CW_CXX_DEF_CTX(void, _atomic_inc, N, (T * dest, int pe), (dest, pe))                                     \
  CW_CXX_DEF_CTX(T, _atomic_fetch_add, N, (T * dest, T value, int pe), (dest, value, pe))                  \
  CW_CXX_DEF_CTX(void, _atomic_add, N, (T * dest, T value, int pe), (dest, value, pe))                     \
  CW_CXX_DEF_CTX(T, _atomic_compare_swap, N, (T * dest, T cond, T value, int pe), (dest, cond, value, pe)) \
  CW_CXX_DEF_CTX(void, _atomic_fetch_inc_nbi, N, (T * fetch, T * dest, int pe), (fetch, dest, pe))         \
  CW_CXX_DEF_CTX(void, _atomic_fetch_add_nbi, N, (T * fetch, T * dest, T value, int pe),                   \
                 (fetch, dest, value, pe))                                                                 \
  CW_CXX_DEF_CTX(void, _atomic_compare_swap_nbi, N, (T * fetch, T * dest, T cond, T value, int pe),        \
                 (fetch, dest, cond, value, pe))
CW_GENERIC_AMO_STANDARD_TYPES(CW_CXX_AMO_STANDARD, ~)
#undef CW_CXX_AMO_STANDARD

#define CW_CXX_AMO_EXTENDED(T, N, A)                                                                    \
  CW_CXX_DEF_CTX(T, _atomic_fetch, N, (const T *source, int pe), (source, pe))                          \
  CW_CXX_DEF_CTX(void, _atomic_set, N, (T * dest, T value, int pe), (dest, value, pe))                  \
  CW_CXX_DEF_CTX(T, _atomic_swap, N, (T * dest, T value, int pe), (dest, value, pe))                    \
  CW_CXX_DEF_CTX(void, _atomic_fetch_nbi, N, (T * fetch, const T *source, int pe), (fetch, source, pe)) \
  CW_CXX_DEF_CTX(void, _atomic_swap_nbi, N, (T * fetch, T * dest, T value, int pe), (fetch, dest, value, pe))
CW_GENERIC_AMO_EXTENDED_TYPES(CW_CXX_AMO_EXTENDED, ~)
#undef CW_CXX_AMO_EXTENDED

#define CW_CXX_AMO_BITWISE_OP(T, N, OP)                                                     \
  CW_CXX_DEF_CTX(T, _atomic_fetch_##OP, N, (T * dest, T value, int pe), (dest, value, pe))  \
  CW_CXX_DEF_CTX(void, _atomic_##OP, N, (T * dest, T value, int pe), (dest, value, pe))     \
  CW_CXX_DEF_CTX(void, _atomic_fetch_##OP##_nbi, N, (T * fetch, T * dest, T value, int pe), \
                 (fetch, dest, value, pe))
/* and/or/xor are alternative tokens in C++, but pasting uses their spelling (as in shmem.h). */
#define CW_CXX_AMO_BITWISE(T, N, A) \
  CW_CXX_AMO_BITWISE_OP(T, N, and) CW_CXX_AMO_BITWISE_OP(T, N, or) CW_CXX_AMO_BITWISE_OP(T, N, xor)
CW_GENERIC_AMO_BITWISE_TYPES(CW_CXX_AMO_BITWISE, ~)
#undef CW_CXX_AMO_BITWISE
#undef CW_CXX_AMO_BITWISE_OP

/* ---- Point-to-point synchronization (no context forms) ---- */
#define CW_CXX_P2P(T, N, A)                                                                                 \
  CW_CXX_UNLESS_LONG(                                                                                       \
      N, CW_CXX_DEF(void, _wait_until, N, (T * ivar, int cmp, T cmp_value), (ivar, cmp, cmp_value)))        \
  CW_CXX_DEF(void, _wait_until_all, N, (T * ivars, size_t nelems, const int *status, int cmp, T cmp_value), \
             (ivars, nelems, status, cmp, cmp_value))                                                       \
  CW_CXX_DEF(size_t, _wait_until_any, N,                                                                    \
             (T * ivars, size_t nelems, const int *status, int cmp, T cmp_value),                           \
             (ivars, nelems, status, cmp, cmp_value))                                                       \
  CW_CXX_DEF(size_t, _wait_until_some, N,                                                                   \
             (T * ivars, size_t nelems, size_t * indices, const int *status, int cmp, T cmp_value),         \
             (ivars, nelems, indices, status, cmp, cmp_value))                                              \
  CW_CXX_DEF(void, _wait_until_all_vector, N,                                                               \
             (T * ivars, size_t nelems, const int *status, int cmp, T *cmp_values),                         \
             (ivars, nelems, status, cmp, cmp_values))                                                      \
  CW_CXX_DEF(size_t, _wait_until_any_vector, N,                                                             \
             (T * ivars, size_t nelems, const int *status, int cmp, T *cmp_values),                         \
             (ivars, nelems, status, cmp, cmp_values))                                                      \
  CW_CXX_DEF(size_t, _wait_until_some_vector, N,                                                            \
             (T * ivars, size_t nelems, size_t * indices, const int *status, int cmp, T *cmp_values),       \
             (ivars, nelems, indices, status, cmp, cmp_values))                                             \
  CW_CXX_DEF(int, _test, N, (T * ivar, int cmp, T cmp_value), (ivar, cmp, cmp_value))                       \
  CW_CXX_DEF(int, _test_all, N, (T * ivars, size_t nelems, const int *status, int cmp, T cmp_value),        \
             (ivars, nelems, status, cmp, cmp_value))                                                       \
  CW_CXX_DEF(size_t, _test_any, N, (T * ivars, size_t nelems, const int *status, int cmp, T cmp_value),     \
             (ivars, nelems, status, cmp, cmp_value))                                                       \
  CW_CXX_DEF(size_t, _test_some, N,                                                                         \
             (T * ivars, size_t nelems, size_t * indices, const int *status, int cmp, T cmp_value),         \
             (ivars, nelems, indices, status, cmp, cmp_value))                                              \
  CW_CXX_DEF(int, _test_all_vector, N,                                                                      \
             (T * ivars, size_t nelems, const int *status, int cmp, T *cmp_values),                         \
             (ivars, nelems, status, cmp, cmp_values))                                                      \
  CW_CXX_DEF(size_t, _test_any_vector, N,                                                                   \
             (T * ivars, size_t nelems, const int *status, int cmp, T *cmp_values),                         \
             (ivars, nelems, status, cmp, cmp_values))                                                      \
  CW_CXX_DEF(size_t, _test_some_vector, N,                                                                  \
             (T * ivars, size_t nelems, size_t * indices, const int *status, int cmp, T *cmp_values),       \
             (ivars, nelems, indices, status, cmp, cmp_values))
CW_GENERIC_P2P_SYNC_TYPES(CW_CXX_P2P, ~)
#undef CW_CXX_P2P

/* ---- Team collectives ---- */
#ifdef CW_GENERIC_HAVE_COLLECTIVES
#define CW_CXX_COLL(T, N, A)                                                                                 \
  CW_CXX_DEF(int, _broadcast, N, (shmem_team_t team, T * dest, const T *source, size_t nelems, int PE_root), \
             (team, dest, source, nelems, PE_root))                                                          \
  CW_CXX_DEF(int, _collect, N, (shmem_team_t team, T * dest, const T *source, size_t nelems),                \
             (team, dest, source, nelems))                                                                   \
  CW_CXX_DEF(int, _fcollect, N, (shmem_team_t team, T * dest, const T *source, size_t nelems),               \
             (team, dest, source, nelems))                                                                   \
  CW_CXX_DEF(int, _alltoall, N, (shmem_team_t team, T * dest, const T *source, size_t nelems),               \
             (team, dest, source, nelems))                                                                   \
  CW_CXX_DEF(int, _alltoalls, N,                                                                             \
             (shmem_team_t team, T * dest, const T *source, ptrdiff_t dst, ptrdiff_t sst, size_t nelems),    \
             (team, dest, source, dst, sst, nelems))
CW_GENERIC_RMA_TYPES(CW_CXX_COLL, ~)
#undef CW_CXX_COLL

/* A is the operation's suffix (_and_reduce, ...). */
#define CW_CXX_REDUCE(T, N, A)                                                          \
  CW_CXX_DEF(int, A, N, (shmem_team_t team, T * dest, const T *source, size_t nreduce), \
             (team, dest, source, nreduce))
CW_GENERIC_REDUCE_BITWISE_TYPES(CW_CXX_REDUCE, _and_reduce)
CW_GENERIC_REDUCE_BITWISE_TYPES(CW_CXX_REDUCE, _or_reduce)
CW_GENERIC_REDUCE_BITWISE_TYPES(CW_CXX_REDUCE, _xor_reduce)
CW_GENERIC_REDUCE_MINMAX_TYPES(CW_CXX_REDUCE, _max_reduce)
CW_GENERIC_REDUCE_MINMAX_TYPES(CW_CXX_REDUCE, _min_reduce)
CW_GENERIC_REDUCE_ARITH_TYPES(CW_CXX_REDUCE, _sum_reduce)
CW_GENERIC_REDUCE_ARITH_TYPES(CW_CXX_REDUCE, _prod_reduce)
/* OpenSHMEM 1.6 prefix sums take the same arguments as a reduction. */
CW_GENERIC_REDUCE_ARITH_TYPES(CW_CXX_REDUCE, _sum_inscan)
CW_GENERIC_REDUCE_ARITH_TYPES(CW_CXX_REDUCE, _sum_exscan)
#undef CW_CXX_REDUCE
#endif /* CW_GENERIC_HAVE_COLLECTIVES */

/* ---- Deprecated generic names (no context forms) ---- */
#define CW_CXX_DEPRECATED_AMO(T, N, A)                                      \
  CW_CXX_DEF(T, _finc, N, (T * dest, int pe), (dest, pe))                   \
  CW_CXX_DEF(void, _inc, N, (T * dest, int pe), (dest, pe))                 \
  CW_CXX_DEF(T, _fadd, N, (T * dest, T value, int pe), (dest, value, pe))   \
  CW_CXX_DEF(void, _add, N, (T * dest, T value, int pe), (dest, value, pe)) \
  CW_CXX_DEF(T, _cswap, N, (T * dest, T cond, T value, int pe), (dest, cond, value, pe))
CW_GENERIC_DEPRECATED_AMO_TYPES(CW_CXX_DEPRECATED_AMO, ~)
#undef CW_CXX_DEPRECATED_AMO
#define CW_CXX_DEPRECATED_EXTENDED_AMO(T, N, A)                             \
  CW_CXX_DEF(T, _fetch, N, (const T *source, int pe), (source, pe))         \
  CW_CXX_DEF(void, _set, N, (T * dest, T value, int pe), (dest, value, pe)) \
  CW_CXX_UNLESS_LONG(N, CW_CXX_DEF(T, _swap, N, (T * dest, T value, int pe), (dest, value, pe)))
CW_GENERIC_DEPRECATED_EXTENDED_AMO_TYPES(CW_CXX_DEPRECATED_EXTENDED_AMO, ~)
#undef CW_CXX_DEPRECATED_EXTENDED_AMO
#define CW_CXX_DEPRECATED_WAIT(T, N, A) \
  CW_CXX_UNLESS_LONG(N, CW_CXX_DEF(void, _wait, N, (T * ivar, T cmp_value), (ivar, cmp_value)))
CW_GENERIC_DEPRECATED_WAIT_TYPES(CW_CXX_DEPRECATED_WAIT, ~)
#undef CW_CXX_DEPRECATED_WAIT

} /* extern "C++" */

#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
/* ====================================== C11 ====================================== */

#define CW_GEN_CAT(a, b) CW_GEN_CAT_(a, b)
#define CW_GEN_CAT_(a, b) a##b
/* The number of arguments, 1 to 10. */
#define CW_GEN_NARGS(...) CW_GEN_NARGS_(__VA_ARGS__, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define CW_GEN_NARGS_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, n, ...) n
/* The first and second arguments (a trailing ~ keeps the variadic part non-empty for -pedantic). */
#define CW_GEN_ARG0(...) CW_GEN_ARG0_(__VA_ARGS__, ~)
#define CW_GEN_ARG0_(a, ...) a
#define CW_GEN_ARG1(...) CW_GEN_ARG1_(__VA_ARGS__, ~)
#define CW_GEN_ARG1_(a, b, ...) b

/* Associations, one per list entry: ", TYPE: shmem_NAMEOP" or ", TYPE: shmem_ctx_NAMEOP". OP is
 * the routine's suffix with its leading underscore (_put), a reserved spelling no program
 * defines as a macro. */
#define CW_GEN_ASSOC(TYPE, NAME, OP) , TYPE : shmem_##NAME##OP
#define CW_GEN_ASSOC_CTX(TYPE, NAME, OP) , TYPE : shmem_ctx_##NAME##OP

/* The typed routine chosen by what PTR points to, called with the arguments. The controlling
 * expression is not evaluated and drops qualifiers (lvalue conversion), so const TYPE * selects
 * the same routine as TYPE *. */
#define CW_GEN_CALL(PTR, ASSOC, LIST, OP, ...) _Generic (*(PTR)LIST(ASSOC, OP))(__VA_ARGS__)
/* Plain form: dispatch on the first argument. Team collectives: on the second (after the team). */
#define CW_GEN_ON_ARG0(LIST, OP, ...) \
  CW_GEN_CALL(CW_GEN_ARG0(__VA_ARGS__), CW_GEN_ASSOC, LIST, OP, __VA_ARGS__)
#define CW_GEN_ON_ARG1(LIST, OP, ...) \
  CW_GEN_CALL(CW_GEN_ARG1(__VA_ARGS__), CW_GEN_ASSOC, LIST, OP, __VA_ARGS__)
/* Context form: the context first, dispatch on the second argument. */
#define CW_GEN_ON_CTX(LIST, OP, ...) \
  CW_GEN_CALL(CW_GEN_ARG1(__VA_ARGS__), CW_GEN_ASSOC_CTX, LIST, OP, __VA_ARGS__)

/* A routine whose plain form takes K arguments: K arguments select the plain form, K + 1 the
 * context form; any other count names an undefined CW_GEN_K<K>_<count> and does not compile. */
#define CW_GEN_WITH_CTX(K, LIST, OP, ...) \
  CW_GEN_CAT(CW_GEN_K##K##_, CW_GEN_NARGS(__VA_ARGS__))(LIST, OP, __VA_ARGS__)
#define CW_GEN_K2_2 CW_GEN_ON_ARG0
#define CW_GEN_K2_3 CW_GEN_ON_CTX
#define CW_GEN_K3_3 CW_GEN_ON_ARG0
#define CW_GEN_K3_4 CW_GEN_ON_CTX
#define CW_GEN_K4_4 CW_GEN_ON_ARG0
#define CW_GEN_K4_5 CW_GEN_ON_CTX
#define CW_GEN_K5_5 CW_GEN_ON_ARG0
#define CW_GEN_K5_6 CW_GEN_ON_CTX
#define CW_GEN_K6_6 CW_GEN_ON_ARG0
#define CW_GEN_K6_7 CW_GEN_ON_CTX
#define CW_GEN_K7_7 CW_GEN_ON_ARG0
#define CW_GEN_K7_8 CW_GEN_ON_CTX

/* ---- RMA ---- */
#define shmem_put(...) CW_GEN_WITH_CTX(4, CW_GENERIC_RMA_TYPES, _put, __VA_ARGS__)
#define shmem_get(...) CW_GEN_WITH_CTX(4, CW_GENERIC_RMA_TYPES, _get, __VA_ARGS__)
#define shmem_put_nbi(...) CW_GEN_WITH_CTX(4, CW_GENERIC_RMA_TYPES, _put_nbi, __VA_ARGS__)
#define shmem_get_nbi(...) CW_GEN_WITH_CTX(4, CW_GENERIC_RMA_TYPES, _get_nbi, __VA_ARGS__)
#define shmem_p(...) CW_GEN_WITH_CTX(3, CW_GENERIC_RMA_TYPES, _p, __VA_ARGS__)
#define shmem_g(...) CW_GEN_WITH_CTX(2, CW_GENERIC_RMA_TYPES, _g, __VA_ARGS__)
#define shmem_iput(...) CW_GEN_WITH_CTX(6, CW_GENERIC_RMA_TYPES, _iput, __VA_ARGS__)
#define shmem_iget(...) CW_GEN_WITH_CTX(6, CW_GENERIC_RMA_TYPES, _iget, __VA_ARGS__)
#define shmem_put_signal(...) CW_GEN_WITH_CTX(7, CW_GENERIC_RMA_TYPES, _put_signal, __VA_ARGS__)
#define shmem_put_signal_nbi(...) CW_GEN_WITH_CTX(7, CW_GENERIC_RMA_TYPES, _put_signal_nbi, __VA_ARGS__)

/* ---- AMO ---- */
#define shmem_atomic_fetch_inc(...) \
  CW_GEN_WITH_CTX(2, CW_GENERIC_AMO_STANDARD_TYPES, _atomic_fetch_inc, __VA_ARGS__)
#define shmem_atomic_inc(...) CW_GEN_WITH_CTX(2, CW_GENERIC_AMO_STANDARD_TYPES, _atomic_inc, __VA_ARGS__)
#define shmem_atomic_fetch_add(...) \
  CW_GEN_WITH_CTX(3, CW_GENERIC_AMO_STANDARD_TYPES, _atomic_fetch_add, __VA_ARGS__)
#define shmem_atomic_add(...) CW_GEN_WITH_CTX(3, CW_GENERIC_AMO_STANDARD_TYPES, _atomic_add, __VA_ARGS__)
#define shmem_atomic_compare_swap(...) \
  CW_GEN_WITH_CTX(4, CW_GENERIC_AMO_STANDARD_TYPES, _atomic_compare_swap, __VA_ARGS__)
#define shmem_atomic_fetch_inc_nbi(...) \
  CW_GEN_WITH_CTX(3, CW_GENERIC_AMO_STANDARD_TYPES, _atomic_fetch_inc_nbi, __VA_ARGS__)
#define shmem_atomic_fetch_add_nbi(...) \
  CW_GEN_WITH_CTX(4, CW_GENERIC_AMO_STANDARD_TYPES, _atomic_fetch_add_nbi, __VA_ARGS__)
#define shmem_atomic_compare_swap_nbi(...) \
  CW_GEN_WITH_CTX(5, CW_GENERIC_AMO_STANDARD_TYPES, _atomic_compare_swap_nbi, __VA_ARGS__)

#define shmem_atomic_fetch(...) CW_GEN_WITH_CTX(2, CW_GENERIC_AMO_EXTENDED_TYPES, _atomic_fetch, __VA_ARGS__)
#define shmem_atomic_set(...) CW_GEN_WITH_CTX(3, CW_GENERIC_AMO_EXTENDED_TYPES, _atomic_set, __VA_ARGS__)
#define shmem_atomic_swap(...) CW_GEN_WITH_CTX(3, CW_GENERIC_AMO_EXTENDED_TYPES, _atomic_swap, __VA_ARGS__)
#define shmem_atomic_fetch_nbi(...) \
  CW_GEN_WITH_CTX(3, CW_GENERIC_AMO_EXTENDED_TYPES, _atomic_fetch_nbi, __VA_ARGS__)
#define shmem_atomic_swap_nbi(...) \
  CW_GEN_WITH_CTX(4, CW_GENERIC_AMO_EXTENDED_TYPES, _atomic_swap_nbi, __VA_ARGS__)

#define shmem_atomic_fetch_and(...) \
  CW_GEN_WITH_CTX(3, CW_GENERIC_AMO_BITWISE_TYPES, _atomic_fetch_and, __VA_ARGS__)
#define shmem_atomic_and(...) CW_GEN_WITH_CTX(3, CW_GENERIC_AMO_BITWISE_TYPES, _atomic_and, __VA_ARGS__)
#define shmem_atomic_fetch_or(...) \
  CW_GEN_WITH_CTX(3, CW_GENERIC_AMO_BITWISE_TYPES, _atomic_fetch_or, __VA_ARGS__)
#define shmem_atomic_or(...) CW_GEN_WITH_CTX(3, CW_GENERIC_AMO_BITWISE_TYPES, _atomic_or, __VA_ARGS__)
#define shmem_atomic_fetch_xor(...) \
  CW_GEN_WITH_CTX(3, CW_GENERIC_AMO_BITWISE_TYPES, _atomic_fetch_xor, __VA_ARGS__)
#define shmem_atomic_xor(...) CW_GEN_WITH_CTX(3, CW_GENERIC_AMO_BITWISE_TYPES, _atomic_xor, __VA_ARGS__)
#define shmem_atomic_fetch_and_nbi(...) \
  CW_GEN_WITH_CTX(4, CW_GENERIC_AMO_BITWISE_TYPES, _atomic_fetch_and_nbi, __VA_ARGS__)
#define shmem_atomic_fetch_or_nbi(...) \
  CW_GEN_WITH_CTX(4, CW_GENERIC_AMO_BITWISE_TYPES, _atomic_fetch_or_nbi, __VA_ARGS__)
#define shmem_atomic_fetch_xor_nbi(...) \
  CW_GEN_WITH_CTX(4, CW_GENERIC_AMO_BITWISE_TYPES, _atomic_fetch_xor_nbi, __VA_ARGS__)

/* ---- Point-to-point synchronization (no context forms) ---- */
#define shmem_wait_until(...) CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _wait_until, __VA_ARGS__)
#define shmem_wait_until_all(...) CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _wait_until_all, __VA_ARGS__)
#define shmem_wait_until_any(...) CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _wait_until_any, __VA_ARGS__)
#define shmem_wait_until_some(...) CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _wait_until_some, __VA_ARGS__)
#define shmem_wait_until_all_vector(...) \
  CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _wait_until_all_vector, __VA_ARGS__)
#define shmem_wait_until_any_vector(...) \
  CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _wait_until_any_vector, __VA_ARGS__)
#define shmem_wait_until_some_vector(...) \
  CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _wait_until_some_vector, __VA_ARGS__)
#define shmem_test(...) CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _test, __VA_ARGS__)
#define shmem_test_all(...) CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _test_all, __VA_ARGS__)
#define shmem_test_any(...) CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _test_any, __VA_ARGS__)
#define shmem_test_some(...) CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _test_some, __VA_ARGS__)
#define shmem_test_all_vector(...) CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _test_all_vector, __VA_ARGS__)
#define shmem_test_any_vector(...) CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _test_any_vector, __VA_ARGS__)
#define shmem_test_some_vector(...) CW_GEN_ON_ARG0(CW_GENERIC_P2P_SYNC_TYPES, _test_some_vector, __VA_ARGS__)

/* ---- Team collectives (the team first, dispatch on dest) ---- */
#ifdef CW_GENERIC_HAVE_COLLECTIVES
#define shmem_broadcast(...) CW_GEN_ON_ARG1(CW_GENERIC_RMA_TYPES, _broadcast, __VA_ARGS__)
#define shmem_collect(...) CW_GEN_ON_ARG1(CW_GENERIC_RMA_TYPES, _collect, __VA_ARGS__)
#define shmem_fcollect(...) CW_GEN_ON_ARG1(CW_GENERIC_RMA_TYPES, _fcollect, __VA_ARGS__)
#define shmem_alltoall(...) CW_GEN_ON_ARG1(CW_GENERIC_RMA_TYPES, _alltoall, __VA_ARGS__)
#define shmem_alltoalls(...) CW_GEN_ON_ARG1(CW_GENERIC_RMA_TYPES, _alltoalls, __VA_ARGS__)
#define shmem_and_reduce(...) CW_GEN_ON_ARG1(CW_GENERIC_REDUCE_BITWISE_TYPES, _and_reduce, __VA_ARGS__)
#define shmem_or_reduce(...) CW_GEN_ON_ARG1(CW_GENERIC_REDUCE_BITWISE_TYPES, _or_reduce, __VA_ARGS__)
#define shmem_xor_reduce(...) CW_GEN_ON_ARG1(CW_GENERIC_REDUCE_BITWISE_TYPES, _xor_reduce, __VA_ARGS__)
#define shmem_max_reduce(...) CW_GEN_ON_ARG1(CW_GENERIC_REDUCE_MINMAX_TYPES, _max_reduce, __VA_ARGS__)
#define shmem_min_reduce(...) CW_GEN_ON_ARG1(CW_GENERIC_REDUCE_MINMAX_TYPES, _min_reduce, __VA_ARGS__)
#define shmem_sum_reduce(...) CW_GEN_ON_ARG1(CW_GENERIC_REDUCE_ARITH_TYPES, _sum_reduce, __VA_ARGS__)
#define shmem_prod_reduce(...) CW_GEN_ON_ARG1(CW_GENERIC_REDUCE_ARITH_TYPES, _prod_reduce, __VA_ARGS__)
#define shmem_sum_inscan(...) CW_GEN_ON_ARG1(CW_GENERIC_REDUCE_ARITH_TYPES, _sum_inscan, __VA_ARGS__)
#define shmem_sum_exscan(...) CW_GEN_ON_ARG1(CW_GENERIC_REDUCE_ARITH_TYPES, _sum_exscan, __VA_ARGS__)
#endif

/* ---- Deprecated generic names (OpenSHMEM 1.3; no context forms) ---- */
#define shmem_finc(...) CW_GEN_ON_ARG0(CW_GENERIC_DEPRECATED_AMO_TYPES, _finc, __VA_ARGS__)
#define shmem_inc(...) CW_GEN_ON_ARG0(CW_GENERIC_DEPRECATED_AMO_TYPES, _inc, __VA_ARGS__)
#define shmem_fadd(...) CW_GEN_ON_ARG0(CW_GENERIC_DEPRECATED_AMO_TYPES, _fadd, __VA_ARGS__)
#define shmem_add(...) CW_GEN_ON_ARG0(CW_GENERIC_DEPRECATED_AMO_TYPES, _add, __VA_ARGS__)
#define shmem_cswap(...) CW_GEN_ON_ARG0(CW_GENERIC_DEPRECATED_AMO_TYPES, _cswap, __VA_ARGS__)
#define shmem_fetch(...) CW_GEN_ON_ARG0(CW_GENERIC_DEPRECATED_EXTENDED_AMO_TYPES, _fetch, __VA_ARGS__)
#define shmem_set(...) CW_GEN_ON_ARG0(CW_GENERIC_DEPRECATED_EXTENDED_AMO_TYPES, _set, __VA_ARGS__)
#define shmem_swap(...) CW_GEN_ON_ARG0(CW_GENERIC_DEPRECATED_EXTENDED_AMO_TYPES, _swap, __VA_ARGS__)
#define shmem_wait(...) CW_GEN_ON_ARG0(CW_GENERIC_DEPRECATED_WAIT_TYPES, _wait, __VA_ARGS__)

#endif /* C++ / C11 */

#endif /* CAUSEWAY_SHMEM_GENERIC_H */
