/* The one list of OpenSHMEM 1.5 types per API group. shmem.h declares, and the library defines,
 * every typed function by expanding these lists; nothing typed is written out per type.
 * Each entry is X(TYPE, TYPENAME). */
#ifndef CAUSEWAY_SHMEM_TYPE_LISTS_H
#define CAUSEWAY_SHMEM_TYPE_LISTS_H

#include <stddef.h>
#include <stdint.h>

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

#endif
