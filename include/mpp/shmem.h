/* SPDX-License-Identifier: BSD-3-Clause */
/* Causeway: <mpp/shmem.h>, the header older (Cray-style) OpenSHMEM programs include. */
#ifndef CAUSEWAY_MPP_SHMEM_H
#define CAUSEWAY_MPP_SHMEM_H
#include <shmem.h>
#endif
