/* SPDX-License-Identifier: BSD-3-Clause */
/* mpi_pingpong: the MPI counterpart of cw_latency's ping-pong. Rank i sends size bytes to rank
 * i + npes/2 with MPI_Send, which answers with MPI_Send after its MPI_Recv; half a round trip. */
#include "mpi_glue.h"

static void run_pingpong(cw_bench *b) {
  b->ops_per_sample = 2 * b->batch;
  if (!b->initiator && !b->receiver) return;
  const int count = (int)b->size;
  CW_FOR_SAMPLES(b, s) {
    double t0 = cw_now();
    for (long i = 0; i < b->batch; ++i) {
      if (b->initiator) {
        MPI_Send(b->mem->src, count, MPI_BYTE, b->peer, 1, MPI_COMM_WORLD);
        MPI_Recv(b->mem->dst, count, MPI_BYTE, b->peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      } else {
        MPI_Recv(b->mem->dst, count, MPI_BYTE, b->peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(b->mem->src, count, MPI_BYTE, b->peer, 1, MPI_COMM_WORLD);
      }
    }
    cw_record(b, s, t0);
  }
}

static const cw_case cases[] = {
    {"pingpong", "MPI_Send / MPI_Recv ping-pong, half round trip", CW_US, CW_NEEDS_PEER, CW_CHECK_EXCHANGE,
     run_pingpong, 0, 0, NULL},
};

const cw_suite cw_this_suite = {
    .name = "mpi_pingpong",
    .title = "MPI_Send/MPI_Recv ping-pong latency (half round trip), the MPI counterpart of cw_latency.",
    .cases = cases,
    .n_cases = sizeof cases / sizeof cases[0],
    .iters = 20000,
    .warmup = 2000,
    .window = 1,
    .min_size = 1,
    .max_size = 1 << 20,
    .pairs = 1,
};
