/* SPDX-License-Identifier: BSD-3-Clause */
/* Causeway perf suite: options, sizes, statistics, output and the driver loop (see common.h). */
#include "common.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Options ---- */

static int set_error(cw_options *opt, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(opt->error, sizeof opt->error, fmt, ap);
  va_end(ap);
  return -1;
}

/* "64", "4K", "16M", "1G" (binary multiples). */
static int parse_size(const char *text, size_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || end == text) return -1;
  unsigned shift = 0;
  switch (*end) {
    case 'k':
    case 'K':
      shift = 10;
      ++end;
      break;
    case 'm':
    case 'M':
      shift = 20;
      ++end;
      break;
    case 'g':
    case 'G':
      shift = 30;
      ++end;
      break;
    default: break;
  }
  if (*end == 'i' || *end == 'B') ++end;
  if (*end == 'B') ++end;
  if (*end != '\0' || v > (ULLONG_MAX >> shift)) return -1;
  *out = (size_t)(v << shift);
  return 0;
}

static int parse_long(const char *text, long min, long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end != '\0' || v < min) return -1;
  *out = v;
  return 0;
}

static int parse_size_list(const char *text, cw_options *opt) {
  char buf[1024];
  if (strlen(text) >= sizeof buf) return -1;
  strcpy(buf, text);
  opt->n_sizes = 0;
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (opt->n_sizes == (int)(sizeof opt->sizes / sizeof opt->sizes[0])) return -1;
    if (parse_size(tok, &opt->sizes[opt->n_sizes]) != 0 || opt->sizes[opt->n_sizes] == 0) return -1;
    opt->n_sizes++;
  }
  return opt->n_sizes > 0 ? 0 : -1;
}

/* True if `name` is one of the comma-separated words of `list`, or a word ending in '*' is a
 * prefix of it ("fetch*"). */
static int in_list(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *p = list; *p;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0) return 1;
    if (len > 0 && p[len - 1] == '*' && strncmp(p, name, len - 1) == 0) return 1;
    if (!comma) break;
    p = comma + 1;
  }
  return 0;
}

int cw_case_selected(const cw_options *opt, const char *name) {
  if (opt->only && !in_list(opt->only, name)) return 0;
  if (opt->skip && in_list(opt->skip, name)) return 0;
  return 1;
}

