#include "core/shared_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "transports/common/peer_mapping.hpp"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace causeway::core {

int create_memfd(const char* name, std::size_t size) {
  int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) return -1;
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

void* map_memfd(int fd, std::size_t size, void* fixed_address) {
  int flags = MAP_SHARED | (fixed_address ? MAP_FIXED : 0);
  void* p = mmap(fixed_address, size, PROT_READ | PROT_WRITE, flags, fd, 0);
  return p == MAP_FAILED ? nullptr : p;
}

void* map_memfd_aligned(int fd, std::size_t size, std::size_t alignment) {
  return tl::map_shared_placed(fd, size, alignment, 0);
}

void prefault(void* p, std::size_t size) {
  const std::size_t page = 4096;
  auto begin = reinterpret_cast<uintptr_t>(p) & ~(page - 1);
  auto end = (reinterpret_cast<uintptr_t>(p) + size + page - 1) & ~(page - 1);
  if (end <= begin) return;
  if (madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE) == 0) return;
  // Older kernels: touch each page (reading then writing back the same byte keeps the data).
  for (uintptr_t a = begin; a < end; a += page) {
    volatile char* c = reinterpret_cast<volatile char*>(a);
    *c = *c;
  }
}

}  // namespace causeway::core
