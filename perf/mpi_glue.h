/* SPDX-License-Identifier: BSD-3-Clause */
/* Causeway perf suite: what the MPI comparison programs share on top of common.h. Their case names
 * match the OpenSHMEM benchmarks' (put_quiet, get, put_bw, long_fetch_add, barrier_all, ...) so
 * perf/compare can put them side by side; the help text says which MPI calls stand in. */
#ifndef CW_PERF_MPI_GLUE_H
#define CW_PERF_MPI_GLUE_H

#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "common.h" /* first: it sets the feature macros */

#endif /* CW_PERF_MPI_GLUE_H */
