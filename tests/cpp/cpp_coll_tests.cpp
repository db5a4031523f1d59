// SPDX-License-Identifier: BSD-3-Clause
// Tests of the C++ API's teams, contexts, signals and collectives (team.hpp, context.hpp,
// signal.hpp, collectives.hpp), run by every PE under causeway-run (also as one PE on its own).
// Every test is collective: each PE runs the same tests in the same order, symmetric arrays are
// allocated by every PE (before any member-only block), and no assertion may skip a collective
// call (hence EXPECT_*, not ASSERT_*, where a barrier or collective follows).
#include <gtest/gtest.h>

#include <algorithm>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "causeway/causeway.hpp"
#include "cpp_test_main.hpp"

namespace cw = causeway;

namespace {

cw::runtime* g_rt = nullptr;

int me() { return g_rt->my_pe(); }
int npes() { return g_rt->n_pes(); }
int right() { return (me() + 1) % npes(); }
int left() { return (me() + npes() - 1) % npes(); }

// A trivially copyable record in no OpenSHMEM type list: the data movers take it as bytes.
struct Particle {
  int id;
  double pos[3];
  char tag[5];
  friend bool operator==(const Particle&, const Particle&) = default;
};

// The value world PE `pe` contributes at element `i`: nonzero, small (products of up to 4 PEs
// stay exact and in range), mixed signs (bitwise ops see sign bits), and halves for double (sums
// and products of dyadic values are exact, so the reference may combine in any order).
template <class T>
T value_for(int pe, int i) {
  int v = (pe * 5 + i * 3) % 7 - 3;
  if (v == 0) v = 4;
  if constexpr (std::is_same_v<T, Particle>) {
    Particle p{pe * 1000 + i, {pe + 0.25, i + 0.5, -1.0 * pe}, {}};
    p.tag[0] = static_cast<char>('a' + pe % 26);
    p.tag[4] = static_cast<char>('A' + i % 26);
    return p;
  } else if constexpr (std::is_same_v<T, std::complex<double>>) {
    return {v * 0.5, (pe + i) % 3 - 1.0};
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v) * static_cast<T>(0.5);
  } else {
    return static_cast<T>(v);
  }
}

// The evens team (world PEs 0, 2, 4, ...) for members, an empty optional for the odd PEs.
std::optional<cw::team> make_evens() { return cw::team::world().split_strided(0, 2, (npes() + 1) / 2); }

// ---- Teams ----

TEST(Team, PredefinedViews) {
  cw::team world = cw::team::world();
  EXPECT_TRUE(world.valid());
  EXPECT_FALSE(world.owns());
  EXPECT_EQ(world.native_handle(), SHMEM_TEAM_WORLD);
  EXPECT_EQ(world.my_pe(), me());
  EXPECT_EQ(world.n_pes(), npes());

  cw::team shared = cw::team::shared();
  EXPECT_FALSE(shared.owns());
  EXPECT_GE(shared.n_pes(), 1);
  EXPECT_LE(shared.n_pes(), npes());
  EXPECT_EQ(shared.translate_pe(shared.my_pe(), world), me());
  EXPECT_EQ(world.translate_pe(me(), shared), shared.my_pe());
  cw::team node = cw::team::node();
  EXPECT_EQ(node.translate_pe(node.my_pe(), world), me());

  // Moving a view moves the handle, never a destroy (destroying a predefined team ends the job).
  cw::team moved = std::move(world);
  EXPECT_FALSE(world.valid());  // NOLINT(bugprone-use-after-move): moved-from is specified
  EXPECT_EQ(world.my_pe(), -1);
  EXPECT_EQ(moved.my_pe(), me());
  cw::team empty;
  EXPECT_FALSE(empty);
  EXPECT_EQ(empty.n_pes(), -1);
  moved = std::move(empty);  // drops a view: nothing destroyed
  EXPECT_FALSE(moved);

  cw::sym_array<int> box(4);
  EXPECT_EQ(cw::team::world().ptr(box.data(), me()), box.data());
  EXPECT_EQ(cw::team::world().ptr(box.data(), npes()), nullptr);  // no such PE
  cw::team::world().sync();
  g_rt->barrier_all();
}

