/* SPDX-License-Identifier: BSD-3-Clause */
/* The test of the type-generic interfaces, included by generic_c.c (C11: the _Generic macros) and
 * generic_cpp.cpp (C++: the overloads); it is written in the common subset of both languages.
 *
 * Every generic name is called on every type of its spec table, typedefs included (the type lists
 * of shmem_type_lists.h and shmem_collectives.h, duplicates and all, so each spec type is shown to
 * resolve), in its plain and, where it has one, its context form; results are checked. PE p works
 * on PE p+1 (its right neighbour), so every symmetric object has exactly one writer and every
 * expected value is known. Runs at any PE count. */
#ifndef CW_GENERIC_BODY_H
#define CW_GENERIC_BODY_H

#include <shmem.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int me, npes, left, right;
static shmem_ctx_t ctx; /* a created context, or the default one if creation failed */
static const char *cur = "";
static int failures;

#define CHECK(cond)                                                                          \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      if (++failures <= 40)                                                                  \
        fprintf(stderr, "PE %d: %s: line %d: CHECK(%s) failed\n", me, cur, __LINE__, #cond); \
    }                                                                                        \
  } while (0)

static void quiet_both(void) {
  shmem_quiet();
  shmem_ctx_quiet(ctx);
}

/* ---- RMA: put, get, p, g, iput, iget, put_nbi, get_nbi, put_signal, put_signal_nbi ---- */
#define N 8
#define VAL(T, pe, i) ((T)((pe)*16 + (i) + 1))
#define REGION(k) (buf + (k)*N)

