// Typed atomic memory operations, constrained to the OpenSHMEM AMO type groups and dispatched to the
// shmem_TYPENAME_atomic_* C functions. The per-type tables are expanded from the X-macro lists in
// causeway/shmem_type_lists.h, the same lists shmem.h and the C library are built from.
#pragma once

#include <shmem.h>

#include <type_traits>

#include "causeway/type_dispatch.hpp"

namespace causeway {
namespace detail {

// Standard group (spec Table 6): inc, fetch_inc, add, fetch_add, compare_swap.
#define CW_CPP_AMO_STANDARD(TYPE, NAME)                                                                \
  struct amo_standard_##NAME {                                                                         \
    using type = TYPE;                                                                                 \
    static TYPE fetch_inc(TYPE* d, int pe) noexcept { return shmem_##NAME##_atomic_fetch_inc(d, pe); } \
    static void inc(TYPE* d, int pe) noexcept { shmem_##NAME##_atomic_inc(d, pe); }                    \
    static TYPE fetch_add(TYPE* d, TYPE v, int pe) noexcept {                                          \
      return shmem_##NAME##_atomic_fetch_add(d, v, pe);                                                \
    }                                                                                                  \
    static void add(TYPE* d, TYPE v, int pe) noexcept { shmem_##NAME##_atomic_add(d, v, pe); }         \
    static TYPE compare_swap(TYPE* d, TYPE c, TYPE v, int pe) noexcept {                               \
      return shmem_##NAME##_atomic_compare_swap(d, c, v, pe);                                          \
    }                                                                                                  \
  };
CW_AMO_STANDARD_TYPES(CW_CPP_AMO_STANDARD)
#undef CW_CPP_AMO_STANDARD

// Extended group: fetch, set, swap.
#define CW_CPP_AMO_EXTENDED(TYPE, NAME)                                                                 \
  struct amo_extended_##NAME {                                                                          \
    using type = TYPE;                                                                                  \
    static TYPE fetch(const TYPE* s, int pe) noexcept { return shmem_##NAME##_atomic_fetch(s, pe); }    \
    static void set(TYPE* d, TYPE v, int pe) noexcept { shmem_##NAME##_atomic_set(d, v, pe); }          \
    static TYPE swap(TYPE* d, TYPE v, int pe) noexcept { return shmem_##NAME##_atomic_swap(d, v, pe); } \
  };
CW_AMO_EXTENDED_TYPES(CW_CPP_AMO_EXTENDED)
#undef CW_CPP_AMO_EXTENDED

// Bitwise group: and, or, xor and their fetching forms.
#define CW_CPP_AMO_BITWISE(TYPE, NAME)                                                          \
  struct amo_bitwise_##NAME {                                                                   \
    using type = TYPE;                                                                          \
    static TYPE fetch_and(TYPE* d, TYPE v, int pe) noexcept {                                   \
      return shmem_##NAME##_atomic_fetch_and(d, v, pe);                                         \
    }                                                                                           \
    static void and_(TYPE* d, TYPE v, int pe) noexcept { shmem_##NAME##_atomic_and(d, v, pe); } \
    static TYPE fetch_or(TYPE* d, TYPE v, int pe) noexcept {                                    \
      return shmem_##NAME##_atomic_fetch_or(d, v, pe);                                          \
    }                                                                                           \
    static void or_(TYPE* d, TYPE v, int pe) noexcept { shmem_##NAME##_atomic_or(d, v, pe); }   \
    static TYPE fetch_xor(TYPE* d, TYPE v, int pe) noexcept {                                   \
      return shmem_##NAME##_atomic_fetch_xor(d, v, pe);                                         \
    }                                                                                           \
    static void xor_(TYPE* d, TYPE v, int pe) noexcept { shmem_##NAME##_atomic_xor(d, v, pe); } \
  };
CW_AMO_BITWISE_TYPES(CW_CPP_AMO_BITWISE)
#undef CW_CPP_AMO_BITWISE

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

// ---- Standard group ----
template <standard_amo_type T>
T atomic_fetch_inc(T* dest, int pe) noexcept {
  return detail::standard_amo_ops<T>::fetch_inc(dest, pe);
}
template <standard_amo_type T>
void atomic_inc(T* dest, int pe) noexcept {
  detail::standard_amo_ops<T>::inc(dest, pe);
}
template <standard_amo_type T>
T atomic_fetch_add(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::standard_amo_ops<T>::fetch_add(dest, value, pe);
}
template <standard_amo_type T>
void atomic_add(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::standard_amo_ops<T>::add(dest, value, pe);
}
// Stores `value` when the old value equals `cond`; returns the old value either way.
template <standard_amo_type T>
T atomic_compare_swap(T* dest, std::type_identity_t<T> cond, std::type_identity_t<T> value, int pe) noexcept {
  return detail::standard_amo_ops<T>::compare_swap(dest, cond, value, pe);
}

// ---- Extended group ----
template <extended_amo_type T>
T atomic_fetch(const T* src, int pe) noexcept {
  return detail::extended_amo_ops<T>::fetch(src, pe);
}
template <extended_amo_type T>
void atomic_set(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::extended_amo_ops<T>::set(dest, value, pe);
}
template <extended_amo_type T>
T atomic_swap(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::extended_amo_ops<T>::swap(dest, value, pe);
}

// ---- Bitwise group ----
template <bitwise_amo_type T>
T atomic_fetch_and(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::bitwise_amo_ops<T>::fetch_and(dest, value, pe);
}
template <bitwise_amo_type T>
void atomic_and(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::bitwise_amo_ops<T>::and_(dest, value, pe);
}
template <bitwise_amo_type T>
T atomic_fetch_or(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::bitwise_amo_ops<T>::fetch_or(dest, value, pe);
}
template <bitwise_amo_type T>
void atomic_or(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::bitwise_amo_ops<T>::or_(dest, value, pe);
}
template <bitwise_amo_type T>
T atomic_fetch_xor(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  return detail::bitwise_amo_ops<T>::fetch_xor(dest, value, pe);
}
template <bitwise_amo_type T>
void atomic_xor(T* dest, std::type_identity_t<T> value, int pe) noexcept {
  detail::bitwise_amo_ops<T>::xor_(dest, value, pe);
}

}  // namespace causeway
