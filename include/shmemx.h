/* Causeway extensions to OpenSHMEM (prefix shmemx_). */
#ifndef SHMEMX_H
#define SHMEMX_H

#include <shmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of the symmetric heap in use on this PE (allocations plus the runtime's own words). */
SHMEM_API size_t shmemx_heap_bytes_in_use(void);

#ifdef __cplusplus
}
#endif

#endif /* SHMEMX_H */
