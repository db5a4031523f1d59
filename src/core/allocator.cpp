// SPDX-License-Identifier: BSD-3-Clause
#include "core/allocator.hpp"

#include <iterator>

namespace causeway::core {

OffsetAllocator::OffsetAllocator(std::size_t capacity) : capacity_(capacity) {
  if (capacity) free_.emplace(0, capacity);
}

std::optional<std::size_t> OffsetAllocator::allocate(std::size_t size, std::size_t alignment) {
  if (size == 0) size = 1;
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    const std::size_t start = it->first, length = it->second;
    const std::size_t aligned = (start + alignment - 1) & ~(alignment - 1);
    if (aligned < start || aligned - start > length || length - (aligned - start) < size) continue;
    free_.erase(it);
    if (aligned > start) free_.emplace(start, aligned - start);
    const std::size_t tail = length - (aligned - start) - size;
    if (tail) free_.emplace(aligned + size, tail);
    live_.emplace(aligned, size);
    in_use_ += size;
    return aligned;
  }
  return std::nullopt;
}

void OffsetAllocator::insert_free(std::size_t offset, std::size_t size) {
  auto next = free_.lower_bound(offset);
  if (next != free_.end() && offset + size == next->first) {
    size += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == offset) {
      prev->second += size;
      return;
    }
  }
  free_.emplace(offset, size);
}

bool OffsetAllocator::release(std::size_t offset) {
  auto it = live_.find(offset);
  if (it == live_.end()) return false;
  in_use_ -= it->second;
  insert_free(it->first, it->second);
  live_.erase(it);
  return true;
}

std::size_t OffsetAllocator::block_size(std::size_t offset) const {
  auto it = live_.find(offset);
  return it == live_.end() ? 0 : it->second;
}

bool OffsetAllocator::resize_in_place(std::size_t offset, std::size_t new_size) {
  auto it = live_.find(offset);
  if (it == live_.end()) return false;
  if (new_size == 0) new_size = 1;
  const std::size_t old_size = it->second;
  if (new_size <= old_size) {
    if (new_size < old_size) insert_free(offset + new_size, old_size - new_size);
  } else {
    auto next = free_.find(offset + old_size);
    if (next == free_.end() || next->second < new_size - old_size) return false;
    const std::size_t rest = next->second - (new_size - old_size);
    free_.erase(next);
    if (rest) free_.emplace(offset + new_size, rest);
  }
  in_use_ = in_use_ - old_size + new_size;
  it->second = new_size;
  return true;
}

std::size_t OffsetAllocator::largest_free() const {
  std::size_t best = 0;
  for (auto& [offset, size] : free_) best = size > best ? size : best;
  return best;
}

}  // namespace causeway::core
