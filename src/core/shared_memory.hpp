// SPDX-License-Identifier: BSD-3-Clause
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
// False (errno ENOMEM) if the kernel could not allocate the pages.
bool prefault(void* p, std::size_t size);

// fork() safety. A MAP_SHARED mapping is inherited shared by fork(), so a child the program forks
// (Python multiprocessing, DataLoader workers) would write into this PE's globals and heap. A range
// registered here is remapped in every forked child, by a pthread_atfork child handler, as a
// MAP_PRIVATE (copy-on-write) mapping of the same memfd at the same address: no copying, and the
// child's writes stay its own. `fd` must stay open while the range is registered. Registering a
// base again replaces its entry. At most kMaxPrivateInChildren ranges: one more is logged and stays
// shared. A fork() from another thread sees each range either registered or not, never half-done.
inline constexpr int kMaxPrivateInChildren = 16;
void make_private_in_children(void* base, std::size_t size, int fd);
// Drops the range starting at `base` (before it is unmapped or its fd closed); no effect if absent.
void forget_private_in_children(void* base);

}  // namespace causeway::core
