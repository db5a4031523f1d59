/* SPDX-License-Identifier: BSD-3-Clause */
/* A program that uses MPI itself: MPI_Init before shmem_init, MPI_Finalize after shmem_finalize.
 * Causeway must join MPI's job without initialising or finalizing MPI itself. */
#include <mpi.h>
#include <shmem.h>
#include <stdio.h>

static long total;
static long mine;

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = -1, size = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  shmem_init();
  int failed = shmem_my_pe() != rank || shmem_n_pes() != size;
  mine = rank + 1;
  shmem_barrier_all();
  shmem_long_sum_reduce(SHMEM_TEAM_WORLD, &total, &mine, 1);
  long expected = 0;
  MPI_Allreduce(&mine, &expected, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  failed |= total != expected;
  shmem_finalize();
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  failed |= !initialized || finalized; /* still the program's MPI */
  int any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
  MPI_Finalize();
  printf("mpi_user: rank %d of %d: %s\n", rank, size, any ? "FAILED" : "ok");
  return any;
}
