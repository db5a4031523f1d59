// SPDX-License-Identifier: BSD-3-Clause
// The symmetric heap's collective allocation calls (the malloc family). The offset allocator is
// deterministic, so every PE gets the same offsets without communicating; a block that reaches a
// chunk no transport has registered yet registers it (and exchanges keys) before the closing
// barrier, so peers can use it as soon as the call returns.
//
// A block's pages are populated when it is allocated. Blocks of kBackingCheckMin and up are first
// checked against the memory the node can still back, and every PE agrees before the call returns,
// so a request the machine cannot hold returns NULL everywhere instead of ending in the OOM killer.
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/rma.hpp"
#include "core/runtime.hpp"
#include "core/shared_memory.hpp"
#include "core/sync.hpp"
#include "util/log.hpp"
#include "util/memory.hpp"
#include "util/vm.hpp"

namespace causeway::core {

namespace {

constexpr std::size_t kBackingCheckMin = std::size_t{1} << 20;

// Bytes of [p, p + size) not yet in memory (a reused block's pages are already there).
std::size_t bytes_to_back(void* p, std::size_t size) {
  const std::size_t page = util::page_size();
  const auto begin = reinterpret_cast<uintptr_t>(p) & ~(page - 1);
  const auto end = (reinterpret_cast<uintptr_t>(p) + size + page - 1) & ~(page - 1);
  std::vector<unsigned char> resident((end - begin) / page);
  if (mincore(reinterpret_cast<void*>(begin), end - begin, resident.data()) != 0) return size;
  std::size_t missing = 0;
  for (unsigned char r : resident) missing += (r & 1) ? 0 : page;
  return missing;
}

}  // namespace

bool Runtime::back_block(void* p, std::size_t size, const char* call) {
  if (size >= kBackingCheckMin) {
    // Every PE of the node allocates the same block at once.
    const std::size_t need = bytes_to_back(p, size) * static_cast<std::size_t>(bootstrap_->local_size());
    if (const auto available = util::memory_available(); available && need > available->bytes) {
      util::log(util::LogLevel::error,
                "%s: cannot back %zu bytes: the %d PEs of this node need %zu bytes more and %s leaves %zu; "
                "returning NULL",
                call, size, bootstrap_->local_size(), need, available->limited_by, available->bytes);
      return false;
    }
  }
  if (prefault(p, size)) return true;
  util::log(util::LogLevel::error, "%s: the kernel could not back %zu bytes (%s); returning NULL", call, size,
            std::strerror(errno));
  return false;
}

bool Runtime::barrier_all_agree(bool ok, const char* call) {
  const uint64_t round = ++agree_round_;
  auto* word = reinterpret_cast<uint64_t*>(&internal_->disagree.value);
  if (!ok)
    for (int pe = 0; pe < n_pes_; ++pe) amo<uint64_t>(nullptr, tl::AmoOp::set, word, round, 0, pe, call);
  barrier_all(*this);  // completes those stores first
  return internal_->disagree.value.load(std::memory_order_acquire) != round;
}

// Small blocks: the pages or the job (agreeing on every small allocation would cost a barrier).
// Large ones: every PE agrees whether all could back theirs.
bool Runtime::back_block_everywhere(void* p, std::size_t size, const char* call) {
  const bool ok = back_block(p, size, call);
  if (size < kBackingCheckMin) {
    if (!ok) util::fatal_user_error(call, "out of memory populating %zu bytes of the symmetric heap", size);
    return true;
  }
  const bool all = barrier_all_agree(ok, call);
  if (ok && !all)
    util::log(util::LogLevel::error, "%s: another PE cannot back %zu bytes; returning NULL", call, size);
  return all;
}

void* Runtime::heap_allocate(std::size_t size, std::size_t alignment, const char* call, bool zero) {
  if (checks_) check_collective_agreement(call, "size", size, "alignment", alignment);
  if (size == 0) return nullptr;  // the spec: no action, no barrier, a null pointer
  std::optional<std::size_t> offset;
  {
    std::lock_guard lock(heap_mutex_);
    offset = heap_allocator().allocate(size, alignment < 16 ? 16 : alignment);
  }
  void* p = nullptr;
  if (offset && !back_block_everywhere(segments_[kHeapSegment].base + *offset, size, call)) {
    std::lock_guard lock(heap_mutex_);
    heap_allocator().release(*offset);
  } else if (offset) {
    p = segments_[kHeapSegment].base + *offset;
    if (zero) std::memset(p, 0, size);
    if (Status s = register_chunks(kHeapSegment, *offset + size); is_error(s))
      util::fatal_user_error(call, "cannot make %zu bytes of the symmetric heap reachable: %s", size,
                             to_string(s));
  } else {
    util::log(
        util::LogLevel::error,
        "%s: cannot allocate %zu bytes: the symmetric heap has %zu of %zu bytes in use (largest free block "
        "%zu); raise SHMEM_SYMMETRIC_SIZE (now %zu)",
        call, size, heap_allocator().bytes_in_use(), heap_allocator().capacity(),
        heap_allocator().largest_free(), heap_allocator().capacity());
  }
  barrier_all(*this);
  return p;
}

void Runtime::heap_free(void* ptr, const char* call) {
  if (!ptr) return;  // the spec: no action (and no barrier) for a null pointer
  barrier_all(*this);
  Location loc;
  bool ok = locate(ptr, 1, &loc) && segments_[loc.segment].allocator;
  if (checks_) check_collective_agreement(call, "ptr (as a heap offset)", ok ? loc.offset : SIZE_MAX, "", 0);
  if (ok) {
    std::lock_guard lock(heap_mutex_);
    ok = segments_[loc.segment].allocator->release(loc.offset);
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
  if (locate(ptr, 1, &loc) && loc.segment == kCudaHeapSegment)
    util::fatal_user_error(call,
                           "argument 'ptr' = %p is device memory, which cannot be reallocated; allocate a "
                           "new block with shmemx_malloc_kind and free the old one",
                           ptr);
  if (!locate(ptr, 1, &loc) || loc.segment != kHeapSegment || !heap_allocator().block_size(loc.offset))
    util::fatal_user_error(call, "argument 'ptr' = %p was not returned by shmem_malloc", ptr);
  void* result = ptr;
  barrier_all(*this);  // peers' puts into the old block land before it is copied or resized
  std::optional<std::size_t> moved_to;
  std::size_t old_size;
  {
    std::unique_lock lock(heap_mutex_);
    old_size = heap_allocator().block_size(loc.offset);
    if (!heap_allocator().resize_in_place(loc.offset, size)) {
      moved_to = heap_allocator().allocate(size, 16);
      if (moved_to) {
        result = segments_[kHeapSegment].base + *moved_to;
      } else {
        result = nullptr;
        util::log(util::LogLevel::error, "%s: cannot grow a block to %zu bytes; raise SHMEM_SYMMETRIC_SIZE",
                  call, size);
      }
    }
  }
  // The old block stays as it was until every PE has backed the new one (the spec: on failure the
  // old block is unchanged).
  if (result && !back_block_everywhere(result, size, call)) {
    std::unique_lock lock(heap_mutex_);
    if (moved_to)
      heap_allocator().release(*moved_to);
    else
      heap_allocator().resize_in_place(loc.offset, old_size);
    result = nullptr;
  } else if (moved_to) {
    std::memcpy(result, ptr, old_size < size ? old_size : size);
    std::unique_lock lock(heap_mutex_);
    heap_allocator().release(loc.offset);
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
