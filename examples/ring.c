/* SPDX-License-Identifier: BSD-3-Clause */
/* ring: each PE passes tokens to its right neighbour for n rounds; a token grows by one per hop.
 * Run: causeway-run -n 4 ./build/examples/ring */
#include <shmem.h>
#include <stdio.h>

static long arrived = 0; /* a global variable is symmetric too: peers update it remotely */

int main(void) {
  shmem_init();
  int me = shmem_my_pe(), n = shmem_n_pes(), right = (me + 1) % n;
  long *tokens = shmem_calloc(n, sizeof(long)); /* tokens[r] arrives in round r */
  for (int r = 0; r < n; ++r) {
    if (r > 0) shmem_long_wait_until(&arrived, SHMEM_CMP_GE, r);
    long value = (r == 0) ? me : tokens[r - 1] + 1;
    shmem_long_p(&tokens[r], value, right);
    shmem_fence(); /* the token lands before the count that announces it */
    shmem_long_atomic_inc(&arrived, right);
  }
  shmem_long_wait_until(&arrived, SHMEM_CMP_GE, n);
  long expected = me + n - 1; /* started at PE me+1-n (mod n), then n-1 hops */
  int ok = tokens[n - 1] == expected;
  printf("PE %d of %d: last token %ld (%s)\n", me, n, tokens[n - 1], ok ? "ok" : "WRONG");
  shmem_barrier_all();
  shmem_free(tokens);
  shmem_finalize();
  return ok ? 0 : 1;
}
