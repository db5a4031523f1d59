// SPDX-License-Identifier: BSD-3-Clause
// shmem_atomic_add on float: float is an extended AMO type, not a standard one.
#include <shmem.h>

int main() {
#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
  static unsigned int counter;
#else
  static float counter;
#endif
  shmem_atomic_add(&counter, 1u, 0);
  return 0;
}