int cw_parse_options(int argc, char **argv, const cw_suite *suite, cw_options *opt) {
  memset(opt, 0, sizeof *opt);
  opt->min_size = suite->min_size;
  opt->max_size = suite->max_size;
  opt->iters = suite->iters;
  opt->warmup = suite->warmup;
  opt->window = suite->window;
  opt->max_samples = 1000;
  opt->row_time = 1.0;
  opt->pairs = suite->pairs;
  opt->threads = 1;
  opt->use_heap = opt->use_static = 1;

  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    const char *value = NULL;
    char name[64];
    /* --name=value or --name value */
    const char *eq = strchr(arg, '=');
    if (eq && (size_t)(eq - arg) < sizeof name) {
      memcpy(name, arg, (size_t)(eq - arg));
      name[eq - arg] = '\0';
      value = eq + 1;
    } else {
      snprintf(name, sizeof name, "%s", arg);
    }
#define FLAG(n) (strcmp(name, n) == 0)
#define NEED_VALUE()                                                             \
  do {                                                                           \
    if (!value) {                                                                \
      if (i + 1 >= argc) return set_error(opt, "option %s needs a value", name); \
      value = argv[++i];                                                         \
    }                                                                            \
  } while (0)
    if (FLAG("-h") || FLAG("--help")) {
      opt->help = 1;
    } else if (FLAG("--list")) {
      opt->list = 1;
    } else if (FLAG("--validate")) {
      opt->validate = 1;
    } else if (FLAG("--json")) {
      opt->json = 1;
    } else if (FLAG("--min-size")) {
      NEED_VALUE();
      if (parse_size(value, &opt->min_size) || opt->min_size == 0)
        return set_error(opt, "bad --min-size '%s'", value);
    } else if (FLAG("--max-size")) {
      NEED_VALUE();
      if (parse_size(value, &opt->max_size) || opt->max_size == 0)
        return set_error(opt, "bad --max-size '%s'", value);
    } else if (FLAG("-m")) { /* OSU style: -m MIN:MAX or -m MAX */
      NEED_VALUE();
      const char *colon = strchr(value, ':');
      char lo[64];
      if (colon && (size_t)(colon - value) < sizeof lo) {
        memcpy(lo, value, (size_t)(colon - value));
        lo[colon - value] = '\0';
        if (parse_size(lo, &opt->min_size) || parse_size(colon + 1, &opt->max_size))
          return set_error(opt, "bad -m '%s' (want MIN:MAX)", value);
      } else if (parse_size(value, &opt->max_size)) {
        return set_error(opt, "bad -m '%s' (want MIN:MAX)", value);
      }
    } else if (FLAG("--sizes")) {
      NEED_VALUE();
      if (parse_size_list(value, opt)) return set_error(opt, "bad --sizes '%s' (want e.g. 8,4K,1M)", value);
    } else if (FLAG("--iters") || FLAG("-i")) {
      NEED_VALUE();
      if (parse_long(value, 1, &opt->iters)) return set_error(opt, "bad --iters '%s'", value);
    } else if (FLAG("--warmup") || FLAG("-x")) {
      NEED_VALUE();
      if (parse_long(value, 0, &opt->warmup)) return set_error(opt, "bad --warmup '%s'", value);
    } else if (FLAG("--window") || FLAG("-w")) {
      NEED_VALUE();
      if (parse_long(value, 1, &opt->window)) return set_error(opt, "bad --window '%s'", value);
    } else if (FLAG("--samples")) {
      NEED_VALUE();
      if (parse_long(value, 1, &opt->max_samples)) return set_error(opt, "bad --samples '%s'", value);
    } else if (FLAG("--row-time")) {
      NEED_VALUE();
      char *end = NULL;
      opt->row_time = strtod(value, &end);
      if (end == value || *end != '\0' || opt->row_time < 0)
        return set_error(opt, "bad --row-time '%s'", value);
    } else if (FLAG("--batch")) {
      NEED_VALUE();
      if (parse_long(value, 0, &opt->batch)) return set_error(opt, "bad --batch '%s'", value);
    } else if (FLAG("--pairs")) {
      NEED_VALUE();
      long v;
      if (parse_long(value, 0, &v) || v > INT_MAX) return set_error(opt, "bad --pairs '%s'", value);
      opt->pairs = (int)v;
    } else if (FLAG("--threads")) {
      NEED_VALUE();
      long v;
      if (parse_long(value, 1, &v) || v > 256) return set_error(opt, "bad --threads '%s'", value);
      opt->threads = (int)v;
    } else if (FLAG("--mem")) {
      NEED_VALUE();
      opt->use_heap = strcmp(value, "heap") == 0 || strcmp(value, "both") == 0;
      opt->use_static = strcmp(value, "static") == 0 || strcmp(value, "both") == 0;
      if (!opt->use_heap && !opt->use_static)
        return set_error(opt, "bad --mem '%s' (heap, static or both)", value);
    } else if (FLAG("--bench") || FLAG("-b")) {
      NEED_VALUE();
      opt->only = value;
    } else if (FLAG("--skip")) {
      NEED_VALUE();
      opt->skip = value;
    } else {
      return set_error(opt, "unknown option '%s' (try --help)", arg);
    }
#undef FLAG
#undef NEED_VALUE
  }
  if (opt->min_size > opt->max_size) return set_error(opt, "--min-size is larger than --max-size");
  if (opt->only) {
    int any = 0;
    for (int i = 0; i < suite->n_cases; ++i) any |= cw_case_selected(opt, suite->cases[i].name);
    if (!any) return set_error(opt, "--bench '%s' selects no case (see --list)", opt->only);
  }
  return 0;
}

