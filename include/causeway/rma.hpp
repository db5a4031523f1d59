// Typed one-sided put/get for any trivially copyable T, over the C API's byte and sized forms.
// `dest` (put) and `src` (get) are symmetric addresses, as in the C API; the C layer checks them.
#pragma once

#include <shmem.h>

#include <bit>
#include <cassert>
#include <cstdint>
#include <span>
#include <type_traits>

#include "causeway/sym_array.hpp"

namespace causeway {

// A type that put/get/p/g can move: its bytes are its value.
template <class T>
concept rma_type = std::is_trivially_copyable_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>;

namespace detail {

template <std::size_t Bytes>
struct sized_word {};
template <>
struct sized_word<1> {
  using type = std::uint8_t;
};
template <>
struct sized_word<2> {
  using type = std::uint16_t;
};
template <>
struct sized_word<4> {
  using type = std::uint32_t;
};
template <>
struct sized_word<8> {
  using type = std::uint64_t;
};

// A T that moves as one naturally aligned 1/2/4/8-byte word takes the typed p/g fast path.
template <class T>
inline constexpr bool word_sized = (sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8) &&
                                   alignof(T) >= sizeof(T);

template <class T>
void p_word(T* dest, T value, int pe) noexcept {
  using W = typename sized_word<sizeof(T)>::type;
  W* d = reinterpret_cast<W*>(dest);
  const W v = std::bit_cast<W>(value);
  if constexpr (sizeof(T) == 1) {
    shmem_uint8_p(d, v, pe);
  } else if constexpr (sizeof(T) == 2) {
    shmem_uint16_p(d, v, pe);
  } else if constexpr (sizeof(T) == 4) {
    shmem_uint32_p(d, v, pe);
  } else {
    shmem_uint64_p(d, v, pe);
  }
}

template <class T>
T g_word(const T* src, int pe) noexcept {
  using W = typename sized_word<sizeof(T)>::type;
  const W* s = reinterpret_cast<const W*>(src);
  if constexpr (sizeof(T) == 1) {
    return std::bit_cast<T>(shmem_uint8_g(s, pe));
  } else if constexpr (sizeof(T) == 2) {
    return std::bit_cast<T>(shmem_uint16_g(s, pe));
  } else if constexpr (sizeof(T) == 4) {
    return std::bit_cast<T>(shmem_uint32_g(s, pe));
  } else {
    return std::bit_cast<T>(shmem_uint64_g(s, pe));
  }
}

}  // namespace detail

// ---- Blocking: put returns when `src` may be reused; get returns when `dest` holds the data. ----

// Copies `src` to `dest` on `pe`.
template <rma_type T>
void put(T* dest, std::type_identity_t<std::span<const T>> src, int pe) noexcept {
  shmem_putmem(dest, src.data(), src.size_bytes(), pe);
}
// Copies `src` to the start of `dest`'s copy on `pe`.
template <rma_type T>
void put(sym_array<T>& dest, std::type_identity_t<std::span<const T>> src, int pe) noexcept {
  assert(src.size() <= dest.size());
  shmem_putmem(dest.data(), src.data(), src.size_bytes(), pe);
}

// Copies dest.size() elements from `src` on `pe` into `dest`.
template <rma_type T>
void get(std::type_identity_t<std::span<T>> dest, const T* src, int pe) noexcept {
  shmem_getmem(dest.data(), src, dest.size_bytes(), pe);
}
// Copies dest.size() elements from the start of `src`'s copy on `pe` into `dest`.
template <rma_type T>
void get(std::type_identity_t<std::span<T>> dest, const sym_array<T>& src, int pe) noexcept {
  assert(dest.size() <= src.size());
  shmem_getmem(dest.data(), src.data(), dest.size_bytes(), pe);
}

// ---- Non-blocking: complete (and `src`/`dest` reusable) only after runtime::quiet(). ----

template <rma_type T>
void put_nbi(T* dest, std::type_identity_t<std::span<const T>> src, int pe) noexcept {
  shmem_putmem_nbi(dest, src.data(), src.size_bytes(), pe);
}
template <rma_type T>
void put_nbi(sym_array<T>& dest, std::type_identity_t<std::span<const T>> src, int pe) noexcept {
  assert(src.size() <= dest.size());
  shmem_putmem_nbi(dest.data(), src.data(), src.size_bytes(), pe);
}

template <rma_type T>
void get_nbi(std::type_identity_t<std::span<T>> dest, const T* src, int pe) noexcept {
  shmem_getmem_nbi(dest.data(), src, dest.size_bytes(), pe);
}
template <rma_type T>
void get_nbi(std::type_identity_t<std::span<T>> dest, const sym_array<T>& src, int pe) noexcept {
  assert(dest.size() <= src.size());
  shmem_getmem_nbi(dest.data(), src.data(), dest.size_bytes(), pe);
}

// ---- Single elements ----

// Stores `value` at `dest` on `pe`.
template <rma_type T>
void p(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  if constexpr (detail::word_sized<T>) {
    detail::p_word<T>(dest, value, pe);
  } else {
    shmem_putmem(dest, &value, sizeof(T), pe);
  }
}

// Loads the value at `src` on `pe`.
template <rma_type T>
[[nodiscard]] T g(const T* src, int pe) noexcept {
  if constexpr (detail::word_sized<T>) {
    return detail::g_word<T>(src, pe);
  } else {
    // Storage for the bytes, then the bytes become the value: T need not be default constructible.
    alignas(T) unsigned char bytes[sizeof(T)];
    shmem_getmem(bytes, src, sizeof(T), pe);
    return std::bit_cast<T>(bytes);
  }
}

}  // namespace causeway
