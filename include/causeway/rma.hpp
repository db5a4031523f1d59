// SPDX-License-Identifier: BSD-3-Clause
// Typed one-sided put/get for any trivially copyable T, over the C API's byte and sized forms, on
// the default context or on a causeway::context. `dest` (put) and `src` (get) are symmetric
// addresses, as in the C API; the C layer checks them.
#pragma once

#include <shmem.h>

#include <bit>
#include <cassert>
#include <cstdint>
#include <span>
#include <type_traits>

#include "causeway/context.hpp"
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

// One implementation per operation, on a C context: the default-context forms pass
// SHMEM_CTX_DEFAULT (as the C API's own shmem_NAME does), the context forms the context's handle.
template <class T>
void p_word(shmem_ctx_t ctx, T* dest, T value, int pe) noexcept {
  using W = typename sized_word<sizeof(T)>::type;
  W* d = reinterpret_cast<W*>(dest);
  const W v = std::bit_cast<W>(value);
  if constexpr (sizeof(T) == 1) {
    shmem_ctx_uint8_p(ctx, d, v, pe);
  } else if constexpr (sizeof(T) == 2) {
    shmem_ctx_uint16_p(ctx, d, v, pe);
  } else if constexpr (sizeof(T) == 4) {
    shmem_ctx_uint32_p(ctx, d, v, pe);
  } else {
    shmem_ctx_uint64_p(ctx, d, v, pe);
  }
}

template <class T>
T g_word(shmem_ctx_t ctx, const T* src, int pe) noexcept {
  using W = typename sized_word<sizeof(T)>::type;
  const W* s = reinterpret_cast<const W*>(src);
  if constexpr (sizeof(T) == 1) {
    return std::bit_cast<T>(shmem_ctx_uint8_g(ctx, s, pe));
  } else if constexpr (sizeof(T) == 2) {
    return std::bit_cast<T>(shmem_ctx_uint16_g(ctx, s, pe));
  } else if constexpr (sizeof(T) == 4) {
    return std::bit_cast<T>(shmem_ctx_uint32_g(ctx, s, pe));
  } else {
    return std::bit_cast<T>(shmem_ctx_uint64_g(ctx, s, pe));
  }
}

template <class T>
void p(shmem_ctx_t ctx, T* dest, T value, int pe) noexcept {
  if constexpr (word_sized<T>) {
    p_word<T>(ctx, dest, value, pe);
  } else {
    shmem_ctx_putmem(ctx, dest, &value, sizeof(T), pe);
  }
}

template <class T>
T g(shmem_ctx_t ctx, const T* src, int pe) noexcept {
  if constexpr (word_sized<T>) {
    return g_word<T>(ctx, src, pe);
  } else {
    // Storage for the bytes, then the bytes become the value: T need not be default constructible.
    alignas(T) unsigned char bytes[sizeof(T)];
    shmem_ctx_getmem(ctx, bytes, src, sizeof(T), pe);
    return std::bit_cast<T>(bytes);
  }
}

}  // namespace detail

// ---- Blocking: put returns when `src` may be reused; get returns when `dest` holds the data. ----
// Each has a form on the default context and one taking a context& first (PE numbers in the
// context's team).

// Copies `src` to `dest` on `pe`.
template <rma_type T>
void put(T* dest, std::type_identity_t<std::span<const T>> src, int pe) noexcept {
  shmem_ctx_putmem(SHMEM_CTX_DEFAULT, dest, src.data(), src.size_bytes(), pe);
}
template <rma_type T>
void put(context& ctx, T* dest, std::type_identity_t<std::span<const T>> src, int pe) noexcept {
  shmem_ctx_putmem(ctx.native_handle(), dest, src.data(), src.size_bytes(), pe);
}
// Copies `src` to the start of `dest`'s copy on `pe`.
template <rma_type T>
void put(sym_array<T>& dest, std::type_identity_t<std::span<const T>> src, int pe) noexcept {
  assert(src.size() <= dest.size());
  shmem_ctx_putmem(SHMEM_CTX_DEFAULT, dest.data(), src.data(), src.size_bytes(), pe);
}
template <rma_type T>
void put(context& ctx, sym_array<T>& dest, std::type_identity_t<std::span<const T>> src, int pe) noexcept {
  assert(src.size() <= dest.size());
  shmem_ctx_putmem(ctx.native_handle(), dest.data(), src.data(), src.size_bytes(), pe);
}