void cw_print_usage(const cw_suite *suite) {
  printf("usage: %s [options]\n%s\n\n", suite->name, suite->title);
  printf(
      "Options:\n"
      "  --min-size B, --max-size B, -m MIN:MAX   message sizes, powers of two (default %zu..%zu)\n"
      "  --sizes a,b,c        explicit sizes (suffixes K, M, G)\n"
      "  --iters N            timed operations per size (default %ld; fewer above 64 KiB)\n"
      "  --warmup N           untimed operations first (default %ld)\n"
      "  --window N           transfers per windowed operation (default %ld)\n"
      "  --samples N          at most N timed samples per size (default 1000); p50/p99 are over samples\n"
      "  --batch N            operations per sample (default iters / samples)\n"
      "  --row-time S         after a size takes over S seconds, run fewer operations (default 1, 0: off)\n"
      "  --pairs N            active PE pairs, PE i with PE i+npes/2 (0: all; default %d)\n"
      "  --threads N          threads per PE where a case supports it (default 1)\n"
      "  --mem heap|static|both   buffers on the symmetric heap and/or static globals (default both)\n"
      "  --bench a,b*         run only these cases (a trailing * matches a prefix); --skip a,b\n"
      "  --validate           check the transferred data; exit 1 on a mismatch\n"
      "  --json               one JSON object per result line instead of tables\n"
      "  --list               list the cases\n",
      suite->min_size, suite->max_size, suite->iters, suite->warmup, suite->window, suite->pairs);
}

void cw_print_list(const cw_suite *suite) {
  for (int i = 0; i < suite->n_cases; ++i) {
    const cw_case *c = &suite->cases[i];
    printf("%-28s %s%s%s\n", c->name, c->help, c->unavailable ? "  [unavailable: " : "",
           c->unavailable ? c->unavailable : "");
    if (c->unavailable) printf("%-28s ]\n", "");
  }
}

size_t cw_buffer_bytes(const cw_suite *suite, const cw_options *opt, int npes) {
  size_t max = opt->max_size;
  for (int i = 0; i < opt->n_sizes; ++i)
    if (opt->sizes[i] > max) max = opt->sizes[i];
  size_t need = 4096;
  for (int i = 0; i < suite->n_cases; ++i) {
    const cw_case *c = &suite->cases[i];
    if (!cw_case_selected(opt, c->name) || c->unavailable) continue;
    size_t bytes = (c->flags & CW_FIXED_SIZE) ? c->fixed_size : max;
    if (c->flags & CW_BUF_X_PES) bytes *= (size_t)npes;
    if (bytes > need) need = bytes;
  }
  return (need + 4095) & ~(size_t)4095;
}

/* ---- Validation ---- */

unsigned cw_seed(int pe, size_t size) { return (unsigned)pe * 2654435761u ^ (unsigned)size * 40503u; }

static inline unsigned char pattern_byte(unsigned seed, size_t i) {
  return (unsigned char)(seed + i * 131u + (i >> 8) * 7u + 1u);
}

void cw_fill(void *buf, size_t bytes, unsigned seed) {
  unsigned char *p = buf;
  for (size_t i = 0; i < bytes; ++i) p[i] = pattern_byte(seed, i);
}

long cw_verify_range(const void *buf, size_t start, size_t bytes, unsigned seed, int me, const char *what) {
  const unsigned char *p = buf;
  long bad = 0;
  for (size_t i = 0; i < bytes; ++i) {
    unsigned char want = pattern_byte(seed, start + i);
    if (p[i] != want) {
      if (bad == 0)
        fprintf(stderr, "PE %d: %s: byte %zu of %zu is 0x%02x, expected 0x%02x\n", me, what, i, bytes, p[i],
                want);
      ++bad;
    }
  }
  return bad;
}

long cw_verify(const void *buf, size_t bytes, unsigned seed, int me, const char *what) {
  return cw_verify_range(buf, 0, bytes, seed, me, what);
}

/* Broadcast from PE 0: every PE but the root gets the root's pattern. Fcollect: block p of dst is
 * PE p's pattern. Alltoall: block p of dst is block `me` of PE p's source. Sum all-reduce of
 * longs: PE p contributes p + i to element i. */
void cw_coll_fill(const cw_bench *b, int kind) {
  const size_t n = b->size;
  const int blocks = kind == CW_COLL_FCOLLECT || kind == CW_COLL_ALLTOALL;
  if (kind == CW_COLL_REDUCE_SUM) {
    long *src = (long *)(void *)b->mem->src;
    for (size_t i = 0; i < n / sizeof(long); ++i) src[i] = b->me + (long)i;
  } else {
    cw_fill(b->mem->src, kind == CW_COLL_ALLTOALL ? n * (size_t)b->npes : n, cw_seed(b->me, n));
  }
  memset(b->mem->dst, 0, blocks ? n * (size_t)b->npes : n);
}