#define TEST_RMA(T, NAME)                                                                  \
  static void test_rma_##NAME(void) {                                                      \
    T *buf = (T *)shmem_calloc(11 * N, sizeof(T));                                         \
    uint64_t *sig = (uint64_t *)shmem_calloc(4, sizeof(uint64_t));                         \
    const T *cbuf = buf;                                                                   \
    T src[N], got[N];                                                                      \
    int i;                                                                                 \
    cur = "rma " #NAME;                                                                    \
    for (i = 0; i < N; ++i) src[i] = VAL(T, me, i);                                        \
    /* Writes to the right neighbour. */                                                   \
    shmem_put(REGION(0), src, N, right);                                                   \
    shmem_put(ctx, REGION(1), src, N, right);                                              \
    shmem_p(REGION(2), VAL(T, me, 5), right);                                              \
    shmem_p(ctx, REGION(2) + 1, VAL(T, me, 6), right);                                     \
    shmem_iput(REGION(3), src, 3, 2, 3, right); /* dst stride 3, src stride 2 */           \
    shmem_iput(ctx, REGION(4), src, 2, 3, 3, right);                                       \
    shmem_put_nbi(REGION(5), src, N, right);                                               \
    shmem_put_nbi(ctx, REGION(6), src, N, right);                                          \
    quiet_both();                                                                          \
    shmem_put_signal(REGION(7), src, N, &sig[0], 1, SHMEM_SIGNAL_SET, right);              \
    shmem_put_signal(ctx, REGION(8), src, N, &sig[1], 3, SHMEM_SIGNAL_ADD, right);         \
    shmem_put_signal_nbi(REGION(9), src, N, &sig[2], 5, SHMEM_SIGNAL_SET, right);          \
    shmem_put_signal_nbi(ctx, REGION(10), src, N, &sig[3], 7, SHMEM_SIGNAL_ADD, right);    \
    quiet_both();                                                                          \
    /* What the left neighbour wrote here: signals first, then the data they guard. */     \
    CHECK(shmem_signal_wait_until(&sig[0], SHMEM_CMP_EQ, 1) == 1);                         \
    CHECK(shmem_signal_wait_until(&sig[1], SHMEM_CMP_EQ, 3) == 3);                         \
    CHECK(shmem_signal_wait_until(&sig[2], SHMEM_CMP_EQ, 5) == 5);                         \
    CHECK(shmem_signal_wait_until(&sig[3], SHMEM_CMP_EQ, 7) == 7);                         \
    shmem_barrier_all();                                                                   \
    for (i = 0; i < N; ++i) {                                                              \
      CHECK(REGION(0)[i] == VAL(T, left, i));                                              \
      CHECK(REGION(1)[i] == VAL(T, left, i));                                              \
      CHECK(REGION(5)[i] == VAL(T, left, i));                                              \
      CHECK(REGION(6)[i] == VAL(T, left, i));                                              \
      CHECK(REGION(7)[i] == VAL(T, left, i));                                              \
      CHECK(REGION(8)[i] == VAL(T, left, i));                                              \
      CHECK(REGION(9)[i] == VAL(T, left, i));                                              \
      CHECK(REGION(10)[i] == VAL(T, left, i));                                             \
    }                                                                                      \
    CHECK(REGION(2)[0] == VAL(T, left, 5));                                                \
    CHECK(REGION(2)[1] == VAL(T, left, 6));                                                \
    for (i = 0; i < 3; ++i) {                                                              \
      CHECK(REGION(3)[3 * i] == VAL(T, left, 2 * i));                                      \
      CHECK(REGION(4)[2 * i] == VAL(T, left, 3 * i));                                      \
    }                                                                                      \
    CHECK(REGION(3)[1] == (T)0);                                                           \
    CHECK(REGION(4)[1] == (T)0);                                                           \
    /* Reads from the right neighbour, whose regions hold this PE's values. */             \
    memset(got, 0, sizeof got);                                                            \
    shmem_get(got, REGION(0), N, right);                                                   \
    for (i = 0; i < N; ++i) CHECK(got[i] == VAL(T, me, i));                                \
    memset(got, 0, sizeof got);                                                            \
    shmem_get(ctx, got, cbuf + N, N, right); /* a const source selects the same routine */ \
    for (i = 0; i < N; ++i) CHECK(got[i] == VAL(T, me, i));                                \
    memset(got, 0, sizeof got);                                                            \
    shmem_get_nbi(got, REGION(5), N, right);                                               \
    shmem_quiet();                                                                         \
    for (i = 0; i < N; ++i) CHECK(got[i] == VAL(T, me, i));                                \
    memset(got, 0, sizeof got);                                                            \
    shmem_get_nbi(ctx, got, REGION(6), N, right);                                          \
    shmem_ctx_quiet(ctx);                                                                  \
    for (i = 0; i < N; ++i) CHECK(got[i] == VAL(T, me, i));                                \
    memset(got, 0, sizeof got);                                                            \
    shmem_iget(got, REGION(0), 2, 3, 3, right); /* dst stride 2, src stride 3 */           \
    shmem_iget(ctx, got + 1, REGION(1), 2, 2, 3, right);                                   \
    for (i = 0; i < 3; ++i) {                                                              \
      CHECK(got[2 * i] == VAL(T, me, 3 * i));                                              \
      CHECK(got[2 * i + 1] == VAL(T, me, 2 * i));                                          \
    }                                                                                      \
    CHECK(shmem_g(REGION(0) + 3, right) == VAL(T, me, 3));                                 \
    CHECK(shmem_g(ctx, cbuf + 2 * N + 1, right) == VAL(T, me, 6));                         \
    shmem_barrier_all();                                                                   \
    shmem_free(sig);                                                                       \
    shmem_free(buf);                                                                       \
  }
CW_RMA_TYPES(TEST_RMA)

