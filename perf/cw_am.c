/* SPDX-License-Identifier: BSD-3-Clause */
/* cw_am: Causeway's active messages (shmemx.h): the round trip of a request whose handler replies
 * (the requester polls shmemx_am_progress until the reply has run), and the message rate of a window
 * of requests then shmem_quiet (which returns once every one has run at the target). The target
 * only polls shmemx_am_progress. Causeway only: other libraries have no shmemx_am_*. */
#include <shmemx.h>

#include "cw_shmem.h"

/* Handler state: handlers run on the thread that polls, so plain counters suffice. */
static volatile long g_handled; /* requests run on this PE */
static volatile long g_replies; /* replies run on this PE */
static int g_request_id, g_reply_id, g_oneway_id;

static void on_reply(shmemx_am_token_t t, int src, const void *p, size_t n, void *u) {
  (void)t, (void)src, (void)p, (void)n, (void)u;
  g_replies = g_replies + 1;
}

static void on_request(shmemx_am_token_t t, int src, const void *p, size_t n, void *u) {
  (void)src, (void)p, (void)n, (void)u;
  g_handled = g_handled + 1;
  const long ack = g_handled;
  shmemx_am_reply(t, g_reply_id, &ack, sizeof ack);
}

static void on_oneway(shmemx_am_token_t t, int src, const void *p, size_t n, void *u) {
  (void)t, (void)src, (void)p, (void)n, (void)u;
  g_handled = g_handled + 1;
}

static void *setup(const cw_options *opt, const cw_comm *comm, cw_mem *heap) {
  (void)opt, (void)comm, (void)heap;
  g_request_id = shmemx_am_register(on_request, NULL);
  g_reply_id = shmemx_am_register(on_reply, NULL);
  g_oneway_id = shmemx_am_register(on_oneway, NULL);
  return NULL;
}

/* The target's side of a sample: run handlers until `count` more requests have run. Counted from
 * the total so far, not from now: one progress call may already have run the next sample's first. */
static void serve(long count) {
  static long served;
  served += count;
  while (g_handled < served) shmemx_am_progress();
}

static void run_roundtrip(cw_bench *b) {
  if (!b->initiator && !b->receiver) return;
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    if (b->initiator) {
      for (long i = 0; i < b->batch; ++i) {
        const long want = g_replies + 1;
        shmemx_am_send(SHMEM_CTX_DEFAULT, b->peer, g_request_id, b->mem->src, b->size);
        while (g_replies < want) shmemx_am_progress();
      }
    } else {
      serve(b->batch);
    }
    cw_record(b, s, t0);
  }
}

static void run_rate(cw_bench *b) {
  if (!b->initiator && !b->receiver) return;
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    if (b->initiator) {
      for (long i = 0; i < b->batch; ++i) {
        for (long w = 0; w < b->window; ++w)
          shmemx_am_send(SHMEM_CTX_DEFAULT, b->peer, g_oneway_id, b->mem->src, b->size);
        shmem_quiet(); /* every message has run at the target */
      }
    } else {
      serve(b->batch * b->window);
    }
    cw_record(b, s, t0);
  }
}

static const cw_case cases[] = {
    {"am_roundtrip", "shmemx_am_send + the handler's shmemx_am_reply (8 B) run here: full round trip", CW_US,
     CW_NEEDS_PEER, CW_CHECK_NONE, run_roundtrip, 0, 0, NULL, NULL},
    {"am_rate", "shmemx_am_send x window + shmem_quiet (every handler has run at the target)", CW_MMPS,
     CW_NEEDS_PEER | CW_WINDOWED, CW_CHECK_NONE, run_rate, 0, 0, NULL, NULL},
};

const cw_suite cw_this_suite = {
    .name = "cw_am",
    .title = "Active messages: request/reply round trip and message rate, payload 8 B to 64 KiB.",
    .cases = cases,
    .n_cases = sizeof cases / sizeof cases[0],
    .iters = 20000,
    .warmup = 2000,
    .window = 64,
    .min_size = 8,
    .max_size = 64 << 10,
    .pairs = 1,
    .setup = setup,
};