TEST(Team, SplitStridedEvensOdds) {
  const int n = npes();
  const cw::team world = cw::team::world();
  std::optional<cw::team> evens = make_evens();
  EXPECT_EQ(evens.has_value(), me() % 2 == 0);
  if (evens) {
    EXPECT_TRUE(evens->owns());
    EXPECT_EQ(evens->my_pe(), me() / 2);
    EXPECT_EQ(evens->n_pes(), (n + 1) / 2);
    for (int k = 0; k < evens->n_pes(); ++k) EXPECT_EQ(evens->translate_pe(k, world), 2 * k);
    EXPECT_EQ(world.translate_pe(me(), *evens), me() / 2);
    if (n > 1) {
      EXPECT_EQ(world.translate_pe(1, *evens), -1);  // PE 1 is odd
    }
    evens->sync();
  }
  if (n > 1) {
    std::optional<cw::team> odds = world.split_strided(1, 2, n / 2);
    EXPECT_EQ(odds.has_value(), me() % 2 == 1);
    if (odds) {
      EXPECT_EQ(odds->my_pe(), me() / 2);
      EXPECT_EQ(odds->n_pes(), n / 2);
      for (int k = 0; k < odds->n_pes(); ++k) EXPECT_EQ(odds->translate_pe(k, world), 2 * k + 1);
      odds->sync();
    }
  }
  // A split of a split: every other even PE (world 0, 4, ...), numbered in the evens team.
  if (evens) {
    std::optional<cw::team> quarter = evens->split_strided(0, 2, (evens->n_pes() + 1) / 2);
    EXPECT_EQ(quarter.has_value(), me() % 4 == 0);
    if (quarter) {
      EXPECT_EQ(quarter->my_pe(), me() / 4);
      EXPECT_EQ(quarter->translate_pe(quarter->my_pe(), world), me());
      EXPECT_EQ(quarter->translate_pe(0, *evens), 0);
    }
  }
  g_rt->barrier_all();
}

TEST(Team, BadTripletThrowsOnEveryPe) {
  const cw::team world = cw::team::world();
  EXPECT_THROW((void)world.split_strided(0, 1, npes() + 1), std::runtime_error);
  EXPECT_THROW((void)world.split_strided(0, 0, 2), std::runtime_error);
  const cw::team invalid;
  EXPECT_THROW((void)invalid.split_strided(0, 1, 1), std::runtime_error);
  g_rt->barrier_all();
}

