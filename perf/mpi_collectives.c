/* SPDX-License-Identifier: BSD-3-Clause */
/* mpi_collectives: the MPI counterparts of cw_collectives, on MPI_COMM_WORLD, with the same case
 * names, sizes (bytes per rank) and validation. */
#include "mpi_glue.h"

enum {
  M_BARRIER = 100,
  M_BCAST = CW_COLL_BROADCAST,
  M_ALLGATHER = CW_COLL_FCOLLECT,
  M_ALLTOALL = CW_COLL_ALLTOALL,
  M_ALLREDUCE = CW_COLL_REDUCE_SUM
};

static void collective(const cw_bench *b) {
  const int n = (int)b->size;
  switch (b->c->arg) {
    case M_BARRIER: MPI_Barrier(MPI_COMM_WORLD); break;
    case M_BCAST:
      /* MPI_Bcast works in place: the root sends its src, the others receive into dst. */
      MPI_Bcast(b->me == 0 ? b->mem->src : b->mem->dst, n, MPI_BYTE, 0, MPI_COMM_WORLD);
      break;
    case M_ALLGATHER:
      MPI_Allgather(b->mem->src, n, MPI_BYTE, b->mem->dst, n, MPI_BYTE, MPI_COMM_WORLD);
      break;
    case M_ALLTOALL: MPI_Alltoall(b->mem->src, n, MPI_BYTE, b->mem->dst, n, MPI_BYTE, MPI_COMM_WORLD); break;
    case M_ALLREDUCE:
      MPI_Allreduce(b->mem->src, b->mem->dst, n / (int)sizeof(long), MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
      break;
  }
}

static void run_collective(cw_bench *b) {
  if (b->opt->validate) {
    cw_coll_fill(b, b->c->arg);
    MPI_Barrier(MPI_COMM_WORLD);
  }
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    for (long i = 0; i < b->batch; ++i) collective(b);
    cw_record(b, s, t0);
  }
  if (b->opt->validate) b->errors += cw_coll_check(b, b->c->arg);
}

#define SIZED(name, help, flags, op, granule) \
  { name, help, CW_US, CW_ALL_PES | (flags), CW_CHECK_NONE, run_collective, op, granule, NULL }

static const cw_case cases[] = {
    {"barrier_all", "MPI_Barrier", CW_US, CW_ALL_PES | CW_FIXED_SIZE, CW_CHECK_NONE, run_collective,
     M_BARRIER, 0, NULL},
    SIZED("broadcast", "MPI_Bcast from rank 0", 0, M_BCAST, 0),
    SIZED("fcollect", "MPI_Allgather, size bytes per rank", CW_BUF_X_PES, M_ALLGATHER, 0),
    SIZED("alltoall", "MPI_Alltoall, size bytes per rank pair", CW_BUF_X_PES, M_ALLTOALL, 0),
    SIZED("reduce_sum", "MPI_Allreduce, MPI_SUM of MPI_LONG", 0, M_ALLREDUCE, 8),
};

const cw_suite cw_this_suite = {
    .name = "mpi_collectives",
    .title =
        "MPI_Barrier, MPI_Bcast, MPI_Allgather, MPI_Alltoall and MPI_Allreduce latency, the MPI "
        "counterpart of cw_collectives.",
    .cases = cases,
    .n_cases = sizeof cases / sizeof cases[0],
    .iters = 5000,
    .warmup = 500,
    .window = 1,
    .min_size = 8,
    .max_size = 1 << 20,
    .pairs = 0,
};
