// SPDX-License-Identifier: BSD-3-Clause
// Typed atomic memory operations, constrained to the OpenSHMEM AMO type groups and dispatched to the
// shmem_ctx_TYPENAME_atomic_* C functions, on the default context or a causeway::context. The
// per-type tables are expanded from the X-macro lists in causeway/shmem_type_lists.h, the same lists
// shmem.h and the C library are built from.
#pragma once

#include <shmem.h>

#include <type_traits>

#include "causeway/context.hpp"
#include "causeway/type_dispatch.hpp"

namespace causeway {
namespace detail {

// Each entry's functions take the C context first: the default-context templates pass
// SHMEM_CTX_DEFAULT (as the C API's own shmem_NAME does), the context& overloads the context's handle.

// Standard group (spec Table 6): inc, fetch_inc, add, fetch_add, compare_swap.
#define CW_CPP_AMO_STANDARD(TYPE, NAME)                                                                   \
  struct amo_standard_##NAME {                                                                            \
    using type = TYPE;                                                                                    \
    static TYPE fetch_inc(shmem_ctx_t c, TYPE* d, int pe) noexcept {                                      \
      return shmem_ctx_##NAME##_atomic_fetch_inc(c, d, pe);                                               \
    }                                                                                                     \
    static void inc(shmem_ctx_t c, TYPE* d, int pe) noexcept { shmem_ctx_##NAME##_atomic_inc(c, d, pe); } \
    static TYPE fetch_add(shmem_ctx_t c, TYPE* d, TYPE v, int pe) noexcept {                              \
      return shmem_ctx_##NAME##_atomic_fetch_add(c, d, v, pe);                                            \
    }                                                                                                     \
    static void add(shmem_ctx_t c, TYPE* d, TYPE v, int pe) noexcept {                                    \
      shmem_ctx_##NAME##_atomic_add(c, d, v, pe);                                                         \
    }                                                                                                     \
    static TYPE compare_swap(shmem_ctx_t c, TYPE* d, TYPE cond, TYPE v, int pe) noexcept {                \
      return shmem_ctx_##NAME##_atomic_compare_swap(c, d, cond, v, pe);                                   \
    }                                                                                                     \
  };
CW_AMO_STANDARD_TYPES(CW_CPP_AMO_STANDARD)
#undef CW_CPP_AMO_STANDARD

// Extended group: fetch, set, swap.
#define CW_CPP_AMO_EXTENDED(TYPE, NAME)                                 \
  struct amo_extended_##NAME {                                          \
    using type = TYPE;                                                  \
    static TYPE fetch(shmem_ctx_t c, const TYPE* s, int pe) noexcept {  \
      return shmem_ctx_##NAME##_atomic_fetch(c, s, pe);                 \
    }                                                                   \
    static void set(shmem_ctx_t c, TYPE* d, TYPE v, int pe) noexcept {  \
      shmem_ctx_##NAME##_atomic_set(c, d, v, pe);                       \
    }                                                                   \
    static TYPE swap(shmem_ctx_t c, TYPE* d, TYPE v, int pe) noexcept { \
      return shmem_ctx_##NAME##_atomic_swap(c, d, v, pe);               \
    }                                                                   \
  };
CW_AMO_EXTENDED_TYPES(CW_CPP_AMO_EXTENDED)
#undef CW_CPP_AMO_EXTENDED

// Bitwise group: and, or, xor and their fetching forms.
#define CW_CPP_AMO_BITWISE_OP(TYPE, NAME, OP)                               \
  static TYPE fetch_##OP(shmem_ctx_t c, TYPE* d, TYPE v, int pe) noexcept { \
    return shmem_ctx_##NAME##_atomic_fetch_##OP(c, d, v, pe);               \
  }                                                                         \
  static void OP##_(shmem_ctx_t c, TYPE* d, TYPE v, int pe) noexcept {      \
    shmem_ctx_##NAME##_atomic_##OP(c, d, v, pe);                            \
  }