TEST(Team, OwnershipMoveReleaseAdopt) {
  const int n = npes();
  const cw::team world = cw::team::world();
  cw::team a = *world.split_strided(0, 1, n);  // every PE: a copy of the world as an owned team
  EXPECT_TRUE(a.owns());
  EXPECT_EQ(a.my_pe(), me());
  cw::team c = *world.split_strided(0, 1, n);
  const shmem_team_t c_handle = c.native_handle();
  a = std::move(c);  // destroys a's team (collective: every PE does it here), takes c's
  EXPECT_EQ(a.native_handle(), c_handle);
  EXPECT_FALSE(c.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(a.owns());

  // release(): the caller destroys; adopt(): the team destroys a C handle.
  shmem_team_t raw = a.release();
  EXPECT_FALSE(a.valid());
  EXPECT_EQ(shmem_team_n_pes(raw), n);
  shmem_team_destroy(raw);
  shmem_team_t from_c = SHMEM_TEAM_INVALID;
  EXPECT_EQ(shmem_team_split_strided(SHMEM_TEAM_WORLD, 0, 1, n, nullptr, 0, &from_c), 0);
  {
    cw::team adopted = cw::team::adopt(from_c);
    EXPECT_TRUE(adopted.owns());
    EXPECT_EQ(adopted.n_pes(), n);
    cw::team viewed = cw::team::view(from_c);
    EXPECT_FALSE(viewed.owns());
  }  // viewed does nothing, adopted destroys
  g_rt->barrier_all();
}

TEST(Team, Split2d) {
  const int n = npes();
  const cw::team world = cw::team::world();
  for (int xrange : {1, 2, 3, n + 2}) {
    const int cols = std::min(xrange, n);
    auto [x, y] = world.split_2d(xrange);
    EXPECT_TRUE(x.owns() && y.owns());
    const int row = me() / cols, col = me() % cols;
    EXPECT_EQ(x.my_pe(), col) << "xrange " << xrange;
    EXPECT_EQ(x.n_pes(), std::min(cols, n - row * cols)) << "xrange " << xrange;
    EXPECT_EQ(y.my_pe(), row) << "xrange " << xrange;
    EXPECT_EQ(y.n_pes(), (n - col + cols - 1) / cols) << "xrange " << xrange;
    for (int k = 0; k < x.n_pes(); ++k) EXPECT_EQ(x.translate_pe(k, world), row * cols + k);
    for (int k = 0; k < y.n_pes(); ++k) EXPECT_EQ(y.translate_pe(k, world), k * cols + col);
    x.sync();
    y.sync();
  }
  g_rt->barrier_all();
}

TEST(Team, ConfigNumContexts) {
  std::optional<cw::team> t =
      cw::team::world().split_strided(0, 1, npes(), cw::team_config{.num_contexts = 2});
  EXPECT_TRUE(t.has_value());
  if (t) {
    EXPECT_EQ(t->num_contexts(), 2);
    cw::context a(*t), b(*t);
    EXPECT_TRUE(a.valid() && b.valid());
  }  // contexts, then the team
  g_rt->barrier_all();
}

// ---- Contexts ----

static_assert(!std::is_copy_constructible_v<cw::context> &&
              std::is_nothrow_move_constructible_v<cw::context>);
static_assert(!std::is_copy_constructible_v<cw::team> && std::is_nothrow_move_constructible_v<cw::team>);
static_assert(!std::is_convertible_v<long, cw::ctx_options>);
static_assert(static_cast<long>(cw::ctx_options::private_ | cw::ctx_options::nostore) ==
              (SHMEM_CTX_PRIVATE | SHMEM_CTX_NOSTORE));
static_assert(!cw::any((cw::ctx_options::private_ | cw::ctx_options::serialized) & cw::ctx_options::nostore));
static_assert(cw::any((cw::ctx_options::private_ | cw::ctx_options::serialized) &
                      cw::ctx_options::serialized));

TEST(Context, RaiiMoveAndDefault) {
  cw::sym_array<int> box(2);
  {
    cw::context ctx;
    EXPECT_TRUE(ctx.valid());
    EXPECT_TRUE(ctx.owns());
    EXPECT_NE(ctx.native_handle(), SHMEM_CTX_DEFAULT);
    EXPECT_EQ(ctx.get_team().native_handle(), SHMEM_TEAM_WORLD);
    EXPECT_FALSE(ctx.get_team().owns());
    cw::p(ctx, box.data(), me() + 100, right());
    cw::context moved = std::move(ctx);
    EXPECT_FALSE(ctx.valid());  // NOLINT(bugprone-use-after-move)
    moved.quiet();
    cw::context opts(cw::ctx_options::private_ | cw::ctx_options::serialized);
    cw::p(opts, box.data() + 1, me() + 200, right());
    opts.fence();
  }  // `opts` destroyed (completing its put), then `moved`; `ctx` holds nothing
  g_rt->barrier_all();
  EXPECT_EQ(box[0], left() + 100);
  EXPECT_EQ(box[1], left() + 200);
  g_rt->barrier_all();  // every PE has checked before its neighbour writes again

  cw::context dflt = cw::context::default_context();
  EXPECT_FALSE(dflt.owns());
  EXPECT_EQ(dflt.native_handle(), SHMEM_CTX_DEFAULT);
  cw::p(dflt, box.data(), me() + 300, right());
  dflt.quiet();
  g_rt->barrier_all();
  EXPECT_EQ(box[0], left() + 300);
  g_rt->barrier_all();
}  // dflt: a view, never destroyed

TEST(Context, TeamNumbering) {
  cw::sym_array<int> box(1);
  cw::sym_array<long> counter(1);
  cw::sym_array<int> fetched(1);
  std::optional<cw::team> evens = make_evens();
  const int size = (npes() + 1) / 2;
  if (evens) {
    cw::context ctx(*evens);
    EXPECT_EQ(ctx.get_team().native_handle(), evens->native_handle());
    const int team_right = (evens->my_pe() + 1) % size;
    cw::p(ctx, box.data(), me() + 1000, team_right);  // lands on world PE 2 * team_right
    cw::atomic_add(ctx, counter.data(), 1L, 0);       // the team's PE 0: world PE 0
    ctx.quiet();
  }
  g_rt->barrier_all();
  if (evens) {
    const int team_left = (evens->my_pe() + size - 1) % size;
    EXPECT_EQ(box[0], 2 * team_left + 1000);
    cw::context ctx(*evens);
    fetched[0] = cw::g(ctx, box.data(), (evens->my_pe() + 1) % size);  // world PE 2 * team_right's box
    EXPECT_EQ(fetched[0], me() + 1000);
  } else {
    EXPECT_EQ(box[0], 0);
  }
  if (me() == 0) {
    EXPECT_EQ(counter[0], size);
  }
  g_rt->barrier_all();
}

template <class T>
void context_rma_amo() {
  constexpr int kN = 6;
  cw::sym_array<T> dst(kN), src(kN);
  cw::sym_array<T> amo(3);
  for (int i = 0; i < kN; ++i) src[i] = value_for<T>(me(), i);
  cw::context ctx;
  g_rt->barrier_all();
  // Blocking and non-blocking put/get on the context; pointer and sym_array forms.
  std::vector<T> mine(src.begin(), src.end());
  cw::put(ctx, dst.data(), std::span<const T>(mine).first(3), right());
  cw::put_nbi(ctx, dst, mine, right());
  ctx.quiet();
  std::vector<T> got(kN), got_nbi(kN);
  cw::get(ctx, got, src, left());
  cw::get_nbi(ctx, got_nbi, src.data(), right());
  ctx.quiet();
  for (int i = 0; i < kN; ++i) {
    EXPECT_EQ(got[i], value_for<T>(left(), i));
    EXPECT_EQ(got_nbi[i], value_for<T>(right(), i));
  }
  if constexpr (cw::standard_amo_type<T>) {
    cw::atomic_add(ctx, &amo[0], T{1}, 0);
    (void)cw::atomic_fetch_inc(ctx, &amo[0], 0);
  }
  if constexpr (cw::bitwise_amo_type<T>) cw::atomic_or(ctx, &amo[1], T(T{1} << (me() % 30)), 0);
  if constexpr (cw::extended_amo_type<T>) {
    if (me() == 0) cw::atomic_set(ctx, &amo[2], T{7}, right());
  }
  ctx.quiet();
  g_rt->barrier_all();
  for (int i = 0; i < kN; ++i) EXPECT_EQ(dst[i], value_for<T>(left(), i));
  if constexpr (cw::extended_amo_type<T>) {
    if (me() == 0) {
      if constexpr (cw::standard_amo_type<T>) {
        EXPECT_EQ(cw::atomic_fetch(ctx, &amo[0], 0), T(2 * npes()));
      }
      if (right() == 0) {
        EXPECT_EQ(amo[2], T{7});
      }
    }
    if (left() == 0) {
      EXPECT_EQ(cw::atomic_swap(ctx, &amo[2], T{9}, me()), T{7});
    }
  }
  if constexpr (cw::bitwise_amo_type<T>) {
    if (me() == 0) {
      T expect{};
      for (int pe = 0; pe < npes(); ++pe) expect |= T(T{1} << (pe % 30));
      EXPECT_EQ(amo[1], expect);
    }
  }
  g_rt->barrier_all();
}

TEST(Context, EveryGroupLong) { context_rma_amo<long>(); }
TEST(Context, EveryGroupUnsigned) { context_rma_amo<unsigned int>(); }
TEST(Context, EveryGroupDouble) { context_rma_amo<double>(); }
TEST(Context, EveryGroupStruct) { context_rma_amo<Particle>(); }

// ---- Signals ----

static_assert(!std::is_convertible_v<std::uint64_t, cw::signal_value>);
static_assert(!std::is_convertible_v<cw::signal_value, std::uint64_t>);
static_assert(cw::signal_value{3} < cw::signal_value{4} && cw::signal_value{5}.value() == 5);
static_assert(static_cast<int>(cw::signal_op::set) == SHMEM_SIGNAL_SET);
static_assert(static_cast<int>(cw::signal_op::add) == SHMEM_SIGNAL_ADD);

TEST(Signal, PutSignalRoundTrip) {
  constexpr int kN = 9;
  cw::sym_array<long> data(kN);
  cw::sym_array<std::uint64_t> sig(1);
  std::vector<long> mine(kN);
  for (int i = 0; i < kN; ++i) mine[i] = value_for<long>(me(), i) + 10L * me();
  cw::put_signal(data, mine, sig.data(), cw::signal_value(me() + 1), cw::signal_op::set, right());
  const cw::signal_value got = cw::signal_wait_until(sig.data(), cw::cmp::eq, cw::signal_value(left() + 1));
  EXPECT_EQ(got, cw::signal_value(left() + 1));
  for (int i = 0; i < kN; ++i) EXPECT_EQ(data[i], value_for<long>(left(), i) + 10L * left());
  EXPECT_EQ(cw::signal_fetch(sig.data()).value(), static_cast<std::uint64_t>(left() + 1));
  g_rt->barrier_all();
}

TEST(Signal, AddFromEveryPeOnAContext) {
  constexpr int kN = 4;
  cw::sym_array<Particle> slots(static_cast<std::size_t>(kN) * npes());
  cw::sym_array<std::uint64_t> sig(1);
  std::vector<Particle> mine(kN);
  for (int i = 0; i < kN; ++i) mine[i] = value_for<Particle>(me(), i);
  {
    cw::context ctx;
    cw::put_signal_nbi(ctx, slots.data() + kN * me(), mine, sig.data(), cw::signal_value(1),
                       cw::signal_op::add, 0);
    ctx.quiet();
  }
  if (me() == 0) {
    const cw::signal_value got =
        cw::signal_wait_until(sig.data(), cw::cmp::ge, cw::signal_value(static_cast<std::uint64_t>(npes())));
    EXPECT_EQ(got.value(), static_cast<std::uint64_t>(npes()));
    for (int pe = 0; pe < npes(); ++pe)
      for (int i = 0; i < kN; ++i) EXPECT_EQ(slots[kN * pe + i], value_for<Particle>(pe, i));
  }
  g_rt->barrier_all();
}

TEST(Signal, ContextPutSignalAndBareUpdates) {
  cw::sym_array<int> data(3);
  cw::sym_array<std::uint64_t> sig(2);
  const std::vector<int> mine{me(), me() + 1, me() + 2};
  {
    cw::context ctx;
    cw::put_signal(ctx, data, mine, &sig[0], cw::signal_value(5), cw::signal_op::add, right());
    cw::signal_add(ctx, &sig[1], cw::signal_value(2), right());
  }
  cw::signal_add(&sig[1], cw::signal_value(3), right());
  EXPECT_EQ(cw::signal_wait_until(&sig[0], cw::cmp::eq, cw::signal_value(5)), cw::signal_value(5));
  EXPECT_EQ(data[2], left() + 2);
  EXPECT_EQ(cw::signal_wait_until(&sig[1], cw::cmp::eq, cw::signal_value(5)), cw::signal_value(5));
  g_rt->barrier_all();
  cw::signal_set(&sig[1], cw::signal_value(40), right());
  g_rt->barrier_all();  // completes the set
  EXPECT_EQ(cw::signal_fetch(&sig[1]), cw::signal_value(40));
  g_rt->barrier_all();  // every PE has checked before its neighbour sets again
  {
    cw::context ctx;
    cw::signal_set(ctx, &sig[1], cw::signal_value(41), right());
  }
  g_rt->barrier_all();
  EXPECT_EQ(cw::signal_fetch(&sig[1]), cw::signal_value(41));
  g_rt->barrier_all();
}

// ---- Collectives ----

// Runs `body(team)` on the world team, then on the evens team (members only); `ready` makes
// buffers reusable between rounds (every member has checked its results).
template <class Body>
void on_world_and_evens(Body body) {
  {
    const cw::team world = cw::team::world();
    body(world);
    world.sync();
  }
  std::optional<cw::team> evens = make_evens();
  if (evens) {
    body(*evens);
    evens->sync();
  }
  g_rt->barrier_all();
}

template <class T>
void broadcast_every_root() {
  constexpr int kN = 11;
  cw::sym_array<T> src(kN), dst(kN);
  for (int i = 0; i < kN; ++i) src[i] = value_for<T>(me(), i);
  on_world_and_evens([&](const cw::team& t) {
    const cw::team world = cw::team::world();
    for (int root = 0; root < t.n_pes(); ++root) {
      cw::broadcast(t, dst, src, root);  // sym_array for both
      const int root_world = t.translate_pe(root, world);
      for (int i = 0; i < kN; ++i) EXPECT_EQ(dst[i], value_for<T>(root_world, i)) << "root " << root;
      t.sync();  // every member has read dst before the next round writes it
    }
    cw::broadcast(t, dst.local().first(3), src.local().subspan(2, 3), 0);  // span forms
    for (int i = 0; i < 3; ++i) EXPECT_EQ(dst[i], value_for<T>(t.translate_pe(0, world), i + 2));
  });
}

TEST(Collectives, BroadcastInt) { broadcast_every_root<int>(); }
TEST(Collectives, BroadcastDouble) { broadcast_every_root<double>(); }
TEST(Collectives, BroadcastStruct) { broadcast_every_root<Particle>(); }

template <class T>
void collect_fcollect_alltoall() {
  constexpr int kN = 5;
  const int n = npes();
  cw::sym_array<T> src(static_cast<std::size_t>(kN) * n), dst(static_cast<std::size_t>(kN) * n);
  on_world_and_evens([&](const cw::team& t) {
    const cw::team world = cw::team::world();
    const int tn = t.n_pes(), tme = t.my_pe();
    auto world_of = [&](int k) { return t.translate_pe(k, world); };

    // fcollect: kN from each member, in team order.
    for (int i = 0; i < kN * n; ++i) src[i] = value_for<T>(me(), i);
    cw::fcollect(t, dst.local().first(static_cast<std::size_t>(kN) * tn), src.local().first(kN));
    for (int k = 0; k < tn; ++k)
      for (int i = 0; i < kN; ++i) EXPECT_EQ(dst[kN * k + i], value_for<T>(world_of(k), i)) << "fcollect";
    t.sync();

    // collect: team member k gives k % kN + 1 elements (at most kN, so dst holds them all).
    cw::collect(t, dst, src.local().first(static_cast<std::size_t>(tme % kN) + 1));
    std::size_t at = 0;
    for (int k = 0; k < tn; ++k)
      for (int i = 0; i <= k % kN; ++i, ++at) EXPECT_EQ(dst[at], value_for<T>(world_of(k), i)) << "collect";
    t.sync();

    // alltoall: block j of member i's src goes to block i of member j's dst.
    for (int j = 0; j < tn; ++j)
      for (int i = 0; i < kN; ++i) src[kN * j + i] = value_for<T>(me(), kN * j + i);
    const std::size_t total = static_cast<std::size_t>(kN) * tn;
    cw::alltoall(t, dst.local().first(total), src.local().first(total));
    for (int k = 0; k < tn; ++k)
      for (int i = 0; i < kN; ++i)
        EXPECT_EQ(dst[kN * k + i], value_for<T>(world_of(k), kN * tme + i)) << "alltoall";
  });
}

TEST(Collectives, CollectFcollectAlltoallInt) { collect_fcollect_alltoall<int>(); }
TEST(Collectives, CollectFcollectAlltoallDouble) { collect_fcollect_alltoall<double>(); }
TEST(Collectives, CollectFcollectAlltoallStruct) { collect_fcollect_alltoall<Particle>(); }

// Every element of `dst` is `op` folded over the team's members' values, in team order.
template <class T, class Op>
void check_reduce(const cw::team& t, cw::sym_array<T>& dst, cw::sym_array<T>& src, std::size_t count, Op op,
                  const char* name) {
  const cw::team world = cw::team::world();
  for (std::size_t i = 0; i < count; ++i) src[i] = value_for<T>(me(), static_cast<int>(i));
  std::fill(dst.begin(), dst.end(), T{});
  t.sync();  // no member's reduction reads src before this one has filled it
  if (count == src.size()) {
    cw::reduce(t, dst, src, op);  // sym_array -> span for both
  } else {
    cw::reduce(t, dst.local().first(count), std::span<const T>(src.local()).first(count), op);
  }
  for (std::size_t i = 0; i < count; ++i) {
    T expect = value_for<T>(t.translate_pe(0, world), static_cast<int>(i));
    for (int k = 1; k < t.n_pes(); ++k)
      expect = op(expect, value_for<T>(t.translate_pe(k, world), static_cast<int>(i)));
    EXPECT_EQ(dst[i], expect) << name << " element " << i << " on a team of " << t.n_pes();
  }
  for (std::size_t i = count; i < dst.size(); ++i) EXPECT_EQ(dst[i], T{}) << name << ": wrote past the count";
  t.sync();  // every member has read dst (and others' src) before the next round
}

template <class T>
void reduce_every_op() {
  for (std::size_t n : {std::size_t{7}, std::size_t{3000}}) {
    cw::sym_array<T> src(n), dst(n);
    on_world_and_evens([&](const cw::team& t) {
      for (std::size_t count : {n, n - 2}) {
        check_reduce(t, dst, src, count, std::plus<>{}, "sum");
        check_reduce(t, dst, src, count, std::plus<T>{}, "sum<T>");
        check_reduce(t, dst, src, count, std::multiplies<>{}, "prod");
        check_reduce(t, dst, src, count, cw::minimum<>{}, "min");
        check_reduce(t, dst, src, count, cw::maximum<T>{}, "max<T>");
        if constexpr (std::is_integral_v<T>) {
          check_reduce(t, dst, src, count, std::bit_and<>{}, "and");
          check_reduce(t, dst, src, count, std::bit_or<T>{}, "or<T>");
          check_reduce(t, dst, src, count, std::bit_xor<>{}, "xor");
        }
      }
    });
  }
}

TEST(Reduce, EveryOpInt) { reduce_every_op<int>(); }
TEST(Reduce, EveryOpDouble) { reduce_every_op<double>(); }
TEST(Reduce, EveryOpUnsignedLong) { reduce_every_op<unsigned long>(); }

TEST(Reduce, ComplexSumAndProd) {
  using C = std::complex<double>;
  cw::sym_array<C> src(4), dst(4);
  on_world_and_evens([&](const cw::team& t) {
    check_reduce(t, dst, src, 4, std::plus<>{}, "complex sum");
    check_reduce(t, dst, src, 4, std::multiplies<C>{}, "complex prod");
  });
}

// The C++ side picks the routine at compile time: which op maps where, and which pairs exist.
static_assert(cw::detail::reduce_kind_of<std::plus<>, int> == cw::detail::reduce_kind::sum);
static_assert(cw::detail::reduce_kind_of<std::plus<int>, int> == cw::detail::reduce_kind::sum);
static_assert(cw::detail::reduce_kind_of<std::plus<long>, int> == cw::detail::reduce_kind::none);
static_assert(cw::detail::reduce_kind_of<std::minus<>, int> == cw::detail::reduce_kind::none);
static_assert(cw::detail::reduce_kind_of<cw::minimum<double>, double> == cw::detail::reduce_kind::min);
static_assert(cw::detail::in_openshmem_bitwise_reduce_types<std::uint8_t>);
static_assert(!cw::detail::in_openshmem_bitwise_reduce_types<double>);
static_assert(!cw::detail::in_openshmem_minmax_reduce_types<std::complex<float>>);
static_assert(cw::detail::in_openshmem_arith_reduce_types<std::complex<float>>);
static_assert(cw::minimum<>{}(3, 2) == 2 && cw::maximum<>{}(3, 2.5) == 3.0 &&
              cw::minimum<int>{}(-1, 4) == -1);

template <class T>
void scans() {
  constexpr int kN = 6;
  cw::sym_array<T> src(kN), inc(kN), exc(kN);
  for (int i = 0; i < kN; ++i) src[i] = value_for<T>(me(), i);
  on_world_and_evens([&](const cw::team& t) {
    const cw::team world = cw::team::world();
    cw::inclusive_scan(t, inc, src);
    cw::exclusive_scan(t, exc.local(), src, std::plus<T>{});
    for (int i = 0; i < kN; ++i) {
      T sum{};
      for (int k = 0; k < t.my_pe(); ++k) sum += value_for<T>(t.translate_pe(k, world), i);
      EXPECT_EQ(exc[i], sum) << "exclusive element " << i;
      EXPECT_EQ(inc[i], sum + value_for<T>(me(), i)) << "inclusive element " << i;
    }
    t.sync();
  });
}

TEST(Scan, Int) { scans<int>(); }
TEST(Scan, Double) { scans<double>(); }

}  // namespace

int main(int argc, char** argv) { return causeway_test::run_all_tests(argc, argv, g_rt); }
