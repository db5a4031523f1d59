/* SPDX-License-Identifier: BSD-3-Clause */
/* A distributed histogram kept up to date by active messages: bin b lives on PE b % npes, and every
 * PE adds its samples by sending "add 1 to bin b" to the bin's owner, which runs the handler. No PE
 * touches another's memory directly and nobody waits for anybody until the final check.
 *
 *   causeway-run -n 4 build/examples/am_counter */
#include <shmem.h>
#include <shmemx.h>
#include <stdint.h>
#include <stdio.h>

#define BINS 64
#define SAMPLES_PER_PE 100000

static long g_bins[BINS]; /* only the bins this PE owns are used */

static void add_to_bin(shmemx_am_token_t token, int src, const void *payload, size_t nbytes, void *user) {
  (void)token, (void)src, (void)nbytes, (void)user;
  const uint32_t bin = *(const uint32_t *)payload;
  ++g_bins[bin];
}

/* The same pseudo-random samples on every run: PE p's i-th sample. */
static uint32_t sample(int pe, long i) {
  uint64_t x = (uint64_t)pe * 0x9E3779B97F4A7C15ull + (uint64_t)i * 0xBF58476D1CE4E5B9ull;
  x ^= x >> 31;
  x *= 0x94D049BB133111EBull;
  return (uint32_t)((x >> 29) % BINS);
}

int main(void) {
  shmem_init();
  const int me = shmem_my_pe(), npes = shmem_n_pes();
  const int add = shmemx_am_register(add_to_bin, NULL);

  for (long i = 0; i < SAMPLES_PER_PE; ++i) {
    const uint32_t bin = sample(me, i);
    shmemx_am_send(SHMEM_CTX_DEFAULT, (int)(bin % (uint32_t)npes), add, &bin, sizeof bin);
  }
  shmem_quiet();       /* every message this PE sent has run at its owner */
  shmem_barrier_all(); /* ... and everyone else's */

  /* Check: each PE recomputes every PE's samples for the bins it owns. */
  long expected[BINS] = {0}, wrong = 0, owned = 0;
  for (int pe = 0; pe < npes; ++pe)
    for (long i = 0; i < SAMPLES_PER_PE; ++i) ++expected[sample(pe, i)];
  for (int b = me; b < BINS; b += npes) {
    owned += g_bins[b];
    if (g_bins[b] != expected[b]) ++wrong;
  }
  static long total;
  shmem_long_atomic_add(&total, owned, 0);
  shmem_barrier_all();
  if (me == 0)
    printf("am_counter: %d PEs sent %ld messages; histogram total %ld (expected %ld)\n", npes,
           (long)npes * SAMPLES_PER_PE, total, (long)npes * SAMPLES_PER_PE);
  if (wrong) printf("am_counter: PE %d: %ld of its bins are wrong\n", me, wrong);
  const int ok = wrong == 0 && (me != 0 || total == (long)npes * SAMPLES_PER_PE);
  shmem_finalize();
  return ok ? 0 : 1;
}