/* ---- AMO ---- */
#define TEST_AMO_STANDARD(T, NAME)                                         \
  static void test_amo_standard_##NAME(void) {                             \
    T *c = (T *)shmem_calloc(1, sizeof(T));                                \
    T f = 0;                                                               \
    cur = "amo standard " #NAME;                                           \
    CHECK(shmem_atomic_fetch_inc(c, right) == (T)0);                       \
    CHECK(shmem_atomic_fetch_inc(ctx, c, right) == (T)1);                  \
    shmem_atomic_inc(c, right);                                            \
    shmem_atomic_inc(ctx, c, right);                                       \
    quiet_both();                                                          \
    CHECK(shmem_atomic_fetch_add(c, (T)3, right) == (T)4);                 \
    CHECK(shmem_atomic_fetch_add(ctx, c, (T)3, right) == (T)7);            \
    shmem_atomic_add(c, (T)2, right);                                      \
    shmem_atomic_add(ctx, c, (T)2, right);                                 \
    quiet_both();                                                          \
    CHECK(shmem_atomic_compare_swap(c, (T)14, (T)20, right) == (T)14);     \
    CHECK(shmem_atomic_compare_swap(ctx, c, (T)99, (T)0, right) == (T)20); \
    shmem_atomic_fetch_inc_nbi(&f, c, right);                              \
    shmem_quiet();                                                         \
    CHECK(f == (T)20);                                                     \
    shmem_atomic_fetch_inc_nbi(ctx, &f, c, right);                         \
    shmem_ctx_quiet(ctx);                                                  \
    CHECK(f == (T)21);                                                     \
    shmem_atomic_fetch_add_nbi(&f, c, (T)2, right);                        \
    shmem_quiet();                                                         \
    CHECK(f == (T)22);                                                     \
    shmem_atomic_fetch_add_nbi(ctx, &f, c, (T)2, right);                   \
    shmem_ctx_quiet(ctx);                                                  \
    CHECK(f == (T)24);                                                     \
    shmem_atomic_compare_swap_nbi(&f, c, (T)26, (T)30, right);             \
    shmem_quiet();                                                         \
    CHECK(f == (T)26);                                                     \
    shmem_atomic_compare_swap_nbi(ctx, &f, c, (T)30, (T)31, right);        \
    shmem_ctx_quiet(ctx);                                                  \
    CHECK(f == (T)30);                                                     \
    shmem_barrier_all();                                                   \
    CHECK(*c == (T)31);                                                    \
    shmem_barrier_all();                                                   \
    shmem_free(c);                                                         \
  }
CW_AMO_STANDARD_TYPES(TEST_AMO_STANDARD)

#define TEST_AMO_EXTENDED(T, NAME)                          \
  static void test_amo_extended_##NAME(void) {              \
    T *c = (T *)shmem_calloc(1, sizeof(T));                 \
    T f = 0;                                                \
    cur = "amo extended " #NAME;                            \
    shmem_atomic_set(c, (T)5, right);                       \
    shmem_quiet();                                          \
    CHECK(shmem_atomic_fetch((const T *)c, right) == (T)5); \
    shmem_atomic_set(ctx, c, (T)6, right);                  \
    shmem_ctx_quiet(ctx);                                   \
    CHECK(shmem_atomic_fetch(ctx, c, right) == (T)6);       \
    CHECK(shmem_atomic_swap(c, (T)7, right) == (T)6);       \
    CHECK(shmem_atomic_swap(ctx, c, (T)8, right) == (T)7);  \
    shmem_atomic_fetch_nbi(&f, c, right);                   \
    shmem_quiet();                                          \
    CHECK(f == (T)8);                                       \
    f = 0;                                                  \
    shmem_atomic_fetch_nbi(ctx, &f, c, right);              \
    shmem_ctx_quiet(ctx);                                   \
    CHECK(f == (T)8);                                       \
    shmem_atomic_swap_nbi(&f, c, (T)9, right);              \
    shmem_quiet();                                          \
    CHECK(f == (T)8);                                       \
    shmem_atomic_swap_nbi(ctx, &f, c, (T)10, right);        \
    shmem_ctx_quiet(ctx);                                   \
    CHECK(f == (T)9);                                       \
    shmem_barrier_all();                                    \
    CHECK(*c == (T)10);                                     \
    shmem_barrier_all();                                    \
    shmem_free(c);                                          \
  }
CW_AMO_EXTENDED_TYPES(TEST_AMO_EXTENDED)

