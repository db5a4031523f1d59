/* SPDX-License-Identifier: BSD-3-Clause */
/* cw_collectives: latency of collectives over all PEs, per size (bytes per PE). A sample's time is
 * the slowest PE's.
 *
 *   barrier_all, sync_all          always
 *   broadcast, fcollect, alltoall, reduce_sum (an all-reduce of longs)
 *                                  OpenSHMEM 1.5 team collectives on SHMEM_TEAM_WORLD when shmem.h
 *                                  has teams; else the OpenSHMEM 1.4 active-set forms (64-bit
 *                                  elements, two pSync arrays used in turn) where shmem.h has those;
 *                                  else reported as skipped. */
#include <stdlib.h>

#include "cw_shmem.h"

enum {
  C_BARRIER = 100,
  C_SYNC,
  C_BROADCAST = CW_COLL_BROADCAST,
  C_FCOLLECT = CW_COLL_FCOLLECT,
  C_ALLTOALL = CW_COLL_ALLTOALL,
  C_REDUCE_SUM = CW_COLL_REDUCE_SUM
};

#ifdef CW_HAVE_ACTIVE_SET
/* SHMEM_SYNC_SIZE words serve any collective; two arrays, used in turn by successive calls. */
static long cw_psync[2][SHMEM_SYNC_SIZE];
static long *cw_pwrk;
#endif

static void *setup(const cw_options *opt, const cw_comm *comm, cw_mem *heap) {
  (void)opt, (void)comm, (void)heap;
#ifdef CW_HAVE_ACTIVE_SET
  for (size_t i = 0; i < sizeof cw_psync / sizeof cw_psync[0][0]; ++i)
    (&cw_psync[0][0])[i] = SHMEM_SYNC_VALUE;
  size_t words = heap->bytes / sizeof(long) / 2 + 1;
  if (words < SHMEM_REDUCE_MIN_WRKDATA_SIZE) words = SHMEM_REDUCE_MIN_WRKDATA_SIZE;
  cw_pwrk = shmem_malloc(words * sizeof(long));
  shmem_barrier_all();
#endif
  return NULL;
}

static void teardown(void *unused) {
  (void)unused;
#ifdef CW_HAVE_ACTIVE_SET
  shmem_free(cw_pwrk);
#endif
}

static void collective(const cw_bench *b, long iteration) {
  char *dst = b->mem->dst;
  const char *src = b->mem->src;
  const size_t n = b->size;
  (void)iteration, (void)dst, (void)src, (void)n;
  switch (b->c->arg) {
    case C_BARRIER: shmem_barrier_all(); break;
    case C_SYNC: shmem_sync_all(); break;
#if defined(CW_HAVE_TEAMS)
    case C_BROADCAST: shmem_broadcastmem(SHMEM_TEAM_WORLD, dst, src, n, 0); break;
    case C_FCOLLECT: shmem_fcollectmem(SHMEM_TEAM_WORLD, dst, src, n); break;
    case C_ALLTOALL: shmem_alltoallmem(SHMEM_TEAM_WORLD, dst, src, n); break;
    case C_REDUCE_SUM:
      shmem_long_sum_reduce(SHMEM_TEAM_WORLD, (long *)(void *)dst, (const long *)(const void *)src,
                            n / sizeof(long));
      break;
#elif defined(CW_HAVE_ACTIVE_SET)
    case C_BROADCAST: shmem_broadcast64(dst, src, n / 8, 0, 0, 0, b->npes, cw_psync[iteration & 1]); break;
    case C_FCOLLECT: shmem_fcollect64(dst, src, n / 8, 0, 0, b->npes, cw_psync[iteration & 1]); break;
    case C_ALLTOALL: shmem_alltoall64(dst, src, n / 8, 0, 0, b->npes, cw_psync[iteration & 1]); break;
    case C_REDUCE_SUM:
      shmem_long_sum_to_all((long *)(void *)dst, (const long *)(const void *)src, (int)(n / sizeof(long)), 0,
                            0, b->npes, cw_pwrk, cw_psync[iteration & 1]);
      break;
#endif
  }
}

static void run_collective(cw_bench *b) {
  if (b->opt->validate) {
    cw_coll_fill(b, b->c->arg);
    b->comm->barrier();
  }
  long iteration = 0;
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    for (long i = 0; i < b->batch; ++i) collective(b, iteration++);
    cw_record(b, s, t0);
  }
  if (b->opt->validate) {
    b->comm->barrier();
    b->errors += cw_coll_check(b, b->c->arg);
  }
}

#ifdef CW_HAVE_TEAMS
#define GRANULE 1
#else
#define GRANULE 8 /* the active-set forms move 64-bit elements */
#endif

#define ONCE(name, help, op) \
  { name, help, CW_US, CW_ALL_PES | CW_FIXED_SIZE, CW_CHECK_NONE, run_collective, op, 0, NULL }
#define SIZED(name, help, flags, op, granule)                                            \
  {                                                                                      \
    name, help, CW_US, CW_ALL_PES | (flags), CW_CHECK_NONE, run_collective, op, granule, \
        CW_NEEDS_COLLECTIVES                                                             \
  }

static const cw_case cases[] = {
    ONCE("barrier_all", "shmem_barrier_all", C_BARRIER),
    ONCE("sync_all", "shmem_sync_all", C_SYNC),
    SIZED("broadcast", "broadcast from PE 0 (shmem_broadcastmem, or shmem_broadcast64)", 0, C_BROADCAST,
          GRANULE),
    SIZED("fcollect", "fcollect, size bytes per PE (shmem_fcollectmem, or shmem_fcollect64)", CW_BUF_X_PES,
          C_FCOLLECT, GRANULE),
    SIZED("alltoall", "alltoall, size bytes per PE pair (shmem_alltoallmem, or shmem_alltoall64)",
          CW_BUF_X_PES, C_ALLTOALL, GRANULE),
    SIZED("reduce_sum", "all-reduce, sum of longs (shmem_long_sum_reduce, or shmem_long_sum_to_all)", 0,
          C_REDUCE_SUM, 8),
};

const cw_suite cw_this_suite = {
    .name = "cw_collectives",
    .title =
        "Latency of barrier_all, sync_all, broadcast, fcollect, alltoall and sum all-reduce over all PEs.",
    .cases = cases,
    .n_cases = sizeof cases / sizeof cases[0],
    .iters = 5000,
    .warmup = 500,
    .window = 1,
    .min_size = 8,
    .max_size = 1 << 20,
    .pairs = 0,
    .setup = setup,
    .teardown = teardown,
};
