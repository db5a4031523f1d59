/* SPDX-License-Identifier: BSD-3-Clause */
/* One checked user error per case, for error_tests. Run as `causeway-run -n 2 error_cases CASE` with
 * CAUSEWAY_CHECKS=1. Unless a case says otherwise only PE 1 makes the bad call; PE 0 waits in a
 * barrier, so the error report names PE 1 and the launcher must take PE 0 down. A case that gets
 * back from its bad call (it should not) ends the job with status 99 and says so. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <shmem.h>
#include <shmemx.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long g_global[4];
static long g_lock;
static char g_src[1 << 20];

static int is(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* Active-message handlers that break the rules: each does what its case is named after. */
static void quiet_in_handler(shmemx_am_token_t t, int src, const void *p, size_t n, void *u) {
  (void)t, (void)src, (void)p, (void)n, (void)u;
  shmem_quiet();
}
static void barrier_in_handler(shmemx_am_token_t t, int src, const void *p, size_t n, void *u) {
  (void)t, (void)src, (void)p, (void)n, (void)u;
  shmem_barrier_all();
}
static void two_replies(shmemx_am_token_t t, int src, const void *p, size_t n, void *u) {
  (void)src, (void)p, (void)n;
  const int id = *(const int *)u;
  shmemx_am_reply(t, id, NULL, 0);
  shmemx_am_reply(t, id, NULL, 0);
}
static void stamp_wait_in_handler(shmemx_am_token_t t, int src, const void *p, size_t n, void *u) {
  (void)p, (void)n, (void)u;
  shmemx_stamp_wait(src, shmemx_am_token_stamp(t)); /* already merged: blocks only in principle */
}
static shmem_ctx_t g_causal;
static void causal_publish_in_handler(shmemx_am_token_t t, int src, const void *p, size_t n, void *u) {
  (void)t, (void)p, (void)n, (void)u;
  shmemx_ctx_publish(g_causal, src); /* quiets the context first: a handler must not */
}
static void nothing(shmemx_am_token_t t, int src, const void *p, size_t n, void *u) {
  (void)t, (void)src, (void)p, (void)n, (void)u;
}

static void exit_from_handler(int sig) {
  (void)sig;
  exit(0); /* not async-signal-safe, but what programs do */
}