#define TEST_AMO_BITWISE(T, NAME)                                    \
  static void test_amo_bitwise_##NAME(void) {                        \
    T *c = (T *)shmem_calloc(1, sizeof(T));                          \
    T f = 0;                                                         \
    cur = "amo bitwise " #NAME;                                      \
    shmem_atomic_or(c, (T)0x1, right);                               \
    shmem_atomic_or(ctx, c, (T)0x2, right);                          \
    quiet_both();                                                    \
    CHECK(shmem_atomic_fetch_or(c, (T)0x4, right) == (T)0x3);        \
    CHECK(shmem_atomic_fetch_or(ctx, c, (T)0x8, right) == (T)0x7);   \
    shmem_atomic_and(c, (T)0xE, right);                              \
    shmem_atomic_and(ctx, c, (T)0xC, right);                         \
    quiet_both();                                                    \
    CHECK(shmem_atomic_fetch_and(c, (T)0x7, right) == (T)0xC);       \
    CHECK(shmem_atomic_fetch_and(ctx, c, (T)0x6, right) == (T)0x4);  \
    shmem_atomic_xor(c, (T)0x3, right);                              \
    shmem_atomic_xor(ctx, c, (T)0x10, right);                        \
    quiet_both();                                                    \
    CHECK(shmem_atomic_fetch_xor(c, (T)0x1, right) == (T)0x17);      \
    CHECK(shmem_atomic_fetch_xor(ctx, c, (T)0x2, right) == (T)0x16); \
    shmem_atomic_fetch_and_nbi(&f, c, (T)0x14, right);               \
    shmem_quiet();                                                   \
    CHECK(f == (T)0x14);                                             \
    shmem_atomic_fetch_or_nbi(&f, c, (T)0x1, right);                 \
    shmem_quiet();                                                   \
    CHECK(f == (T)0x14);                                             \
    shmem_atomic_fetch_xor_nbi(&f, c, (T)0x3, right);                \
    shmem_quiet();                                                   \
    CHECK(f == (T)0x15);                                             \
    shmem_atomic_fetch_and_nbi(ctx, &f, c, (T)0x1E, right);          \
    shmem_ctx_quiet(ctx);                                            \
    CHECK(f == (T)0x16);                                             \
    shmem_atomic_fetch_or_nbi(ctx, &f, c, (T)0x20, right);           \
    shmem_ctx_quiet(ctx);                                            \
    CHECK(f == (T)0x16);                                             \
    shmem_atomic_fetch_xor_nbi(ctx, &f, c, (T)0x4, right);           \
    shmem_ctx_quiet(ctx);                                            \
    CHECK(f == (T)0x36);                                             \
    shmem_barrier_all();                                             \
    CHECK(*c == (T)0x32);                                            \
    shmem_barrier_all();                                             \
    shmem_free(c);                                                   \
  }
CW_AMO_BITWISE_TYPES(TEST_AMO_BITWISE)

/* ---- Point-to-point synchronization: the left neighbour stores 1, 2, 3, 4 ---- */
static const int status_skip_first3[4] = {1, 1, 1, 0};
static const int status_skip_02[4] = {1, 0, 1, 1};
static const int status_only_02[4] = {0, 1, 0, 1};

#define TEST_P2P(T, NAME)                                                                    \
  static void test_p2p_##NAME(void) {                                                        \
    T *ivars = (T *)shmem_calloc(4, sizeof(T));                                              \
    T vals[4] = {(T)1, (T)2, (T)3, (T)4};                                                    \
    size_t idx[4], n, k;                                                                     \
    int i;                                                                                   \
    cur = "p2p " #NAME;                                                                      \
    for (i = 0; i < 4; ++i) shmem_p(&ivars[i], vals[i], right);                              \
    shmem_quiet();                                                                           \
    shmem_wait_until(&ivars[3], SHMEM_CMP_EQ, (T)4);                                         \
    shmem_wait_until_all(ivars, 4, NULL, SHMEM_CMP_GT, (T)0); /* now every value is final */ \
    for (i = 0; i < 4; ++i) CHECK(ivars[i] == vals[i]);                                      \
    CHECK(shmem_wait_until_any(ivars, 4, status_skip_first3, SHMEM_CMP_GE, (T)3) == 3);      \
    n = shmem_wait_until_some(ivars, 4, idx, NULL, SHMEM_CMP_GE, (T)2);                      \
    CHECK(n == 3);                                                                           \
    for (k = 0; k < n && k < 4; ++k) CHECK(idx[k] >= 1 && idx[k] <= 3);                      \
    shmem_wait_until_all_vector(ivars, 4, NULL, SHMEM_CMP_EQ, vals);                         \
    CHECK(shmem_wait_until_any_vector(ivars, 4, status_skip_02, SHMEM_CMP_EQ, vals) == 1);   \
    CHECK(shmem_wait_until_some_vector(ivars, 4, idx, NULL, SHMEM_CMP_LE, vals) == 4);       \
    CHECK(shmem_test(&ivars[2], SHMEM_CMP_EQ, (T)3) == 1);                                   \
    CHECK(shmem_test(&ivars[2], SHMEM_CMP_NE, (T)3) == 0);                                   \
    CHECK(shmem_test_all(ivars, 4, NULL, SHMEM_CMP_LT, (T)5) == 1);                          \
    CHECK(shmem_test_all(ivars, 4, NULL, SHMEM_CMP_LT, (T)4) == 0);                          \
    CHECK(shmem_test_any(ivars, 4, NULL, SHMEM_CMP_GT, (T)3) == 3);                          \
    CHECK(shmem_test_any(ivars, 4, NULL, SHMEM_CMP_GT, (T)4) == SIZE_MAX);                   \
    n = shmem_test_some(ivars, 4, idx, NULL, SHMEM_CMP_LT, (T)3);                            \
    CHECK(n == 2);                                                                           \
    for (k = 0; k < n && k < 4; ++k) CHECK(idx[k] <= 1);                                     \
    CHECK(shmem_test_all_vector(ivars, 4, NULL, SHMEM_CMP_GE, vals) == 1);                   \
    CHECK(shmem_test_any_vector(ivars, 4, NULL, SHMEM_CMP_NE, vals) == SIZE_MAX);            \
    CHECK(shmem_test_any_vector(ivars, 4, status_skip_first3, SHMEM_CMP_EQ, vals) == 3);     \
    n = shmem_test_some_vector(ivars, 4, idx, status_only_02, SHMEM_CMP_EQ, vals);           \
    CHECK(n == 2);                                                                           \
    for (k = 0; k < n && k < 4; ++k) CHECK(idx[k] == 0 || idx[k] == 2);                      \
    shmem_barrier_all();                                                                     \
    shmem_free(ivars);                                                                       \
  }
