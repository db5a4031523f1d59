/* SPDX-License-Identifier: BSD-3-Clause */
/* shmem_put on a struct: not a standard RMA type, so no _Generic association matches. */
#include <shmem.h>

struct cw_point {
  int x, y;
};

int main(void) {
#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
  static int dest[2];
  int source[2] = {1, 2};
#else
  static struct cw_point dest[2];
  struct cw_point source[2] = {{1, 2}, {3, 4}};
#endif
  shmem_put(dest, source, 2, 0);
  return 0;
}
