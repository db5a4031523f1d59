/* SPDX-License-Identifier: BSD-3-Clause */
/* cw_latency: latency of one-sided operations between PE i and PE i + npes/2 (one pair by default),
 * on the symmetric heap and on static (global) buffers.
 *
 *   one-way cases   PE 0 issues the operation back to back; the time per call is its latency
 *                   (local completion for put and p, a round trip for get and g)
 *   ping-pong       PE 0 sends a message and a signal, PE 1 waits for the signal and sends back;
 *                   the result is half a round trip: the delivered latency of one message */
#include "cw_shmem.h"

enum { WITH_QUIET = 0x100 };

static void run_one_way(cw_bench *b) {
  const int op = b->c->arg & 0xff, quiet = (b->c->arg & WITH_QUIET) != 0;
  char *dst = b->mem->dst;
  const char *src = b->mem->src;
  if (!b->initiator) return;
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    for (long i = 0; i < b->batch; ++i) {
      cw_xfer(op, dst, src, b->size, b->peer);
      if (quiet) shmem_quiet();
    }
    cw_record(b, s, t0);
  }
}

/* How a ping-pong message is signalled. */
enum signal_kind {
  SIG_P,          /* putmem, fence, shmem_long_p(flag) */
  SIG_SET,        /* putmem, fence, shmem_long_atomic_set(flag) */
  SIG_WORD,       /* no payload: the 8-byte shmem_long_p is the message */
  SIG_PUT_SIGNAL, /* shmem_putmem_signal */
  SIG_PTR,        /* the floor on these buffers: plain stores through shmem_ptr, no library calls */
};

/* The peer's copies of the payload and flag for pingpong_ptr, looked up once per row. */
typedef struct peer_view {
  void *dst;
  long *flag;
} peer_view;

static void send_message(const cw_bench *b, const peer_view *view, long seq) {
  long *flag = CW_FLAG(b, 0);
  switch (b->c->arg) {
    case SIG_P:
      shmem_putmem(b->mem->dst, b->mem->src, b->size, b->peer);
      shmem_fence();
      shmem_long_p(flag, seq, b->peer);
      break;
    case SIG_SET:
      shmem_putmem(b->mem->dst, b->mem->src, b->size, b->peer);
      shmem_fence();
      shmem_long_atomic_set(flag, seq, b->peer);
      break;
    case SIG_WORD: shmem_long_p(flag, seq, b->peer); break;
    case SIG_PTR:
      memcpy(view->dst, b->mem->src, b->size);
      __atomic_store_n(view->flag, seq, __ATOMIC_RELEASE);
      break;
#ifdef CW_HAVE_PUT_SIGNAL
    case SIG_PUT_SIGNAL:
      shmem_putmem_signal(b->mem->dst, b->mem->src, b->size, (uint64_t *)(void *)flag, (uint64_t)seq,
                          SHMEM_SIGNAL_SET, b->peer);
      break;
#endif
  }
}

static void wait_message(const cw_bench *b, long seq) {
  long *flag = CW_FLAG(b, 0);
#ifdef CW_HAVE_PUT_SIGNAL
  if (b->c->arg == SIG_PUT_SIGNAL) {
    shmem_signal_wait_until((uint64_t *)(void *)flag, SHMEM_CMP_GE, (uint64_t)seq);
    return;
  }
#endif
  if (b->c->arg == SIG_PTR) {
    while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < seq) cw_cpu_pause();
    return;
  }
  shmem_long_wait_until(flag, SHMEM_CMP_GE, seq);
}

/* pingpong_ptr needs load/store access to the peer's copy of every buffer. */
static const char *no_direct_access(const cw_mem *mem, const cw_comm *comm) {
  for (int pe = 0; pe < comm->npes; ++pe)
    if (pe != comm->me && (!shmem_ptr(mem->dst, pe) || !shmem_ptr(mem->flags, pe)))
      return "shmem_ptr gives no load/store address for a peer's buffers";
  return NULL;
}