CW_P2P_SYNC_TYPES(TEST_P2P)

/* ---- Deprecated generic names ---- */
#define TEST_DEPRECATED_AMO(T, NAME)                     \
  static void test_deprecated_amo_##NAME(void) {         \
    T *c = (T *)shmem_calloc(1, sizeof(T));              \
    cur = "deprecated amo " #NAME;                       \
    CHECK(shmem_finc(c, right) == (T)0);                 \
    shmem_inc(c, right);                                 \
    shmem_quiet();                                       \
    CHECK(shmem_fadd(c, (T)5, right) == (T)2);           \
    shmem_add(c, (T)3, right);                           \
    shmem_quiet();                                       \
    CHECK(shmem_cswap(c, (T)10, (T)20, right) == (T)10); \
    shmem_barrier_all();                                 \
    CHECK(*c == (T)20);                                  \
    shmem_barrier_all();                                 \
    shmem_free(c);                                       \
  }
CW_DEPRECATED_AMO_TYPES(TEST_DEPRECATED_AMO)

#define TEST_DEPRECATED_EXTENDED_AMO(T, NAME)             \
  static void test_deprecated_extended_amo_##NAME(void) { \
    T *c = (T *)shmem_calloc(1, sizeof(T));               \
    cur = "deprecated extended amo " #NAME;               \
    shmem_set(c, (T)4, right);                            \
    shmem_quiet();                                        \
    CHECK(shmem_fetch(c, right) == (T)4);                 \
    CHECK(shmem_swap(c, (T)9, right) == (T)4);            \
    shmem_barrier_all();                                  \
    CHECK(*c == (T)9);                                    \
    shmem_barrier_all();                                  \
    shmem_free(c);                                        \
  }
CW_DEPRECATED_EXTENDED_AMO_TYPES(TEST_DEPRECATED_EXTENDED_AMO)

#define TEST_DEPRECATED_WAIT(T, NAME)             \
  static void test_deprecated_wait_##NAME(void) { \
    T *c = (T *)shmem_calloc(1, sizeof(T));       \
    cur = "deprecated wait " #NAME;               \
    shmem_p(c, (T)7, right);                      \
    shmem_quiet();                                \
    shmem_wait(c, (T)0);                          \
    CHECK(*c == (T)7);                            \
    shmem_barrier_all();                          \
    shmem_free(c);                                \
  }
CW_DEPRECATED_WAIT_TYPES(TEST_DEPRECATED_WAIT)