#define CW_CPP_AMO_BITWISE(TYPE, NAME)     \
  struct amo_bitwise_##NAME {              \
    using type = TYPE;                     \
    CW_CPP_AMO_BITWISE_OP(TYPE, NAME, and) \
    CW_CPP_AMO_BITWISE_OP(TYPE, NAME, or)  \
    CW_CPP_AMO_BITWISE_OP(TYPE, NAME, xor) \
  };
CW_AMO_BITWISE_TYPES(CW_CPP_AMO_BITWISE)
#undef CW_CPP_AMO_BITWISE
#undef CW_CPP_AMO_BITWISE_OP

#define CW_CPP_OPS_STANDARD(TYPE, NAME) , amo_standard_##NAME
#define CW_CPP_OPS_EXTENDED(TYPE, NAME) , amo_extended_##NAME
#define CW_CPP_OPS_BITWISE(TYPE, NAME) , amo_bitwise_##NAME
template <class T>
using standard_amo_ops = typename find_ops<T CW_AMO_STANDARD_TYPES(CW_CPP_OPS_STANDARD)>::type;
template <class T>
using extended_amo_ops = typename find_ops<T CW_AMO_EXTENDED_TYPES(CW_CPP_OPS_EXTENDED)>::type;
template <class T>
using bitwise_amo_ops = typename find_ops<T CW_AMO_BITWISE_TYPES(CW_CPP_OPS_BITWISE)>::type;
#undef CW_CPP_OPS_STANDARD
#undef CW_CPP_OPS_EXTENDED
#undef CW_CPP_OPS_BITWISE

// Named so that a rejected call's diagnostic says which OpenSHMEM list T is missing from.
template <class T>
inline constexpr bool in_openshmem_standard_amo_types = !std::is_same_v<standard_amo_ops<T>, no_ops>;
template <class T>
inline constexpr bool in_openshmem_extended_amo_types = !std::is_same_v<extended_amo_ops<T>, no_ops>;
template <class T>
inline constexpr bool in_openshmem_bitwise_amo_types = !std::is_same_v<bitwise_amo_ops<T>, no_ops>;

}  // namespace detail

// T is in the OpenSHMEM standard AMO types (int, long, long long, their unsigned forms, the
// fixed-width 32/64-bit integers, size_t, ptrdiff_t).
template <class T>
concept standard_amo_type = detail::in_openshmem_standard_amo_types<T>;
// T is in the extended AMO types: the standard ones plus float and double.
template <class T>
concept extended_amo_type = detail::in_openshmem_extended_amo_types<T>;
// T is in the bitwise AMO types: unsigned int/long/long long and the fixed-width 32/64-bit integers.
template <class T>
concept bitwise_amo_type = detail::in_openshmem_bitwise_amo_types<T>;

// Every operation has a form on the default context and one taking a context& first (PE numbers in
// the context's team).

// ---- Standard group ----
template <standard_amo_type T>
T atomic_fetch_inc(T* dest, int pe) noexcept {
  return detail::standard_amo_ops<T>::fetch_inc(SHMEM_CTX_DEFAULT, dest, pe);
}
template <standard_amo_type T>
T atomic_fetch_inc(context& ctx, T* dest, int pe) noexcept {
  return detail::standard_amo_ops<T>::fetch_inc(ctx.native_handle(), dest, pe);
}
template <standard_amo_type T>
void atomic_inc(T* dest, int pe) noexcept {
  detail::standard_amo_ops<T>::inc(SHMEM_CTX_DEFAULT, dest, pe);
}
template <standard_amo_type T>
void atomic_inc(context& ctx, T* dest, int pe) noexcept {
  detail::standard_amo_ops<T>::inc(ctx.native_handle(), dest, pe);
}
template <standard_amo_type T>
T atomic_fetch_add(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::standard_amo_ops<T>::fetch_add(SHMEM_CTX_DEFAULT, dest, value, pe);
}
template <standard_amo_type T>
T atomic_fetch_add(context& ctx, T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::standard_amo_ops<T>::fetch_add(ctx.native_handle(), dest, value, pe);
}
template <standard_amo_type T>
void atomic_add(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::standard_amo_ops<T>::add(SHMEM_CTX_DEFAULT, dest, value, pe);
}
template <standard_amo_type T>
void atomic_add(context& ctx, T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::standard_amo_ops<T>::add(ctx.native_handle(), dest, value, pe);
}
// Stores `value` when the old value equals `cond`; returns the old value either way.
template <standard_amo_type T>
T atomic_compare_swap(T* dest, std::type_identity_t<T> cond, std::type_identity_t<T> value, int pe) noexcept {
  return detail::standard_amo_ops<T>::compare_swap(SHMEM_CTX_DEFAULT, dest, cond, value, pe);
}
template <standard_amo_type T>
T atomic_compare_swap(context& ctx, T* dest, std::type_identity_t<T> cond, std::type_identity_t<T> value,
                      int pe) noexcept {
  return detail::standard_amo_ops<T>::compare_swap(ctx.native_handle(), dest, cond, value, pe);
}

