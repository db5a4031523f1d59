// The symmetric heap's collective allocation calls (the malloc family). The offset allocator is
// deterministic, so every PE gets the same offsets without communicating; a block that reaches a
// chunk no transport has registered yet registers it (and exchanges keys) before the closing
// barrier, so peers can use it as soon as the call returns.
#include <cstring>

#include "core/runtime.hpp"
#include "core/shared_memory.hpp"
#include "core/sync.hpp"
#include "util/log.hpp"

namespace causeway::core {

void* Runtime::heap_allocate(std::size_t size, std::size_t alignment, const char* call, bool zero) {
  if (checks_) check_collective_agreement(call, "size", size, "alignment", alignment);
  if (size == 0) return nullptr;  // the spec: no action, no barrier, a null pointer
  std::optional<std::size_t> offset;
  {
    std::lock_guard lock(heap_mutex_);
    offset = heap_allocator_->allocate(size, alignment < 16 ? 16 : alignment);
  }
  void* p = nullptr;
  if (offset) {
    p = segments_[kHeapSegment].base + *offset;
    prefault(p, size);
    if (zero) std::memset(p, 0, size);
    if (Status s = register_chunks(kHeapSegment, *offset + size); is_error(s))
      util::fatal_user_error(call, "cannot make %zu bytes of the symmetric heap reachable: %s", size,
                             to_string(s));
  } else {
    util::log(
        util::LogLevel::error,
        "%s: cannot allocate %zu bytes: the symmetric heap has %zu of %zu bytes in use (largest free block "
        "%zu); raise SHMEM_SYMMETRIC_SIZE (now %zu)",
        call, size, heap_allocator_->bytes_in_use(), heap_allocator_->capacity(),
        heap_allocator_->largest_free(), heap_allocator_->capacity());
  }
  barrier_all(*this);
  return p;
}

void Runtime::heap_free(void* ptr, const char* call) {
  if (!ptr) return;  // the spec: no action (and no barrier) for a null pointer
  barrier_all(*this);
  Location loc;
  bool ok = locate(ptr, 1, &loc) && loc.segment == kHeapSegment;
  if (checks_) check_collective_agreement(call, "ptr (as a heap offset)", ok ? loc.offset : SIZE_MAX, "", 0);
  if (ok) {
    std::lock_guard lock(heap_mutex_);
    ok = heap_allocator_->release(loc.offset);
  }
  if (!ok)
    util::fatal_user_error(call, "argument 'ptr' = %p was not returned by shmem_malloc or was freed already",
                           ptr);
}

void* Runtime::heap_reallocate(void* ptr, std::size_t size, const char* call) {
  if (!ptr) return heap_allocate(size, 16, call);
  if (size == 0) {
    heap_free(ptr, call);
    return nullptr;
  }
  if (checks_) check_collective_agreement(call, "size", size, "", 0);
  Location loc;
  if (!locate(ptr, 1, &loc) || loc.segment != kHeapSegment || !heap_allocator_->block_size(loc.offset))
    util::fatal_user_error(call, "argument 'ptr' = %p was not returned by shmem_malloc", ptr);
  void* result = ptr;
  barrier_all(*this);  // peers' puts into the old block land before it is copied or resized
  {
    std::unique_lock lock(heap_mutex_);
    const std::size_t old_size = heap_allocator_->block_size(loc.offset);
    if (!heap_allocator_->resize_in_place(loc.offset, size)) {
      auto offset = heap_allocator_->allocate(size, 16);
      if (offset) {
        result = segments_[kHeapSegment].base + *offset;
        std::memcpy(result, ptr, old_size < size ? old_size : size);
        heap_allocator_->release(loc.offset);
      } else {
        result = nullptr;
        util::log(util::LogLevel::error, "%s: cannot grow a block to %zu bytes; raise SHMEM_SYMMETRIC_SIZE",
                  call, size);
      }
    }
    if (result) prefault(result, size);
  }
  if (result) {
    const std::size_t end =
        static_cast<std::size_t>(static_cast<char*>(result) - segments_[kHeapSegment].base) + size;
    if (Status s = register_chunks(kHeapSegment, end); is_error(s))
      util::fatal_user_error(call, "cannot make %zu bytes of the symmetric heap reachable: %s", size,
                             to_string(s));
  }
  barrier_all(*this);
  return result;
}

}  // namespace causeway::core
