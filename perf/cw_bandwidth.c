/* SPDX-License-Identifier: BSD-3-Clause */
/* cw_bandwidth: bandwidth of put and get, blocking and non-blocking, uni- and bi-directional.
 * One operation is a window of --window transfers followed by shmem_quiet (the window shrinks for
 * large messages so that it stays at or under 4 MiB). Bi-directional cases run both PEs of each
 * pair at once and report the sum. */
#include "cw_shmem.h"

static void run_window(cw_bench *b) {
  const int op = b->c->arg;
  char *dst = b->mem->dst;
  const char *src = b->mem->src;
  if (!b->initiator) return;
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    for (long i = 0; i < b->batch; ++i) {
      for (long w = 0; w < b->window; ++w) cw_xfer(op, dst, src, b->size, b->peer);
      shmem_quiet();
    }
    cw_record(b, s, t0);
  }
}

#define STREAM(name, help, flags, check, op) \
  { name, help, CW_MBPS, CW_NEEDS_PEER | CW_WINDOWED | (flags), check, run_window, op, 0, NULL }

static const cw_case cases[] = {
    STREAM("put_bw", "shmem_putmem x window + shmem_quiet, one direction", 0, CW_CHECK_PUT, CW_OP_PUT),
    STREAM("put_nbi_bw", "shmem_putmem_nbi x window + shmem_quiet, one direction", 0, CW_CHECK_PUT,
           CW_OP_PUT_NBI),
    STREAM("get_bw", "shmem_getmem x window + shmem_quiet, one direction", 0, CW_CHECK_GET, CW_OP_GET),
    STREAM("get_nbi_bw", "shmem_getmem_nbi x window + shmem_quiet, one direction", 0, CW_CHECK_GET,
           CW_OP_GET_NBI),
    STREAM("put_bibw", "shmem_putmem x window + shmem_quiet, both directions at once", CW_BIDIR, CW_CHECK_PUT,
           CW_OP_PUT),
    STREAM("put_nbi_bibw", "shmem_putmem_nbi x window + shmem_quiet, both directions at once", CW_BIDIR,
           CW_CHECK_PUT, CW_OP_PUT_NBI),
    STREAM("get_bibw", "shmem_getmem x window + shmem_quiet, both directions at once", CW_BIDIR, CW_CHECK_GET,
           CW_OP_GET),
    STREAM("get_nbi_bibw", "shmem_getmem_nbi x window + shmem_quiet, both directions at once", CW_BIDIR,
           CW_CHECK_GET, CW_OP_GET_NBI),
};

const cw_suite cw_this_suite = {
    .name = "cw_bandwidth",
    .title = "Bandwidth of put/get (blocking and nbi), uni- and bi-directional, with a window of transfers.",
    .cases = cases,
    .n_cases = sizeof cases / sizeof cases[0],
    .iters = 1000,
    .warmup = 100,
    .window = 64,
    .min_size = 1,
    .max_size = 16 << 20,
    .pairs = 1,
};
