// SPDX-License-Identifier: BSD-3-Clause
// Put-with-signal and signal waits, over shmem_ctx_putmem_signal[_nbi], shmem_signal_wait_until,
// shmem_signal_fetch and shmem_ctx_signal_{set,add}. Signal values are a type of their own
// (signal_value), so a count or an element value cannot be passed where a signal is meant.
#pragma once

#include <shmem.h>

#include <cassert>
#include <compare>
#include <cstdint>
#include <span>
#include <type_traits>

#include "causeway/context.hpp"
#include "causeway/rma.hpp"
#include "causeway/sym_array.hpp"
#include "causeway/wait.hpp"

namespace causeway {

// The 64-bit value a put_signal delivers to, or a wait compares with, a signal variable.
class signal_value {
 public:
  constexpr signal_value() noexcept = default;
  constexpr explicit signal_value(std::uint64_t v) noexcept : v_(v) {}
  [[nodiscard]] constexpr std::uint64_t value() const noexcept { return v_; }
  friend constexpr bool operator==(signal_value, signal_value) noexcept = default;
  friend constexpr auto operator<=>(signal_value, signal_value) noexcept = default;

 private:
  std::uint64_t v_ = 0;
};

// How a put_signal updates the signal variable (SHMEM_SIGNAL_SET / SHMEM_SIGNAL_ADD).
enum class signal_op : int {
  set = SHMEM_SIGNAL_SET,
  add = SHMEM_SIGNAL_ADD,
};

// ---- Put with signal: `src` is copied to `dest` on `pe`, then `*sig` on `pe` is set to (or
// increased by) `v`; a PE that sees the signal sees the data. `dest` and `sig` are symmetric. ----

// Blocking: returns when `src` may be reused.
template <rma_type T>
void put_signal(T* dest, std::type_identity_t<std::span<const T>> src, std::uint64_t* sig, signal_value v,
                signal_op op, int pe) noexcept {
  shmem_ctx_putmem_signal(SHMEM_CTX_DEFAULT, dest, src.data(), src.size_bytes(), sig, v.value(),
                          static_cast<int>(op), pe);
}
template <rma_type T>
void put_signal(context& ctx, T* dest, std::type_identity_t<std::span<const T>> src, std::uint64_t* sig,
                signal_value v, signal_op op, int pe) noexcept {
  shmem_ctx_putmem_signal(ctx.native_handle(), dest, src.data(), src.size_bytes(), sig, v.value(),
                          static_cast<int>(op), pe);
}
// Into the start of `dest`'s copy on `pe`.
template <rma_type T>
void put_signal(sym_array<T>& dest, std::type_identity_t<std::span<const T>> src, std::uint64_t* sig,
                signal_value v, signal_op op, int pe) noexcept {
  assert(src.size() <= dest.size());
  put_signal<T>(dest.data(), src, sig, v, op, pe);
}
template <rma_type T>
void put_signal(context& ctx, sym_array<T>& dest, std::type_identity_t<std::span<const T>> src,
                std::uint64_t* sig, signal_value v, signal_op op, int pe) noexcept {
  assert(src.size() <= dest.size());
  put_signal<T>(ctx, dest.data(), src, sig, v, op, pe);
}

// Non-blocking: `src` may be reused, and the put and the signal are complete, only after quiet()
// on the same context (runtime::quiet() for the default context).
template <rma_type T>
void put_signal_nbi(T* dest, std::type_identity_t<std::span<const T>> src, std::uint64_t* sig, signal_value v,
                    signal_op op, int pe) noexcept {
  shmem_ctx_putmem_signal_nbi(SHMEM_CTX_DEFAULT, dest, src.data(), src.size_bytes(), sig, v.value(),
                              static_cast<int>(op), pe);
}
template <rma_type T>
void put_signal_nbi(context& ctx, T* dest, std::type_identity_t<std::span<const T>> src, std::uint64_t* sig,
                    signal_value v, signal_op op, int pe) noexcept {
  shmem_ctx_putmem_signal_nbi(ctx.native_handle(), dest, src.data(), src.size_bytes(), sig, v.value(),
                              static_cast<int>(op), pe);
}
template <rma_type T>
void put_signal_nbi(sym_array<T>& dest, std::type_identity_t<std::span<const T>> src, std::uint64_t* sig,
                    signal_value v, signal_op op, int pe) noexcept {
  assert(src.size() <= dest.size());
  put_signal_nbi<T>(dest.data(), src, sig, v, op, pe);
}
template <rma_type T>
void put_signal_nbi(context& ctx, sym_array<T>& dest, std::type_identity_t<std::span<const T>> src,
                    std::uint64_t* sig, signal_value v, signal_op op, int pe) noexcept {
  assert(src.size() <= dest.size());
  put_signal_nbi<T>(ctx, dest.data(), src, sig, v, op, pe);
}

// ---- Signal updates without data (OpenSHMEM 1.6): atomic on `*sig` (symmetric) on `pe`. ----

inline void signal_set(std::uint64_t* sig, signal_value v, int pe) noexcept {
  shmem_ctx_signal_set(SHMEM_CTX_DEFAULT, sig, v.value(), pe);
}
inline void signal_set(context& ctx, std::uint64_t* sig, signal_value v, int pe) noexcept {
  shmem_ctx_signal_set(ctx.native_handle(), sig, v.value(), pe);
}
inline void signal_add(std::uint64_t* sig, signal_value v, int pe) noexcept {
  shmem_ctx_signal_add(SHMEM_CTX_DEFAULT, sig, v.value(), pe);
}
inline void signal_add(context& ctx, std::uint64_t* sig, signal_value v, int pe) noexcept {
  shmem_ctx_signal_add(ctx.native_handle(), sig, v.value(), pe);
}

// ---- Reading this PE's signal variable ----

// Blocks until `*sig` (symmetric, local) compares `c` to `v`; returns the value that satisfied it.
inline signal_value signal_wait_until(std::uint64_t* sig, cmp c, signal_value v) noexcept {
  return signal_value(shmem_signal_wait_until(sig, static_cast<int>(c), v.value()));
}

// The current value of `*sig` (symmetric, local), read atomically with respect to signal updates.
[[nodiscard]] inline signal_value signal_fetch(const std::uint64_t* sig) noexcept {
  return signal_value(shmem_signal_fetch(sig));
}

}  // namespace causeway
