// SPDX-License-Identifier: BSD-3-Clause
// The small-message fast path (include/causeway/fast_path.h): the library's inlined halves of put,
// get, atomics and fence read it, and so do the inline forms in shmem.h. Every check the full path
// makes is either implied by it (range, PE) or disables it (checks mode, team-numbered contexts), so
// a miss only means "take the full path".
#pragma once
#include <cstddef>

#include "causeway/fast_path.h"

namespace causeway::core {

using FastPath = causeway_fast_path;

inline FastPath& fast_path() { return causeway_fast_path_v2; }

[[gnu::always_inline]] inline char* direct_address(const void* addr, std::size_t bytes, int pe) {
  return causeway_direct_address(addr, bytes, pe);
}

// The same for an atomic: also nullptr while atomics must go through a transport.
[[gnu::always_inline]] inline char* amo_address(const void* addr, std::size_t bytes, int pe) {
  return causeway_amo_address(addr, bytes, pe);
}

}  // namespace causeway::core
