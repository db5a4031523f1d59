/* SPDX-License-Identifier: BSD-3-Clause */
/* cw_stamp: Causeway's Lamport clocks (shmemx.h) against the OpenSHMEM way of sending a message
 * that the receiver can wait for. Ping-pongs between PE i and PE i + npes/2, half round trip:
 *
 *   stamped           shmemx_putmem_stamped (a fence, then the data and this PE's watermark word
 *                     in one put-with-signal); the peer waits with shmemx_stamp_wait for a stamp
 *                     newer than the last it saw, then answers the same way
 *   put_fence_signal  shmem_putmem + shmem_fence + shmem_long_atomic_set of a counter; the peer
 *                     waits with shmem_long_wait_until, then answers
 *   put_signal        shmem_putmem_signal (SET) + shmem_signal_wait_until: no fence, so it orders
 *                     nothing issued before it (the floor the other two pay a fence above)
 *
 * Causeway only: other libraries have no shmemx_stamp_*. */
#include <shmemx.h>

#include "cw_shmem.h"

enum kind { STAMPED, PUT_FENCE_SIGNAL, PUT_SIGNAL };

static void send_message(const cw_bench *b, long seq) {
  long *flag = CW_FLAG(b, 0);
  switch (b->c->arg) {
    case STAMPED: shmemx_putmem_stamped(b->mem->dst, b->mem->src, b->size, b->peer); break;
    case PUT_FENCE_SIGNAL:
      shmem_putmem(b->mem->dst, b->mem->src, b->size, b->peer);
      shmem_fence();
      shmem_long_atomic_set(flag, seq, b->peer);
      break;
    case PUT_SIGNAL:
      shmem_putmem_signal(b->mem->dst, b->mem->src, b->size, (uint64_t *)(void *)flag, (uint64_t)seq,
                          SHMEM_SIGNAL_SET, b->peer);
      break;
  }
}

/* `last`: the newest stamp seen from the peer (stamped only). The peer has one message in flight at
 * most, so the stamp a wait returns is that message's, and "newer than it" is the next one. */
static void wait_message(const cw_bench *b, long seq, shmemx_stamp_t *last) {
  long *flag = CW_FLAG(b, 0);
  switch (b->c->arg) {
    case STAMPED: *last = shmemx_stamp_wait(b->peer, shmemx_stamp_next(*last)); break;
    case PUT_FENCE_SIGNAL: shmem_long_wait_until(flag, SHMEM_CMP_GE, seq); break;
    case PUT_SIGNAL: shmem_signal_wait_until((uint64_t *)(void *)flag, SHMEM_CMP_GE, (uint64_t)seq); break;
  }
}

static void run_pingpong(cw_bench *b) {
  b->ops_per_sample = 2 * b->batch; /* half round trips */
  if (!b->initiator && !b->receiver) return;
  /* The newest stamp seen from the peer, kept from row to row: every row waits for every message
   * its peer sent, so one row ends where the next begins. (Reading the peer's watermark at the
   * start of a row would race with its first message: the initiator may send before the receiver
   * leaves the barrier.) The stamp 0 is the default context's lane at time 0. */
  static shmemx_stamp_t last_seen = 0;
  shmemx_stamp_t last = last_seen;
  const shmemx_stamp_t first = last;
  long seq = 0;
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    for (long i = 0; i < b->batch; ++i) {
      ++seq;
      if (b->initiator) {
        send_message(b, seq);
        wait_message(b, seq, &last);
      } else {
        wait_message(b, seq, &last);
        send_message(b, seq);
      }
    }
    cw_record(b, s, t0);
  }
  last_seen = last;
  if (!b->opt->validate) return;
  if (b->c->arg != STAMPED && *CW_FLAG(b, 0) != seq) {
    fprintf(stderr, "PE %d: %s: final signal %ld, expected %ld\n", b->me, b->c->name, *CW_FLAG(b, 0), seq);
    ++b->errors;
  }
  /* The waits moved on: the last stamp seen is newer than the one the row began with. */
  if (b->c->arg == STAMPED && shmemx_stamp_compare(last, first) <= 0) {
    fprintf(stderr, "PE %d: %s: the last stamp seen is not newer than the first\n", b->me, b->c->name);
    ++b->errors;
  }
}

#define PINGPONG(name, help, arg) \
  { name, help, CW_US, CW_NEEDS_PEER, CW_CHECK_EXCHANGE, run_pingpong, arg, 0, NULL, NULL }

static const cw_case cases[] = {
    PINGPONG("stamped",
             "ping-pong, half round trip: shmemx_putmem_stamped; peer shmemx_stamp_wait (newer), answers",
             STAMPED),
    PINGPONG("put_fence_signal",
             "ping-pong, half round trip: putmem + fence + shmem_long_atomic_set; peer waits, answers",
             PUT_FENCE_SIGNAL),
    PINGPONG("put_signal",
             "ping-pong, half round trip: shmem_putmem_signal (SET), no fence; peer waits, answers",
             PUT_SIGNAL),
};

const cw_suite cw_this_suite = {
    .name = "cw_stamp",
    .title =
        "Lamport clocks: stamped put + stamp wait ping-pong against put + fence + signal, 8 B to 64 KiB.",
    .cases = cases,
    .n_cases = sizeof cases / sizeof cases[0],
    .iters = 20000,
    .warmup = 2000,
    .window = 1,
    .min_size = 8,
    .max_size = 64 << 10,
    .pairs = 1,
};
