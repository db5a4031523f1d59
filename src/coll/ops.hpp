// SPDX-License-Identifier: BSD-3-Clause
// Reduction operators and the kernels the engine runs. Integer sums and products wrap (computed in
// unsigned arithmetic, never signed overflow); min/max/sum/prod on floating point follow the
// operators' ordinary IEEE results. Every PE combines contributions in team-rank order, so floating
// point results are identical on every PE.
#pragma once
#include <complex>
#include <cstddef>
#include <type_traits>

#include "coll/coll.hpp"

namespace causeway::coll::op {

template <class T>
using Wide = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

struct Sum {
  template <class T>
  static T apply(T a, T b) {
    if constexpr (std::is_integral_v<T>)
      return static_cast<T>(static_cast<Wide<T>>(a) + static_cast<Wide<T>>(b));
    else
      return a + b;
  }
};
struct Prod {
  template <class T>
  static T apply(T a, T b) {
    if constexpr (std::is_integral_v<T>)
      return static_cast<T>(static_cast<Wide<T>>(a) * static_cast<Wide<T>>(b));
    else
      return a * b;
  }
};
struct Max {
  template <class T>
  static T apply(T a, T b) {
    return b > a ? b : a;
  }
};
struct Min {
  template <class T>
  static T apply(T a, T b) {
    return b < a ? b : a;
  }
};
struct And {
  template <class T>
  static T apply(T a, T b) {
    return static_cast<T>(a & b);
  }
};
struct Or {
  template <class T>
  static T apply(T a, T b) {
    return static_cast<T>(a | b);
  }
};
struct Xor {
  template <class T>
  static T apply(T a, T b) {
    return static_cast<T>(a ^ b);
  }
};

template <class T, class Op>
void combine(void* acc, const void* in, std::size_t count) {
  T* __restrict a = static_cast<T*>(acc);
  const T* __restrict b = static_cast<const T*>(in);
  for (std::size_t i = 0; i < count; ++i) a[i] = Op::apply(a[i], b[i]);
}

template <class T, class Op>
constexpr Kernel kernel() {
  return Kernel{sizeof(T), &combine<T, Op>};
}

}  // namespace causeway::coll::op
