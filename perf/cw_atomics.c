/* SPDX-License-Identifier: BSD-3-Clause */
/* cw_atomics: every AMO on int and long (bitwise ones on unsigned int and unsigned long, the
 * types the specification gives them), three ways:
 *
 *   TYPE_OP             latency: PE 0 issues the blocking AMO on PE 1's word back to back
 *   TYPE_OP_rate        rate: a window of AMOs then shmem_quiet (fetching ones in their _nbi form,
 *                       an OpenSHMEM 1.5 API)
 *   TYPE_fetch_add_contended   latency with every PE hammering one word on PE 0
 *
 * With --validate the target word's final value is checked against the same sequence of
 * operations replayed locally (the operands are chosen so the order does not matter where the
 * specification leaves it open). */
#include <stdlib.h>

#include "cw_shmem.h"

enum amo_type { T_INT, T_LONG, T_UINT, T_ULONG };
enum amo_op {
  OP_FETCH_INC,
  OP_INC,
  OP_FETCH_ADD,
  OP_ADD,
  OP_COMPARE_SWAP,
  OP_FETCH,
  OP_SET,
  OP_SWAP,
  OP_FETCH_AND,
  OP_AND,
  OP_FETCH_OR,
  OP_OR,
  OP_FETCH_XOR,
  OP_XOR,
};

static int is_fetching(int op) {
  return !(op == OP_INC || op == OP_ADD || op == OP_SET || op == OP_AND || op == OP_OR || op == OP_XOR);
}

/* ---- Dispatch: one function per type, generated, so no call is written out per type ---- */

#define DEFINE_STANDARD_AMO(T, TN)                                                                  \
  static unsigned long amo_##TN(int op, T *w, T v, T cond, int pe) {                                \
    switch (op) {                                                                                   \
      case OP_FETCH_INC: return (unsigned long)shmem_##TN##_atomic_fetch_inc(w, pe);                \
      case OP_INC: shmem_##TN##_atomic_inc(w, pe); return 0;                                        \
      case OP_FETCH_ADD: return (unsigned long)shmem_##TN##_atomic_fetch_add(w, v, pe);             \
      case OP_ADD: shmem_##TN##_atomic_add(w, v, pe); return 0;                                     \
      case OP_COMPARE_SWAP: return (unsigned long)shmem_##TN##_atomic_compare_swap(w, cond, v, pe); \
      case OP_FETCH: return (unsigned long)shmem_##TN##_atomic_fetch(w, pe);                        \
      case OP_SET: shmem_##TN##_atomic_set(w, v, pe); return 0;                                     \
      case OP_SWAP: return (unsigned long)shmem_##TN##_atomic_swap(w, v, pe);                       \
    }                                                                                               \
    return 0;                                                                                       \
  }
#define DEFINE_BITWISE_AMO(T, TN)                                                       \
  static unsigned long amo_##TN(int op, T *w, T v, T cond, int pe) {                    \
    (void)cond;                                                                         \
    switch (op) {                                                                       \
      case OP_FETCH_AND: return (unsigned long)shmem_##TN##_atomic_fetch_and(w, v, pe); \
      case OP_AND: shmem_##TN##_atomic_and(w, v, pe); return 0;                         \
      case OP_FETCH_OR: return (unsigned long)shmem_##TN##_atomic_fetch_or(w, v, pe);   \
      case OP_OR: shmem_##TN##_atomic_or(w, v, pe); return 0;                           \
      case OP_FETCH_XOR: return (unsigned long)shmem_##TN##_atomic_fetch_xor(w, v, pe); \
      case OP_XOR: shmem_##TN##_atomic_xor(w, v, pe); return 0;                         \
    }                                                                                   \
    return 0;                                                                           \
  }
DEFINE_STANDARD_AMO(int, int)
DEFINE_STANDARD_AMO(long, long)
DEFINE_BITWISE_AMO(unsigned int, uint)
DEFINE_BITWISE_AMO(unsigned long, ulong)

#ifdef CW_HAVE_SHMEM_15
#define DEFINE_STANDARD_NBI(T, TN)                                                              \
  static void amo_nbi_##TN(int op, T *fetch, T *w, T v, T cond, int pe) {                       \
    switch (op) {                                                                               \
      case OP_FETCH_INC: shmem_##TN##_atomic_fetch_inc_nbi(fetch, w, pe); break;                \
      case OP_FETCH_ADD: shmem_##TN##_atomic_fetch_add_nbi(fetch, w, v, pe); break;             \
      case OP_COMPARE_SWAP: shmem_##TN##_atomic_compare_swap_nbi(fetch, w, cond, v, pe); break; \
      case OP_FETCH: shmem_##TN##_atomic_fetch_nbi(fetch, w, pe); break;                        \
      case OP_SWAP: shmem_##TN##_atomic_swap_nbi(fetch, w, v, pe); break;                       \
      default: amo_##TN(op, w, v, cond, pe); break;                                             \
    }                                                                                           \
  }