long cw_coll_check(const cw_bench *b, int kind) {
  const size_t n = b->size;
  const char *dst = b->mem->dst;
  char what[128];
  long bad = 0;
  switch (kind) {
    case CW_COLL_BROADCAST:
      snprintf(what, sizeof what, "%s size %zu", b->c->name, n);
      if (b->me != 0) bad += cw_verify(dst, n, cw_seed(0, n), b->me, what);
      break;
    case CW_COLL_FCOLLECT:
    case CW_COLL_ALLTOALL:
      for (int pe = 0; pe < b->npes; ++pe) {
        snprintf(what, sizeof what, "%s size %zu, block from PE %d", b->c->name, n, pe);
        size_t start = kind == CW_COLL_ALLTOALL ? (size_t)b->me * n : 0;
        bad += cw_verify_range(dst + (size_t)pe * n, start, n, cw_seed(pe, n), b->me, what);
      }
      break;
    case CW_COLL_REDUCE_SUM: {
      const long *out = (const long *)(const void *)dst;
      const long npes = b->npes;
      for (size_t i = 0; i < n / sizeof(long); ++i) {
        long want = npes * (long)i + npes * (npes - 1) / 2;
        if (out[i] != want) {
          if (!bad)
            fprintf(stderr, "PE %d: %s element %zu is %ld, expected %ld\n", b->me, b->c->name, i, out[i],
                    want);
          ++bad;
        }
      }
      break;
    }
    default: break;
  }
  return bad;
}

/* ---- Statistics ---- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double percentile(const double *sorted, long n, double q) {
  if (n == 1) return sorted[0];
  double pos = q * (double)(n - 1);
  long lo = (long)pos;
  if (lo >= n - 1) return sorted[n - 1];
  double frac = pos - (double)lo;
  return sorted[lo] + (sorted[lo + 1] - sorted[lo]) * frac;
}

void cw_stats_compute(double *t, long n, cw_stats *out) {
  double sum = 0;
  for (long i = 0; i < n; ++i) sum += t[i];
  qsort(t, (size_t)n, sizeof *t, cmp_double);
  out->mean = sum / (double)n;
  out->p50 = percentile(t, n, 0.50);
  out->p99 = percentile(t, n, 0.99);
  out->min = t[0];
}

/* ---- Output ---- */

static const char *unit_name(cw_unit u) { return u == CW_US ? "us" : u == CW_MBPS ? "MB/s" : "Mmsg/s"; }

/* A sample time in seconds shown in the case's unit. */
static double in_unit(const cw_bench *b, double seconds) {
  double ops = (double)b->ops_per_sample;
  switch (b->c->unit) {
    case CW_US: return seconds / ops * 1e6;
    case CW_MBPS: return (double)b->size * (double)b->window * ops * b->streams / seconds / 1e6;
    case CW_MMPS: return (double)b->window * ops * b->streams / seconds / 1e6;
  }
  return 0;
}

static void print_json_string(const char *s) {
  putchar('"');
  for (; *s; ++s) {
    if (*s == '"' || *s == '\\') putchar('\\');
    if ((unsigned char)*s >= 0x20) putchar(*s);
  }
  putchar('"');
}

static void print_json_head(const cw_suite *suite, const cw_comm *comm, const cw_case *c, const char *mem) {
  printf("{\"suite\":");
  print_json_string(suite->name);
  printf(",\"impl\":");
  print_json_string(comm->impl);
  printf(",\"bench\":");
  print_json_string(c->name);
  printf(",\"mem\":\"%s\",\"npes\":%d", mem, comm->npes);
}

static void print_skip(const cw_suite *suite, const cw_options *opt, const cw_comm *comm, const cw_case *c,
                       const char *mem, const char *why) {
  if (opt->json) {
    print_json_head(suite, comm, c, mem);
    printf(",\"skipped\":");
    print_json_string(why);
    printf("}\n");
  } else {
    printf("# %s (%s): skipped: %s\n", c->name, mem, why);
  }
}

