/* SPDX-License-Identifier: BSD-3-Clause */
/* shmem_atomic_and on long long: the bitwise AMO types are unsigned int, unsigned long,
 * unsigned long long, int32_t, int64_t, uint32_t and uint64_t only. */
#include <shmem.h>

int main(void) {
#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
  static unsigned long long word;
#else
  static long long word;
#endif
  shmem_atomic_and(SHMEM_CTX_DEFAULT, &word, 1, 0);
  return 0;
}
