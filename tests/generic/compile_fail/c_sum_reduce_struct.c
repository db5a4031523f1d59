/* SPDX-License-Identifier: BSD-3-Clause */
/* shmem_sum_reduce on a struct: not a reduction type. */
#include <shmem.h>

struct cw_point {
  int x, y;
};

int main(void) {
#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
  static double dest[2], source[2];
#else
  static struct cw_point dest[2], source[2];
#endif
  return shmem_sum_reduce(SHMEM_TEAM_WORLD, dest, source, 2);
}