static char last_header[512];

static void print_row(const cw_suite *suite, const cw_options *opt, const cw_comm *comm, const cw_bench *b,
                      const cw_stats *st) {
  const cw_case *c = b->c;
  double avg = in_unit(b, st->mean), p50 = in_unit(b, st->p50), p99 = in_unit(b, st->p99),
         best = in_unit(b, st->min);
  if (opt->json) {
    print_json_head(suite, comm, c, b->mem->name);
    printf(
        ",\"size\":%zu,\"unit\":\"%s\",\"avg\":%.6g,\"p50\":%.6g,\"p99\":%.6g,\"best\":%.6g,"
        "\"samples\":%ld,\"ops_per_sample\":%ld,\"window\":%ld,\"streams\":%d,\"validated\":%s,\"errors\":%"
        "ld}\n",
        b->size, unit_name(c->unit), avg, p50, p99, best, b->samples, b->ops_per_sample, b->window,
        b->streams, opt->validate ? "true" : "false", b->errors);
    return;
  }
  /* OSU-like: a header when the table changes, then one row per size. Fixed-size cases (atomics)
   * share one table with a case column. */
  const char *u = unit_name(c->unit);
  const int fixed = (c->flags & CW_FIXED_SIZE) != 0;
  char header[512], avg_h[32], p50_h[32], p99_h[32];
  snprintf(avg_h, sizeof avg_h, "Avg(%s)", u);
  snprintf(p50_h, sizeof p50_h, "p50(%s)", u);
  snprintf(p99_h, sizeof p99_h, "p99(%s)", u);
  if (fixed)
    snprintf(header, sizeof header, "\n# %s (%s), %d PEs\n# %-26s %8s %12s %12s %12s\n", suite->name,
             b->mem->name, comm->npes, "Case", "Size", avg_h, p50_h, p99_h);
  else
    snprintf(header, sizeof header, "\n# %s: %s (%s), %d PEs, %d stream%s\n# %s\n# %-10s %12s %12s %12s\n",
             suite->name, c->name, b->mem->name, comm->npes, b->streams, b->streams > 1 ? "s" : "", c->help,
             "Size", avg_h, p50_h, p99_h);
  if (strcmp(header, last_header) != 0) {
    snprintf(last_header, sizeof last_header, "%s", header);
    fputs(header, stdout);
  }
  if (fixed)
    printf("  %-26s %8zu ", c->name, b->size);
  else
    printf("  %-10zu ", b->size);
  if (c->unit == CW_MBPS)
    printf("%12.1f %12.1f %12.1f", avg, p50, p99);
  else
    printf("%12.3f %12.3f %12.3f", avg, p50, p99);
  if (b->errors) printf("   VALIDATION FAILED (%ld bad bytes/values)", b->errors);
  printf("\n");
}

/* ---- The driver ---- */

/* Operations (and warm-up operations) for one size: all of --iters while one operation moves at
 * most 64 KiB, then proportionally fewer so large sizes do not take forever, but never fewer
 * than 50 (or --iters, if smaller). */
static long scaled(long n, size_t bytes_per_op, long floor) {
  const double budget = 65536.0;
  if ((double)bytes_per_op <= budget) return n;
  long v = (long)((double)n * budget / (double)bytes_per_op);
  return v < floor ? floor : v;
}

/* `speed` (at most 1) shrinks the operation count of rows that follow a row that ran past
 * --row-time; see run_row. */
