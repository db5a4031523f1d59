// SPDX-License-Identifier: BSD-3-Clause
#include "core/shared_memory.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "util/log.hpp"
#include "util/vm.hpp"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace causeway::core {
namespace {

// The ranges a forked child makes private. The child handler runs in the child's copy of memory,
// taken by fork() at any instant, with no other thread left and possibly with locks held forever: it
// takes no lock and allocates nothing. A slot is published by storing `base` last and withdrawn by
// clearing `base` first, so the handler only ever sees whole entries.
struct PrivateRange {
  std::atomic<void*> base{nullptr};
  std::size_t size = 0;
  int fd = -1;
};
PrivateRange g_private_ranges[kMaxPrivateInChildren];
std::mutex g_private_mutex;  // serialises registrations; never taken in the child

void remap_private_in_child() {
  for (PrivateRange& range : g_private_ranges) {
    void* base = range.base.load(std::memory_order_acquire);
    if (!base) continue;
    // Copy-on-write view of the same file at the same address: the child reads what is there now
    // and keeps its writes to itself.
    if (mmap(base, range.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, range.fd, 0) == base)
      continue;
    // Going on would let this child write into its parent's memory. Only async-signal-safe calls.
    static const char msg[] =
        "causeway: a forked child cannot make its copy of the symmetric memory private; aborting it\n";
    ssize_t written = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)written;
    abort();
  }
}

}  // namespace

void make_private_in_children(void* base, std::size_t size, int fd) {
  static const int installed = pthread_atfork(nullptr, nullptr, remap_private_in_child);
  if (installed != 0) {
    CW_LOG(util::LogLevel::warn, "pthread_atfork failed (%s): a forked child shares symmetric memory",
           std::strerror(installed));
    return;
  }
  std::lock_guard lock(g_private_mutex);
  PrivateRange* free_slot = nullptr;
  for (PrivateRange& range : g_private_ranges) {
    void* at = range.base.load(std::memory_order_relaxed);
    if (at == base) range.base.store(nullptr, std::memory_order_release);  // re-registration: replace
    if ((at == base || !at) && !free_slot) free_slot = &range;
  }
  if (!free_slot) {
    CW_LOG(util::LogLevel::warn, "more than %d ranges to make private in forked children; %p stays shared",
           kMaxPrivateInChildren, base);
    return;
  }
  free_slot->size = size;
  free_slot->fd = fd;
  free_slot->base.store(base, std::memory_order_release);
}

void forget_private_in_children(void* base) {
  if (!base) return;
  std::lock_guard lock(g_private_mutex);
  for (PrivateRange& range : g_private_ranges)
    if (range.base.load(std::memory_order_relaxed) == base)
      range.base.store(nullptr, std::memory_order_release);
}

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
  return util::map_shared_placed(fd, size, alignment, 0);
}

bool prefault(void* p, std::size_t size) {
  const std::size_t page = util::page_size();
  auto begin = reinterpret_cast<uintptr_t>(p) & ~(page - 1);
  auto end = (reinterpret_cast<uintptr_t>(p) + size + page - 1) & ~(page - 1);
  if (end <= begin) return true;
  if (madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE) == 0) return true;
  if (errno != EINVAL) return false;  // ENOMEM (or a signal): touching would only end in the OOM killer
  // Older kernels: touch each page (reading then writing back the same byte keeps the data).
  for (uintptr_t a = begin; a < end; a += page) {
    volatile char* c = reinterpret_cast<volatile char*>(a);
    *c = *c;
  }
  return true;
}

}  // namespace causeway::core
