// SPDX-License-Identifier: BSD-3-Clause
#include <causeway/causeway.hpp>
#include <cstdio>

int main() {
  causeway::runtime rt;
  std::printf("consumer_cxx: PE %d of %d\n", rt.my_pe(), rt.n_pes());
  return 0;
}