static void plan_row(cw_bench *b, const cw_options *opt, double speed) {
  long window = (b->c->flags & CW_WINDOWED) ? opt->window : 1;
  /* Keep a window at or under 4 MiB: large messages fill the pipe on their own. */
  const size_t window_cap = (size_t)4 << 20;
  if (window > 1 && b->size * (size_t)window > window_cap) {
    window = (long)(window_cap / b->size);
    if (window < 1) window = 1;
  }
  b->window = window;
  size_t bytes_per_op = b->size * (size_t)window;
  long floor = opt->iters < 50 ? opt->iters : 50;
  long ops = scaled(opt->iters, bytes_per_op, floor);
  long warm = opt->warmup ? scaled(opt->warmup, bytes_per_op, 2) : 0;
  if (speed < 1.0) {
    const long least = opt->iters < 20 ? opt->iters : 20;
    ops = (long)((double)ops * speed);
    if (ops < least) ops = least;
    warm = (long)((double)warm * speed);
    if (warm < 2 && opt->warmup) warm = 2;
  }
  if (opt->batch > 0) {
    b->batch = opt->batch;
    b->samples = ops / b->batch > 0 ? ops / b->batch : 1;
  } else {
    b->samples = ops < opt->max_samples ? ops : opt->max_samples;
    b->batch = ops / b->samples;
  }
  b->warmup = (warm + b->batch - 1) / b->batch;
  b->ops_per_sample = b->batch;
}

/* Sets peer, initiator, receiver and streams for the case; returns NULL or why it cannot run. */
static const char *place_pes(cw_bench *b, const cw_options *opt) {
  const unsigned f = b->c->flags;
  const int n = b->npes, me = b->me, half = n / 2;
  b->peer = -1;
  if (half > 0) b->peer = me < half ? me + half : (me < 2 * half ? me - half : -1);
  if (f & CW_ALL_PES) {
    b->initiator = 1;
    b->streams = n;
    return NULL;
  }
  if ((f & CW_NEEDS_PEER) && n < 2) return "needs 2 PEs or more";
  const int pairs = (opt->pairs > 0 && opt->pairs < half) ? opt->pairs : half;
  const int pair = me < half ? me : me - half;
  const int active = b->peer >= 0 && pair < pairs;
  b->initiator = active && (me < half || (f & CW_BIDIR));
  b->receiver = active && (me >= half || (f & CW_BIDIR));
  b->streams = pairs * ((f & CW_BIDIR) ? 2 : 1);
  return NULL;
}

/* For CW_CHECK_PUT, _GET and _EXCHANGE: does this PE's dst hold its peer's pattern? */
static long check_row(cw_bench *b) {
  const cw_case *c = b->c;
  int holds_peer_data = 0;
  switch (c->check) {
    case CW_CHECK_PUT: holds_peer_data = b->receiver; break;
    case CW_CHECK_GET: holds_peer_data = b->initiator; break;
    case CW_CHECK_EXCHANGE: holds_peer_data = b->initiator || b->receiver; break;
    case CW_CHECK_NONE: break;
  }
  if (!holds_peer_data || b->peer < 0) return 0;
  char what[160];
  snprintf(what, sizeof what, "%s (%s) size %zu from PE %d", c->name, b->mem->name, b->size, b->peer);
  return cw_verify(b->mem->dst, b->size, cw_seed(b->peer, b->size), b->me, what);
}

/* --sizes, or powers of two from --min-size to --max-size (a first size that is not a power of two
 * is followed by the next power of two). */
static int size_list(const cw_options *opt, size_t *out, int max) {
  if (opt->n_sizes > 0) {
    for (int i = 0; i < opt->n_sizes; ++i) out[i] = opt->sizes[i];
    return opt->n_sizes;
  }
  int n = 0;
  for (size_t s = opt->min_size; s <= opt->max_size && n < max;) {
    out[n++] = s;
    size_t next = 1;
    while (next <= s) next <<= 1;
    s = next;
  }
  return n;
}

/* One row. *speed carries the time budget along a case's sizes: when a row takes longer than
 * --row-time on PE 0, the following rows run proportionally fewer operations (every PE gets PE 0's
 * decision, so ping-pong partners agree). Only slow implementations ever hit it. */
