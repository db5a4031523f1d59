/* SPDX-License-Identifier: BSD-3-Clause */
/* hw_probe: what the hardware can do, measured the same way as the benchmarks (same driver, sizes,
 * samples and output), as the floor the library is compared with.
 *
 *   memcpy_bw, memcpy_lat       memcpy between two private page-aligned buffers, per size (one core)
 *   cacheline_pingpong          two processes pinned to two cores hand a value back and forth
 *                               through two cache lines, each polled by its reader (the shape of
 *                               a put+signal ping-pong); half a round trip
 *   cacheline_pingpong_1line    the same through one line that both write in turn
 *   atomic_pingpong             the two processes take turns to lock-add one word: each atomic
 *                               finds the line on the other core (the hardware atomic round trip)
 *   atomic_contended            both processes lock-add one word as fast as they can (per
 *                               operation, slowest process per sample; a core often keeps the line
 *                               for several operations, so this is below a round trip)
 *   atomic_local                lock-add on a line no other core touches
 *
 * Runs without any launcher: it forks itself into two "PEs" on shared anonymous memory, pinned to
 * cores 0 and 1 (--cores A,B to choose). Waits spin on plain loads with PAUSE, as the library's do. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

/* ---- Two processes on shared memory: the cw_comm the driver needs ---- */

typedef struct shared {
  _Alignas(64) atomic_long arrived;  /* barrier: arrivals so far */
  _Alignas(64) atomic_long released; /* barrier: generation */
  _Alignas(64) long sums[2];
  _Alignas(64) long flags[CW_NFLAGS * CW_FLAG_STRIDE];
  double samples[]; /* 2 x max_samples */
} shared;

static shared *g_shared;
static long g_max_samples;
static int g_me;

static void fork_barrier(void) {
  long generation = atomic_load(&g_shared->released);
  if (atomic_fetch_add(&g_shared->arrived, 1) == 1) {
    atomic_store(&g_shared->arrived, 0);
    atomic_store(&g_shared->released, generation + 1);
    return;
  }
  /* The other process may be in a long timed memcpy: after a short spin, sleep, so that this
   * process does not compete with it (the two vCPUs may be hyperthreads of one core). */
  for (long spins = 0; atomic_load(&g_shared->released) == generation; ++spins) {
    if (spins > 1000) {
      struct timespec nap = {0, 20000};
      nanosleep(&nap, NULL);
    }
  }
}

static void fork_quiet(void) {}

static void fork_max_to_root(double *t, long n) {
  double *mine = g_shared->samples + (size_t)g_me * (size_t)g_max_samples;
  if (g_me == 1) memcpy(mine, t, sizeof(double) * (size_t)n);
  fork_barrier();
  if (g_me == 0) {
    const double *theirs = g_shared->samples + (size_t)g_max_samples;
    for (long i = 0; i < n; ++i)
      if (theirs[i] > t[i]) t[i] = theirs[i];
  }
  fork_barrier();
}

static long fork_sum_long(long v) {
  g_shared->sums[g_me] = v;
  fork_barrier();
  long sum = g_shared->sums[0] + g_shared->sums[1];
  fork_barrier();
  return sum;
}

/* ---- Cases ---- */

static void run_memcpy(cw_bench *b) {
  if (!b->initiator) return;
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    for (long i = 0; i < b->batch; ++i)
      for (long w = 0; w < b->window; ++w) memcpy(b->mem->dst, b->mem->src, b->size);
    cw_record(b, s, t0);
  }
  /* Keep the copies observable. */
  __asm__ __volatile__("" : : "r"(b->mem->dst) : "memory");
}

/* PAUSE in the spin: without it the core has many speculative loads of the line in flight when the
 * peer's store invalidates it, and pays a pipeline flush on top of the line transfer (10-20 ns
 * here). The library's waits pause too, so this is the floor they can reach. */
static inline void spin_until(volatile long *word, long value) {
  while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != value) cw_cpu_pause();
}

enum pingpong_mode {
  TWO_LINES,  /* each PE stores to the line its peer polls */
  ONE_LINE,   /* one counter: PE 0 stores odd values, PE 1 even ones */
  ONE_ATOMIC, /* the same counter, moved on by lock xadd instead of a store */
};

static void run_pingpong(cw_bench *b) {
  b->ops_per_sample = 2 * b->batch;
  const int mode = b->c->arg;
  volatile long *to_peer = (volatile long *)CW_FLAG(b, mode == TWO_LINES ? b->me : 0);
  volatile long *from_peer = (volatile long *)CW_FLAG(b, mode == TWO_LINES ? 1 - b->me : 0);
  long seq = 0;
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    for (long i = 0; i < b->batch; ++i) {
      if (mode == TWO_LINES) {
        ++seq;
        if (b->me == 0) {
          __atomic_store_n(to_peer, seq, __ATOMIC_RELEASE);
          spin_until(from_peer, seq);
        } else {
          spin_until(from_peer, seq);
          __atomic_store_n(to_peer, seq, __ATOMIC_RELEASE);
        }
      } else {
        seq += 2; /* my turn when the counter is seq-2 (PE 0) or seq-1 (PE 1) */
        spin_until(to_peer, seq - 2 + b->me);
        if (mode == ONE_ATOMIC)
          __atomic_fetch_add(to_peer, 1, __ATOMIC_SEQ_CST);
        else
          __atomic_store_n(to_peer, seq - 1 + b->me, __ATOMIC_RELEASE);
      }
    }
    cw_record(b, s, t0);
  }
  if (mode != TWO_LINES && b->me == 0) spin_until(to_peer, seq); /* PE 1's last move */
}

