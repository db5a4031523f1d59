// SPDX-License-Identifier: BSD-3-Clause
// Must not compile: a lambda cannot be mapped to an OpenSHMEM reduction, even one that adds.
// With -DCAUSEWAY_COMPILE_FAIL_CONTROL the same call with causeway::maximum<> must compile.
#include <causeway/collectives.hpp>
#include <span>

void combine(const causeway::team& t, std::span<long> dest, std::span<const long> src) {
#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
  causeway::reduce(t, dest, src, causeway::maximum<>{});
#else
  causeway::reduce(t, dest, src, [](long a, long b) { return a + b; });
#endif
}
