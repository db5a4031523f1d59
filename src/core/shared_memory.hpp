// Anonymous shared memory (memfd): nothing appears in /dev/shm, and the kernel frees it when the
// last process holding it exits, even after SIGKILL.
#pragma once
#include <cstddef>

#include "util/status.hpp"

namespace causeway::core {

// Creates a sparse memfd of `size` bytes; returns the fd or -1 (errno set).
int create_memfd(const char* name, std::size_t size);
// Maps `fd` shared at `fixed_address` (MAP_FIXED) or anywhere when null; nullptr on failure.
void* map_memfd(int fd, std::size_t size, void* fixed_address);
// Maps `fd` shared at an address aligned to `alignment` (a power of two); nullptr on failure.
void* map_memfd_aligned(int fd, std::size_t size, std::size_t alignment);
// Faults in [p, p+size) for writing now, so first-touch costs are paid at allocation, not in a put.
void prefault(void* p, std::size_t size);

}  // namespace causeway::core