#define DEFINE_BITWISE_NBI(T, TN)                                                   \
  static void amo_nbi_##TN(int op, T *fetch, T *w, T v, T cond, int pe) {           \
    switch (op) {                                                                   \
      case OP_FETCH_AND: shmem_##TN##_atomic_fetch_and_nbi(fetch, w, v, pe); break; \
      case OP_FETCH_OR: shmem_##TN##_atomic_fetch_or_nbi(fetch, w, v, pe); break;   \
      case OP_FETCH_XOR: shmem_##TN##_atomic_fetch_xor_nbi(fetch, w, v, pe); break; \
      default: amo_##TN(op, w, v, cond, pe); break;                                 \
    }                                                                               \
  }
DEFINE_STANDARD_NBI(int, int)
DEFINE_STANDARD_NBI(long, long)
DEFINE_BITWISE_NBI(unsigned int, uint)
DEFINE_BITWISE_NBI(unsigned long, ulong)
#define NBI_OK NULL
#else
#define NBI_OK CW_NEEDS_SHMEM_15
#endif

static unsigned long do_amo(int ty, int op, void *w, unsigned long v, unsigned long cond, int pe) {
  switch (ty) {
    case T_INT: return amo_int(op, w, (int)v, (int)cond, pe);
    case T_LONG: return amo_long(op, w, (long)v, (long)cond, pe);
    case T_UINT: return amo_uint(op, w, (unsigned int)v, (unsigned int)cond, pe);
    case T_ULONG: return amo_ulong(op, w, v, cond, pe);
  }
  return 0;
}

/* The non-blocking form of a fetching AMO (the blocking one where there is none). */
static void do_amo_nbi(int ty, int op, void *fetch, void *w, unsigned long v, unsigned long cond, int pe) {
#ifdef CW_HAVE_SHMEM_15
  switch (ty) {
    case T_INT: amo_nbi_int(op, fetch, w, (int)v, (int)cond, pe); return;
    case T_LONG: amo_nbi_long(op, fetch, w, (long)v, (long)cond, pe); return;
    case T_UINT: amo_nbi_uint(op, fetch, w, (unsigned int)v, (unsigned int)cond, pe); return;
    case T_ULONG: amo_nbi_ulong(op, fetch, w, v, cond, pe); return;
  }
#else
  (void)fetch;
  do_amo(ty, op, w, v, cond, pe);
#endif
}

/* ---- Operands, and the same sequence replayed locally for --validate ---- */

static unsigned type_bits(int ty) { return (ty == T_INT || ty == T_UINT) ? 32 : 64; }
static unsigned long type_mask(int ty) { return type_bits(ty) == 32 ? 0xffffffffUL : ~0UL; }

/* The k-th operation's operand. In rate mode (non-blocking, so unordered) compare_swap never
 * matches, so that the result does not depend on the order. */
static unsigned long operand(int op, unsigned long k, unsigned bits, int rate) {
  switch (op) {
    case OP_FETCH_ADD:
    case OP_ADD: return 1;
    case OP_COMPARE_SWAP: return rate ? 5 : k + 1;
    case OP_SET:
    case OP_SWAP: return 42;
    case OP_FETCH_AND:
    case OP_AND: return ~(1UL << (k % bits));
    case OP_FETCH_OR:
    case OP_OR:
    case OP_FETCH_XOR:
    case OP_XOR: return 1UL << (k % bits);
    default: return 0;
  }
}
static unsigned long compare_value(unsigned long k, int rate) { return rate ? ~0UL : k; }
static unsigned long initial_value(int op, int ty) {
  return (op == OP_FETCH_AND || op == OP_AND) ? type_mask(ty) : 0;
}

static unsigned long replay(int ty, int op, unsigned long n, int rate) {
  const unsigned long mask = type_mask(ty);
  unsigned long v = initial_value(op, ty);
  for (unsigned long k = 0; k < n; ++k) {
    unsigned long x = operand(op, k, type_bits(ty), rate) & mask;
    switch (op) {
      case OP_FETCH_INC:
      case OP_INC: v += 1; break;
      case OP_FETCH_ADD:
      case OP_ADD: v += x; break;
      case OP_COMPARE_SWAP:
        if (v == (compare_value(k, rate) & mask)) v = x;
        break;
      case OP_SET:
      case OP_SWAP: v = x; break;
      case OP_FETCH_AND:
      case OP_AND: v &= x; break;
      case OP_FETCH_OR:
      case OP_OR: v |= x; break;
      case OP_FETCH_XOR:
      case OP_XOR: v ^= x; break;
      default: break;
    }
    v &= mask;
  }
  return v;
}

