/* SPDX-License-Identifier: BSD-3-Clause */
/* Jobs that fail on purpose, for fault_tests: `causeway-run -n 4 fault_prog MODE MARKER`. MARKER is
 * unused here; it only makes this job's processes findable by their command line.
 *   kill         PE 2 SIGKILLs itself while the others wait in a barrier
 *   exit3        PE 2 exits with status 3 (without finalizing) while the others wait in a barrier
 *   exit3_atexit PE 2 calls exit(3) (atexit handlers run) while the others wait in a barrier
 *   global_exit  PE 1 calls shmem_global_exit(5) while the others wait in a barrier
 *   exit0        PE 2 exits with status 0 without finalizing (_exit: no exit handlers) while the
 *                others wait in a barrier
 *   exit0_atexit PE 2 calls exit(0) (the implicit finalize runs) while the others wait in a barrier
 *   implicit     every PE returns from main without shmem_finalize (start_pes-style programs)
 *   hang         every PE waits for a value nobody writes (the launcher's --timeout ends it)
 *   log          a clean run with a team split and collectives (for CAUSEWAY_LOG's subsystems)
 *   stall        PE 0 waits for a value nobody writes while the others wait for it in a barrier
 *   stall_team   as stall, but PE 2 waits for PE 0 in a broadcast on the team of even PEs
 *   fork_exit3   PE 2 forks a child that sleeps for a minute, then exits with status 3
 *   fork_ok      PE 1 forks a child that sleeps for a minute; then a clean run
 *   ok           a clean run */
#include <shmem.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A child that outlives its PE unless the launcher ends the PE's process group. It keeps the PE's
 * command line (no exec), so fault_tests finds it by the job's marker. */
static void fork_sleeper(void) {
  if (fork() == 0) {
    sleep(60);
    _exit(0);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *mode = argv[1];
  shmem_init();
  const int me = shmem_my_pe();
  long *flag = (long *)shmem_calloc(1, sizeof(long));
  shmem_barrier_all(); /* everyone is up */

  if (strcmp(mode, "kill") == 0 && me == 2) {
    raise(SIGKILL);
  } else if (strcmp(mode, "exit3") == 0 && me == 2) {
    _exit(3);
  } else if (strcmp(mode, "exit3_atexit") == 0 && me == 2) {
    exit(3);
  } else if (strcmp(mode, "exit0") == 0 && me == 2) {
    _exit(0);
  } else if (strcmp(mode, "exit0_atexit") == 0 && me == 2) {
    exit(0);
  } else if (strcmp(mode, "implicit") == 0) {
    flag[0] = me;
    return 0;
  } else if (strcmp(mode, "global_exit") == 0 && me == 1) {
    shmem_global_exit(5);
  } else if (strcmp(mode, "fork_exit3") == 0 && me == 2) {
    fork_sleeper();
    _exit(3);
  } else if (strcmp(mode, "fork_ok") == 0) {
    if (me == 1) fork_sleeper();
    shmem_free(flag);
    shmem_finalize();
    return 0;
  } else if (strcmp(mode, "hang") == 0) {
    shmem_long_wait_until(flag, SHMEM_CMP_NE, 0);
  } else if (strcmp(mode, "log") == 0) {
    shmem_team_t evens;
    shmem_team_split_strided(SHMEM_TEAM_WORLD, 0, 2, (shmem_n_pes() + 1) / 2, NULL, 0, &evens);
    long *sum = (long *)shmem_calloc(1, sizeof(long));
    *flag = me;
    shmem_long_sum_reduce(SHMEM_TEAM_WORLD, sum, flag, 1);
    shmem_broadcastmem(SHMEM_TEAM_WORLD, sum, flag, sizeof(long), 0);
    if (evens != SHMEM_TEAM_INVALID) shmem_team_destroy(evens);
    shmem_free(sum);
    shmem_free(flag);
    shmem_finalize();
    return 0;
  } else if (strcmp(mode, "stall") == 0 && me == 0) {
    shmem_long_wait_until(flag, SHMEM_CMP_NE, 0);
  } else if (strcmp(mode, "stall_team") == 0) {
    shmem_team_t evens;
    shmem_team_split_strided(SHMEM_TEAM_WORLD, 0, 2, (shmem_n_pes() + 1) / 2, NULL, 0, &evens);
    if (me == 0) shmem_long_wait_until(flag, SHMEM_CMP_NE, 0);
    if (me == 2) shmem_long_broadcast(evens, flag, flag, 1, 0);
  } else if (strcmp(mode, "ok") == 0) {
    shmem_free(flag);
    shmem_finalize();
    return 0;
  }
  /* The survivors: a barrier the failed PE never reaches. */
  shmem_barrier_all();
  printf("fault_prog: PE %d left the barrier although a PE failed\n", me);
  shmem_finalize();
  return 0;
}
