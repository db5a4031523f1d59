// SPDX-License-Identifier: BSD-3-Clause
// The type-generic interfaces from C++: the overloads of causeway/shmem_generic.h, run through the
// same checks as the C11 program (generic_body.h), plus what is particular to C++.
#include <shmem.h>

#include <type_traits>

#ifdef shmem_put
#error "in C++ the generic names are functions, not macros"
#endif

#include "generic_body.h"

// Each generic name is an overload set; a typed signature picks one member.
static_assert(std::is_same_v<decltype(shmem_g(static_cast<const short*>(nullptr), 0)), short>);
static_assert(std::is_same_v<decltype(shmem_atomic_fetch(static_cast<const double*>(nullptr), 0)), double>);
static_assert(std::is_same_v<decltype(shmem_atomic_fetch_add(SHMEM_CTX_DEFAULT,
                                                             static_cast<int64_t*>(nullptr), int64_t{1}, 0)),
                             int64_t>);
static_assert(std::is_same_v<
              decltype(shmem_test_any(static_cast<size_t*>(nullptr), 0, nullptr, 0, size_t{0})), size_t>);

#if defined(CW_GENERIC_TEST_COLLECTIVES) && defined(CW_HAVE_C_COMPLEX)
// The complex routines take the spec's TYPE, double _Complex / float _Complex (a GNU extension in
// C++), and std::complex too, by their typed names and by the generic ones.
// (__extension__ keeps Clang's -Wpedantic quiet; the typedefs are exactly those C types.)
__extension__ typedef double _Complex c_complexd;
__extension__ typedef float _Complex c_complexf;
static void test_complex_types() {
  cur = "complex reductions with c_complexd and std::complex";
  constexpr size_t n = 3;
  auto* cs = static_cast<c_complexd*>(shmem_malloc(2 * n * sizeof(c_complexd)));
  auto* ss = static_cast<std::complex<double>*>(shmem_malloc(2 * n * sizeof(std::complex<double>)));
  auto* fs = static_cast<c_complexf*>(shmem_malloc(2 * n * sizeof(c_complexf)));
  CHECK(cs != nullptr && ss != nullptr && fs != nullptr);
  if (!cs || !ss || !fs) return;
  for (size_t i = 0; i < n; ++i) {
    __real__ cs[i] = 1.0;
    __imag__ cs[i] = double(me);
    ss[i] = std::complex<double>(1.0, double(me));
    __real__ fs[i] = 2.0f;
    __imag__ fs[i] = 0.0f;
  }
  const double imag_sum = double(npes) * (npes - 1) / 2;
  shmem_barrier_all();
  CHECK(shmem_complexd_sum_reduce(SHMEM_TEAM_WORLD, cs + n, cs, n) == 0);
  CHECK(shmem_complexd_sum_reduce(SHMEM_TEAM_WORLD, ss + n, ss, n) == 0);
  CHECK(shmem_complexf_prod_reduce(SHMEM_TEAM_WORLD, fs + n, fs, n) == 0);
  for (size_t i = n; i < 2 * n; ++i) {
    CHECK(__real__ cs[i] == npes && __imag__ cs[i] == imag_sum);
    CHECK(ss[i] == std::complex<double>(npes, imag_sum));
    CHECK(__real__ fs[i] == float(1 << npes) && __imag__ fs[i] == 0.0f);
  }
  shmem_barrier_all();
  CHECK(shmem_sum_reduce(SHMEM_TEAM_WORLD, cs + n, cs, n) == 0);
  CHECK(shmem_sum_reduce(SHMEM_TEAM_WORLD, ss + n, ss, n) == 0);
  CHECK(__real__ cs[n] == npes && ss[n] == std::complex<double>(npes, imag_sum));
  shmem_barrier_all();
  shmem_free(fs);
  shmem_free(ss);
  shmem_free(cs);
}
#endif

int main() {
  shmem_init();
  int failed = run_generic_tests();
#if defined(CW_GENERIC_TEST_COLLECTIVES) && defined(CW_HAVE_C_COMPLEX)
  test_complex_types();
#endif

  // Pointers to members of the overload sets (the spec's C++ binding is ordinary functions).
  void (*put_int)(int*, const int*, size_t, int) = shmem_put;
  void (*put_ctx_double)(shmem_ctx_t, double*, const double*, size_t, int) = shmem_put;
  // The long forms of shmem_wait_until, shmem_wait and shmem_swap are the plain deprecated C
  // routines of shmem.h; the other types are overloads beside them.
  void (*wait_until_long)(long*, int, long) = shmem_wait_until;
  void (*wait_until_int)(int*, int, int) = shmem_wait_until;
  long (*swap_long)(long*, long, int) = shmem_swap;
  cur = "c++ overload sets";
  CHECK(put_int != nullptr && put_ctx_double != nullptr && wait_until_long != nullptr &&
        wait_until_int != nullptr && swap_long != nullptr);

  failed = failures;
  if (failed)
    fprintf(stderr, "PE %d: %d check(s) failed\n", shmem_my_pe(), failed);
  else if (shmem_my_pe() == 0)
    printf("generic C++ interfaces: all checks passed on %d PEs\n", shmem_n_pes());
  shmem_finalize();
  return failed != 0;
}
