/* SPDX-License-Identifier: BSD-3-Clause */
/* The type-generic interfaces from C11: the _Generic macros of causeway/shmem_generic.h.
 * Built with -std=c11 -pedantic -Wall -Wextra -Werror; run under causeway-run. Exits non-zero when
 * a check fails on this PE. */
#include <shmem.h>

#if !defined(shmem_put) || !defined(shmem_atomic_fetch_inc) || !defined(shmem_wait_until) || \
    !defined(shmem_test_some_vector) || !defined(shmem_swap)
#error "the C11 generic names must be macros"
#endif

#include "generic_body.h"

int main(void) {
  int failed;
  shmem_init();
  failed = run_generic_tests();
  if (failed)
    fprintf(stderr, "PE %d: %d check(s) failed\n", shmem_my_pe(), failed);
  else if (shmem_my_pe() == 0)
    printf("generic C11 interfaces: all checks passed on %d PEs\n", shmem_n_pes());
  shmem_finalize();
  return failed != 0;
}
