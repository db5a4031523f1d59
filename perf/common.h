/* SPDX-License-Identifier: BSD-3-Clause */
/* Causeway perf suite: the parts every benchmark shares.
 *
 * A benchmark program is a table of cases (cw_case) plus a "glue" main that brings up the
 * communication library (shmem_glue.c for OpenSHMEM, mpi_glue.c for MPI) and hands the table to
 * cw_run_suite(). The driver here does everything else: options, the size loop, iteration and
 * sample counts, warm-up, data validation, statistics (mean, p50, p99) and OSU-like or JSON output.
 *
 * A case's run function issues the operations and times them with the CW_FOR_SAMPLES loop:
 *
 *     CW_FOR_SAMPLES(b, s) {
 *       double t0 = cw_now();
 *       for (long i = 0; i < b->batch; ++i) ...one operation...;
 *       cw_record(b, s, t0);
 *     }
 *
 * Samples with a negative index are warm-up and are not recorded. Every PE calls the run function;
 * b->initiator says whether this PE issues operations in this case.
 *
 * This file and common.c use only the C11 library and POSIX (no OpenSHMEM, no MPI), so the same
 * sources build against Causeway, another OpenSHMEM's oshcc, or mpicc. */
#ifndef CW_PERF_COMMON_H
#define CW_PERF_COMMON_H

/* clock_gettime under -std=c11. Include this header before any system header. */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The spin-wait hint the benchmarks' own polling loops use, as Causeway's waits do. */
static inline void cw_cpu_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield" ::: "memory");
#endif
}

/* What a case reports. Every sample is a time; the unit decides how it is shown. */
typedef enum cw_unit {
  CW_US,   /* latency per operation, microseconds */
  CW_MBPS, /* bandwidth, MB/s (10^6 bytes per second), all streams together */
  CW_MMPS, /* message rate, millions of operations per second, all streams together */
} cw_unit;

/* cw_case.flags */
enum {
  CW_FIXED_SIZE = 1u << 0, /* one row at cw_case.fixed_size; --min/--max-size do not apply */
  CW_NEEDS_PEER = 1u << 1, /* pairs of PEs: PE i talks to PE i + npes/2 (needs 2 PEs or more) */
  CW_ALL_PES = 1u << 2,    /* every PE initiates (collectives, contended atomics) */
  CW_BIDIR = 1u << 3,      /* both PEs of each active pair initiate */
  CW_STATIC_OK = 1u << 4,  /* also runs on static (global) buffers when --mem includes static */
  CW_WINDOWED = 1u << 5,   /* one operation is --window transfers then one completion */
  CW_BUF_X_PES = 1u << 6,  /* needs npes * size bytes per buffer (alltoall, fcollect) */
};

/* What the driver checks after the timed loop when --validate is on. Every PE fills its source
 * buffer with a pattern seeded by its PE number and the size, and clears its destination first. */
typedef enum cw_check {
  CW_CHECK_NONE,     /* nothing, or the case checks for itself and counts b->errors */
  CW_CHECK_PUT,      /* data went initiator.src -> peer.dst: receivers check their dst */
  CW_CHECK_GET,      /* data went peer.src -> initiator.dst: initiators check their dst */
  CW_CHECK_EXCHANGE, /* both ways (ping-pong): both PEs of an active pair check their dst */
} cw_check;

typedef struct cw_options {
  size_t min_size, max_size; /* bytes */
  size_t sizes[64];          /* an explicit --sizes list, or n_sizes == 0 */
  int n_sizes;
  long iters;       /* timed operations per size at small sizes (scaled down for large) */
  long warmup;      /* untimed operations before the timed ones */
  long window;      /* transfers per windowed operation */
  long max_samples; /* timed samples per size; operations are batched into them */
  long batch;       /* operations per sample, 0: iters / max_samples */
  double row_time;  /* seconds: a slower size makes the next sizes run fewer operations */
  int pairs;        /* active PE pairs, 0: all */
  int threads;      /* threads per PE (cw_msgrate) */
  int validate, json, list, help;
  int use_heap, use_static; /* --mem heap|static|both */
  const char *only;         /* --bench a,b,c */
  const char *skip;         /* --skip a,b,c */
  char error[256];          /* set when the command line is wrong */
} cw_options;

/* One set of buffers: symmetric heap or static globals (or plain memory for MPI). */
typedef struct cw_mem {
  const char *name; /* "heap" or "static" */
  char *src, *dst;  /* bytes each, page aligned */
  size_t bytes;
  long *flags; /* CW_NFLAGS words, one per 64-byte line; zeroed before every row */
} cw_mem;

#define CW_NFLAGS 8
#define CW_FLAG_STRIDE 8 /* longs: one flag per cache line */
#define CW_FLAG(b, i) (&(b)->mem->flags[(i)*CW_FLAG_STRIDE])

struct cw_case;
struct cw_comm;

