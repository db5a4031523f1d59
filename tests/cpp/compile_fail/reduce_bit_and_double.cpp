// SPDX-License-Identifier: BSD-3-Clause
// Must not compile: the bitwise reductions are defined on integer types only, not on double.
// With -DCAUSEWAY_COMPILE_FAIL_CONTROL the same call on unsigned long must compile.
#include <causeway/collectives.hpp>
#include <functional>

#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
using value_type = unsigned long;
#else
using value_type = double;
#endif

void mask(const causeway::team& t, causeway::sym_array<value_type>& dest,
          const causeway::sym_array<value_type>& src) {
  causeway::reduce(t, dest, src, std::bit_and<>{});
}
