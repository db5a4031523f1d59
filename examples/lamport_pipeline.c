/* SPDX-License-Identifier: BSD-3-Clause */
/* lamport_pipeline: a 1-D Jacobi stencil whose PEs synchronise with Lamport-clock stamps instead of
 * barriers (shmemx.h, "Lamport clocks").
 *
 * A rod of npes * cells cells is held at 1 on its left end and 0 on its right; each PE owns `cells`
 * of them. An iteration replaces every cell by 1/4 of its left neighbour + 1/2 of itself + 1/4 of
 * its right neighbour, so every iteration a PE needs the edge cells of the PEs beside it and gives
 * them its own. Two versions of the same loop:
 *
 *   barrier  shmem_putmem of each edge into the neighbour's halo, then shmem_barrier_all: every PE
 *            waits for all the others, every iteration.
 *   stamp    shmemx_ctx_putmem_stamped of each edge (the value and its stamp land together), then
 *            shmemx_ctx_stamp_wait for each neighbour's newer stamp: a PE waits for its two
 *            neighbours only, and only until their edges are there. No barrier, no quiet.
 *
 * Both start from the same values. After each run every PE compares its block, bit for bit, with
 * a serial run over the whole rod; the program exits 1 if any cell differs.
 *
 *   causeway-run -n 4 build/examples/lamport_pipeline [iterations [cells per PE]]
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include <shmem.h>
#include <shmemx.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEFT_END 1.0 /* the rod's fixed ends */
#define RIGHT_END 0.0
#define FROM_LEFT 0  /* halo[parity][FROM_LEFT]: the left neighbour's right edge */
#define FROM_RIGHT 1 /* halo[parity][FROM_RIGHT]: the right neighbour's left edge */

typedef double halo_t[2][2]; /* [iteration parity][side] */

/* One iteration over cells 1..n of `in` (in[0] and in[n + 1] are the neighbours' edges). The
 * distributed runs and the serial reference both call this, so their arithmetic is the same. */
static void relax(const double *in, double *out, long n) {
  for (long i = 1; i <= n; ++i) out[i] = 0.25 * in[i - 1] + 0.5 * in[i] + 0.25 * in[i + 1];
}

