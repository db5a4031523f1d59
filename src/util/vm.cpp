// SPDX-License-Identifier: BSD-3-Clause
#include "util/vm.hpp"

#include <sys/mman.h>
#include <unistd.h>

namespace causeway::util {

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

void* map_shared_placed(int fd, std::size_t size, uintptr_t modulus, uintptr_t residue) {
  // Reserve a modulus's worth of slack, map at the first address with the wanted residue, and give
  // the rest of the reservation back.
  void* reserve =
      mmap(nullptr, size + modulus, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserve == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(reserve);
  uintptr_t at = (start & ~(modulus - 1)) | residue;
  if (at < start) at += modulus;
  void* p = mmap(reinterpret_cast<void*>(at), size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
  if (p == MAP_FAILED) {
    munmap(reserve, size + modulus);
    return nullptr;
  }
  if (at > start) munmap(reserve, at - start);
  const uintptr_t end = at + size, reserve_end = start + size + modulus;
  if (reserve_end > end) munmap(reinterpret_cast<void*>(end), reserve_end - end);
  return p;
}

void* map_peer_segment(int fd, std::size_t size, uintptr_t reference, unsigned colour) {
  constexpr uintptr_t kWindow = uintptr_t(1) << 28;  // bits 12..27 repeat every 256 MiB
  const uintptr_t wanted =
      ((reference ^ (uintptr_t(colour & 0xff) << 12)) & (kWindow - 1)) & ~(uintptr_t(page_size()) - 1);
  return map_shared_placed(fd, size, kWindow, wanted);
}

}  // namespace causeway::util
