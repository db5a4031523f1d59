// Causeway C++20 API: one include for all of it. It sits on the OpenSHMEM C API (shmem.h) and so on
// the same core; mixing both in one program is fine.
//
//   #include <causeway/causeway.hpp>
//   #include <array>
//   #include <cstdio>
//   namespace cw = causeway;
//
//   int main() {
//     cw::runtime rt;            // shmem_init_thread; declared first, so finalized after the arrays
//     const int me = rt.my_pe(), right = (me + 1) % rt.n_pes();
//     cw::sym_array<double> halo(4);                    // collective, zero-filled, freed by RAII
//     cw::sym_array<long> counter(1);
//     std::array<double, 4> mine;
//     mine.fill(me);
//     cw::put(halo, mine, right);                       // std::span<const double> from any range
//     cw::atomic_fetch_add(counter.data(), 1, 0);       // typed AMO; float here would not compile
//     if (me == 0) cw::wait_until(counter.data(), cw::cmp::eq, rt.n_pes());  // all PEs counted
//     rt.barrier_all();                                 // every put is complete and visible
//     std::printf("PE %d: left neighbour wrote %g\n", me, halo[0]);
//   }
#pragma once

#include "causeway/atomic.hpp"
#include "causeway/rma.hpp"
#include "causeway/runtime.hpp"
#include "causeway/sym_array.hpp"
#include "causeway/wait.hpp"
