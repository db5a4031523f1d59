// SPDX-License-Identifier: BSD-3-Clause
// Internal: maps a C++ type to its entry in an OpenSHMEM type list. Each list entry is expanded
// (from causeway/shmem_type_lists.h) into a struct of that entry's C functions with `using type`;
// entries that are the same C++ type (int and int32_t, long and int64_t, ...) have distinct struct
// names, so they cannot collide, and the first matching entry wins.
#pragma once

#include <type_traits>

namespace causeway::detail {

// What find_ops yields when T is in no entry.
struct no_ops {
  using type = void;
};

template <class T, class... Ops>
struct find_ops {
  using type = no_ops;
};
template <class T, class First, class... Rest>
struct find_ops<T, First, Rest...> : std::conditional_t<std::is_same_v<T, typename First::type>,
                                                        std::type_identity<First>, find_ops<T, Rest...>> {};

}  // namespace causeway::detail
