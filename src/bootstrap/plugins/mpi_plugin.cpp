// SPDX-License-Identifier: BSD-3-Clause
// MPI bootstrap plugin: joins the job through MPI (bootstrap only, never the data path). A program
// that initialised MPI itself keeps owning it: the plugin then neither initialises nor finalizes it.
// Only the C bindings: the C++ ones do not compile cleanly with warnings on.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "bootstrap/plugin_abi.h"

namespace {

struct State {
  MPI_Comm comm = MPI_COMM_NULL;  // a duplicate of MPI_COMM_WORLD: our exchanges never meet the program's
  bool owns_mpi = false;
  char* error = nullptr;
};

int fail(State* s, const char* what, int rc) {
  char text[MPI_MAX_ERROR_STRING] = "";
  int length = 0;
  MPI_Error_string(rc, text, &length);
  std::snprintf(s->error, 512, "%s: %s", what, text);
  return 1;
}

int allgather(void* state, const void* mine, size_t bytes, void* all) {
  auto* s = static_cast<State*>(state);
  if (bytes > INT_MAX) {
    std::snprintf(s->error, 512, "allgather of %zu bytes per rank is more than MPI's int count", bytes);
    return 1;
  }
  const int n = static_cast<int>(bytes);
  int rc = MPI_Allgather(mine, n, MPI_BYTE, all, n, MPI_BYTE, s->comm);
  return rc == MPI_SUCCESS ? 0 : fail(s, "MPI_Allgather", rc);
}

int barrier(void* state) {
  auto* s = static_cast<State*>(state);
  int rc = MPI_Barrier(s->comm);
  return rc == MPI_SUCCESS ? 0 : fail(s, "MPI_Barrier", rc);
}

void abort_job(void* state, int status, const char*) {
  auto* s = static_cast<State*>(state);
  MPI_Abort(s->comm != MPI_COMM_NULL ? s->comm : MPI_COMM_WORLD, status);
  std::_Exit(status);
}

int finalize(void* state) {
  auto* s = static_cast<State*>(state);
  int done = 0;
  MPI_Finalized(&done);
  if (done) return 0;  // the program finalized MPI before shmem_finalize: nothing left to free
  MPI_Comm_free(&s->comm);
  if (!s->owns_mpi) return 0;
  int rc = MPI_Finalize();
  return rc == MPI_SUCCESS ? 0 : fail(s, "MPI_Finalize", rc);
}

constexpr causeway_bootstrap_plugin_ops kOps{"mpi", allgather, barrier, abort_job, finalize};

}  // namespace

extern "C" CAUSEWAY_BOOTSTRAP_PLUGIN_EXPORT const int causeway_bootstrap_plugin_abi =
    CAUSEWAY_BOOTSTRAP_PLUGIN_ABI;

extern "C" CAUSEWAY_BOOTSTRAP_PLUGIN_EXPORT int causeway_bootstrap_plugin_init(
    causeway_bootstrap_plugin* plugin) {
  static State s;
  s.error = plugin->error;
  int initialized = 0, finalized = 0, rc;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (finalized) {
    std::snprintf(plugin->error, sizeof plugin->error, "the program already called MPI_Finalize");
    return 1;
  }
  if (!initialized) {
    int provided = 0;
    // Serialized: any program thread may make the collective calls that exchange (shmem_malloc).
    if ((rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided)) != MPI_SUCCESS)
      return fail(&s, "MPI_Init_thread", rc);
    s.owns_mpi = true;
  }
  if ((rc = MPI_Comm_dup(MPI_COMM_WORLD, &s.comm)) != MPI_SUCCESS) return fail(&s, "MPI_Comm_dup", rc);
  MPI_Comm_set_errhandler(s.comm, MPI_ERRORS_RETURN);
  int rank = 0, size = 0;
  MPI_Comm_rank(s.comm, &rank);
  MPI_Comm_size(s.comm, &size);
  plugin->rank = rank;
  plugin->size = size;
  plugin->state = &s;
  plugin->ops = &kOps;
  return 0;
}
