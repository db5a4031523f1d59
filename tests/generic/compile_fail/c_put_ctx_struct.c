/* SPDX-License-Identifier: BSD-3-Clause */
/* The context form of shmem_put on a struct. */
#include <shmem.h>

struct cw_point {
  int x, y;
};

int main(void) {
#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
  static long dest[2];
  long source[2] = {1, 2};
#else
  static struct cw_point dest[2];
  struct cw_point source[2] = {{1, 2}, {3, 4}};
#endif
  shmem_put(SHMEM_CTX_DEFAULT, dest, source, 2, 0);
  return 0;
}
