// SPDX-License-Identifier: BSD-3-Clause
// The device API compile check again, with CAUSEWAY_DEVICE_CHECKS on, so the checking paths (printf
// and __trap on bad PEs, ranges and routes) are compiled too. Links to its own trivial main.
#define CAUSEWAY_DEVICE_CHECKS 1
#include "device_api_compile.cu"
