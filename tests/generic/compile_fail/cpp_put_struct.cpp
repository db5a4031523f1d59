// SPDX-License-Identifier: BSD-3-Clause
// shmem_put on a struct: no overload for it.
#include <shmem.h>

struct cw_point {
  int x, y;
};

int main() {
#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
  static int dest[2];
  int source[2] = {1, 2};
#else
  static cw_point dest[2];
  cw_point source[2] = {{1, 2}, {3, 4}};
#endif
  shmem_put(SHMEM_CTX_DEFAULT, dest, source, 2, 0);
  return 0;
}