/* The starting value of global cell g (0-based), the same on every PE. */
static double start_value(long g) {
  uint64_t x = (uint64_t)g * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 29;
  return (double)(x >> 11) / 9007199254740992.0; /* [0, 1) */
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

typedef struct pipeline {
  int me, left, right;    /* left / right: neighbour PEs, -1 at the ends of the rod */
  long cells, iterations; /* iterations: of the timed runs */
  double *cur, *next;     /* cells + 2 each: [0] and [cells + 1] hold the neighbours' edges */
} pipeline;

static void load_start(pipeline *p) {
  for (long i = 1; i <= p->cells; ++i) p->cur[i] = start_value((long)p->me * p->cells + i - 1);
  /* The rod's ends, in both arrays: step() swaps them. At the PEs in between, the halos overwrite
   * these before every iteration. */
  p->cur[0] = p->next[0] = LEFT_END;
  p->cur[p->cells + 1] = p->next[p->cells + 1] = RIGHT_END;
}

static void step(pipeline *p) {
  relax(p->cur, p->next, p->cells);
  double *t = p->cur;
  p->cur = p->next;
  p->next = t;
}

/* Version A. The halos are double-buffered by iteration parity: a neighbour's put for iteration
 * k + 1 can run while this PE still reads iteration k's values (it left barrier k first), but its
 * put for k + 2, which reuses this buffer, comes after barrier k + 1, which this PE enters only
 * once it has read them. shmem_barrier_all completes every PE's puts before it returns. */
static void run_barrier(pipeline *p, halo_t *halo, long iterations) {
  const size_t d = sizeof(double);
  for (long k = 0; k < iterations; ++k) {
    const int par = (int)(k & 1);
    if (p->left >= 0) shmem_putmem(&(*halo)[par][FROM_RIGHT], &p->cur[1], d, p->left);
    if (p->right >= 0) shmem_putmem(&(*halo)[par][FROM_LEFT], &p->cur[p->cells], d, p->right);
    shmem_barrier_all();
    if (p->left >= 0) p->cur[0] = (*halo)[par][FROM_LEFT];
    if (p->right >= 0) p->cur[p->cells + 1] = (*halo)[par][FROM_RIGHT];
    step(p);
  }
}

/* Version B: stamps.
 *
 * Buffer reuse. A neighbour's edge of iteration k lands in halo[k % 2]. Its next write there is
 * its edge of iteration k + 2, which it can only compute once it has this PE's edge of iteration
 * k + 1, and this PE sends that only after computing iteration k + 1, i.e. after it read
 * halo[k % 2]. So a neighbour may run one iteration ahead (writing halo[(k + 1) % 2] while this
 * PE reads halo[k % 2]) but never two: two buffers are enough, and one would not be (its edge of
 * k + 1 could overwrite edge k before it is read).
 *
 * Which stamp to wait for. A neighbour's stamps are not consecutive (its clock also ticks for the
 * put to its other neighbour and merges what it waits for), so this PE cannot know the stamp of
 * edge k in advance. It waits for "anything newer than the last stamp seen":
 * shmemx_stamp_next(last). On one lane that would be ambiguous: a neighbour one iteration ahead may
 * have published edge k + 1 by the time this PE waits for edge k; the wait returns edge k + 1's
 * stamp, and at the next iteration "newer than that" means edge k + 2, which the neighbour can only
 * send after this PE's next edge (lost pipelining) and, after the last iteration, never sends (a
 * hang). So each buffer has its own context, hence its own lane and its own watermark word: on the
 * lane of halo[k % 2] a neighbour publishes edges k - 2, k, k + 2, ..., and as it cannot be two
 * iterations ahead, the newest stamp there when the wait returns is edge k's own. Waiting for newer
 * than that next time on that lane is waiting for edge k + 2, exactly.
 *
 * Visibility. shmemx_ctx_stamp_wait(ctx, src, t) returns once everything src issued to this PE on
 * that context before the call stamped t is visible here; putmem_stamped's data is part of that
 * call, so the halo can be read as soon as the wait returns. The producer neither quiets nor
 * waits: putmem_stamped returns once its source (a cell of cur) may be reused. */
typedef struct stamp_state {
  shmem_ctx_t ctx[2];           /* one per halo buffer (iteration parity): one lane each */
  shmemx_stamp_t from_left[2];  /* the newest stamp seen from the left neighbour, per lane */
  shmemx_stamp_t from_right[2]; /* ... and from the right one */
} stamp_state;

static void run_stamps(pipeline *p, halo_t *halo, stamp_state *st, long iterations) {
  const size_t d = sizeof(double);
  for (long k = 0; k < iterations; ++k) {
    const int par = (int)(k & 1);
    shmem_ctx_t ctx = st->ctx[par];
    if (p->left >= 0) shmemx_ctx_putmem_stamped(ctx, &(*halo)[par][FROM_RIGHT], &p->cur[1], d, p->left);
    if (p->right >= 0)
      shmemx_ctx_putmem_stamped(ctx, &(*halo)[par][FROM_LEFT], &p->cur[p->cells], d, p->right);
    if (p->left >= 0) {
      st->from_left[par] = shmemx_ctx_stamp_wait(ctx, p->left, shmemx_stamp_next(st->from_left[par]));
      p->cur[0] = (*halo)[par][FROM_LEFT];
    }
    if (p->right >= 0) {
      st->from_right[par] = shmemx_ctx_stamp_wait(ctx, p->right, shmemx_stamp_next(st->from_right[par]));
      p->cur[p->cells + 1] = (*halo)[par][FROM_RIGHT];
    }
    step(p);
  }
}

/* Cells of this PE's block that differ from the serial result `want` (global cells 1..). */
static long count_wrong(const pipeline *p, const double *want, const char *version) {
  long wrong = 0;
  for (long i = 1; i <= p->cells; ++i) {
    const double w = want[(long)p->me * p->cells + i];
    if (memcmp(&p->cur[i], &w, sizeof w) != 0) {
      if (!wrong)
        fprintf(stderr, "lamport_pipeline: PE %d, %s version: cell %ld is %.17g, expected %.17g\n", p->me,
                version, (long)p->me * p->cells + i - 1, p->cur[i], w);
      ++wrong;
    }
  }
  return wrong;
}

static long sum_over_pes(long v) {
  static long in, out;
  in = v;
  shmem_long_sum_reduce(SHMEM_TEAM_WORLD, &out, &in, 1);
  return out;
}

static long positive_arg(char **argv, int i, int argc, long fallback) {
  if (i >= argc) return fallback;
  char *end = NULL;
  const long v = strtol(argv[i], &end, 10);
  return (end != argv[i] && *end == '\0' && v > 0) ? v : -1;
}

int main(int argc, char **argv) {
  shmem_init();
  const int me = shmem_my_pe(), npes = shmem_n_pes();
  pipeline p = {me, me > 0 ? me - 1 : -1, me < npes - 1 ? me + 1 : -1, 0, 0, NULL, NULL};
  p.iterations = positive_arg(argv, 1, argc, 1000);
  p.cells = positive_arg(argv, 2, argc, 512);
  if (p.iterations < 0 || p.cells < 0) {
    if (me == 0) fprintf(stderr, "usage: lamport_pipeline [iterations [cells per PE]] (positive numbers)\n");
    shmem_finalize();
    return 2;
  }
  p.cur = malloc(sizeof(double) * (size_t)(p.cells + 2));
  p.next = malloc(sizeof(double) * (size_t)(p.cells + 2));

  /* The serial reference: the whole rod, with its fixed ends in [0] and [total + 1]. */
  const long total = (long)npes * p.cells;
  double *want = malloc(sizeof(double) * (size_t)(total + 2));
  double *scratch = malloc(sizeof(double) * (size_t)(total + 2));
  for (long g = 0; g < total; ++g) want[g + 1] = start_value(g);
  want[0] = scratch[0] = LEFT_END;
  want[total + 1] = scratch[total + 1] = RIGHT_END;
  for (long k = 0; k < p.iterations; ++k) {
    relax(want, scratch, total);
    double *t = want;
    want = scratch;
    scratch = t;
  }

  halo_t *halo_a = shmem_calloc(1, sizeof(halo_t));
  halo_t *halo_b = shmem_calloc(1, sizeof(halo_t));

  /* The stamp version's contexts. A context takes its lane at its first stamped call, so the lanes
   * may differ between PEs: every PE publishes its two (as stamps at the clock's time now, which
   * is before any stamp the context will send) and reads its neighbours'. */
  stamp_state st;
  static shmemx_stamp_t my_lanes[2];
  for (int par = 0; par < 2; ++par) {
    if (shmem_ctx_create(SHMEM_CTX_PRIVATE, &st.ctx[par]) != 0) {
      fprintf(stderr, "lamport_pipeline: PE %d: shmem_ctx_create failed\n", me);
      shmem_global_exit(1);
    }
    my_lanes[par] = shmemx_ctx_clock(st.ctx[par]);
  }
  shmem_barrier_all();
  shmemx_stamp_t lanes[2];
  if (p.left >= 0) shmem_getmem(lanes, my_lanes, sizeof lanes, p.left);
  for (int par = 0; par < 2; ++par) st.from_left[par] = p.left >= 0 ? lanes[par] : 0;
  if (p.right >= 0) shmem_getmem(lanes, my_lanes, sizeof lanes, p.right);
  for (int par = 0; par < 2; ++par) st.from_right[par] = p.right >= 0 ? lanes[par] : 0;

  /* Each version twice: a short warm-up (first touches, the contexts' first stamped calls), then
   * the timed and checked run. The stamp version's second run goes on from the stamps of the
   * first: every stamp sent was waited for, so "newer than the last seen" still holds. */
  double ms[2] = {0, 0};
  long wrong = 0;
  for (int timed = 0; timed < 2; ++timed) {
    const long iterations = timed ? p.iterations : p.iterations / 10 + 1;
    for (int version = 0; version < 2; ++version) {
      load_start(&p);
      shmem_barrier_all();
      const double t0 = now_ms();
      if (version == 0)
        run_barrier(&p, halo_a, iterations);
      else
        run_stamps(&p, halo_b, &st, iterations);
      shmem_barrier_all(); /* the run ends when the slowest PE is done */
      ms[version] = now_ms() - t0;
      if (timed) wrong += count_wrong(&p, want, version == 0 ? "barrier" : "stamp");
    }
  }
  wrong = sum_over_pes(wrong);
  if (me == 0)
    printf(
        "lamport_pipeline: %d PEs, %ld iterations of %ld cells per PE: result %s; barrier version %.1f ms, "
        "stamp version %.1f ms (%.2fx)\n",
        npes, p.iterations, p.cells, wrong ? "WRONG" : "ok", ms[0], ms[1], ms[0] / ms[1]);

  for (int par = 0; par < 2; ++par) shmem_ctx_destroy(st.ctx[par]);
  shmem_free(halo_b);
  shmem_free(halo_a);
  free(scratch);
  free(want);
  free(p.next);
  free(p.cur);
  shmem_finalize();
  return wrong ? 1 : 0;
}
