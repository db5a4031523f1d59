/* SPDX-License-Identifier: BSD-3-Clause
 * MoE dispatch and combine over the OpenSHMEM host API, checked against a reference built from plain
 * gathers (the CPU twin of moe_cuda.cu; the problem is in moe_common.h).
 *
 *   causeway-run -n 4 build/examples/moe/moe_cpu [tokens=N] [hidden=N] [top_k=N] [experts=N]
 *                [routing=random|hot|sparse] [iters=N]
 *
 * Dispatch: each PE packs its rows per destination (token order) and sends each pack with ONE
 * put-with-signal; the signal word carries the epoch and the row count (epoch << 32 | rows), so no
 * separate count exchange and no barrier are needed. Receivers take sources in arrival order
 * (wait_until_any), run the experts, and return outputs the same way; the token's PE sums them with
 * its weights as each return arrives. Epochs grow every iteration and are never reset: a PE cannot
 * reuse a buffer early, because every pair exchanges a (possibly empty) pack each way per iteration. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include <math.h>
#include <shmem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "moe_common.h"

typedef struct { /* a row on the wire: who it belongs to, then its values */
  int32_t token;
  int16_t k;
  int16_t expert;
} row_header;

static moe_config cfg;
static int me, npes, per_pe, capacity;
static size_t row_bytes; /* header + hidden floats */

static row_header* row_at(void* base, long i) { return (row_header*)((char*)base + (size_t)i * row_bytes); }
static float* values_of(row_header* r) { return (float*)(r + 1); }

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void fail(const char* what, long a, long b, long c) {
  fprintf(stderr, "moe_cpu: PE %d: MISMATCH %s (%ld, %ld, %ld)\n", me, what, a, b, c);
  shmem_global_exit(1);
}

/* Waits for the packs of this epoch from every PE, in arrival order, and calls `take` on each. */
static void for_each_arrival(uint64_t* sig, uint64_t epoch, void (*take)(int src, int rows, void* arg),
                             void* arg) {
  int* done = calloc((unsigned)npes, sizeof *done);
  for (int left = npes; left > 0; --left) {
    size_t src = shmem_uint64_wait_until_any(sig, (size_t)npes, done, SHMEM_CMP_GE, epoch << 32);
    done[src] = 1;
    take((int)src, (int)(shmem_signal_fetch(&sig[src]) & 0xffffffffu), arg);
  }
  free(done);
}

typedef struct {
  char* recv;     /* [npes][capacity] rows: dispatched to me */
  char* ret_in;   /* [npes][capacity] rows: my tokens' outputs, back from the experts' PEs */
  char* out_pack; /* [capacity] rows: outputs for one source, packed */
  uint64_t* dispatch_sig;
  uint64_t* return_sig;
  uint64_t epoch;
  long* counted;  /* rows received per source this epoch */
  float* y;       /* [tokens][hidden] combined */
  float* weights; /* [tokens][top_k] */
} state;

static void run_experts(int src, int rows, void* arg) { /* on the expert's PE */
  state* s = arg;
  s->counted[src] = rows;
  for (int i = 0; i < rows; ++i) {
    row_header* in = row_at(s->recv, (long)src * capacity + i);
    row_header* out = row_at(s->out_pack, i);
    *out = *in;
    for (int h = 0; h < cfg.hidden; ++h) values_of(out)[h] = moe_expert(in->expert, values_of(in)[h]);
  }
  /* Straight into the source's buffer, data then signal. */
  shmem_putmem_signal(s->ret_in + (size_t)me * capacity * row_bytes, s->out_pack, (size_t)rows * row_bytes,
                      &s->return_sig[me], s->epoch << 32 | (uint64_t)rows, SHMEM_SIGNAL_SET, src);
}

