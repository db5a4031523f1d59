// SPDX-License-Identifier: BSD-3-Clause
// How much memory this machine (and this process's cgroup) can still back, so a large symmetric
// allocation can be refused with NULL instead of ending in the OOM killer.
#pragma once
#include <cstddef>
#include <optional>

namespace causeway::util {

struct MemoryAvailable {
  std::size_t bytes = 0;
  const char* limited_by = "";  // "MemAvailable" or "the cgroup's memory limit"
};

// The smaller of /proc/meminfo's MemAvailable and, under a cgroup memory limit (v2 memory.max, v1
// memory.limit_in_bytes), the limit less the cgroup's usage. Nothing if neither can be read.
std::optional<MemoryAvailable> memory_available();

// The same from given file contents (for tests): meminfo text, and the cgroup's memory.max and
// usage texts (null if there is no cgroup limit to read).
std::optional<MemoryAvailable> memory_available_from(const char* meminfo, const char* cgroup_max,
                                                     const char* cgroup_current);

}  // namespace causeway::util