static long run_row(const cw_suite *suite, const cw_options *opt, const cw_comm *comm, cw_mem *mem,
                    const cw_case *c, size_t size, void *suite_data, double *samples, double *speed) {
  cw_bench b;
  memset(&b, 0, sizeof b);
  b.c = c;
  b.opt = opt;
  b.mem = mem;
  b.comm = comm;
  b.suite_data = suite_data;
  b.me = comm->me;
  b.npes = comm->npes;
  b.size = size;
  b.t = samples;
  const char *why = place_pes(&b, opt);
  if (why) {
    if (comm->me == 0) print_skip(suite, opt, comm, c, mem->name, why);
    return 0;
  }
  plan_row(&b, opt, *speed);

  memset(samples, 0, sizeof(double) * (size_t)b.samples); /* PEs that do not time contribute 0 */
  memset(mem->flags, 0, CW_NFLAGS * CW_FLAG_STRIDE * sizeof(long));
  if (opt->validate && c->check != CW_CHECK_NONE) {
    size_t bytes = (c->flags & CW_BUF_X_PES) ? size * (size_t)b.npes : size;
    cw_fill(mem->src, bytes, cw_seed(b.me, size));
    memset(mem->dst, 0, bytes);
  }
  comm->barrier();
  const double started = cw_now();
  c->run(&b);
  const double took = cw_now() - started;
  comm->quiet();
  comm->barrier();
  if (opt->validate) b.errors += check_row(&b);
  b.errors = comm->sum_long(b.errors);
  if (opt->row_time > 0) {
    long micro = comm->me == 0 && took > opt->row_time ? (long)(*speed * opt->row_time / took * 1e6) : 0;
    micro = comm->sum_long(micro);
    if (micro > 0) *speed = (double)micro / 1e6;
  }
  /* One stream: PE 0's own times. Several: a sample takes as long as its slowest PE. */
  if (b.streams > 1) comm->max_to_root(samples, b.samples);
  if (comm->me == 0) {
    cw_stats st;
    cw_stats_compute(samples, b.samples, &st);
    print_row(suite, opt, comm, &b, &st);
    fflush(stdout);
  }
  return b.errors;
}

int cw_run_suite(const cw_suite *suite, const cw_options *opt, const cw_comm *comm, cw_mem *heap,
                 cw_mem *statics) {
  void *suite_data = suite->setup ? suite->setup(opt, comm, heap) : NULL;
  double *samples = malloc(sizeof(double) * (size_t)cw_max_samples(opt));
  size_t sizes[64];
  int n_sizes = size_list(opt, sizes, 64);
  long errors = 0;

  if (comm->me == 0 && !opt->json)
    printf("# %s (%s), %d PEs, iters %ld, warm-up %ld, window %ld%s\n", suite->name, comm->impl, comm->npes,
           opt->iters, opt->warmup, opt->window, opt->validate ? ", validating" : "");
  for (int ci = 0; ci < suite->n_cases; ++ci) {
    const cw_case *c = &suite->cases[ci];
    if (!cw_case_selected(opt, c->name)) continue;
    cw_mem *sets[2] = {opt->use_heap ? heap : NULL,
                       (opt->use_static && statics && (c->flags & CW_STATIC_OK)) ? statics : NULL};
    if (!sets[0] && !sets[1]) sets[0] = heap; /* heap-only cases still run with --mem static */
    for (int m = 0; m < 2; ++m) {
      cw_mem *mem = sets[m];
      if (!mem) continue;
      const char *why = c->unavailable;
      if (!why && c->unavailable_on) {
        why = c->unavailable_on(mem, comm);
        if (comm->sum_long(why != NULL) > 0 && !why) why = "unavailable on another PE";
      }
      if (why) {
        if (comm->me == 0) print_skip(suite, opt, comm, c, mem->name, why);
        continue;
      }
      double speed = 1.0;
      if (c->flags & CW_FIXED_SIZE) {
        errors += run_row(suite, opt, comm, mem, c, c->fixed_size, suite_data, samples, &speed);
        continue;
      }
      for (int si = 0; si < n_sizes; ++si) {
        size_t need = (c->flags & CW_BUF_X_PES) ? sizes[si] * (size_t)comm->npes : sizes[si];
        if (need > mem->bytes) continue; /* the static buffers stop at CW_STATIC_BYTES */
        if (c->fixed_size && sizes[si] % c->fixed_size != 0) continue;
        errors += run_row(suite, opt, comm, mem, c, sizes[si], suite_data, samples, &speed);
      }
    }
  }
  if (suite->teardown) suite->teardown(suite_data);
  free(samples);
  if (errors && comm->me == 0) fprintf(stderr, "%s: validation FAILED (%ld errors)\n", suite->name, errors);
  return errors ? 1 : 0;
}