static void run_atomic(cw_bench *b) {
  const int contended = b->c->arg;
  long *word = CW_FLAG(b, contended ? 2 : 3 + b->me);
  if (!contended && !b->initiator) return;
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    for (long i = 0; i < b->batch; ++i) __atomic_fetch_add(word, 1, __ATOMIC_SEQ_CST);
    cw_record(b, s, t0);
  }
}

static const cw_case cases[] = {
    {"memcpy_bw", "memcpy x window between private buffers, one core", CW_MBPS, CW_NEEDS_PEER | CW_WINDOWED,
     CW_CHECK_NONE, run_memcpy, 0, 0, NULL},
    {"memcpy_lat", "one memcpy between private buffers, one core", CW_US, CW_NEEDS_PEER, CW_CHECK_NONE,
     run_memcpy, 0, 0, NULL},
    {"cacheline_pingpong", "two cores, two lines (each polled by its reader), half round trip", CW_US,
     CW_NEEDS_PEER | CW_FIXED_SIZE, CW_CHECK_NONE, run_pingpong, TWO_LINES, 8, NULL},
    {"cacheline_pingpong_1line", "two cores, one line both write in turn, half round trip", CW_US,
     CW_NEEDS_PEER | CW_FIXED_SIZE, CW_CHECK_NONE, run_pingpong, ONE_LINE, 8, NULL},
    {"atomic_pingpong", "two cores take turns to lock xadd one word: atomic round trip (half)", CW_US,
     CW_NEEDS_PEER | CW_FIXED_SIZE, CW_CHECK_NONE, run_pingpong, ONE_ATOMIC, 8, NULL},
    {"atomic_contended", "lock xadd, both cores on one word (slowest core per sample)", CW_US,
     CW_ALL_PES | CW_FIXED_SIZE, CW_CHECK_NONE, run_atomic, 1, 8, NULL},
    {"atomic_local", "lock xadd on a line no other core touches", CW_US, CW_NEEDS_PEER | CW_FIXED_SIZE,
     CW_CHECK_NONE, run_atomic, 0, 8, NULL},
};

const cw_suite cw_this_suite = {
    .name = "hw_probe",
    .title =
        "Hardware floor: memcpy per size, cache-line ping-pong and atomic round trip between two cores.\n"
        "Extra option: --cores A,B (default 0,1).",
    .cases = cases,
    .n_cases = sizeof cases / sizeof cases[0],
    .iters = 20000,
    .warmup = 2000,
    .window = 64,
    .min_size = 1,
    .max_size = 16 << 20,
    .pairs = 1,
};

/* ---- main: fork into two pinned processes ---- */

static void pin(int core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) perror("hw_probe: sched_setaffinity");
}

static void *private_buffer(size_t bytes) {
  void *p = NULL;
  if (posix_memalign(&p, 4096, bytes) != 0) return NULL;
  memset(p, 1, bytes);
  return p;
}

int main(int argc, char **argv) {
  int cores[2] = {0, 1};
  /* Take --cores out before the common parser sees the command line. */
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--cores") == 0 && i + 1 < argc) {
      if (sscanf(argv[++i], "%d,%d", &cores[0], &cores[1]) != 2) {
        fprintf(stderr, "hw_probe: bad --cores '%s' (want A,B)\n", argv[i]);
        return 2;
      }
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;

  const cw_suite *suite = &cw_this_suite;
  cw_options opt;
  if (cw_parse_options(argc, argv, suite, &opt) != 0) {
    fprintf(stderr, "hw_probe: %s\n", opt.error);
    return 2;
  }
  if (opt.help || opt.list) {
    if (opt.help)
      cw_print_usage(suite);
    else
      cw_print_list(suite);
    return 0;
  }

  g_max_samples = cw_max_samples(&opt);
  size_t shared_bytes = sizeof(shared) + 2 * sizeof(double) * (size_t)g_max_samples;
  g_shared = mmap(NULL, shared_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (g_shared == MAP_FAILED) {
    perror("hw_probe: mmap");
    return 1;
  }
  memset(g_shared, 0, shared_bytes);

  fflush(stdout);
  pid_t child = fork();
  if (child < 0) {
    perror("hw_probe: fork");
    return 1;
  }
  g_me = child == 0 ? 1 : 0;
  pin(cores[g_me]);

  size_t bytes = cw_buffer_bytes(suite, &opt, 2);
  cw_mem mem = {"private", private_buffer(bytes), private_buffer(bytes), bytes, g_shared->flags};
  if (!mem.src || !mem.dst) {
    fprintf(stderr, "hw_probe: out of memory\n");
    return 1;
  }
  cw_comm comm = {g_me, 2, "hardware", fork_barrier, fork_quiet, fork_max_to_root, fork_sum_long};
  fork_barrier();
  int status = cw_run_suite(suite, &opt, &comm, &mem, NULL);
  free(mem.src);
  free(mem.dst);
  if (g_me == 1) _exit(status);
  int child_status = 0;
  waitpid(child, &child_status, 0);
  return status ? status : (WIFEXITED(child_status) ? WEXITSTATUS(child_status) : 1);
}
