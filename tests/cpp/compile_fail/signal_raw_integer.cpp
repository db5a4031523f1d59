// SPDX-License-Identifier: BSD-3-Clause
// Must not compile: a signal value is a causeway::signal_value, not any integer (an element value
// or a count passed in its place is caught).
// With -DCAUSEWAY_COMPILE_FAIL_CONTROL the same call with a signal_value must compile.
#include <causeway/signal.hpp>
#include <cstdint>
#include <span>

void send(std::span<const int> src, int* dest, std::uint64_t* sig, int pe) {
#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
  causeway::put_signal(dest, src, sig, causeway::signal_value{1}, causeway::signal_op::set, pe);
#else
  causeway::put_signal(dest, src, sig, std::uint64_t{1}, causeway::signal_op::set, pe);
#endif
}
