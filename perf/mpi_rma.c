/* SPDX-License-Identifier: BSD-3-Clause */
/* mpi_rma: the MPI counterparts of cw_latency, cw_bandwidth and cw_atomics with passive-target
 * one-sided communication: windows from MPI_Win_allocate (so Open MPI can use its shared-memory
 * one-sided component), one MPI_Win_lock_all epoch for the whole run, completion by
 * MPI_Win_flush / MPI_Win_flush_local. */
#include <stdlib.h>

#include "mpi_glue.h"

typedef struct windows {
  MPI_Win src, dst, flags;
} windows;

enum rma_op { R_PUT, R_PUT_FLUSH, R_GET, R_FETCH_ADD, R_COMPARE_SWAP, R_ADD };

static MPI_Win allocate(size_t bytes, int disp_unit, char **base) {
  MPI_Win win;
  MPI_Win_allocate((MPI_Aint)bytes, disp_unit, MPI_INFO_NULL, MPI_COMM_WORLD, base, &win);
  memset(*base, 0, bytes);
  MPI_Win_lock_all(MPI_MODE_NOCHECK, win);
  return win;
}

static void *setup(const cw_options *opt, const cw_comm *comm, cw_mem *heap) {
  (void)opt, (void)comm;
  windows *w = malloc(sizeof *w);
  char *flags;
  w->src = allocate(heap->bytes, 1, &heap->src);
  w->dst = allocate(heap->bytes, 1, &heap->dst);
  w->flags = allocate(sizeof(long) * CW_NFLAGS * CW_FLAG_STRIDE, sizeof(long), &flags);
  heap->flags = (long *)(void *)flags;
  MPI_Barrier(MPI_COMM_WORLD);
  return w;
}

static void teardown(void *data) {
  windows *w = data;
  MPI_Win *all[3] = {&w->src, &w->dst, &w->flags};
  for (int i = 0; i < 3; ++i) {
    MPI_Win_unlock_all(*all[i]);
    MPI_Win_free(all[i]);
  }
  free(w);
}

/* Everything this rank started is complete at its target, and this rank sees its own window. */
static void finish(const windows *w) {
  MPI_Win_flush_all(w->src);
  MPI_Win_flush_all(w->dst);
  MPI_Win_flush_all(w->flags);
  MPI_Win_sync(w->dst);
  MPI_Win_sync(w->flags);
}

static void transfer(const cw_bench *b, const windows *w, int op, long k) {
  const int count = (int)b->size;
  const MPI_Aint word = CW_FLAG_STRIDE; /* the flags window counts in longs: word 1 */
  long one = 1, result = 0, compare = k, value = k + 1;
  switch (op) {
    case R_PUT: MPI_Put(b->mem->src, count, MPI_BYTE, b->peer, 0, count, MPI_BYTE, w->dst); break;
    case R_PUT_FLUSH: MPI_Put(b->mem->src, count, MPI_BYTE, b->peer, 0, count, MPI_BYTE, w->dst); break;
    case R_GET: MPI_Get(b->mem->dst, count, MPI_BYTE, b->peer, 0, count, MPI_BYTE, w->src); break;
    case R_FETCH_ADD: MPI_Fetch_and_op(&one, &result, MPI_LONG, b->peer, word, MPI_SUM, w->flags); break;
    case R_COMPARE_SWAP:
      MPI_Compare_and_swap(&value, &compare, &result, MPI_LONG, b->peer, word, w->flags);
      break;
    case R_ADD: MPI_Accumulate(&one, 1, MPI_LONG, b->peer, word, 1, MPI_LONG, MPI_SUM, w->flags); break;
  }
}

static MPI_Win window_of(const windows *w, int op) {
  return op == R_GET ? w->src : (op == R_PUT || op == R_PUT_FLUSH) ? w->dst : w->flags;
}

/* One operation and its completion, timed back to back (latency cases). */
static void run_latency(cw_bench *b) {
  const windows *w = b->suite_data;
  const int op = b->c->arg;
  const MPI_Win win = window_of(w, op);
  long k = 0;
  if (b->initiator) {
    CW_FOR_SAMPLES(b, s) {
      double t0 = cw_now();
      for (long i = 0; i < b->batch; ++i, ++k) {
        transfer(b, w, op, k);
        if (op == R_PUT)
          MPI_Win_flush_local(b->peer, win);
        else
          MPI_Win_flush(b->peer, win);
      }
      cw_record(b, s, t0);
    }
  }
  finish(w);
}