// ---- Extended group ----
template <extended_amo_type T>
T atomic_fetch(const T* src, int pe) noexcept {
  return detail::extended_amo_ops<T>::fetch(SHMEM_CTX_DEFAULT, src, pe);
}
template <extended_amo_type T>
T atomic_fetch(context& ctx, const T* src, int pe) noexcept {
  return detail::extended_amo_ops<T>::fetch(ctx.native_handle(), src, pe);
}
template <extended_amo_type T>
void atomic_set(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::extended_amo_ops<T>::set(SHMEM_CTX_DEFAULT, dest, value, pe);
}
template <extended_amo_type T>
void atomic_set(context& ctx, T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::extended_amo_ops<T>::set(ctx.native_handle(), dest, value, pe);
}
template <extended_amo_type T>
T atomic_swap(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::extended_amo_ops<T>::swap(SHMEM_CTX_DEFAULT, dest, value, pe);
}
template <extended_amo_type T>
T atomic_swap(context& ctx, T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::extended_amo_ops<T>::swap(ctx.native_handle(), dest, value, pe);
}

// ---- Bitwise group ----
template <bitwise_amo_type T>
T atomic_fetch_and(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::bitwise_amo_ops<T>::fetch_and(SHMEM_CTX_DEFAULT, dest, value, pe);
}
template <bitwise_amo_type T>
T atomic_fetch_and(context& ctx, T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::bitwise_amo_ops<T>::fetch_and(ctx.native_handle(), dest, value, pe);
}
template <bitwise_amo_type T>
void atomic_and(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::bitwise_amo_ops<T>::and_(SHMEM_CTX_DEFAULT, dest, value, pe);
}
template <bitwise_amo_type T>
void atomic_and(context& ctx, T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::bitwise_amo_ops<T>::and_(ctx.native_handle(), dest, value, pe);
}
template <bitwise_amo_type T>
T atomic_fetch_or(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::bitwise_amo_ops<T>::fetch_or(SHMEM_CTX_DEFAULT, dest, value, pe);
}
template <bitwise_amo_type T>
T atomic_fetch_or(context& ctx, T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::bitwise_amo_ops<T>::fetch_or(ctx.native_handle(), dest, value, pe);
}
template <bitwise_amo_type T>
void atomic_or(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::bitwise_amo_ops<T>::or_(SHMEM_CTX_DEFAULT, dest, value, pe);
}
template <bitwise_amo_type T>
void atomic_or(context& ctx, T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::bitwise_amo_ops<T>::or_(ctx.native_handle(), dest, value, pe);
}
template <bitwise_amo_type T>
T atomic_fetch_xor(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::bitwise_amo_ops<T>::fetch_xor(SHMEM_CTX_DEFAULT, dest, value, pe);
}
template <bitwise_amo_type T>
T atomic_fetch_xor(context& ctx, T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::bitwise_amo_ops<T>::fetch_xor(ctx.native_handle(), dest, value, pe);
}
template <bitwise_amo_type T>
void atomic_xor(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::bitwise_amo_ops<T>::xor_(SHMEM_CTX_DEFAULT, dest, value, pe);
}
template <bitwise_amo_type T>
void atomic_xor(context& ctx, T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::bitwise_amo_ops<T>::xor_(ctx.native_handle(), dest, value, pe);
}

}  // namespace causeway
