// SPDX-License-Identifier: BSD-3-Clause
// Must not compile: OpenSHMEM has no difference reduction, so std::minus<> is not a reduction op.
// With -DCAUSEWAY_COMPILE_FAIL_CONTROL the same call with std::plus<> must compile.
#include <causeway/collectives.hpp>
#include <functional>
#include <span>

#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
using op_type = std::plus<>;
#else
using op_type = std::minus<>;
#endif

void combine(const causeway::team& t, std::span<int> dest, std::span<const int> src) {
  causeway::reduce(t, dest, src, op_type{});
}