static unsigned long load_word(const void *w, int ty) {
  return type_bits(ty) == 32 ? *(const unsigned int *)w : *(const unsigned long *)w;
}
static void store_word(void *w, int ty, unsigned long v) {
  if (type_bits(ty) == 32)
    *(unsigned int *)w = (unsigned int)v;
  else
    *(unsigned long *)w = v;
}

/* ---- Runs ---- */

typedef struct amo_row {
  int ty, op, target_pe;
  void *word;
  unsigned long count; /* operations this PE issued */
} amo_row;

/* The target word gets its initial value before anyone starts. */
static amo_row begin_row(cw_bench *b, int target_pe) {
  amo_row r = {b->c->arg >> 8, b->c->arg & 0xff, target_pe, CW_FLAG(b, 1), 0};
  if (b->me == target_pe || (target_pe < 0 && b->receiver))
    store_word(r.word, r.ty, initial_value(r.op, r.ty));
  b->comm->barrier();
  return r;
}

/* After the run: complete, then the target compares its word with the replayed sequence. */
static void end_row(cw_bench *b, const amo_row *r, int rate) {
  b->comm->quiet();
  b->comm->barrier();
  if (!b->opt->validate) return;
  const int is_target = r->target_pe >= 0 ? b->me == r->target_pe : b->receiver;
  if (!is_target) return;
  const unsigned long per_pe = (unsigned long)((b->warmup + b->samples) * b->batch * b->window);
  unsigned long want;
  if (r->target_pe >= 0) /* contended fetch_add: everyone added 1 per operation */
    want = ((unsigned long)b->npes * per_pe) & type_mask(r->ty);
  else
    want = replay(r->ty, r->op, per_pe, rate);
  unsigned long got = load_word(r->word, r->ty);
  if (got != want) {
    fprintf(stderr, "PE %d: %s: final value %lu, expected %lu\n", b->me, b->c->name, got, want);
    ++b->errors;
  }
}

static void run_latency(cw_bench *b) {
  amo_row r = begin_row(b, -1);
  const unsigned bits = type_bits(r.ty);
  const unsigned long mask = type_mask(r.ty);
  if (b->initiator) {
    CW_FOR_SAMPLES(b, s) {
      double t0 = cw_now();
      for (long i = 0; i < b->batch; ++i, ++r.count) {
        unsigned long got =
            do_amo(r.ty, r.op, r.word, operand(r.op, r.count, bits, 0), compare_value(r.count, 0), b->peer);
        if (r.op == OP_COMPARE_SWAP && (got & mask) != (r.count & mask)) ++b->errors;
      }
      cw_record(b, s, t0);
    }
  }
  end_row(b, &r, 0);
}

static void run_rate(cw_bench *b) {
  amo_row r = begin_row(b, -1);
  const unsigned bits = type_bits(r.ty);
  unsigned long *fetched = b->suite_data;
  const int fetching = is_fetching(r.op);
  if (b->initiator) {
    CW_FOR_SAMPLES(b, s) {
      double t0 = cw_now();
      for (long i = 0; i < b->batch; ++i) {
        for (long w = 0; w < b->window; ++w, ++r.count) {
          unsigned long v = operand(r.op, r.count, bits, 1), cond = compare_value(r.count, 1);
          if (fetching)
            do_amo_nbi(r.ty, r.op, &fetched[w], r.word, v, cond, b->peer);
          else
            do_amo(r.ty, r.op, r.word, v, cond, b->peer);
        }
        shmem_quiet();
      }
      cw_record(b, s, t0);
    }
  }
  end_row(b, &r, 1);
}

static void run_contended(cw_bench *b) {
  amo_row r = begin_row(b, 0);
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    for (long i = 0; i < b->batch; ++i) do_amo(r.ty, OP_FETCH_ADD, r.word, 1, 0, 0);
    cw_record(b, s, t0);
  }
  end_row(b, &r, 0);
}

static void *setup(const cw_options *opt, const cw_comm *comm, cw_mem *heap) {
  (void)comm, (void)heap;
  return calloc((size_t)opt->window, sizeof(unsigned long));
}

/* ---- The case table ---- */

#if defined(CW_HAVE_BROKEN_INT_CSWAP)
#define INT_CSWAP_RATE CW_BROKEN_INT_CSWAP
#else
#define INT_CSWAP_RATE NBI_OK
#endif

