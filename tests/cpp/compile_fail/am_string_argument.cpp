// SPDX-License-Identifier: BSD-3-Clause
// Must not compile: a message argument must be a trivially copyable value or a span of them; a
// std::string (its bytes live elsewhere) is caught by the am_argument concept.
// With -DCAUSEWAY_COMPILE_FAIL_CONTROL the same message with a span of chars must compile.
#include <causeway/am.hpp>
#include <span>
#include <string>

void define_message() {
#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
  auto m = causeway::message<std::span<const char>>::define(
      [](causeway::am_token&, int, std::span<const char>) {});
#else
  auto m = causeway::message<std::string>::define([](causeway::am_token&, int, std::string) {});
#endif
  (void)m;
}
