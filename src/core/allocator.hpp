// SPDX-License-Identifier: BSD-3-Clause
// Offset allocator for a symmetric heap. Deterministic: the same sequence of calls gives the same
// offsets on every PE, which is what makes collective allocation symmetric without communication.
#pragma once
#include <cstddef>
#include <map>
#include <optional>

namespace causeway::core {

class OffsetAllocator {
 public:
  explicit OffsetAllocator(std::size_t capacity);

  // First fit; `alignment` is a power of two. Returns nullopt when no free range fits.
  std::optional<std::size_t> allocate(std::size_t size, std::size_t alignment);
  // Returns false if `offset` is not the start of a live block.
  bool release(std::size_t offset);
  // Size of the live block starting at `offset`, or 0.
  std::size_t block_size(std::size_t offset) const;
  // Grows or shrinks a live block in place when the neighbouring space allows.
  bool resize_in_place(std::size_t offset, std::size_t new_size);

  std::size_t capacity() const { return capacity_; }
  std::size_t bytes_in_use() const { return in_use_; }
  std::size_t largest_free() const;

 private:
  void insert_free(std::size_t offset, std::size_t size);

  std::size_t capacity_;
  std::size_t in_use_ = 0;
  std::map<std::size_t, std::size_t> free_;  // offset -> size, coalesced
  std::map<std::size_t, std::size_t> live_;  // offset -> size
};

}  // namespace causeway::core
