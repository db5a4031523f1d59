// SPDX-License-Identifier: BSD-3-Clause
// Must not compile: a struct is in no OpenSHMEM AMO type list, even one the size of a long.
// With -DCAUSEWAY_COMPILE_FAIL_CONTROL the same call on long must compile.
#include <causeway/atomic.hpp>

struct Pair {
  int a, b;
};

#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
using value_type = long;
#else
using value_type = Pair;
#endif

value_type add(value_type* dest, value_type v) { return causeway::atomic_fetch_add(dest, v, 0); }