// Copies dest.size() elements from `src` on `pe` into `dest`.
template <rma_type T>
void get(std::type_identity_t<std::span<T>> dest, const T* src, int pe) noexcept {
  shmem_ctx_getmem(SHMEM_CTX_DEFAULT, dest.data(), src, dest.size_bytes(), pe);
}
template <rma_type T>
void get(context& ctx, std::type_identity_t<std::span<T>> dest, const T* src, int pe) noexcept {
  shmem_ctx_getmem(ctx.native_handle(), dest.data(), src, dest.size_bytes(), pe);
}
// Copies dest.size() elements from the start of `src`'s copy on `pe` into `dest`.
template <rma_type T>
void get(std::type_identity_t<std::span<T>> dest, const sym_array<T>& src, int pe) noexcept {
  assert(dest.size() <= src.size());
  shmem_ctx_getmem(SHMEM_CTX_DEFAULT, dest.data(), src.data(), dest.size_bytes(), pe);
}
template <rma_type T>
void get(context& ctx, std::type_identity_t<std::span<T>> dest, const sym_array<T>& src, int pe) noexcept {
  assert(dest.size() <= src.size());
  shmem_ctx_getmem(ctx.native_handle(), dest.data(), src.data(), dest.size_bytes(), pe);
}

// ---- Non-blocking: complete (and `src`/`dest` reusable) only after quiet() on the same context
// (runtime::quiet() for the default context). ----

template <rma_type T>
void put_nbi(T* dest, std::type_identity_t<std::span<const T>> src, int pe) noexcept {
  shmem_ctx_putmem_nbi(SHMEM_CTX_DEFAULT, dest, src.data(), src.size_bytes(), pe);
}
template <rma_type T>
void put_nbi(context& ctx, T* dest, std::type_identity_t<std::span<const T>> src, int pe) noexcept {
  shmem_ctx_putmem_nbi(ctx.native_handle(), dest, src.data(), src.size_bytes(), pe);
}
template <rma_type T>
void put_nbi(sym_array<T>& dest, std::type_identity_t<std::span<const T>> src, int pe) noexcept {
  assert(src.size() <= dest.size());
  shmem_ctx_putmem_nbi(SHMEM_CTX_DEFAULT, dest.data(), src.data(), src.size_bytes(), pe);
}
template <rma_type T>
void put_nbi(context& ctx, sym_array<T>& dest, std::type_identity_t<std::span<const T>> src,
             int pe) noexcept {
  assert(src.size() <= dest.size());
  shmem_ctx_putmem_nbi(ctx.native_handle(), dest.data(), src.data(), src.size_bytes(), pe);
}

template <rma_type T>
void get_nbi(std::type_identity_t<std::span<T>> dest, const T* src, int pe) noexcept {
  shmem_ctx_getmem_nbi(SHMEM_CTX_DEFAULT, dest.data(), src, dest.size_bytes(), pe);
}
template <rma_type T>
void get_nbi(context& ctx, std::type_identity_t<std::span<T>> dest, const T* src, int pe) noexcept {
  shmem_ctx_getmem_nbi(ctx.native_handle(), dest.data(), src, dest.size_bytes(), pe);
}
template <rma_type T>
void get_nbi(std::type_identity_t<std::span<T>> dest, const sym_array<T>& src, int pe) noexcept {
  assert(dest.size() <= src.size());
  shmem_ctx_getmem_nbi(SHMEM_CTX_DEFAULT, dest.data(), src.data(), dest.size_bytes(), pe);
}
template <rma_type T>
void get_nbi(context& ctx, std::type_identity_t<std::span<T>> dest, const sym_array<T>& src,
             int pe) noexcept {
  assert(dest.size() <= src.size());
  shmem_ctx_getmem_nbi(ctx.native_handle(), dest.data(), src.data(), dest.size_bytes(), pe);
}

// ---- Single elements ----

// Stores `value` at `dest` on `pe`.
template <rma_type T>
void p(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::p<T>(SHMEM_CTX_DEFAULT, dest, value, pe);
}
template <rma_type T>
void p(context& ctx, T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::p<T>(ctx.native_handle(), dest, value, pe);
}

// Loads the value at `src` on `pe`.
template <rma_type T>
[[nodiscard]] T g(const T* src, int pe) noexcept {
  return detail::g<T>(SHMEM_CTX_DEFAULT, src, pe);
}
template <rma_type T>
[[nodiscard]] T g(context& ctx, const T* src, int pe) noexcept {
  return detail::g<T>(ctx.native_handle(), src, pe);
}

}  // namespace causeway
