/* SPDX-License-Identifier: BSD-3-Clause */
/* The profiling interface: <pshmem.h> and <pshmemx.h> declare every pshmem_ routine (generated from
 * shmem.h). Compiled as C and C++. */
#include <pshmem.h>
#include <pshmemx.h>

int main(void) {
  static long x, pSync[SHMEM_SYNC_SIZE];
  static long dst[2], src[2];
  shmem_ctx_t ctx = SHMEM_CTX_DEFAULT;
  pshmem_init();
  pshmem_long_p(&x, 1, pshmem_my_pe());
  pshmem_ctx_long_put(ctx, dst, src, 2, 0);
  pshmem_putmem_signal_nbi(dst, src, 8, (uint64_t *)(void *)&x, 1, SHMEM_SIGNAL_SET, 0);
  pshmem_long_sum_reduce(SHMEM_TEAM_WORLD, dst, src, 2);
  pshmem_sync(SHMEM_TEAM_WORLD);
  pshmem_sync(0, 0, pshmem_n_pes(), pSync);
  pshmem_pcontrol(1);
  pshmem_barrier_all();
  pshmem_finalize();
  return (int)pshmemx_heap_bytes_in_use();
}
