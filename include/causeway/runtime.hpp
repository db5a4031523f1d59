// SPDX-License-Identifier: BSD-3-Clause
// causeway::runtime: the library's lifetime as an RAII handle over shmem_init_thread / shmem_finalize,
// plus the queries and ordering calls every program needs. Everything here calls the C API.
#pragma once

#include <shmem.h>

#include <stdexcept>

namespace causeway {

// OpenSHMEM thread-safety levels, with the SHMEM_THREAD_* values.
enum class thread_level : int {
  single = SHMEM_THREAD_SINGLE,
  funneled = SHMEM_THREAD_FUNNELED,
  serialized = SHMEM_THREAD_SERIALIZED,
  multiple = SHMEM_THREAD_MULTIPLE,
};

// Initialises the library in its constructor and finalises it in its destructor; one per program,
// constructed by every PE (both ends are collective). Neither copyable nor movable: the handle *is*
// the initialised library, and shmem_finalize must run exactly once.
class runtime {
 public:
  explicit runtime(causeway::thread_level requested = causeway::thread_level::single) {
    int provided = SHMEM_THREAD_SINGLE;
    if (shmem_init_thread(static_cast<int>(requested), &provided) != 0)
      throw std::runtime_error("causeway::runtime: shmem_init_thread failed");
    provided_ = static_cast<causeway::thread_level>(provided);
  }
  ~runtime() { shmem_finalize(); }

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;
  runtime(runtime&&) = delete;
  runtime& operator=(runtime&&) = delete;

  [[nodiscard]] int my_pe() const noexcept { return shmem_my_pe(); }
  [[nodiscard]] int n_pes() const noexcept { return shmem_n_pes(); }
  // The level the library provides, which may be lower than the one requested.
  [[nodiscard]] causeway::thread_level thread_level() const noexcept { return provided_; }

  // Completes this PE's outstanding operations and synchronises all PEs.
  void barrier_all() const noexcept { shmem_barrier_all(); }
  // Synchronises all PEs without completing outstanding operations.
  void sync_all() const noexcept { shmem_sync_all(); }
  // Orders this PE's puts and AMOs to each target PE.
  void fence() const noexcept { shmem_fence(); }
  // Completes every put, AMO and non-blocking get this PE issued.
  void quiet() const noexcept { shmem_quiet(); }

 private:
  causeway::thread_level provided_ = causeway::thread_level::single;
};

}  // namespace causeway
