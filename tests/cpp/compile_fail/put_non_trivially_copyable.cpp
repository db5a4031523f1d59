// SPDX-License-Identifier: BSD-3-Clause
// Must not compile: put moves bytes, so T must be trivially copyable, and std::string is not.
// With -DCAUSEWAY_COMPILE_FAIL_CONTROL the same call on a trivially copyable struct must compile.
#include <causeway/rma.hpp>
#include <string>
#include <vector>

struct Plain {
  int id;
  char name[16];
};

#ifdef CAUSEWAY_COMPILE_FAIL_CONTROL
using value_type = Plain;
#else
using value_type = std::string;
#endif

void send(value_type* dest, const std::vector<value_type>& src, int pe) { causeway::put(dest, src, pe); }
