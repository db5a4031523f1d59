/* SPDX-License-Identifier: BSD-3-Clause */
/* A profiling tool in miniature, as the specification's profiling interface intends: the program
 * defines its own shmem_long_p, shmem_putmem and shmem_barrier_all, which count their calls and
 * forward to the library's pshmem_ names. Built with -DCAUSEWAY_NO_INLINE (the inline fast path of
 * shmem.h would otherwise compile the calls into the caller, past any symbol a tool defines); run
 * under causeway-run. Exits non-zero when a count or the data is wrong on this PE. */
#include <pshmem.h>
#include <pshmemx.h>
#include <stdio.h>
#include <string.h>

#ifndef CAUSEWAY_NO_INLINE
#error "a tool that intercepts shmem_ symbols builds with -DCAUSEWAY_NO_INLINE"
#endif

static long calls_p, calls_putmem, calls_barrier_all;

void shmem_long_p(long *dest, long value, int pe) {
  ++calls_p;
  pshmem_long_p(dest, value, pe);
}

void shmem_putmem(void *dest, const void *source, size_t nelems, int pe) {
  ++calls_putmem;
  pshmem_putmem(dest, source, nelems, pe);
}

void shmem_barrier_all(void) {
  ++calls_barrier_all;
  pshmem_barrier_all();
}

static long longs[5];
static unsigned char bytes[100];

int main(void) {
  int failed = 0, i;
  unsigned char mine[100];
  shmem_init();
  const int me = shmem_my_pe(), n = shmem_n_pes();
  const int right = (me + 1) % n, left = (me + n - 1) % n;

  for (i = 0; i < 5; ++i) shmem_long_p(&longs[i], me * 100 + i, right);
  for (i = 0; i < 100; ++i) mine[i] = (unsigned char)(me * 7 + i);
  shmem_putmem(bytes, mine, sizeof mine, right);
  shmem_putmem(bytes, NULL, 0, right); /* zero length: counted, moves nothing */
  shmem_barrier_all();

  for (i = 0; i < 5; ++i)
    if (longs[i] != left * 100 + i) {
      fprintf(stderr, "PE %d: longs[%d] = %ld, expected %d\n", me, i, longs[i], left * 100 + i);
      ++failed;
    }
  for (i = 0; i < 100; ++i)
    if (bytes[i] != (unsigned char)(left * 7 + i)) {
      fprintf(stderr, "PE %d: bytes[%d] = %d, expected %d\n", me, i, bytes[i], (unsigned char)(left * 7 + i));
      ++failed;
      break;
    }
  /* Calls the program did not make itself (shmem_finalize's, the library's own) must not reach
   * the wrappers: the library calls its own routines directly. */
  pshmem_pcontrol(1);
  shmem_barrier_all();
  if (calls_p != 5 || calls_putmem != 2 || calls_barrier_all != 2) {
    fprintf(stderr,
            "PE %d: counted %ld shmem_long_p, %ld shmem_putmem, %ld shmem_barrier_all; expected 5, 2, 2\n",
            me, calls_p, calls_putmem, calls_barrier_all);
    ++failed;
  }
  if (pshmemx_heap_bytes_in_use() != shmemx_heap_bytes_in_use()) ++failed;
  shmem_finalize();
  if (calls_barrier_all != 2) {
    fprintf(stderr, "PE %d: shmem_finalize reached the program's shmem_barrier_all\n", me);
    ++failed;
  }
  if (!failed && me == 0) printf("profiling interface: wrappers counted their calls on %d PEs\n", n);
  return failed != 0;
}
