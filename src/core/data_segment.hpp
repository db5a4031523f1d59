// SPDX-License-Identifier: BSD-3-Clause
// The executable's global and static variables are symmetric objects (OpenSHMEM requires it).
// At init the writable data segment (.data/.bss after RELRO) is moved onto a memfd at the same
// address, so same-node peers map it like a heap segment and reach it by load/store. Bytes that
// share a page with RELRO, or the whole segment when moving is disabled, stay where they are and
// peers reach them with CMA. Addresses differ per PE under ASLR; peers translate by segment base.
#pragma once
#include <cstddef>

namespace causeway::core {

struct DataSegment {
  char* cma_begin = nullptr;     // [cma_begin, mapped_begin): reachable only by CMA
  char* mapped_begin = nullptr;  // [mapped_begin, end): on the memfd when fd >= 0
  char* end = nullptr;
  char* relro_end = nullptr;  // [cma_begin, relro_end) is read-only after relocation
  int fd = -1;
};

// Finds the executable's writable segment and, if `move_to_memfd`, moves its page-aligned part onto
// a memfd. Must run before other threads touch globals (it is called from shmem_init).
DataSegment setup_data_segment(bool move_to_memfd);

}  // namespace causeway::core
