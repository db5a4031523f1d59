/* SPDX-License-Identifier: BSD-3-Clause */
/* shmem_sync with two arguments: neither shmem_sync(team) nor the four-argument form. */
#include <shmem.h>

int main(void) {
  static long pSync[SHMEM_SYNC_SIZE];
  shmem_init();
#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
  shmem_sync(0, 0, shmem_n_pes(), pSync);
  shmem_sync(SHMEM_TEAM_WORLD);
#else
  shmem_sync(0, pSync);
#endif
  shmem_finalize();
  return 0;
}
