/* SPDX-License-Identifier: BSD-3-Clause */
/* Causeway perf suite: what the OpenSHMEM benchmarks share on top of common.h.
 *
 * Written against shmem.h only, so the same sources build with Causeway and with another
 * OpenSHMEM's oshcc. Parts of the API that not every library has are behind feature checks on
 * macros the specification defines; a case whose API is missing stays in the table with a reason
 * (cw_case.unavailable), so its output says "skipped" instead of the case silently vanishing:
 *
 *   CW_HAVE_PUT_SIGNAL  shmem_putmem_signal, shmem_signal_wait_until       (SHMEM_SIGNAL_SET)
 *   CW_HAVE_TEAMS       team collectives: shmem_broadcastmem, _fcollectmem,
 *                       _alltoallmem, shmem_long_sum_reduce, shmem_team_sync
 *                       (SHMEM_TEAM_WORLD or SHMEM_TEAM_INVALID defined as macros; a library whose
 *                       team handles are only variables can build with -DCW_PERF_FORCE_TEAMS)
 *   CW_HAVE_ACTIVE_SET  OpenSHMEM 1.4 active-set collectives with pSync (SHMEM_BCAST_SYNC_SIZE),
 *                       used only when teams are not there
 *   CW_HAVE_SHMEM_15    OpenSHMEM 1.5 additions such as the non-blocking AMOs (SHMEM_MINOR_VERSION)
 */
#ifndef CW_PERF_SHMEM_H
#define CW_PERF_SHMEM_H

#include <shmem.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common.h" /* first: it sets the feature macros */

#if defined(SHMEM_SIGNAL_SET)
#define CW_HAVE_PUT_SIGNAL 1
#define CW_NEEDS_PUT_SIGNAL NULL
#else
#define CW_NEEDS_PUT_SIGNAL "needs shmem_putmem_signal (SHMEM_SIGNAL_SET is not defined by shmem.h)"
#endif

#if defined(SHMEM_TEAM_WORLD) || defined(SHMEM_TEAM_INVALID) || defined(CW_PERF_FORCE_TEAMS)
#define CW_HAVE_TEAMS 1
#elif defined(SHMEM_BCAST_SYNC_SIZE)
#define CW_HAVE_ACTIVE_SET 1
#endif
#if defined(CW_HAVE_TEAMS) || defined(CW_HAVE_ACTIVE_SET)
#define CW_NEEDS_COLLECTIVES NULL
#else
#define CW_NEEDS_COLLECTIVES "needs team collectives (SHMEM_TEAM_WORLD is not defined by shmem.h)"
#endif

#if SHMEM_MAJOR_VERSION > 1 || (SHMEM_MAJOR_VERSION == 1 && SHMEM_MINOR_VERSION >= 5)
#define CW_HAVE_SHMEM_15 1
#define CW_NEEDS_SHMEM_15 NULL
#else
#define CW_NEEDS_SHMEM_15 "needs OpenSHMEM 1.5 (non-blocking AMOs)"
#endif

/* Open MPI before 4.1.5: shmem_int_atomic_compare_swap writes 8 bytes into a 4-byte result and
 * smashes the caller's stack (fixed upstream in 4.1.5). */
#if defined(OSHMEM_MAJOR_VERSION) && \
    (OSHMEM_MAJOR_VERSION * 10000 + OSHMEM_MINOR_VERSION * 100 + OSHMEM_RELEASE_VERSION < 40105)
#define CW_HAVE_BROKEN_INT_CSWAP 1
#define CW_BROKEN_INT_CSWAP \
  "Open MPI < 4.1.5: shmem_int_atomic_compare_swap smashes the stack (fixed in 4.1.5)"
#else
#define CW_BROKEN_INT_CSWAP NULL
#endif

/* Contiguous transfers the RMA benchmarks share. */
typedef enum cw_xfer_op {
  CW_OP_PUT,     /* shmem_putmem */
  CW_OP_GET,     /* shmem_getmem */
  CW_OP_PUT_NBI, /* shmem_putmem_nbi */
  CW_OP_GET_NBI, /* shmem_getmem_nbi */
  CW_OP_P,       /* shmem_long_p of the first 8 source bytes */
  CW_OP_G,       /* shmem_long_g into the first 8 destination bytes */
} cw_xfer_op;

/* Put-like operations write the peer's dst from my src; get-like ones read the peer's src into my
 * dst. */
static inline void cw_xfer(int op, char *dst, const char *src, size_t size, int pe) {
  switch (op) {
    case CW_OP_PUT: shmem_putmem(dst, src, size, pe); break;
    case CW_OP_GET: shmem_getmem(dst, src, size, pe); break;
    case CW_OP_PUT_NBI: shmem_putmem_nbi(dst, src, size, pe); break;
    case CW_OP_GET_NBI: shmem_getmem_nbi(dst, src, size, pe); break;
    case CW_OP_P: shmem_long_p((long *)(void *)dst, *(const long *)(const void *)src, pe); break;
    case CW_OP_G: *(long *)(void *)dst = shmem_long_g((const long *)(const void *)src, pe); break;
  }
}

#endif /* CW_PERF_SHMEM_H */
