/* SPDX-License-Identifier: BSD-3-Clause */
/* Misused team and collective calls, one per run (argv[1] names it). Each must end the job with a
 * report naming the PE, the call and the argument; returning from the bad call exits 99. */
#include <shmem.h>
#include <stdio.h>
#include <string.h>

static long pSync[SHMEM_BARRIER_SYNC_SIZE];
static long buf[64], src[64];
static int ibuf[64], isrc[64];

int main(int argc, char **argv) {
  const char *c = argc > 1 ? argv[1] : "";
  shmem_init();
  const int n = shmem_n_pes(), me = shmem_my_pe();
  if (!strcmp(c, "team_invalid")) {
    shmem_long_broadcast(SHMEM_TEAM_INVALID, buf, src, 4, 0);
  } else if (!strcmp(c, "root_out_of_range")) {
    shmem_long_broadcast(SHMEM_TEAM_WORLD, buf, src, 4, n);
  } else if (!strcmp(c, "destroyed_team")) {
    shmem_team_t t;
    shmem_team_split_strided(SHMEM_TEAM_WORLD, 0, 1, n, NULL, 0, &t);
    shmem_team_destroy(t);
    shmem_team_sync(t);
  } else if (!strcmp(c, "destroy_world")) {
    shmem_team_destroy(SHMEM_TEAM_WORLD);
  } else if (!strcmp(c, "alltoalls_stride")) {
    shmem_long_alltoalls(SHMEM_TEAM_WORLD, buf, src, 0, 1, 1);
  } else if (!strcmp(c, "active_set_past_end")) {
    shmem_barrier(0, 0, n + 1, pSync);
  } else if (!strcmp(c, "active_set_stride")) {
    shmem_sync(0, -1, n, pSync);
  } else if (!strcmp(c, "not_in_active_set")) {
    shmem_sync(1, 0, 1, pSync); /* PE 0 is not in {1} */
    shmem_barrier_all();
  } else if (!strcmp(c, "negative_nreduce")) {
    shmem_int_sum_to_all(ibuf, isrc, -1, 0, 0, n, ibuf, pSync);
  } else if (!strcmp(c, "reduce_dest_not_symmetric")) {
    long local[64];
    shmem_long_sum_reduce(SHMEM_TEAM_WORLD, local, src, 64);
  } else if (!strcmp(c, "mismatch_nreduce")) {
    /* Every PE calls the same collective with its own arguments: checks mode compares them. */
    shmem_long_sum_reduce(SHMEM_TEAM_WORLD, buf, src, me == 0 ? 4 : 5);
  } else if (!strcmp(c, "mismatch_root")) {
    shmem_long_broadcast(SHMEM_TEAM_WORLD, buf, src, 4, me);
  } else if (!strcmp(c, "mismatch_routine")) {
    if (me == 0)
      shmem_long_sum_reduce(SHMEM_TEAM_WORLD, buf, src, 4);
    else
      shmem_long_broadcast(SHMEM_TEAM_WORLD, buf, src, 4, 0);
  } else if (!strcmp(c, "mismatch_op")) {
    if (me == 0)
      shmem_long_sum_reduce(SHMEM_TEAM_WORLD, buf, src, 4);
    else
      shmem_long_max_reduce(SHMEM_TEAM_WORLD, buf, src, 4);
  } else if (!strcmp(c, "mismatch_sync_routine")) {
    if (me == 0)
      shmem_team_sync(SHMEM_TEAM_WORLD);
    else
      shmem_long_fcollect(SHMEM_TEAM_WORLD, buf, src, 4);
  } else if (!strcmp(c, "mismatch_dest")) {
    shmem_long_fcollect(SHMEM_TEAM_WORLD, me == 0 ? buf : buf + 32, src, 4);
  } else if (!strcmp(c, "mismatch_zero_size")) {
    shmem_long_fcollect(SHMEM_TEAM_WORLD, buf, src, me == 0 ? 0 : 4);
  } else if (!strcmp(c, "mismatch_split")) {
    shmem_team_t t;
    shmem_team_split_strided(SHMEM_TEAM_WORLD, 0, 1, me == 0 ? n : 1, NULL, 0, &t);
  } else if (!strcmp(c, "mismatch_active_set")) {
    /* Run on 3 PEs: PE 1 names the set {0, 1}, the others {0, 1, 2}. */
    shmem_barrier(0, 0, me == 1 ? 2 : 3, pSync);
  } else if (!strcmp(c, "split_null_out")) {
    shmem_team_split_strided(SHMEM_TEAM_WORLD, 0, 1, n, NULL, 0, NULL);
  } else {
    fprintf(stderr, "unknown case '%s'\n", c);
    return 2;
  }
  shmem_finalize();
  return 99;
}