/* ---- Team collectives (built when the library has them) ---- */
#ifdef CW_GENERIC_TEST_COLLECTIVES
#define NC 2
#define CVAL(T, pe, j, i) ((T)(((pe)*8 + (j)*2 + (i) + 1) % 100))

#define TEST_COLL(T, NAME)                                                           \
  static void test_coll_##NAME(void) {                                               \
    const size_t words = (size_t)npes * NC * 3; /* room for the alltoalls strides */ \
    T *src = (T *)shmem_calloc(words, sizeof(T));                                    \
    T *dst = (T *)shmem_calloc(words, sizeof(T));                                    \
    int p, i;                                                                        \
    cur = "collectives " #NAME;                                                      \
    for (i = 0; i < NC; ++i) src[i] = CVAL(T, me, 0, i);                             \
    CHECK(shmem_broadcast(SHMEM_TEAM_WORLD, dst, src, NC, 0) == 0);                  \
    if (me != 0)                                                                     \
      for (i = 0; i < NC; ++i) CHECK(dst[i] == CVAL(T, 0, 0, i));                    \
    shmem_barrier_all();                                                             \
    CHECK(shmem_collect(SHMEM_TEAM_WORLD, dst, src, NC) == 0);                       \
    for (p = 0; p < npes; ++p)                                                       \
      for (i = 0; i < NC; ++i) CHECK(dst[p * NC + i] == CVAL(T, p, 0, i));           \
    shmem_barrier_all();                                                             \
    memset(dst, 0, words * sizeof(T));                                               \
    shmem_barrier_all();                                                             \
    CHECK(shmem_fcollect(SHMEM_TEAM_WORLD, dst, src, NC) == 0);                      \
    for (p = 0; p < npes; ++p)                                                       \
      for (i = 0; i < NC; ++i) CHECK(dst[p * NC + i] == CVAL(T, p, 0, i));           \
    shmem_barrier_all();                                                             \
    /* Block p of the source goes to PE p. */                                        \
    for (p = 0; p < npes; ++p)                                                       \
      for (i = 0; i < NC; ++i) src[p * NC + i] = CVAL(T, me, p, i);                  \
    CHECK(shmem_alltoall(SHMEM_TEAM_WORLD, dst, src, NC) == 0);                      \
    for (p = 0; p < npes; ++p)                                                       \
      for (i = 0; i < NC; ++i) CHECK(dst[p * NC + i] == CVAL(T, p, me, i));          \
    shmem_barrier_all();                                                             \
    memset(dst, 0, words * sizeof(T));                                               \
    for (p = 0; p < npes; ++p)                                                       \
      for (i = 0; i < NC; ++i) src[(p * NC + i) * 3] = CVAL(T, me, p, i);            \
    shmem_barrier_all();                                                             \
    CHECK(shmem_alltoalls(SHMEM_TEAM_WORLD, dst, src, 2, 3, NC) == 0);               \
    for (p = 0; p < npes; ++p)                                                       \
      for (i = 0; i < NC; ++i) CHECK(dst[(p * NC + i) * 2] == CVAL(T, p, me, i));    \
    shmem_barrier_all();                                                             \
    shmem_free(dst);                                                                 \
    shmem_free(src);                                                                 \
  }
CW_RMA_TYPES(TEST_COLL)

#define BVAL(T, pe) ((T)(0x10 | (1 << ((pe) % 7))))
#define TEST_REDUCE_BITWISE(T, NAME)                              \
  static void test_reduce_bitwise_##NAME(void) {                  \
    T *src = (T *)shmem_calloc(NC, sizeof(T));                    \
    T *dst = (T *)shmem_calloc(NC, sizeof(T));                    \
    T e_and = BVAL(T, 0), e_or = 0, e_xor = 0;                    \
    int p, i;                                                     \
    cur = "bitwise reductions " #NAME;                            \
    for (p = 0; p < npes; ++p) {                                  \
      e_and = (T)(e_and & BVAL(T, p));                            \
      e_or = (T)(e_or | BVAL(T, p));                              \
      e_xor = (T)(e_xor ^ BVAL(T, p));                            \
    }                                                             \
    for (i = 0; i < NC; ++i) src[i] = BVAL(T, me);                \
    shmem_barrier_all();                                          \
    CHECK(shmem_and_reduce(SHMEM_TEAM_WORLD, dst, src, NC) == 0); \
    for (i = 0; i < NC; ++i) CHECK(dst[i] == e_and);              \
    shmem_barrier_all();                                          \
    CHECK(shmem_or_reduce(SHMEM_TEAM_WORLD, dst, src, NC) == 0);  \
    for (i = 0; i < NC; ++i) CHECK(dst[i] == e_or);               \
    shmem_barrier_all();                                          \
    CHECK(shmem_xor_reduce(SHMEM_TEAM_WORLD, dst, src, NC) == 0); \
    for (i = 0; i < NC; ++i) CHECK(dst[i] == e_xor);              \
    shmem_barrier_all();                                          \
    shmem_free(dst);                                              \
    shmem_free(src);                                              \
  }
