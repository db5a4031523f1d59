/* The C interface between libcauseway and its bootstrap plugins (libcauseway-bootstrap-pmix.so,
 * libcauseway-bootstrap-mpi.so). A plugin links the launcher's client library (PMIx, MPI) so that
 * programs that do not use it never load it. Plugins are built with the library and installed
 * beside it; the version below must match exactly. */
#ifndef CAUSEWAY_BOOTSTRAP_PLUGIN_ABI_H
#define CAUSEWAY_BOOTSTRAP_PLUGIN_ABI_H
#include <stddef.h>

#define CAUSEWAY_BOOTSTRAP_PLUGIN_ABI 1
#define CAUSEWAY_BOOTSTRAP_PLUGIN_ENTRY "causeway_bootstrap_plugin_init"

#ifdef __cplusplus
extern "C" {
#endif

struct causeway_bootstrap_plugin {
  /* Set by the library before calling init. */
  int abi;
  /* Set by init. Every function returns 0 on success; on failure it writes `error`. */
  const char* name;
  int rank, size;
  void* state;
  /* Every rank contributes `bytes` bytes; `all` (size * bytes) receives them in rank order. */
  int (*allgather)(void* state, const void* mine, size_t bytes, void* all);
  int (*barrier)(void* state);
  /* Ends the whole job; does not return. */
  void (*abort_job)(void* state, int status, const char* why);
  /* Leaves the job normally; no other call follows. */
  int (*finalize)(void* state);
  char error[512];
};

/* Returns 0 when the plugin joined the job. */
typedef int (*causeway_bootstrap_plugin_init_fn)(struct causeway_bootstrap_plugin*);

#ifdef __cplusplus
}
#endif
#endif
