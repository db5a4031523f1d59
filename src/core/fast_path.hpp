// The small-message fast path: what a put, get or atomic needs to reach a peer mapped into this
// process, packed on one cache line and read without going through the Runtime object. Every
// check the full path makes is either implied here (range, PE) or disables the fast path (checks
// mode, team-numbered contexts), so a miss only means "take the full path".
#pragma once
#include <cstddef>
#include <cstdint>

namespace causeway::core {

struct FastSegment {
  uintptr_t base = 0;
  std::size_t size = 0;           // 0: nothing in this segment takes the fast path
  char* const* direct = nullptr;  // per world PE: its copy of the segment mapped here, or nullptr
};

struct alignas(64) FastPath {
  FastSegment segments[2];  // the symmetric heap, then the executable's data segment
  unsigned n_pes = 0;       // 0 before init, after finalize and in checks mode
  bool fence_is_store_order = false;
};

extern FastPath g_fast_path;

// The address of `pe`'s copy of [addr, addr + bytes) when it is mapped here, else nullptr. The
// segment is picked with conditional moves, so heap and static objects take the same branches.
[[gnu::always_inline]] inline char* direct_address(const void* addr, std::size_t bytes, int pe) {
  const FastPath& fast = g_fast_path;
  if (static_cast<unsigned>(pe) >= fast.n_pes) [[unlikely]]
    return nullptr;
  const auto a = reinterpret_cast<uintptr_t>(addr);
  const uintptr_t heap_offset = a - fast.segments[0].base;
  const bool in_heap = heap_offset < fast.segments[0].size;
  const FastSegment& s = fast.segments[in_heap ? 0 : 1];
  const uintptr_t offset = in_heap ? heap_offset : a - fast.segments[1].base;
  if (offset >= s.size || bytes > s.size - offset) [[unlikely]]
    return nullptr;
  char* base = s.direct[pe];
  return base ? base + offset : nullptr;
}

}  // namespace causeway::core
