/* SPDX-License-Identifier: BSD-3-Clause */
/* Causeway: <mpp/shmemx.h>, the extensions header under its older (Cray-style) path. */
#ifndef CAUSEWAY_MPP_SHMEMX_H
#define CAUSEWAY_MPP_SHMEMX_H
#include <shmemx.h>
#endif
