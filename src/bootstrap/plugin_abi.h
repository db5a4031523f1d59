/* SPDX-License-Identifier: BSD-3-Clause */
/* The C interface between libcauseway and its bootstrap plugins (libcauseway-bootstrap-pmix.so,
 * libcauseway-bootstrap-mpi.so). A plugin links the launcher's client library (PMIx, MPI) so that
 * programs that do not use it never load it. Plugins are built with the library and installed
 * beside it; the version below must match exactly. */
#ifndef CAUSEWAY_BOOTSTRAP_PLUGIN_ABI_H
#define CAUSEWAY_BOOTSTRAP_PLUGIN_ABI_H
#include <stddef.h>

/* A plugin exports `int causeway_bootstrap_plugin_abi` (= CAUSEWAY_BOOTSTRAP_PLUGIN_ABI, checked
 * before anything is called) and the init function. */
#define CAUSEWAY_BOOTSTRAP_PLUGIN_ABI 2
#define CAUSEWAY_BOOTSTRAP_PLUGIN_ABI_SYMBOL "causeway_bootstrap_plugin_abi"
#define CAUSEWAY_BOOTSTRAP_PLUGIN_ENTRY "causeway_bootstrap_plugin_init"
#define CAUSEWAY_BOOTSTRAP_PLUGIN_EXPORT __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

/* What a plugin does, one table per plugin. Every function returns 0 on success; on failure it
 * writes the plugin's `error`. */
struct causeway_bootstrap_plugin_ops {
  const char* name;
  /* Every rank contributes `bytes` bytes; `all` (size * bytes) receives them in rank order. */
  int (*allgather)(void* state, const void* mine, size_t bytes, void* all);
  int (*barrier)(void* state);
  /* Ends the whole job; does not return. */
  void (*abort_job)(void* state, int status, const char* why);
  /* Leaves the job normally; no other call follows. */
  int (*finalize)(void* state);
};

/* Filled by the plugin's init. */
struct causeway_bootstrap_plugin {
  int rank, size;
  void* state;
  const struct causeway_bootstrap_plugin_ops* ops;
  char error[512];
};

/* Returns 0 when the plugin joined the job. */
typedef int (*causeway_bootstrap_plugin_init_fn)(struct causeway_bootstrap_plugin*);

#ifdef __cplusplus
}
#endif
#endif
