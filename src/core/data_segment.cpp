// SPDX-License-Identifier: BSD-3-Clause
#include "core/data_segment.hpp"

#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/shared_memory.hpp"
#include "util/log.hpp"

namespace causeway::core {
namespace {

struct Found {
  uintptr_t rw_begin = 0, rw_end = 0, relro_end = 0;
  bool done = false;
};

int find_executable(dl_phdr_info* info, size_t, void* data) {
  auto* found = static_cast<Found*>(data);
  if (found->done) return 1;
  found->done = true;  // the first object reported is the main executable
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_W) && found->rw_end == 0) {
      found->rw_begin = begin;
      found->rw_end = begin + ph.p_memsz;
    } else if (ph.p_type == PT_GNU_RELRO) {
      found->relro_end = begin + ph.p_memsz;
    }
  }
  return 1;
}

}  // namespace

DataSegment setup_data_segment(bool move_to_memfd) {
  Found found;
  dl_iterate_phdr(find_executable, &found);
  DataSegment seg;
  if (found.rw_end == 0) return seg;
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  auto up = [&](uintptr_t a) { return (a + page - 1) & ~(page - 1); };
  uintptr_t movable = up(found.rw_begin > found.relro_end ? found.rw_begin : found.relro_end);
  uintptr_t end = up(found.rw_end);
  seg.cma_begin = reinterpret_cast<char*>(found.rw_begin);
  seg.mapped_begin = reinterpret_cast<char*>(movable);
  seg.end = reinterpret_cast<char*>(found.rw_end);
  seg.relro_end = reinterpret_cast<char*>(found.relro_end);
  if (!move_to_memfd || movable >= end) {
    seg.mapped_begin = seg.end;  // everything by CMA
    return seg;
  }
  const std::size_t size = end - movable;
  int fd = create_memfd("causeway-data", size);
  if (fd < 0) {
    CW_LOG(util::LogLevel::warn, "cannot create memfd for static data (%s); peers use CMA",
           std::strerror(errno));
    seg.mapped_begin = seg.end;
    return seg;
  }
  // Copy the live contents into the file, then map the file over the original pages. Nothing in
  // between writes globals: this thread is inside shmem_init. A raw pwrite syscall copies without a
  // sanitizer interceptor reading the poisoned redzones AddressSanitizer puts between globals.
  std::size_t copied = 0;
  while (copied < size) {
    long done = syscall(SYS_pwrite64, fd, reinterpret_cast<const char*>(movable) + copied, size - copied,
                        static_cast<off_t>(copied));
    if (done < 0 && errno == EINTR) continue;
    if (done <= 0) {
      CW_LOG(util::LogLevel::warn, "cannot copy static data to its memfd (%s); peers use CMA",
             std::strerror(errno));
      close(fd);
      seg.mapped_begin = seg.end;
      return seg;
    }
    copied += static_cast<std::size_t>(done);
  }
  void* placed = map_memfd(fd, size, reinterpret_cast<void*>(movable));
  if (placed != reinterpret_cast<void*>(movable)) {
    util::log(util::LogLevel::error, "cannot move static data onto shared memory: %s", std::strerror(errno));
    util::abort_job(1);  // the original pages may be gone: nothing safe to continue with
  }
  // The fd stays open (seg.fd, never closed): peers get it at init, and forked children remap it.
  seg.fd = fd;
  make_private_in_children(placed, size, fd);
  return seg;
}

}  // namespace causeway::core
