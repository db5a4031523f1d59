/* SPDX-License-Identifier: BSD-3-Clause */
/* Causeway perf suite: main() for the OpenSHMEM benchmarks. Brings up the library, allocates the
 * symmetric buffers (heap and static), gives the driver its barrier/reduction hooks, and runs the
 * suite the benchmark file defines as cw_this_suite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw_shmem.h"

extern const cw_suite cw_this_suite;

/* Static (global) buffers: symmetric because they are the executable's own data. */
static char cw_static_src[CW_STATIC_BYTES] __attribute__((aligned(4096)));
static char cw_static_dst[CW_STATIC_BYTES] __attribute__((aligned(4096)));
static long cw_static_flags[CW_NFLAGS * CW_FLAG_STRIDE] __attribute__((aligned(64)));

static double *g_gather; /* npes * max_samples doubles, symmetric */
static long g_gather_len;
static long *g_sums; /* npes longs, symmetric */
static char g_impl[SHMEM_MAX_NAME_LEN + 1];

static void glue_barrier(void) { shmem_barrier_all(); }
static void glue_quiet(void) { shmem_quiet(); }

/* Every PE puts its samples into PE 0's gather area; PE 0 keeps the largest per sample. */
static void glue_max_to_root(double *t, long n) {
  const int me = shmem_my_pe(), npes = shmem_n_pes();
  if (npes == 1) return;
  shmem_barrier_all(); /* PE 0 is done reading the previous round */
  if (me != 0) shmem_putmem(g_gather + (size_t)me * (size_t)g_gather_len, t, sizeof(double) * (size_t)n, 0);
  shmem_barrier_all();
  if (me != 0) return;
  for (int pe = 1; pe < npes; ++pe) {
    const double *theirs = g_gather + (size_t)pe * (size_t)g_gather_len;
    for (long i = 0; i < n; ++i)
      if (theirs[i] > t[i]) t[i] = theirs[i];
  }
}

static long glue_sum_long(long v) {
  const int me = shmem_my_pe(), npes = shmem_n_pes();
  shmem_barrier_all();
  for (int pe = 0; pe < npes; ++pe) shmem_long_p(&g_sums[me], v, pe);
  shmem_barrier_all();
  long sum = 0;
  for (int pe = 0; pe < npes; ++pe) sum += g_sums[pe];
  return sum;
}

static void *page_aligned_symmetric(size_t bytes) {
  void *p = shmem_align(4096, bytes);
  if (p) memset(p, 0, bytes); /* fault the pages in now, not inside a timed loop */
  return p;
}

int main(int argc, char **argv) {
  const cw_suite *suite = &cw_this_suite;
  cw_options opt;
  int parse_status = cw_parse_options(argc, argv, suite, &opt);

  if (opt.threads > 1) {
    int provided = 0;
    shmem_init_thread(SHMEM_THREAD_MULTIPLE, &provided);
    if (provided != SHMEM_THREAD_MULTIPLE) opt.threads = 1;
  } else {
    shmem_init();
  }
  const int me = shmem_my_pe(), npes = shmem_n_pes();
  shmem_info_get_name(g_impl);
  /* Open MPI names itself by its web address. */
  if (strstr(g_impl, "open-mpi") || strstr(g_impl, "Open MPI"))
    snprintf(g_impl, sizeof g_impl, "Open MPI OpenSHMEM");

  if (parse_status != 0 || opt.help || opt.list) {
    if (me == 0) {
      if (parse_status != 0)
        fprintf(stderr, "%s: %s\n", suite->name, opt.error);
      else if (opt.help)
        cw_print_usage(suite);
      else
        cw_print_list(suite);
    }
    shmem_finalize();
    return parse_status != 0 ? 2 : 0;
  }

  cw_mem heap = {"heap", NULL, NULL, cw_buffer_bytes(suite, &opt, npes), NULL};
  heap.src = page_aligned_symmetric(heap.bytes);
  heap.dst = page_aligned_symmetric(heap.bytes);
  heap.flags = shmem_align(64, sizeof(long) * CW_NFLAGS * CW_FLAG_STRIDE);
  g_gather_len = cw_max_samples(&opt);
  g_gather = shmem_malloc(sizeof(double) * (size_t)g_gather_len * (size_t)npes);
  g_sums = shmem_calloc((size_t)npes, sizeof(long));
  if (!heap.src || !heap.dst || !heap.flags || !g_gather || !g_sums) {
    if (me == 0)
      fprintf(stderr, "%s: cannot allocate 2 x %zu bytes of symmetric heap (set SHMEM_SYMMETRIC_SIZE)\n",
              suite->name, heap.bytes);
    shmem_global_exit(1);
  }
  memset(cw_static_src, 0, sizeof cw_static_src);
  memset(cw_static_dst, 0, sizeof cw_static_dst);
  cw_mem statics = {"static", cw_static_src, cw_static_dst, CW_STATIC_BYTES, cw_static_flags};

  cw_comm comm = {me, npes, g_impl, glue_barrier, glue_quiet, glue_max_to_root, glue_sum_long};
  shmem_barrier_all();
  int status = cw_run_suite(suite, &opt, &comm, &heap, &statics);

  shmem_barrier_all();
  shmem_free(g_sums);
  shmem_free(g_gather);
  shmem_free(heap.flags);
  shmem_free(heap.dst);
  shmem_free(heap.src);
  shmem_finalize();
  return status;
}