/* PE 0 waits here while PE 1 errs; PE 1 never gets here in a passing run. */
static int wait_for_the_error(void) {
  shmem_barrier_all();
  shmem_finalize();
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: error_cases CASE\n");
    return 2;
  }
  const char *c = argv[1];

  if (is(c, "before_init")) {
    /* PE 1 (from the launcher's environment: the library is not up yet) calls before init. */
    const char *rank = getenv("CAUSEWAY_RANK");
    static int x;
    if (rank && is(rank, "1")) shmem_int_p(&x, 1, 0);
    shmem_init();
    return wait_for_the_error();
  }

  if (is(c, "init_only")) {
    /* The test's environment (a malformed or out-of-range setting) must make shmem_init fail. */
    shmem_init();
    return wait_for_the_error();
  }

  if (is(c, "checks_on_one_pe") || is(c, "heap_size_on_one_pe")) {
    /* A setting that must agree across PEs differs on PE 1 only. Unchecked, the first symmetric
     * allocation deadlocks (checks mode makes it collective) or hands out different addresses. */
    const char *rank = getenv("CAUSEWAY_RANK");
    if (rank && is(rank, "1")) {
      if (is(c, "checks_on_one_pe"))
        setenv("CAUSEWAY_CHECKS", "1", 1);
      else
        setenv("SHMEM_SYMMETRIC_SIZE", "512M", 1);
    }
    shmem_init();
    void *p = shmem_malloc(64);
    shmem_free(p);
    shmem_barrier_all();
    fprintf(stderr, "error_cases: PE %d: case '%s' was not reported as an error\n", shmem_my_pe(), c);
    shmem_global_exit(99);
  }

  if (is(c, "init_thread_level")) {
    const char *rank = getenv("CAUSEWAY_RANK");
    int provided;
    if (rank && is(rank, "1"))
      shmem_init_thread(7, &provided);
    else
      shmem_init();
    return wait_for_the_error();
  }

  shmem_init();
  const int me = shmem_my_pe(), n = shmem_n_pes();
  int *heap = (int *)shmem_calloc(1024, sizeof(int));
  long src[8] = {0};

  if (is(c, "heap_exhaustion")) {
    /* Every PE: the allocation fails (run with SHMEM_SYMMETRIC_SIZE=1M) and the program gives up. */
    void *p = shmem_malloc((size_t)64 << 20);
    if (p == NULL) {
      fprintf(stderr, "error_cases: PE %d: shmem_malloc returned NULL\n", me);
      exit(1);
    }
    return 0;
  }
  if (is(c, "malloc_mismatch")) {
    /* Every PE: a collective allocation with a different size on each PE. */
    void *p = shmem_malloc(me == 0 ? 1024 : 2048);
    (void)p;
    return wait_for_the_error();
  }
  if (is(c, "free_not_heap")) {
    /* Every PE: frees a pointer that is not from the heap. */
    shmem_free(&g_global[1]);
    return wait_for_the_error();
  }

  if (is(c, "exit_in_finalize")) {
    /* PE 0 calls exit(0) from a signal handler while its shmem_finalize waits for PE 1. */
    if (me == 0) {
      signal(SIGALRM, exit_from_handler);
      alarm(1);
    } else {
      sleep(3);
    }
    shmem_finalize();
    return 0;
  }

  /* Collective set-up some cases need, done by every PE before PE 1 errs. */
  char *block = is(c, "past_heap_end") ? (char *)shmem_malloc(512 << 10) : NULL;
  shmem_team_t team = SHMEM_TEAM_INVALID;
  if (is(c, "team_destroyed") || is(c, "team_destroyed_twice"))
    shmem_team_split_strided(SHMEM_TEAM_WORLD, 0, 1, n, NULL, 0, &team);

  static int am_id;
  if (!strncmp(c, "am_", 3)) {
    shmemx_am_handler_t h = is(c, "am_quiet_in_handler")            ? quiet_in_handler
                            : is(c, "am_barrier_in_handler")        ? barrier_in_handler
                            : is(c, "am_two_replies")               ? two_replies
                            : is(c, "am_stamp_wait_in_handler")     ? stamp_wait_in_handler
                            : is(c, "am_causal_publish_in_handler") ? causal_publish_in_handler
                                                                    : nothing;
    if (is(c, "am_causal_publish_in_handler") && shmem_ctx_create(SHMEMX_CTX_CAUSAL, &g_causal) != 0)
      return 98;
    am_id = shmemx_am_register(h, &am_id);
  }

  if (me != 1) return wait_for_the_error();

  if (is(c, "am_quiet_in_handler") || is(c, "am_barrier_in_handler") || is(c, "am_two_replies") ||
      is(c, "am_stamp_wait_in_handler") || is(c, "am_causal_publish_in_handler")) {
    shmemx_am_send(SHMEM_CTX_DEFAULT, 1, am_id, NULL, 0); /* to itself: the handler runs here */
    shmemx_am_progress();
  } else if (is(c, "am_payload_too_big")) {
    static char big[1 << 20];
    shmemx_am_send(SHMEM_CTX_DEFAULT, 0, am_id, big, shmemx_am_max_payload(0) + 1);
  } else if (is(c, "am_bad_id")) {
    shmemx_am_send(SHMEM_CTX_DEFAULT, 0, 99, NULL, 0);
  } else if (is(c, "stamp_bad_lane")) {
    /* Lane 40: there are 32; not a stamp the library handed out. */
    shmemx_stamp_wait(0, (shmemx_stamp_t)40 << 56 | 7);
  } else if (is(c, "stamp_lanes_exhausted")) {
    /* 31 contexts besides the default may hold a lane at once; the 32nd stamped call fails. */
    for (int k = 0; k < 32; ++k) {
      shmem_ctx_t ctx;
      if (shmem_ctx_create(0, &ctx) != 0) return 98;
      shmemx_ctx_publish(ctx, 0);
    }
  } else if (is(c, "pe_out_of_range")) {
    shmem_int_p(heap, 1, n);
  } else if (is(c, "pe_negative")) {
    shmem_putmem(heap, src, 8, -1);
  } else if (is(c, "dest_on_stack")) {
    long on_stack[8];
    shmem_putmem(on_stack, src, sizeof on_stack, 0);
  } else if (is(c, "dest_malloc")) {
    long *private_buffer = (long *)malloc(64);
    shmem_long_put(private_buffer, src, 8, 0);
  } else if (is(c, "source_malloc")) {
    long *private_buffer = (long *)malloc(64);
    shmem_getmem(src, private_buffer, 64, 0);
  } else if (is(c, "past_heap_end")) {
    /* Run with SHMEM_SYMMETRIC_SIZE=1M: 1 MiB from the start of a 512 KiB block. */
    shmem_putmem(block, g_src, 1 << 20, 0);
  } else if (is(c, "past_global_end")) {
    /* 64 MiB from a global: more than any layout of this program's data segment holds. */
    const size_t bytes = (size_t)64 << 20;
    const long *big = (const long *)malloc(bytes);
    shmem_long_put(g_global, big, bytes / sizeof(long), 0);
  } else if (is(c, "size_overflow")) {
    shmem_long_put((long *)heap, src, SIZE_MAX / 4, 0);
  } else if (is(c, "misaligned_atomic")) {
    shmem_int_atomic_add((int *)((char *)heap + 2), 1, 0);
  } else if (is(c, "invalid_cmp")) {
    shmem_int_wait_until(heap, 42, 0);
  } else if (is(c, "stream_put_host_dest")) {
    shmemx_putmem_on_stream(heap, src, 8, 0, NULL);
  } else if (is(c, "stream_allreduce_host_dest")) {
    shmemx_float_sum_allreduce_on_stream((float *)heap, (const float *)heap, 4, NULL);
  } else if (is(c, "stream_allreduce_overflow")) {
    shmemx_bf16_sum_allreduce_on_stream(heap, heap, SIZE_MAX / 2 + 1, NULL);
  } else if (is(c, "stream_alltoall_host_dest")) {
    shmemx_alltoallmem_on_stream(heap, heap + 512, 8, NULL);
  } else if (is(c, "malloc_kind_unknown")) {
    shmemx_malloc_kind(7, 64);
  } else if (is(c, "clear_lock_not_held")) {
    shmem_clear_lock(&g_lock);
  } else if (is(c, "stride_zero")) {
    shmem_int_iput(heap, (const int *)src, 0, 1, 4, 0);
  } else if (is(c, "ctx_garbage")) {
    shmem_ctx_putmem((shmem_ctx_t)(void *)&g_global[0], heap, src, 8, 0);
  } else if (is(c, "ctx_destroyed")) {
    shmem_ctx_t ctx;
    if (shmem_ctx_create(0, &ctx) != 0) return 98;
    shmem_ctx_destroy(ctx);
    shmem_ctx_long_p(ctx, (long *)heap, 1, 0);
  } else if (is(c, "team_destroyed")) {
    shmem_team_destroy(team);
    if (shmem_team_my_pe(team) >= -1) shmem_global_exit(99);
  } else if (is(c, "team_destroyed_twice")) {
    shmem_team_destroy(team);
    shmem_team_destroy(team);
  } else if (is(c, "team_garbage")) {
    if (shmem_team_n_pes((shmem_team_t)(void *)&g_global[0]) >= -1) shmem_global_exit(99);
  } else if (is(c, "align_not_power_of_two")) {
    shmem_align(48, 64);
  } else if (is(c, "active_set_non_member")) {
    static long pSync[SHMEM_BARRIER_SYNC_SIZE];
    shmem_barrier(0, 0, 1, pSync); /* the set is PE 0 alone */
  } else if (is(c, "amo_global_by_cma")) {
    /* Run with CAUSEWAY_MAP_DATA_SEGMENT=0: globals are reached by CMA, which has no atomics. */
    shmem_long_atomic_inc(&g_global[0], 0);
  } else {
    fprintf(stderr, "error_cases: unknown case '%s'\n", c);
    return 2;
  }
  fprintf(stderr, "error_cases: PE %d: case '%s' was not reported as an error\n", me, c);
  shmem_global_exit(99);
}
