// SPDX-License-Identifier: BSD-3-Clause
// Must not compile: fetch_add is a standard AMO, and float is only in the extended AMO types.
// With -DCAUSEWAY_COMPILE_FAIL_CONTROL the same call on long must compile, so that the rejection
// the test sees is this one and not a broken file.
#include <causeway/atomic.hpp>

#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
using value_type = long;
#else
using value_type = float;
#endif

value_type add_one(value_type* counter) { return causeway::atomic_fetch_add(counter, value_type{1}, 0); }