static void run_pingpong(cw_bench *b) {
  b->ops_per_sample = 2 * b->batch; /* half round trips */
  if (!b->initiator && !b->receiver) return;
  long seq = 0;
  peer_view view = {NULL, NULL};
  if (b->c->arg == SIG_PTR)
    view = (peer_view){shmem_ptr(b->mem->dst, b->peer), shmem_ptr(CW_FLAG(b, 0), b->peer)};
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    for (long i = 0; i < b->batch; ++i) {
      ++seq;
      if (b->initiator) {
        send_message(b, &view, seq);
        wait_message(b, seq);
      } else {
        wait_message(b, seq);
        send_message(b, &view, seq);
      }
    }
    cw_record(b, s, t0);
  }
  if (b->opt->validate && *CW_FLAG(b, 0) != seq) {
    fprintf(stderr, "PE %d: %s: final signal %ld, expected %ld\n", b->me, b->c->name, *CW_FLAG(b, 0), seq);
    ++b->errors;
  }
}

#define PAIR (CW_NEEDS_PEER | CW_STATIC_OK)
#define ONE_WAY(name, help, check, arg) \
  { name, help, CW_US, PAIR, check, run_one_way, arg, 0, NULL }
#define ONE_WORD(name, help, check, arg) \
  { name, help, CW_US, PAIR | CW_FIXED_SIZE, check, run_one_way, arg, 8, NULL }
#define PINGPONG(name, help, arg, unavailable) \
  { name, help, CW_US, PAIR, CW_CHECK_EXCHANGE, run_pingpong, arg, 0, unavailable }

static const cw_case cases[] = {
    ONE_WAY("put", "shmem_putmem, blocking (local completion)", CW_CHECK_PUT, CW_OP_PUT),
    ONE_WAY("put_quiet", "shmem_putmem + shmem_quiet (remote completion)", CW_CHECK_PUT,
            CW_OP_PUT | WITH_QUIET),
    ONE_WAY("put_nbi_quiet", "shmem_putmem_nbi + shmem_quiet", CW_CHECK_PUT, CW_OP_PUT_NBI | WITH_QUIET),
    ONE_WAY("get", "shmem_getmem, blocking (a round trip)", CW_CHECK_GET, CW_OP_GET),
    ONE_WAY("get_nbi_quiet", "shmem_getmem_nbi + shmem_quiet", CW_CHECK_GET, CW_OP_GET_NBI | WITH_QUIET),
    ONE_WORD("p", "shmem_long_p", CW_CHECK_PUT, CW_OP_P),
    ONE_WORD("g", "shmem_long_g (a round trip)", CW_CHECK_GET, CW_OP_G),
    PINGPONG("pingpong_p",
             "ping-pong, half round trip: putmem + fence + shmem_long_p signal; peer waits, answers", SIG_P,
             NULL),
    PINGPONG("pingpong_set",
             "ping-pong, half round trip: putmem + fence + shmem_long_atomic_set signal; peer waits, answers",
             SIG_SET, NULL),
    PINGPONG("pingpong_signal", "ping-pong, half round trip: shmem_putmem_signal (SET); peer waits, answers",
             SIG_PUT_SIGNAL, CW_NEEDS_PUT_SIGNAL),
    {"pingpong_word", "ping-pong, half round trip: the 8-byte shmem_long_p is the message (no payload)",
     CW_US, PAIR | CW_FIXED_SIZE, CW_CHECK_NONE, run_pingpong, SIG_WORD, 8, NULL, NULL},
    {"pingpong_ptr",
     "ping-pong floor on the same buffers: memcpy + store through shmem_ptr, spin with PAUSE (no calls)",
     CW_US, PAIR, CW_CHECK_EXCHANGE, run_pingpong, SIG_PTR, 0, NULL, no_direct_access},
};

const cw_suite cw_this_suite = {
    .name = "cw_latency",
    .title =
        "Latency of put, get, p, g, put+quiet and ping-pongs (half round trip), heap and static buffers.",
    .cases = cases,
    .n_cases = sizeof cases / sizeof cases[0],
    .iters = 20000,
    .warmup = 2000,
    .window = 1,
    .min_size = 1,
    .max_size = 1 << 20,
    .pairs = 1,
};
