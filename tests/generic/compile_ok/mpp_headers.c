/* SPDX-License-Identifier: BSD-3-Clause */
/* Old (Cray-style) programs include <mpp/shmem.h> and <mpp/shmemx.h>. Compiled as C and C++. */
#include <mpp/shmem.h>
#include <mpp/shmemx.h>

int main(void) {
  static long x;
  start_pes(0);
  shmem_long_p(&x, 1, _my_pe());
  shmem_barrier_all();
  return (int)shmemx_heap_bytes_in_use() + _num_pes() + (int)x;
}