/* A window of operations, then one flush (bandwidth and rate cases). */
static void run_window(cw_bench *b) {
  const windows *w = b->suite_data;
  const int op = b->c->arg;
  const MPI_Win win = window_of(w, op);
  if (b->initiator) {
    CW_FOR_SAMPLES(b, s) {
      double t0 = cw_now();
      for (long i = 0; i < b->batch; ++i) {
        for (long j = 0; j < b->window; ++j) transfer(b, w, op, 0);
        MPI_Win_flush(b->peer, win);
      }
      cw_record(b, s, t0);
    }
  }
  finish(w);
}

/* Every rank's MPI_Fetch_and_op on one word of rank 0. */
static void run_contended(cw_bench *b) {
  const windows *w = b->suite_data;
  long one = 1, result = 0;
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    for (long i = 0; i < b->batch; ++i) {
      MPI_Fetch_and_op(&one, &result, MPI_LONG, 0, CW_FLAG_STRIDE, MPI_SUM, w->flags);
      MPI_Win_flush(0, w->flags);
    }
    cw_record(b, s, t0);
  }
  finish(w);
}

#define PAIR CW_NEEDS_PEER
#define LAT(name, help, check, op) \
  { name, help, CW_US, PAIR, check, run_latency, op, 0, NULL }
#define BW(name, help, flags, check, op) \
  { name, help, CW_MBPS, PAIR | CW_WINDOWED | (flags), check, run_window, op, 0, NULL }

static const cw_case cases[] = {
    LAT("put", "MPI_Put + MPI_Win_flush_local (local completion)", CW_CHECK_PUT, R_PUT),
    LAT("put_quiet", "MPI_Put + MPI_Win_flush (remote completion)", CW_CHECK_PUT, R_PUT_FLUSH),
    LAT("get", "MPI_Get + MPI_Win_flush (a round trip)", CW_CHECK_GET, R_GET),
    BW("put_bw", "MPI_Put x window + MPI_Win_flush, one direction", 0, CW_CHECK_PUT, R_PUT_FLUSH),
    BW("get_bw", "MPI_Get x window + MPI_Win_flush, one direction", 0, CW_CHECK_GET, R_GET),
    BW("put_bibw", "MPI_Put x window + MPI_Win_flush, both directions at once", CW_BIDIR, CW_CHECK_PUT,
       R_PUT_FLUSH),
    {"long_fetch_add", "MPI_Fetch_and_op (MPI_SUM, MPI_LONG) + MPI_Win_flush", CW_US, PAIR | CW_FIXED_SIZE,
     CW_CHECK_NONE, run_latency, R_FETCH_ADD, 8, NULL},
    {"long_compare_swap", "MPI_Compare_and_swap (MPI_LONG) + MPI_Win_flush", CW_US, PAIR | CW_FIXED_SIZE,
     CW_CHECK_NONE, run_latency, R_COMPARE_SWAP, 8, NULL},
    {"long_fetch_add_contended", "MPI_Fetch_and_op + MPI_Win_flush, every rank on one word of rank 0", CW_US,
     CW_ALL_PES | CW_FIXED_SIZE, CW_CHECK_NONE, run_contended, R_FETCH_ADD, 8, NULL},
    {"long_add_rate", "MPI_Accumulate (MPI_SUM, MPI_LONG) x window + MPI_Win_flush", CW_MMPS,
     PAIR | CW_FIXED_SIZE | CW_WINDOWED, CW_CHECK_NONE, run_window, R_ADD, 8, NULL},
};

const cw_suite cw_this_suite = {
    .name = "mpi_rma",
    .title =
        "MPI one-sided (passive target) put/get latency and bandwidth and atomics, the MPI counterpart "
        "of cw_latency, cw_bandwidth and cw_atomics.",
    .cases = cases,
    .n_cases = sizeof cases / sizeof cases[0],
    .iters = 10000,
    .warmup = 1000,
    .window = 64,
    .min_size = 1,
    .max_size = 16 << 20,
    .pairs = 1,
    .setup = setup,
    .teardown = teardown,
};