/* Everything a run function needs for one row (one case at one size on one buffer set). */
typedef struct cw_bench {
  const struct cw_case *c;
  const cw_options *opt;
  const cw_mem *mem;
  const struct cw_comm *comm;
  void *suite_data; /* whatever the suite's setup hook returned */
  int me, npes;
  int peer;            /* the other PE of this PE's pair, or -1 */
  int initiator;       /* this PE issues the case's operations */
  int receiver;        /* this PE's peer issues operations that target it */
  int streams;         /* PEs initiating at once */
  size_t size;         /* bytes per transfer */
  long window;         /* transfers per operation (1 unless CW_WINDOWED) */
  long batch;          /* operations per sample */
  long samples;        /* timed samples */
  long warmup;         /* untimed samples */
  long ops_per_sample; /* operations a sample reports; the driver sets batch, a case may change it
                          (a ping-pong reports 2 * batch half round trips) */
  double *t;           /* t[s]: seconds taken by sample s */
  long errors;         /* validation errors found on this PE */
} cw_bench;

typedef void (*cw_run_fn)(cw_bench *b);

typedef struct cw_case {
  const char *name;
  const char *help;
  cw_unit unit;
  unsigned flags;
  cw_check check;
  cw_run_fn run;
  int arg;                 /* the case's parameter (an operation code, a type...) */
  size_t fixed_size;       /* with CW_FIXED_SIZE the one size; otherwise sizes that are not a multiple
                              of it are left out (0: any size) */
  const char *unavailable; /* non-NULL: not built against this library, and why */
  /* Optional: asked on every PE before a case runs on a buffer set; non-NULL means this PE cannot
   * run it here, and why (the case is skipped if any PE says so). */
  const char *(*unavailable_on)(const struct cw_mem *mem, const struct cw_comm *comm);
} cw_case;

/* Communication the driver needs; the glue fills it in. */
typedef struct cw_comm {
  int me, npes;
  const char *impl; /* library name for the output */
  void (*barrier)(void);
  void (*quiet)(void);                    /* complete this PE's outstanding operations */
  void (*max_to_root)(double *t, long n); /* t[i] = max over PEs, valid on PE 0 */
  long (*sum_long)(long v);               /* sum over PEs, valid on every PE */
} cw_comm;

typedef struct cw_suite {
  const char *name;  /* program name, e.g. "cw_latency" */
  const char *title; /* one line for --help */
  const cw_case *cases;
  int n_cases;
  long iters, warmup, window; /* defaults */
  size_t min_size, max_size;
  int pairs; /* default --pairs */
  /* Optional: called once by every PE after buffers exist, before any case; returns suite_data. */
  void *(*setup)(const cw_options *opt, const cw_comm *comm, cw_mem *heap);
  void (*teardown)(void *suite_data);
} cw_suite;

/* ---- Timing ---- */
static inline double cw_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define CW_FOR_SAMPLES(b, s) for (long s = -(b)->warmup; s < (b)->samples; ++s)

static inline void cw_record(cw_bench *b, long s, double t0) {
  if (s >= 0) b->t[s] = cw_now() - t0;
}

/* ---- Options ---- */
/* Parses argv into *opt with the suite's defaults; returns 0, or -1 with opt->error set. Does not
 * print, so it can run before the communication library is up. */
int cw_parse_options(int argc, char **argv, const cw_suite *suite, cw_options *opt);
void cw_print_usage(const cw_suite *suite);
void cw_print_list(const cw_suite *suite);
/* The largest buffer any selected case needs (bytes), given the PE count. */
size_t cw_buffer_bytes(const cw_suite *suite, const cw_options *opt, int npes);
/* The most samples one row can have (the length of cw_bench.t and of cw_comm.max_to_root's t). */
static inline long cw_max_samples(const cw_options *opt) {
  return opt->max_samples > opt->iters ? opt->max_samples : opt->iters;
}
int cw_case_selected(const cw_options *opt, const char *name);

/* ---- Data validation ---- */
void cw_fill(void *buf, size_t bytes, unsigned seed);
/* Number of bytes that differ from the pattern; reports the first on stderr, naming `what`. */
long cw_verify(const void *buf, size_t bytes, unsigned seed, int me, const char *what);
/* The same for bytes [start, start+bytes) of a pattern buffer, found at buf. */
long cw_verify_range(const void *buf, size_t start, size_t bytes, unsigned seed, int me, const char *what);
unsigned cw_seed(int pe, size_t size);

/* Collective inputs and results, shared by the OpenSHMEM and MPI collective benchmarks. Kinds
 * other than these four have nothing to fill or check. */
enum { CW_COLL_BROADCAST = 1, CW_COLL_FCOLLECT, CW_COLL_ALLTOALL, CW_COLL_REDUCE_SUM };
void cw_coll_fill(const cw_bench *b, int kind);  /* before the run: every PE's src, dst cleared */
long cw_coll_check(const cw_bench *b, int kind); /* after it: errors in this PE's dst (root PE 0) */

/* ---- Statistics ---- */
typedef struct cw_stats {
  double mean, p50, p99, min; /* seconds per sample */
} cw_stats;
void cw_stats_compute(double *t, long n, cw_stats *out); /* sorts t */

/* ---- The driver ---- */
/* Runs every selected case of the suite on every selected buffer set and size. Returns the
 * process exit status: 0, or 1 when validation failed somewhere. */
int cw_run_suite(const cw_suite *suite, const cw_options *opt, const cw_comm *comm, cw_mem *heap,
                 cw_mem *statics);

/* Size of the static buffers shmem_glue.c provides (the static variants stop at this size). */
#define CW_STATIC_BYTES ((size_t)1 << 20)

#ifdef __cplusplus
}
#endif

#endif /* CW_PERF_COMMON_H */