static void combine(int src, int rows, void* arg) { /* on the token's PE */
  state* s = arg;
  for (int i = 0; i < rows; ++i) {
    row_header* r = row_at(s->ret_in, (long)src * capacity + i);
    const float w = s->weights[(size_t)r->token * cfg.top_k + r->k];
    float* y = s->y + (size_t)r->token * cfg.hidden;
    for (int h = 0; h < cfg.hidden; ++h) y[h] += w * values_of(r)[h];
  }
}

int main(int argc, char** argv) {
  shmem_init();
  me = shmem_my_pe();
  npes = shmem_n_pes();
  char error[256];
  if (moe_parse(&cfg, npes, argc, argv, error, sizeof error) != 0) {
    if (me == 0) fprintf(stderr, "moe_cpu: %s\n", error);
    shmem_finalize();
    return 2;
  }
  int iters = 5;
  for (int i = 1; i < argc; ++i)
    if (!strncmp(argv[i], "iters=", 6)) iters = atoi(argv[i] + 6);
  per_pe = cfg.experts / npes;
  capacity = cfg.tokens * (cfg.top_k < per_pe ? cfg.top_k : per_pe); /* the most one source sends one PE */
  row_bytes = sizeof(row_header) + (size_t)cfg.hidden * sizeof(float);
  const size_t area = (size_t)npes * capacity * row_bytes;

  state s = {0};
  s.recv = shmem_malloc(area + 1);
  s.ret_in = shmem_malloc(area + 1);
  s.dispatch_sig = shmem_calloc((size_t)npes, sizeof(uint64_t));
  s.return_sig = shmem_calloc((size_t)npes, sizeof(uint64_t));
  /* Routing of every PE's tokens, by a plain gather: the reference for what each PE must receive. */
  int* experts_all = shmem_malloc((size_t)npes * cfg.tokens * cfg.top_k * sizeof(int) + 1);
  int* experts_mine = shmem_malloc((size_t)cfg.tokens * cfg.top_k * sizeof(int) + 1);
  char* send_pack = malloc(area + 1); /* my rows, grouped by destination */
  s.out_pack = malloc((size_t)capacity * row_bytes + 1);
  s.counted = calloc((unsigned)npes, sizeof(long));
  s.y = malloc((size_t)cfg.tokens * cfg.hidden * sizeof(float) + 1);
  s.weights = malloc((size_t)cfg.tokens * cfg.top_k * sizeof(float) + 1);
  long* send_count = calloc((unsigned)npes, sizeof(long));
  if (!s.recv || !s.ret_in || !s.dispatch_sig || !s.return_sig || !experts_all || !experts_mine ||
      !send_pack || !s.out_pack || !s.counted || !s.y || !s.weights || !send_count) {
    fprintf(stderr, "moe_cpu: PE %d: out of memory (%zu-byte areas; raise SHMEM_SYMMETRIC_SIZE)\n", me, area);
    shmem_global_exit(1);
  }
  for (int t = 0; t < cfg.tokens; ++t)
    moe_route(&cfg, me, t, experts_mine + (size_t)t * cfg.top_k, s.weights + (size_t)t * cfg.top_k);
  shmem_fcollectmem(SHMEM_TEAM_WORLD, experts_all, experts_mine,
                    (size_t)cfg.tokens * cfg.top_k * sizeof(int));

  double dispatch_us = 0, total_us = 0;
  for (int iter = 0; iter < iters; ++iter) {
    s.epoch = (uint64_t)iter + 1;
    const double start = now_us();
    /* Pack by destination in token order, then one put-with-signal per destination (empty ones too:
     * the signal is the count). */
    memset(send_count, 0, (size_t)npes * sizeof(long));
    for (int t = 0; t < cfg.tokens; ++t)
      for (int k = 0; k < cfg.top_k; ++k) {
        const int e = experts_mine[(size_t)t * cfg.top_k + k], dest = e / per_pe;
        row_header* r = row_at(send_pack, (long)dest * capacity + send_count[dest]++);
        r->token = t;
        r->k = (int16_t)k;
        r->expert = (int16_t)e;
        for (int h = 0; h < cfg.hidden; ++h) values_of(r)[h] = moe_token_value(me, t, h);
      }
    for (int i = 1; i <= npes; ++i) { /* start with the next PE, so not everyone targets PE 0 first */
      const int dest = (me + i) % npes;
      shmem_putmem_signal_nbi(s.recv + (size_t)me * capacity * row_bytes,
                              row_at(send_pack, (long)dest * capacity), (size_t)send_count[dest] * row_bytes,
                              &s.dispatch_sig[me], s.epoch << 32 | (uint64_t)send_count[dest],
                              SHMEM_SIGNAL_SET, dest);
    }
    memset(s.y, 0, (size_t)cfg.tokens * cfg.hidden * sizeof(float));
    for_each_arrival(s.dispatch_sig, s.epoch, run_experts, &s);
    const double dispatched = now_us();
    for_each_arrival(s.return_sig, s.epoch, combine, &s);
    shmem_quiet(); /* send_pack is rewritten next iteration */
    dispatch_us += dispatched - start;
    total_us += now_us() - start;
  }

  /* Check 1: what each source sent here, against the gathered routing. Check 2: every row's values. */
  for (int src = 0; src < npes; ++src) {
    long expect = 0;
    for (int t = 0; t < cfg.tokens; ++t)
      for (int k = 0; k < cfg.top_k; ++k)
        expect += experts_all[((size_t)src * cfg.tokens + t) * cfg.top_k + k] / per_pe == me;
    if (iters > 0 && expect != s.counted[src]) fail("rows received from PE", src, s.counted[src], expect);
    for (long i = 0; iters > 0 && i < s.counted[src]; ++i) {
      row_header* r = row_at(s.recv, (long)src * capacity + i);
      const int* routed = experts_all + ((size_t)src * cfg.tokens + r->token) * cfg.top_k;
      if (r->token < 0 || r->token >= cfg.tokens || r->k < 0 || r->k >= cfg.top_k ||
          routed[r->k] != r->expert)
        fail("row header from PE", src, i, r->token);
      for (int h = 0; h < cfg.hidden; ++h)
        if (values_of(r)[h] != moe_token_value(src, r->token, h))
          fail("dispatched value (src, row, h)", src, i, h);
    }
  }
  /* Check 3: the combined tokens, against the weighted sum computed here. */
  for (int t = 0; iters > 0 && t < cfg.tokens; ++t)
    for (int h = 0; h < cfg.hidden; ++h) {
      float expect = 0;
      for (int k = 0; k < cfg.top_k; ++k)
        expect += s.weights[(size_t)t * cfg.top_k + k] *
                  moe_expert(experts_mine[(size_t)t * cfg.top_k + k], moe_token_value(me, t, h));
      const float got = s.y[(size_t)t * cfg.hidden + h];
      if (fabsf(got - expect) > 1e-5f * (1.0f + fabsf(expect)))
        fail("combined value (token, h, 1e6 x got)", t, h, (long)(got * 1e6));
    }
  shmem_barrier_all();
  if (me == 0)
    printf(
        "moe_cpu: %d PEs, tokens=%d hidden=%d top_k=%d experts=%d routing=%s: dispatch %.1f us, "
        "dispatch+combine %.1f us per iteration (%d iterations); all rows and sums correct\n",
        npes, cfg.tokens, cfg.hidden, cfg.top_k, cfg.experts,
        cfg.routing == MOE_ROUTING_HOT      ? "hot"
        : cfg.routing == MOE_ROUTING_SPARSE ? "sparse"
                                            : "random",
        iters ? dispatch_us / iters : 0.0, iters ? total_us / iters : 0.0, iters);
  free(send_count);
  free(s.weights);
  free(s.y);
  free(s.counted);
  free(s.out_pack);
  free(send_pack);
  shmem_free(experts_mine);
  shmem_free(experts_all);
  shmem_free(s.return_sig);
  shmem_free(s.dispatch_sig);
  shmem_free(s.ret_in);
  shmem_free(s.recv);
  shmem_finalize();
  return 0;
}
