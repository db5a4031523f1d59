/* SPDX-License-Identifier: BSD-3-Clause */
/* The one list of OpenSHMEM 1.5 types per API group. shmem.h declares, and the library defines,
 * every typed function by expanding these lists; nothing typed is written out per type.
 * Each entry is X(TYPE, TYPENAME). */
#ifndef CAUSEWAY_SHMEM_TYPE_LISTS_H
#define CAUSEWAY_SHMEM_TYPE_LISTS_H
/* The X-macro lists below are laid out by hand. */
/* clang-format off */

#include <stddef.h>
#include <stdint.h>

/* The complex types of the sum/prod reductions: the C types double _Complex and float _Complex,
 * the spec's TYPE. C++ has no _Complex in the standard, but GCC and Clang (__GNUC__) accept it as
 * an extension, so there the C routines are declared with the same C types (and shmem.h adds
 * std::complex overloads that forward). Without them (__STDC_NO_COMPLEX__ in C, another C++
 * compiler, or CAUSEWAY_NO_C_COMPLEX) C declares no complex routines and C++ declares them with
 * the layout-compatible std::complex. */
#if !defined(CAUSEWAY_NO_C_COMPLEX) && \
    ((defined(__cplusplus) && defined(__GNUC__)) || (!defined(__cplusplus) && !defined(__STDC_NO_COMPLEX__)))
#define CW_HAVE_C_COMPLEX 1
#if defined(__GNUC__)
__extension__ typedef double _Complex cw_complexd_t; /* __extension__: no -Wpedantic note in C++ */
__extension__ typedef float _Complex cw_complexf_t;
#else
typedef double _Complex cw_complexd_t;
typedef float _Complex cw_complexf_t;
#endif
#endif

/* Standard RMA types (spec Table 5): put, get, p, g, iput, iget, nbi. */
#define CW_RMA_TYPES(X)                                                                        \
  X(float, float) X(double, double) X(long double, longdouble) X(char, char)                  \
  X(signed char, schar) X(short, short) X(int, int) X(long, long) X(long long, longlong)      \
  X(unsigned char, uchar) X(unsigned short, ushort) X(unsigned int, uint)                     \
  X(unsigned long, ulong) X(unsigned long long, ulonglong) X(int8_t, int8) X(int16_t, int16) \
  X(int32_t, int32) X(int64_t, int64) X(uint8_t, uint8) X(uint16_t, uint16)                   \
  X(uint32_t, uint32) X(uint64_t, uint64) X(size_t, size) X(ptrdiff_t, ptrdiff)

/* Sized RMA variants: X(BITS, BYTES). putmem/getmem are the byte-granular form. */
#define CW_SIZED_RMA(X) X(8, 1) X(16, 2) X(32, 4) X(64, 8) X(128, 16)

/* Standard AMO types (Table 6): inc, fetch_inc, add, fetch_add, compare_swap. */
#define CW_AMO_STANDARD_TYPES(X)                                                         \
  X(int, int) X(long, long) X(long long, longlong) X(unsigned int, uint)                 \
  X(unsigned long, ulong) X(unsigned long long, ulonglong) X(int32_t, int32)             \
  X(int64_t, int64) X(uint32_t, uint32) X(uint64_t, uint64) X(size_t, size)              \
  X(ptrdiff_t, ptrdiff)

/* Extended AMO types: fetch, set, swap (the standard types plus float and double). */
#define CW_AMO_EXTENDED_TYPES(X) X(float, float) X(double, double) CW_AMO_STANDARD_TYPES(X)

/* Bitwise AMO types: and, or, xor and their fetching forms. */
#define CW_AMO_BITWISE_TYPES(X)                                                              \
  X(unsigned int, uint) X(unsigned long, ulong) X(unsigned long long, ulonglong)             \
  X(int32_t, int32) X(int64_t, int64) X(uint32_t, uint32) X(uint64_t, uint64)

/* Point-to-point synchronization types (Table 10): wait_until and test families. */
#define CW_P2P_SYNC_TYPES(X)                                                                \
  X(short, short) X(int, int) X(long, long) X(long long, longlong)                          \
  X(unsigned short, ushort) X(unsigned int, uint) X(unsigned long, ulong)                   \
  X(unsigned long long, ulonglong) X(int32_t, int32) X(int64_t, int64) X(uint32_t, uint32) \
  X(uint64_t, uint64) X(size_t, size) X(ptrdiff_t, ptrdiff)

/* Deprecated (OpenSHMEM 1.3) AMO names kept for old programs. */
#define CW_DEPRECATED_AMO_TYPES(X) X(int, int) X(long, long) X(long long, longlong)
#define CW_DEPRECATED_EXTENDED_AMO_TYPES(X) X(float, float) X(double, double) CW_DEPRECATED_AMO_TYPES(X)
#define CW_DEPRECATED_WAIT_TYPES(X) X(short, short) X(int, int) X(long, long) X(long long, longlong)

/* ---- Lists for the type-generic interfaces (causeway/shmem_generic.h) ----
 * _Generic associations and C++ overloads must name distinct types, but the lists above repeat
 * types through typedefs (int32_t is int, int64_t and ptrdiff_t are long, uint64_t and size_t are
 * unsigned long, ...). These lists hold each C type once; every typedef of a spec table is one of
 * them, so a program using any type of the table still resolves to a typed routine of the same
 * width and signedness. Where a table lacks a standard type (the bitwise lists have no plain int,
 * long, signed char or short), its exact-width signed typedefs stand in: they are distinct from
 * the unsigned types and from each other on every platform. Entries are X(TYPE, TYPENAME, A); A is
 * passed through unchanged, so one association macro serves every routine. */

