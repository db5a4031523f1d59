// SPDX-License-Identifier: BSD-3-Clause
// Causeway C++20 API: one include for all of it. It sits on the OpenSHMEM C API (shmem.h) and so on
// the same core; mixing both in one program is fine.
//
//   runtime.hpp      cw::runtime: init/finalize (RAII), my_pe, n_pes, barrier_all, fence, quiet
//   sym_array.hpp    cw::sym_array<T>: a typed symmetric allocation (RAII, collective)
//   team.hpp         cw::team: world()/shared()/node() views, split_strided, split_2d (RAII)
//   context.hpp      cw::context: contexts on the world or a team, cw::ctx_options (RAII)
//   rma.hpp          put, get, put_nbi, get_nbi, p, g for any trivially copyable T (context& forms)
//   atomic.hpp       atomic_* over the OpenSHMEM AMO type groups (context& forms)
//   signal.hpp       put_signal[_nbi], signal_wait_until, signal_fetch; cw::signal_value, cw::signal_op
//   wait.hpp         wait_until, test (and the _all/_any forms over a span); cw::cmp
//   collectives.hpp  broadcast, collect, fcollect, alltoall, reduce(team, dest, src, std::plus<>{}),
//                    inclusive_scan, exclusive_scan; cw::minimum<>, cw::maximum<>
//   am.hpp           cw::message<Args...>: typed active messages (define, send, reply)
//   stamp.hpp        cw::stamp, publish, put_stamped, wait_stamp: Lamport-clock ordering
//
//   #include <causeway/causeway.hpp>
//   #include <array>
//   #include <cstdio>
//   #include <functional>
//   namespace cw = causeway;
//
//   int main() {
//     cw::runtime rt;            // shmem_init_thread; declared first, so finalized after the rest
//     const int me = rt.my_pe(), right = (me + 1) % rt.n_pes();
//     cw::sym_array<double> halo(4), total(4);          // collective, zero-filled, freed by RAII
//     cw::sym_array<std::uint64_t> arrived(1);
//     cw::sym_array<long> counter(1);
//     std::array<double, 4> mine;
//     mine.fill(me);
//     cw::put_signal(halo, mine, arrived.data(), cw::signal_value{1}, cw::signal_op::set, right);
//     cw::signal_wait_until(arrived.data(), cw::cmp::eq, cw::signal_value{1});  // halo has landed
//     cw::atomic_fetch_add(counter.data(), 1, 0);       // typed AMO; float here would not compile
//     cw::reduce(cw::team::world(), total, halo, std::plus<>{});  // shmem_double_sum_reduce
//     // std::minus<>{}, or std::bit_and<>{} on double: a static_assert naming the allowed ops
//
//     std::optional<cw::team> evens = cw::team::world().split_strided(0, 2, (rt.n_pes() + 1) / 2);
//     if (evens) {                                      // the odd PEs get an empty optional
//       cw::context ctx(*evens);                        // PE numbers on ctx are the team's
//       cw::atomic_add(ctx, counter.data(), 1L, 0);     // the team's PE 0: world PE 0
//       ctx.quiet();
//     }                                                 // ctx destroyed first, then the team
//     rt.barrier_all();
//     std::printf("PE %d: left neighbour sent %g; all sent %g\n", me, halo[0], total[0]);
//   }
#pragma once

// The API is written in C++20 (concepts, std::span, ranges); under an older standard it would fail
// deep inside these headers. oshc++ adds -std=gnu++20 when the compiler defaults to less.
#if !defined(__cplusplus) || __cplusplus < 202002L
#error "Causeway's C++ API needs C++20 (compile with -std=c++20)"
#else

#include "causeway/am.hpp"
#include "causeway/atomic.hpp"
#include "causeway/collectives.hpp"
#include "causeway/context.hpp"
#include "causeway/rma.hpp"
#include "causeway/runtime.hpp"
#include "causeway/signal.hpp"
#include "causeway/stamp.hpp"
#include "causeway/sym_array.hpp"
#include "causeway/team.hpp"
#include "causeway/wait.hpp"

#endif  // C++20
