// SPDX-License-Identifier: BSD-3-Clause
// causeway::sym_array<T>: a typed, owning handle to one collective allocation on the symmetric heap.
#pragma once

#include <shmem.h>

#include <cassert>
#include <cstddef>
#include <cstring>
#include <limits>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace causeway {

// Tag: leave the elements' bytes as the allocator hands them out (no fill, no extra barrier).
struct uninitialized_t {
  explicit uninitialized_t() = default;
};
inline constexpr uninitialized_t uninitialized{};

// n elements of T at the same symmetric address on every PE. Construction and destruction are
// collective: every PE must create and destroy its sym_arrays in the same order with the same size.
// Throws std::bad_alloc (on every PE, as the heap is symmetric) when the heap cannot hold the array.
// Move-only; a moved-from or default-constructed sym_array owns nothing and frees nothing.
template <class T>
class sym_array {
  static_assert(std::is_trivially_copyable_v<T>,
                "causeway::sym_array<T>: T must be trivially copyable (symmetric memory is moved as bytes)");
  static_assert(!std::is_const_v<T> && !std::is_volatile_v<T>,
                "causeway::sym_array<T>: T must not be const or volatile");

 public:
  using value_type = T;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using reference = T&;
  using const_reference = const T&;
  using pointer = T*;
  using const_pointer = const T*;
  using iterator = T*;
  using const_iterator = const T*;

  sym_array() noexcept = default;

  // Zero-filled bytes, visible to every PE when the constructor returns.
  explicit sym_array(size_type n) : data_(allocate(n, /*zero=*/true)), size_(n) {}

  // Every element a copy of `value`, visible to every PE when the constructor returns.
  sym_array(size_type n, const T& value) : data_(allocate(n, /*zero=*/false)), size_(n) {
    for (size_type i = 0; i < n; ++i) std::memcpy(static_cast<void*>(data_ + i), &value, sizeof(T));
    shmem_barrier_all();  // no peer writes into the array before this PE has filled it
  }

  // Contents unspecified, as from shmem_malloc.
  sym_array(size_type n, uninitialized_t) : data_(allocate(n, /*zero=*/false)), size_(n) {}

  ~sym_array() { release(); }

  sym_array(const sym_array&) = delete;
  sym_array& operator=(const sym_array&) = delete;

  sym_array(sym_array&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

  // Frees what this array held (collective, when it held anything), then takes over `other`.
  sym_array& operator=(sym_array&& other) noexcept {
    if (this != &other) {
      release();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }

  [[nodiscard]] size_type size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] T* data() noexcept { return data_; }
  [[nodiscard]] const T* data() const noexcept { return data_; }

  T& operator[](size_type i) noexcept {
    assert(i < size_);
    return data_[i];
  }
  const T& operator[](size_type i) const noexcept {
    assert(i < size_);
    return data_[i];
  }

  iterator begin() noexcept { return data_; }
  iterator end() noexcept { return data_ + size_; }
  const_iterator begin() const noexcept { return data_; }
  const_iterator end() const noexcept { return data_ + size_; }
  const_iterator cbegin() const noexcept { return data_; }
  const_iterator cend() const noexcept { return data_ + size_; }

  // This PE's copy of the array.
  [[nodiscard]] std::span<T> local() noexcept { return {data_, size_}; }
  [[nodiscard]] std::span<const T> local() const noexcept { return {data_, size_}; }

  // A pointer through which this PE can load and store `pe`'s copy directly (shmem_ptr), or nullptr
  // when the path to `pe` has no such mapping.
  [[nodiscard]] T* remote_ptr(int pe) const noexcept {
    return data_ ? static_cast<T*>(shmem_ptr(data_, pe)) : nullptr;
  }

 private:
  static T* allocate(size_type n, bool zero) {
    if (n > std::numeric_limits<size_type>::max() / sizeof(T)) throw std::bad_array_new_length();
    const size_type bytes = n * sizeof(T);
    void* p;
    if constexpr (alignof(T) > 16) {
      p = shmem_align(alignof(T), bytes);
      if (p && zero) {
        std::memset(p, 0, bytes);
        shmem_barrier_all();
      }
    } else {
      p = zero ? shmem_calloc(n, sizeof(T)) : shmem_malloc(bytes);
    }
    if (p == nullptr && bytes != 0) throw std::bad_alloc();
    return static_cast<T*>(p);
  }

  void release() noexcept {
    if (data_ != nullptr) shmem_free(data_);
    data_ = nullptr;
    size_ = 0;
  }

  T* data_ = nullptr;
  size_type size_ = 0;
};

}  // namespace causeway
