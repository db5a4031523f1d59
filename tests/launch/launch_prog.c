/* SPDX-License-Identifier: BSD-3-Clause */
/* For launcher_tests: every PE reads its stdin to the end and prints one line,
 *   PE <me> of <npes> read <bytes> bytes; cpus <list>
 * where <list> is the CPU affinity it was started with, in the launcher's "0-3,8" form, so that the
 * tests can check both where stdin went and that --bind-to bound the PE where it said it would. */
#define _GNU_SOURCE
#include <sched.h>
#include <shmem.h>
#include <stdio.h>
#include <string.h>

static void cpu_ranges(const cpu_set_t *set, char *out, size_t size) {
  size_t used = 0;
  out[0] = '\0';
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, set)) ++last;
    int n = last > cpu ? snprintf(out + used, size - used, "%s%d-%d", used ? "," : "", cpu, last)
                       : snprintf(out + used, size - used, "%s%d", used ? "," : "", cpu);
    if (n < 0 || (size_t)n >= size - used) break;
    used += (size_t)n;
    cpu = last;
  }
}

int main(void) {
  /* Affinity first: shmem_init may start threads, but does not move this one. */
  cpu_set_t set;
  char cpus[4096] = "?";
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) cpu_ranges(&set, cpus, sizeof cpus);

  shmem_init();
  char buf[4096];
  size_t total = 0, n;
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) total += n;
  printf("PE %d of %d read %zu bytes; cpus %s\n", shmem_my_pe(), shmem_n_pes(), total, cpus);
  fflush(stdout);
  shmem_finalize();
  return 0;
}
