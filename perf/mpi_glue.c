/* SPDX-License-Identifier: BSD-3-Clause */
/* Causeway perf suite: main() for the MPI comparison programs (mpi_pingpong, mpi_rma,
 * mpi_collectives). Same driver, options and output as the OpenSHMEM benchmarks; buffers are plain
 * page-aligned memory unless the suite's setup hook swaps in window memory. */
#include "mpi_glue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const cw_suite cw_this_suite;

static char g_impl[64];

static void glue_barrier(void) { MPI_Barrier(MPI_COMM_WORLD); }
static void glue_quiet(void) {}

static void glue_max_to_root(double *t, long n) {
  int me;
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  MPI_Reduce(me == 0 ? MPI_IN_PLACE : t, t, (int)n, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
}

static long glue_sum_long(long v) {
  MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  return v;
}

static void *page_aligned(size_t bytes) {
  void *p = NULL;
  if (posix_memalign(&p, 4096, bytes) != 0) return NULL;
  memset(p, 0, bytes);
  return p;
}

/* "Open MPI v4.1.4, package: ..." -> "Open MPI v4.1.4" */
static void library_name(void) {
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(version, &len);
  size_t cut = strcspn(version, ",\n");
  if (cut >= sizeof g_impl) cut = sizeof g_impl - 1;
  memcpy(g_impl, version, cut);
  g_impl[cut] = '\0';
}

int main(int argc, char **argv) {
  const cw_suite *suite = &cw_this_suite;
  cw_options opt;
  int parse_status = cw_parse_options(argc, argv, suite, &opt);
  int provided = 0;
  MPI_Init_thread(&argc, &argv, opt.threads > 1 ? MPI_THREAD_MULTIPLE : MPI_THREAD_SINGLE, &provided);
  int me = 0, npes = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  MPI_Comm_size(MPI_COMM_WORLD, &npes);
  library_name();

  if (parse_status != 0 || opt.help || opt.list) {
    if (me == 0) {
      if (parse_status != 0)
        fprintf(stderr, "%s: %s\n", suite->name, opt.error);
      else if (opt.help)
        cw_print_usage(suite);
      else
        cw_print_list(suite);
    }
    MPI_Finalize();
    return parse_status != 0 ? 2 : 0;
  }

  cw_mem heap = {"heap", NULL, NULL, cw_buffer_bytes(suite, &opt, npes), NULL};
  heap.src = page_aligned(heap.bytes);
  heap.dst = page_aligned(heap.bytes);
  heap.flags = page_aligned(sizeof(long) * CW_NFLAGS * CW_FLAG_STRIDE);
  if (!heap.src || !heap.dst || !heap.flags) {
    fprintf(stderr, "%s: out of memory\n", suite->name);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  /* The setup hook may replace the buffers (with window memory), so keep what to free. */
  void *own[3] = {heap.src, heap.dst, heap.flags};

  cw_comm comm = {me, npes, g_impl, glue_barrier, glue_quiet, glue_max_to_root, glue_sum_long};
  int status = cw_run_suite(suite, &opt, &comm, &heap, NULL);

  MPI_Finalize();
  for (int i = 0; i < 3; ++i) free(own[i]);
  return status;
}
