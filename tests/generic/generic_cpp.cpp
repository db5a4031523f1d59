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

int main() {
  shmem_init();
  int failed = run_generic_tests();

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