/* Standard RMA types (spec table stdrmatypes): put, p, iput, get, g, iget, put_nbi, get_nbi, put_signal[_nbi],
 * and the team collectives broadcast, collect, fcollect, alltoall, alltoalls. */
#define CW_GENERIC_RMA_TYPES(X, A)                                                             \
  X(char, char, A) X(signed char, schar, A) X(short, short, A) X(int, int, A) X(long, long, A) \
  X(long long, longlong, A) X(unsigned char, uchar, A) X(unsigned short, ushort, A)            \
  X(unsigned int, uint, A) X(unsigned long, ulong, A) X(unsigned long long, ulonglong, A)      \
  X(float, float, A) X(double, double, A) X(long double, longdouble, A)

/* Standard AMO types (stdamotypes): compare_swap, fetch_inc, inc, fetch_add, add (and _nbi forms). */
#define CW_GENERIC_AMO_STANDARD_TYPES(X, A)                                                 \
  X(int, int, A) X(long, long, A) X(long long, longlong, A) X(unsigned int, uint, A)        \
  X(unsigned long, ulong, A) X(unsigned long long, ulonglong, A)

/* Extended AMO types (extamotypes): fetch, set, swap (and _nbi forms). */
#define CW_GENERIC_AMO_EXTENDED_TYPES(X, A) \
  X(float, float, A) X(double, double, A) CW_GENERIC_AMO_STANDARD_TYPES(X, A)

/* Bitwise AMO types (bitamotypes): fetch_and, and, fetch_or, or, fetch_xor, xor (and _nbi forms). */
#define CW_GENERIC_AMO_BITWISE_TYPES(X, A)                                                      \
  X(unsigned int, uint, A) X(unsigned long, ulong, A) X(unsigned long long, ulonglong, A)      \
  X(int32_t, int32, A) X(int64_t, int64, A)

/* Point-to-point synchronization types (p2psynctypes): wait_until and test families. */
#define CW_GENERIC_P2P_SYNC_TYPES(X, A)                                                        \
  X(short, short, A) X(int, int, A) X(long, long, A) X(long long, longlong, A)                 \
  X(unsigned short, ushort, A) X(unsigned int, uint, A) X(unsigned long, ulong, A)             \
  X(unsigned long long, ulonglong, A)

/* Team-based reduction types: and/or/xor, max/min, and sum/prod (which add the complex types).
 * The complex entries are the C complex types (cw_complexd_t, cw_complexf_t above) and, in C++,
 * std::complex as well (expanded only where <complex> is included, as shmem_collectives.h does). */
#define CW_GENERIC_REDUCE_BITWISE_TYPES(X, A)                                                  \
  X(unsigned char, uchar, A) X(unsigned short, ushort, A) X(unsigned int, uint, A)             \
  X(unsigned long, ulong, A) X(unsigned long long, ulonglong, A) X(int8_t, int8, A)            \
  X(int16_t, int16, A) X(int32_t, int32, A) X(int64_t, int64, A)
#define CW_GENERIC_REDUCE_MINMAX_TYPES(X, A) CW_GENERIC_RMA_TYPES(X, A)
#if defined(__cplusplus) && defined(CW_HAVE_C_COMPLEX)
#define CW_GENERIC_COMPLEX_TYPES(X, A) X(std::complex<double>, complexd, A) X(std::complex<float>, complexf, A) \
  X(cw_complexd_t, complexd, A) X(cw_complexf_t, complexf, A)
#elif defined(__cplusplus)
#define CW_GENERIC_COMPLEX_TYPES(X, A) X(std::complex<double>, complexd, A) X(std::complex<float>, complexf, A)
#elif defined(CW_HAVE_C_COMPLEX)
#define CW_GENERIC_COMPLEX_TYPES(X, A) X(cw_complexd_t, complexd, A) X(cw_complexf_t, complexf, A)
#else
#define CW_GENERIC_COMPLEX_TYPES(X, A)
#endif
#define CW_GENERIC_REDUCE_ARITH_TYPES(X, A) \
  CW_GENERIC_REDUCE_MINMAX_TYPES(X, A) CW_GENERIC_COMPLEX_TYPES(X, A)

/* Deprecated generic names (shmem_fetch, shmem_set, shmem_swap, shmem_cswap, shmem_finc,
 * shmem_inc, shmem_fadd, shmem_add, shmem_wait) over their OpenSHMEM 1.3 types. */
#define CW_GENERIC_DEPRECATED_AMO_TYPES(X, A) X(int, int, A) X(long, long, A) X(long long, longlong, A)
#define CW_GENERIC_DEPRECATED_EXTENDED_AMO_TYPES(X, A) \
  X(float, float, A) X(double, double, A) CW_GENERIC_DEPRECATED_AMO_TYPES(X, A)
#define CW_GENERIC_DEPRECATED_WAIT_TYPES(X, A) X(short, short, A) CW_GENERIC_DEPRECATED_AMO_TYPES(X, A)

/* clang-format on */
#endif