/* X(type, typename, size, opname, op, latency availability, rate availability) */
/* clang-format off */
#define STANDARD_OPS(X, ty, tn, sz, cswap, cswap_rate)                \
  X(ty, tn, sz, fetch_inc, OP_FETCH_INC, NULL, NBI_OK)                \
  X(ty, tn, sz, inc, OP_INC, NULL, NULL)                              \
  X(ty, tn, sz, fetch_add, OP_FETCH_ADD, NULL, NBI_OK)                \
  X(ty, tn, sz, add, OP_ADD, NULL, NULL)                              \
  X(ty, tn, sz, compare_swap, OP_COMPARE_SWAP, cswap, cswap_rate)     \
  X(ty, tn, sz, fetch, OP_FETCH, NULL, NBI_OK)                        \
  X(ty, tn, sz, set, OP_SET, NULL, NULL)                              \
  X(ty, tn, sz, swap, OP_SWAP, NULL, NBI_OK)
#define BITWISE_OPS(X, ty, tn, sz)                                    \
  X(ty, tn, sz, fetch_and, OP_FETCH_AND, NULL, NBI_OK)                \
  X(ty, tn, sz, and, OP_AND, NULL, NULL)                              \
  X(ty, tn, sz, fetch_or, OP_FETCH_OR, NULL, NBI_OK)                  \
  X(ty, tn, sz, or, OP_OR, NULL, NULL)                                \
  X(ty, tn, sz, fetch_xor, OP_FETCH_XOR, NULL, NBI_OK)                \
  X(ty, tn, sz, xor, OP_XOR, NULL, NULL)
/* clang-format on */

#define ONE_WORD (CW_NEEDS_PEER | CW_FIXED_SIZE)
#define LATENCY_CASE(ty, tn, sz, opname, op, avail, rate_avail) \
  {#tn "_" #opname,                                             \
   "shmem_" #tn "_atomic_" #opname ", blocking, PE 0 -> PE 1",  \
   CW_US,                                                       \
   ONE_WORD,                                                    \
   CW_CHECK_NONE,                                               \
   run_latency,                                                 \
   (ty) << 8 | (op),                                            \
   sz,                                                          \
   avail},
#define RATE_CASE(ty, tn, sz, opname, op, avail, rate_avail)               \
  {#tn "_" #opname "_rate",                                                \
   "shmem_" #tn "_atomic_" #opname " (_nbi if fetching) x window + quiet", \
   CW_MMPS,                                                                \
   ONE_WORD | CW_WINDOWED,                                                 \
   CW_CHECK_NONE,                                                          \
   run_rate,                                                               \
   (ty) << 8 | (op),                                                       \
   sz,                                                                     \
   rate_avail},

static const cw_case cases[] = {
    STANDARD_OPS(LATENCY_CASE, T_INT, int, 4, CW_BROKEN_INT_CSWAP, INT_CSWAP_RATE)
        STANDARD_OPS(LATENCY_CASE, T_LONG, long, 8, NULL, NBI_OK) BITWISE_OPS(LATENCY_CASE, T_UINT, uint, 4)
            BITWISE_OPS(LATENCY_CASE, T_ULONG, ulong, 8){
                "int_fetch_add_contended",
                "shmem_int_atomic_fetch_add, every PE on one word of PE 0 (slowest PE)", CW_US,
                CW_ALL_PES | CW_FIXED_SIZE, CW_CHECK_NONE, run_contended, T_INT << 8 | OP_FETCH_ADD, 4, NULL},
    {"long_fetch_add_contended", "shmem_long_atomic_fetch_add, every PE on one word of PE 0 (slowest PE)",
     CW_US, CW_ALL_PES | CW_FIXED_SIZE, CW_CHECK_NONE, run_contended, T_LONG << 8 | OP_FETCH_ADD, 8, NULL},
    STANDARD_OPS(RATE_CASE, T_INT, int, 4, CW_BROKEN_INT_CSWAP, INT_CSWAP_RATE)
        STANDARD_OPS(RATE_CASE, T_LONG, long, 8, NULL, NBI_OK) BITWISE_OPS(RATE_CASE, T_UINT, uint, 4)
            BITWISE_OPS(RATE_CASE, T_ULONG, ulong, 8)};

const cw_suite cw_this_suite = {
    .name = "cw_atomics",
    .title = "Latency and rate of every AMO on int/long (bitwise on uint/ulong), and contended fetch_add.",
    .cases = cases,
    .n_cases = sizeof cases / sizeof cases[0],
    .iters = 10000,
    .warmup = 1000,
    .window = 16,
    .min_size = 8,
    .max_size = 8,
    .pairs = 1,
    .setup = setup,
    .teardown = free,
};
