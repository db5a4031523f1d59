/* Causeway: <mpp/shmem.h>, the header older (Cray-style) OpenSHMEM programs include. */
#ifndef CAUSEWAY_MPP_SHMEM_H
#define CAUSEWAY_MPP_SHMEM_H
#include <shmem.h>
#endif
