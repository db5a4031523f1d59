/* SPDX-License-Identifier: BSD-3-Clause */
/* shmem_put with three arguments: neither the plain form (4) nor the context form (5). */
#include <shmem.h>

int main(void) {
  static int dest[2];
  int source[2] = {1, 2};
#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
  shmem_put(dest, source, 2, 0);
#else
  shmem_put(dest, source, 2);
#endif
  return 0;
}
