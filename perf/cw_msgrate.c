/* SPDX-License-Identifier: BSD-3-Clause */
/* cw_msgrate: message rate of small puts with every PE pair busy (PE i -> PE i + npes/2), and with
 * --threads N, N threads per initiating PE (the library is initialised with
 * SHMEM_THREAD_MULTIPLE). One operation is a window of --window messages then shmem_quiet; the
 * rate is the sum over all initiating PEs and threads. */
#include <pthread.h>
#include <stdlib.h>

#include "cw_shmem.h"

static void issue_window(const cw_bench *b) {
  const int op = b->c->arg;
  for (long i = 0; i < b->batch; ++i) {
    for (long w = 0; w < b->window; ++w) cw_xfer(op, b->mem->dst, b->mem->src, b->size, b->peer);
    shmem_quiet();
  }
}

/* Threads meet at a barrier before and after every sample; the main thread times between. */
typedef struct team {
  cw_bench *b;
  pthread_barrier_t start, stop;
} team;

static void *worker(void *arg) {
  team *t = arg;
  CW_FOR_SAMPLES(t->b, s) {
    pthread_barrier_wait(&t->start);
    issue_window(t->b);
    pthread_barrier_wait(&t->stop);
  }
  return NULL;
}

static void run_rate(cw_bench *b) {
  const int threads = b->opt->threads;
  b->streams *= threads;
  if (!b->initiator) return;
  if (threads == 1) {
    CW_FOR_SAMPLES(b, s) {
      double t0 = cw_now();
      issue_window(b);
      cw_record(b, s, t0);
    }
    return;
  }
  team t = {.b = b};
  pthread_t *ids = calloc((size_t)threads, sizeof *ids);
  pthread_barrier_init(&t.start, NULL, (unsigned)threads);
  pthread_barrier_init(&t.stop, NULL, (unsigned)threads);
  for (int i = 1; i < threads; ++i) pthread_create(&ids[i], NULL, worker, &t);
  CW_FOR_SAMPLES(b, s) {
    pthread_barrier_wait(&t.start);
    double t0 = cw_now();
    issue_window(b);
    pthread_barrier_wait(&t.stop);
    cw_record(b, s, t0);
  }
  for (int i = 1; i < threads; ++i) pthread_join(ids[i], NULL);
  pthread_barrier_destroy(&t.start);
  pthread_barrier_destroy(&t.stop);
  free(ids);
}

#define RATE(name, help, flags, size, op) \
  { name, help, CW_MMPS, CW_NEEDS_PEER | CW_WINDOWED | (flags), CW_CHECK_PUT, run_rate, op, size, NULL }

static const cw_case cases[] = {
    RATE("put_nbi_mr", "shmem_putmem_nbi x window + shmem_quiet, every pair", 0, 0, CW_OP_PUT_NBI),
    RATE("put_mr", "shmem_putmem x window + shmem_quiet, every pair", 0, 0, CW_OP_PUT),
    RATE("p_mr", "shmem_long_p x window + shmem_quiet, every pair", CW_FIXED_SIZE, 8, CW_OP_P),
};

const cw_suite cw_this_suite = {
    .name = "cw_msgrate",
    .title = "Message rate of put_nbi, put and p with every PE pair (and --threads per PE) busy.",
    .cases = cases,
    .n_cases = sizeof cases / sizeof cases[0],
    .iters = 2000,
    .warmup = 200,
    .window = 64,
    .min_size = 1,
    .max_size = 4096,
    .pairs = 0,
};