CW_REDUCE_BITWISE_TYPES(TEST_REDUCE_BITWISE)

#define TEST_REDUCE_MINMAX(T, NAME)                               \
  static void test_reduce_minmax_##NAME(void) {                   \
    T *src = (T *)shmem_calloc(NC, sizeof(T));                    \
    T *dst = (T *)shmem_calloc(NC, sizeof(T));                    \
    int i;                                                        \
    cur = "min/max reductions " #NAME;                            \
    for (i = 0; i < NC; ++i) src[i] = (T)(me + i + 1);            \
    shmem_barrier_all();                                          \
    CHECK(shmem_max_reduce(SHMEM_TEAM_WORLD, dst, src, NC) == 0); \
    for (i = 0; i < NC; ++i) CHECK(dst[i] == (T)(npes + i));      \
    shmem_barrier_all();                                          \
    CHECK(shmem_min_reduce(SHMEM_TEAM_WORLD, dst, src, NC) == 0); \
    for (i = 0; i < NC; ++i) CHECK(dst[i] == (T)(i + 1));         \
    shmem_barrier_all();                                          \
    shmem_free(dst);                                              \
    shmem_free(src);                                              \
  }
CW_REDUCE_MINMAX_TYPES(TEST_REDUCE_MINMAX)

#define TEST_REDUCE_ARITH(T, NAME)                                                   \
  static void test_reduce_arith_##NAME(void) {                                       \
    T *src = (T *)shmem_calloc(NC, sizeof(T));                                       \
    T *dst = (T *)shmem_calloc(NC, sizeof(T));                                       \
    T e_prod = (T)1;                                                                 \
    int p, i;                                                                        \
    cur = "sum/prod reductions " #NAME;                                              \
    for (p = 0; p < npes; ++p) e_prod = (T)(e_prod * (T)((p & 1) + 1));              \
    for (i = 0; i < NC; ++i) src[i] = (T)(me + i);                                   \
    shmem_barrier_all();                                                             \
    CHECK(shmem_sum_reduce(SHMEM_TEAM_WORLD, dst, src, NC) == 0);                    \
    for (i = 0; i < NC; ++i) CHECK(dst[i] == (T)(npes * (npes - 1) / 2 + npes * i)); \
    shmem_barrier_all();                                                             \
    for (i = 0; i < NC; ++i) src[i] = (T)((me & 1) + 1);                             \
    shmem_barrier_all();                                                             \
    CHECK(shmem_prod_reduce(SHMEM_TEAM_WORLD, dst, src, NC) == 0);                   \
    for (i = 0; i < NC; ++i) CHECK(dst[i] == e_prod);                                \
    shmem_barrier_all();                                                             \
    /* Prefix sums of src = (me & 1) + 1 over PEs 0..me (inclusive) or 0..me-1. */   \
    CHECK(shmem_sum_inscan(SHMEM_TEAM_WORLD, dst, src, NC) == 0);                    \
    CHECK(dst[0] == (T)(me + 1 + (me + 1) / 2));                                     \
    shmem_barrier_all();                                                             \
    CHECK(shmem_sum_exscan(SHMEM_TEAM_WORLD, dst, src, NC) == 0);                    \
    CHECK(me == 0 || dst[0] == (T)(me + me / 2));                                    \
    shmem_barrier_all();                                                             \
    shmem_free(dst);                                                                 \
    shmem_free(src);                                                                 \
  }
CW_REDUCE_ARITH_TYPES(TEST_REDUCE_ARITH)

