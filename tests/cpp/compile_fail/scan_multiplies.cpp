// SPDX-License-Identifier: BSD-3-Clause
// Must not compile: OpenSHMEM scans are prefix sums; there is no product scan.
// With -DCAUSEWAY_COMPILE_FAIL_CONTROL the same call with std::plus<> must compile.
#include <causeway/collectives.hpp>
#include <functional>
#include <span>

#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
using op_type = std::plus<>;
#else
using op_type = std::multiplies<>;
#endif

void prefix(const causeway::team& t, std::span<double> dest, std::span<const double> src) {
  causeway::inclusive_scan(t, dest, src, op_type{});
}
