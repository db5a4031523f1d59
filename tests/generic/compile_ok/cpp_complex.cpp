// SPDX-License-Identifier: BSD-3-Clause
// The complex routines from C++ with the spec's TYPE (double _Complex, float _Complex: GNU C++
// accepts _Complex as an extension) and with std::complex, by typed and generic names. Compiled by
// g++ and clang++ (tests/generic/meson.build).
#include <shmem.h>

#include <complex>

int typed_c_types(shmem_team_t team, double _Complex *d, const double _Complex *s, float _Complex *f) {
  static long pSync[SHMEM_REDUCE_SYNC_SIZE];
  static double _Complex pWrk[SHMEM_REDUCE_MIN_WRKDATA_SIZE];
  shmem_complexd_sum_to_all(d, s, 1, 0, 0, 1, pWrk, pSync);
  return shmem_complexd_sum_reduce(team, d, s, 4) + shmem_complexf_prod_reduce(team, f, f, 4) +
         shmem_complexd_sum_inscan(team, d, s, 4) + shmem_complexf_sum_exscan(team, f, f, 4);
}

int typed_std_complex(shmem_team_t team, std::complex<double> *d, const std::complex<double> *s,
                      std::complex<float> *f) {
  static long pSync[SHMEM_REDUCE_SYNC_SIZE];
  static std::complex<float> pWrk[SHMEM_REDUCE_MIN_WRKDATA_SIZE];
  shmem_complexf_prod_to_all(f, f, 1, 0, 0, 1, pWrk, pSync);
  return shmem_complexd_sum_reduce(team, d, s, 4) + shmem_complexf_prod_reduce(team, f, f, 4);
}

int generic_names(shmem_team_t team, double _Complex *d, std::complex<float> *f) {
  return shmem_sum_reduce(team, d, d, 4) + shmem_prod_reduce(team, f, f, 4) + shmem_sum_inscan(team, d, d, 4);
}

// The extern "C" routine takes the C type: its address has that type.
int (*c_symbol)(shmem_team_t, double _Complex *, const double _Complex *, size_t) = shmem_complexd_sum_reduce;

int main() {
  // shmem_sync has both forms in C++ too.
  static long pSync[SHMEM_SYNC_SIZE];
  shmem_sync(0, 0, 1, pSync);
  return shmem_sync(SHMEM_TEAM_WORLD);
}
