// SPDX-License-Identifier: BSD-3-Clause
// shmem_wait_until on double: not a point-to-point synchronization type.
#include <shmem.h>

int main() {
#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
  static short ivar;
#else
  static double ivar;
#endif
  shmem_wait_until(&ivar, SHMEM_CMP_EQ, 0);
  return 0;
}
