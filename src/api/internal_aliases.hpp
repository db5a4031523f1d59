// SPDX-License-Identifier: BSD-3-Clause
// Hidden second names of the API routines other parts of the library call. A call through one is a
// direct call inside the library: a program or tool that defines its own shmem_ctx_create or
// shmem_ptr (the profiling interface, pshmem.h) sees only the calls the program makes. Each alias is
// defined next to its routine with CW_DEFINE_INTERNAL_ALIAS.
#pragma once
#include <shmem.h>

#define CW_DEFINE_INTERNAL_ALIAS(RET, NAME, PARAMS)                            \
  extern "C" [[gnu::visibility("hidden")]] RET causeway_internal_##NAME PARAMS \
      __attribute__((alias("shmem_" #NAME)));

extern "C" {
[[gnu::visibility("hidden")]] int causeway_internal_ctx_create(long options, shmem_ctx_t* ctx);
[[gnu::visibility("hidden")]] void* causeway_internal_ptr(const void* dest, int pe);
}