/* ---- shmem_sync: the 1.5 team form and the deprecated active-set form, both by that name ---- */
static long sync_psync[SHMEM_SYNC_SIZE];
static void test_sync_forms(void) {
  /* Without parentheses the name is still the four-argument routine, a real function. */
  void (*four_argument_form)(int, int, int, long *) = shmem_sync;
  int *flag = (int *)shmem_calloc(2, sizeof(int));
  cur = "shmem_sync(team) and shmem_sync(PE_start, logPE_stride, PE_size, pSync)";
  CHECK(four_argument_form != NULL && flag != NULL);
  if (flag == NULL) return;
  shmem_int_atomic_set(&flag[0], 1, right);
  shmem_quiet();
  CHECK(shmem_sync(SHMEM_TEAM_WORLD) == 0);
  shmem_int_wait_until(&flag[0], SHMEM_CMP_EQ, 1);
  shmem_int_atomic_set(&flag[1], 2, right);
  shmem_quiet();
  shmem_sync(0, 0, npes, sync_psync);
  (shmem_sync)(0, 0, npes, sync_psync);
  four_argument_form(0, 0, npes, sync_psync);
  shmem_int_wait_until(&flag[1], SHMEM_CMP_EQ, 2);
  CHECK(flag[0] == 1 && flag[1] == 2);
  CHECK(shmem_team_sync(SHMEM_TEAM_WORLD) == 0);
  shmem_barrier_all();
  shmem_free(flag);
}
#endif /* CW_GENERIC_TEST_COLLECTIVES */

/* Runs every test above; returns this PE's failure count. */
static int run_generic_tests(void) {
  me = shmem_my_pe();
  npes = shmem_n_pes();
  right = (me + 1) % npes;
  left = (me + npes - 1) % npes;
  if (shmem_ctx_create(0, &ctx) != 0) ctx = SHMEM_CTX_DEFAULT;

#define CW_RUN_rma(T, NAME) test_rma_##NAME();
#define CW_RUN_amo_standard(T, NAME) test_amo_standard_##NAME();
#define CW_RUN_amo_extended(T, NAME) test_amo_extended_##NAME();
#define CW_RUN_amo_bitwise(T, NAME) test_amo_bitwise_##NAME();
#define CW_RUN_p2p(T, NAME) test_p2p_##NAME();
#define CW_RUN_deprecated_amo(T, NAME) test_deprecated_amo_##NAME();
#define CW_RUN_deprecated_extended_amo(T, NAME) test_deprecated_extended_amo_##NAME();
#define CW_RUN_deprecated_wait(T, NAME) test_deprecated_wait_##NAME();
  CW_RMA_TYPES(CW_RUN_rma)
  CW_AMO_STANDARD_TYPES(CW_RUN_amo_standard)
  CW_AMO_EXTENDED_TYPES(CW_RUN_amo_extended)
  CW_AMO_BITWISE_TYPES(CW_RUN_amo_bitwise)
  CW_P2P_SYNC_TYPES(CW_RUN_p2p)
  CW_DEPRECATED_AMO_TYPES(CW_RUN_deprecated_amo)
  CW_DEPRECATED_EXTENDED_AMO_TYPES(CW_RUN_deprecated_extended_amo)
  CW_DEPRECATED_WAIT_TYPES(CW_RUN_deprecated_wait)
#ifdef CW_GENERIC_TEST_COLLECTIVES
#define CW_RUN_coll(T, NAME) test_coll_##NAME();
#define CW_RUN_reduce_bitwise(T, NAME) test_reduce_bitwise_##NAME();
#define CW_RUN_reduce_minmax(T, NAME) test_reduce_minmax_##NAME();
#define CW_RUN_reduce_arith(T, NAME) test_reduce_arith_##NAME();
  CW_RMA_TYPES(CW_RUN_coll)
  CW_REDUCE_BITWISE_TYPES(CW_RUN_reduce_bitwise)
  CW_REDUCE_MINMAX_TYPES(CW_RUN_reduce_minmax)
  CW_REDUCE_ARITH_TYPES(CW_RUN_reduce_arith)
  test_sync_forms();
#endif

  if (ctx != SHMEM_CTX_DEFAULT) shmem_ctx_destroy(ctx);
  return failures;
}

#endif /* CW_GENERIC_BODY_H */
