// SPDX-License-Identifier: BSD-3-Clause
// Team management: predefined teams, queries, strided and 2-D splits (including the spec's failure
// return codes), nested splits, slot exhaustion and reuse, independent teams, shmem_team_ptr.
#include <algorithm>
#include <cstring>
#include <thread>

#include "coll_util.hpp"

using namespace ct;

namespace {

TEST(Teams, World) {
  EXPECT_EQ(shmem_team_my_pe(SHMEM_TEAM_WORLD), me());
  EXPECT_EQ(shmem_team_n_pes(SHMEM_TEAM_WORLD), npes());
  for (int pe = 0; pe < npes(); ++pe)
    EXPECT_EQ(shmem_team_translate_pe(SHMEM_TEAM_WORLD, pe, SHMEM_TEAM_WORLD), pe);
  EXPECT_EQ(shmem_team_translate_pe(SHMEM_TEAM_WORLD, npes(), SHMEM_TEAM_WORLD), -1);
  EXPECT_EQ(shmem_team_translate_pe(SHMEM_TEAM_WORLD, -1, SHMEM_TEAM_WORLD), -1);
  shmem_team_config_t config{-7};
  EXPECT_EQ(shmem_team_get_config(SHMEM_TEAM_WORLD, SHMEM_TEAM_NUM_CONTEXTS, &config), 0);
  EXPECT_GE(config.num_contexts, 0);
  EXPECT_EQ(shmem_team_sync(SHMEM_TEAM_WORLD), 0);
  EXPECT_NE(shmem_team_get_config(SHMEM_TEAM_WORLD, SHMEM_TEAM_NUM_CONTEXTS, nullptr), 0);
  EXPECT_NE(shmem_team_get_config(SHMEM_TEAM_WORLD, 1L << 9, &config), 0);
  EXPECT_EQ(shmem_team_get_config(SHMEM_TEAM_WORLD, 0, nullptr), 0);
}

TEST(Teams, SharedHoldsExactlyTheLoadStorePeers) {
  Sym<long> heap_word(1);
  long& word = heap_word[0];
  const std::vector<int> shared = members(SHMEM_TEAM_SHARED);
  ASSERT_GE(shared.size(), 1u);
  EXPECT_NE(std::find(shared.begin(), shared.end(), me()), shared.end());
  EXPECT_EQ(shmem_team_my_pe(SHMEM_TEAM_SHARED),
            static_cast<int>(std::find(shared.begin(), shared.end(), me()) - shared.begin()));
  for (int pe = 0; pe < npes(); ++pe) {
    const bool in = std::find(shared.begin(), shared.end(), pe) != shared.end();
    EXPECT_EQ(in, shmem_ptr(&word, pe) != nullptr) << "PE " << pe;
  }
  const char* transports = std::getenv("CAUSEWAY_TRANSPORTS");
  const bool nic_like =
      transports && (std::strstr(transports, "loopback_async") || std::strstr(transports, "ucx") ||
                     std::strstr(transports, "ofi"));  // no load/store to peers
  if (!env_is_off("CAUSEWAY_DIRECT_ACCESS") && !nic_like) {
    EXPECT_EQ(static_cast<int>(shared.size()), npes());  // one node
  }
  EXPECT_EQ(shmem_team_n_pes(SHMEM_TEAM_NODE), npes());
  EXPECT_EQ(shmem_team_sync(SHMEM_TEAM_SHARED), 0);
  EXPECT_EQ(shmem_team_sync(SHMEM_TEAM_NODE), 0);
}

TEST(Teams, InvalidHandleQueries) {
  EXPECT_EQ(shmem_team_my_pe(SHMEM_TEAM_INVALID), -1);
  EXPECT_EQ(shmem_team_n_pes(SHMEM_TEAM_INVALID), -1);
  shmem_team_config_t config{};
  EXPECT_NE(shmem_team_get_config(SHMEM_TEAM_INVALID, SHMEM_TEAM_NUM_CONTEXTS, &config), 0);
  EXPECT_EQ(shmem_team_translate_pe(SHMEM_TEAM_INVALID, 0, SHMEM_TEAM_WORLD), -1);
  EXPECT_EQ(shmem_team_translate_pe(SHMEM_TEAM_WORLD, 0, SHMEM_TEAM_INVALID), -1);
  static long word;
  EXPECT_EQ(shmem_team_ptr(SHMEM_TEAM_INVALID, &word, 0), nullptr);
  shmem_team_destroy(SHMEM_TEAM_INVALID);  // no-op
  shmem_team_t t = SHMEM_TEAM_WORLD;
  EXPECT_NE(shmem_team_split_strided(SHMEM_TEAM_INVALID, 0, 1, 1, nullptr, 0, &t), 0);
  EXPECT_EQ(t, SHMEM_TEAM_INVALID);
  shmem_team_t x = SHMEM_TEAM_WORLD, y = SHMEM_TEAM_WORLD;
  EXPECT_NE(shmem_team_split_2d(SHMEM_TEAM_INVALID, 1, nullptr, 0, &x, nullptr, 0, &y), 0);
  EXPECT_EQ(x, SHMEM_TEAM_INVALID);
  EXPECT_EQ(y, SHMEM_TEAM_INVALID);
}

// Expected members of a strided split, in parent ranks.
std::vector<int> triplet(int start, int stride, int size) {
  std::vector<int> v;
  for (int i = 0; i < size; ++i) v.push_back(start + stride * i);
  return v;
}

void expect_split(int start, int stride, int size) {
  SCOPED_TRACE("split_strided(WORLD, " + std::to_string(start) + ", " + std::to_string(stride) + ", " +
               std::to_string(size) + ")");
  shmem_team_config_t config{3};
  shmem_team_t t = SHMEM_TEAM_WORLD;
  EXPECT_EQ(
      shmem_team_split_strided(SHMEM_TEAM_WORLD, start, stride, size, &config, SHMEM_TEAM_NUM_CONTEXTS, &t),
      0);
  const std::vector<int> want = triplet(start, stride, size);
  const auto at = std::find(want.begin(), want.end(), me());
  if (at == want.end()) {
    EXPECT_EQ(t, SHMEM_TEAM_INVALID);
    return;
  }
  ASSERT_NE(t, SHMEM_TEAM_INVALID);
  EXPECT_EQ(shmem_team_n_pes(t), size);
  EXPECT_EQ(shmem_team_my_pe(t), static_cast<int>(at - want.begin()));
  EXPECT_EQ(members(t), want);
  for (int r = 0; r < size; ++r) EXPECT_EQ(shmem_team_translate_pe(SHMEM_TEAM_WORLD, want[r], t), r);
  shmem_team_config_t got{};
  EXPECT_EQ(shmem_team_get_config(t, SHMEM_TEAM_NUM_CONTEXTS, &got), 0);
  EXPECT_EQ(got.num_contexts, 3);
  EXPECT_EQ(shmem_team_sync(t), 0);
  static long word;
  for (int r = 0; r < size; ++r) EXPECT_EQ(shmem_team_ptr(t, &word, r), shmem_ptr(&word, want[r]));
  EXPECT_EQ(shmem_team_ptr(t, &word, size), nullptr);
  shmem_team_destroy(t);
}

TEST(Teams, SplitStrided) {
  const int n = npes();
  expect_split(0, 1, n);
  expect_split(0, 2, (n + 1) / 2);
  expect_split(n - 1, -1, n);  // the whole world, reversed
  expect_split(n - 1, 0, 1);   // stride 0 with size 1
  expect_split(n / 2, 5, 1);
  if (n >= 3) expect_split(1, 2, n / 2);
  if (n >= 4) expect_split(n - 1, -3, (n - 1) / 3 + 1);
}

TEST(Teams, SplitStridedInvalidTripletsFailEverywhere) {
  const int n = npes();
  struct Bad {
    int start, stride, size;
  } bad[] = {{0, 1, 0},     {0, 1, -2}, {-1, 1, 1}, {n, 1, 1},
             {0, 1, n + 1}, {0, 0, 2},  {0, -1, 2}, {n - 1, 2, 2}};
  for (const Bad& b : bad) {
    shmem_team_t t = SHMEM_TEAM_WORLD;
    EXPECT_NE(shmem_team_split_strided(SHMEM_TEAM_WORLD, b.start, b.stride, b.size, nullptr, 0, &t), 0)
        << b.start << ", " << b.stride << ", " << b.size;
    EXPECT_EQ(t, SHMEM_TEAM_INVALID);
  }
  // A config mask asking for a field of a NULL config, or a negative context count.
  shmem_team_t t = SHMEM_TEAM_WORLD;
  EXPECT_NE(shmem_team_split_strided(SHMEM_TEAM_WORLD, 0, 1, n, nullptr, SHMEM_TEAM_NUM_CONTEXTS, &t), 0);
  EXPECT_EQ(t, SHMEM_TEAM_INVALID);
  shmem_team_config_t negative{-1};
  EXPECT_NE(shmem_team_split_strided(SHMEM_TEAM_WORLD, 0, 1, n, &negative, SHMEM_TEAM_NUM_CONTEXTS, &t), 0);
  EXPECT_EQ(t, SHMEM_TEAM_INVALID);
  // The world still works afterwards.
  EXPECT_EQ(shmem_team_sync(SHMEM_TEAM_WORLD), 0);
}

void expect_2d(int xrange) {
  SCOPED_TRACE("split_2d(WORLD, " + std::to_string(xrange) + ")");
  const int n = npes();
  shmem_team_t x = SHMEM_TEAM_INVALID, y = SHMEM_TEAM_INVALID;
  EXPECT_EQ(shmem_team_split_2d(SHMEM_TEAM_WORLD, xrange, nullptr, 0, &x, nullptr, 0, &y), 0);
  ASSERT_NE(x, SHMEM_TEAM_INVALID);
  ASSERT_NE(y, SHMEM_TEAM_INVALID);
  const int xr = std::min(xrange, n);
  // (x, y) = (pe mod xrange, pe div xrange); rank in the x-team is x, in the y-team y.
  EXPECT_EQ(shmem_team_my_pe(x), me() % xr);
  EXPECT_EQ(shmem_team_my_pe(y), me() / xr);
  std::vector<int> row, col;
  for (int pe = 0; pe < n; ++pe) {
    if (pe / xr == me() / xr) row.push_back(pe);
    if (pe % xr == me() % xr) col.push_back(pe);
  }
  EXPECT_EQ(members(x), row);
  EXPECT_EQ(members(y), col);
  EXPECT_EQ(shmem_team_sync(x), 0);
  EXPECT_EQ(shmem_team_sync(y), 0);
  shmem_team_destroy(x);
  shmem_team_destroy(y);
}

TEST(Teams, Split2d) {
  for (int xrange : {1, 2, 3, npes(), npes() + 2}) expect_2d(xrange);
  shmem_team_t x = SHMEM_TEAM_WORLD, y = SHMEM_TEAM_WORLD;
  EXPECT_NE(shmem_team_split_2d(SHMEM_TEAM_WORLD, 0, nullptr, 0, &x, nullptr, 0, &y), 0);
  EXPECT_EQ(x, SHMEM_TEAM_INVALID);
  EXPECT_EQ(y, SHMEM_TEAM_INVALID);
  // Different configurations per axis.
  shmem_team_config_t xc{2}, yc{5};
  EXPECT_EQ(shmem_team_split_2d(SHMEM_TEAM_WORLD, 2, &xc, SHMEM_TEAM_NUM_CONTEXTS, &x, &yc,
                                SHMEM_TEAM_NUM_CONTEXTS, &y),
            0);
  shmem_team_config_t got{};
  EXPECT_EQ(shmem_team_get_config(x, SHMEM_TEAM_NUM_CONTEXTS, &got), 0);
  EXPECT_EQ(got.num_contexts, 2);
  EXPECT_EQ(shmem_team_get_config(y, SHMEM_TEAM_NUM_CONTEXTS, &got), 0);
  EXPECT_EQ(got.num_contexts, 5);
  shmem_team_destroy(x);
  shmem_team_destroy(y);
}

TEST(Teams, NestedSplitsTranslate) {
  std::vector<shmem_team_t> owned;
  shmem_team_t even = split(SHMEM_TEAM_WORLD, 0, 2, (npes() + 1) / 2, owned);
  if (even != SHMEM_TEAM_INVALID) {
    const int n = shmem_team_n_pes(even);
    // The even PEs in reverse, then every other one of those.
    shmem_team_t rev = split(even, n - 1, -1, n, owned);
    ASSERT_NE(rev, SHMEM_TEAM_INVALID);
    EXPECT_EQ(shmem_team_my_pe(rev), n - 1 - me() / 2);
    EXPECT_EQ(shmem_team_translate_pe(rev, 0, SHMEM_TEAM_WORLD), 2 * (n - 1));
    EXPECT_EQ(shmem_team_translate_pe(rev, 0, even), n - 1);
    shmem_team_t sub = split(rev, 0, 2, (n + 1) / 2, owned);
    if (sub != SHMEM_TEAM_INVALID) {
      const std::vector<int> m = members(sub);
      for (std::size_t r = 0; r < m.size(); ++r) EXPECT_EQ(m[r], 2 * (n - 1 - 2 * static_cast<int>(r)));
      EXPECT_EQ(shmem_team_translate_pe(sub, 0, rev), 0);
      EXPECT_EQ(shmem_team_sync(sub), 0);
    }
    // PEs outside a team translate to -1.
    if (npes() > 1) {
      EXPECT_EQ(shmem_team_translate_pe(SHMEM_TEAM_WORLD, 1, even), -1);
    }
  }
  shmem_barrier_all();
  for (auto it = owned.rbegin(); it != owned.rend(); ++it) shmem_team_destroy(*it);
}

// Teams until no slot is left: the failing split fails on every PE, and destroying teams makes room.
TEST(Teams, SlotsRunOutThenComeBack) {
  std::vector<shmem_team_t> teams;
  int rc = 0;
  for (int i = 0; i < 80 && rc == 0; ++i) {
    shmem_team_t t = SHMEM_TEAM_INVALID;
    rc = shmem_team_split_strided(SHMEM_TEAM_WORLD, 0, 1, npes(), nullptr, 0, &t);
    if (rc == 0) {
      EXPECT_NE(t, SHMEM_TEAM_INVALID);
      teams.push_back(t);
    } else {
      EXPECT_EQ(t, SHMEM_TEAM_INVALID);
    }
  }
  EXPECT_NE(rc, 0) << "80 teams and never out of slots";
  EXPECT_GE(teams.size(), 4u);
  // Every PE made the same number: a world max reduction of the count equals the count.
  static long count, most;
  count = static_cast<long>(teams.size());
  shmem_barrier_all();
  EXPECT_EQ(shmem_long_max_reduce(SHMEM_TEAM_WORLD, &most, &count, 1), 0);
  EXPECT_EQ(most, count);
  // Every team works (collectives on the last and the first).
  EXPECT_EQ(shmem_team_sync(teams.back()), 0);
  EXPECT_EQ(shmem_team_sync(teams.front()), 0);
  for (shmem_team_t t : teams) shmem_team_destroy(t);
  shmem_team_t t = SHMEM_TEAM_INVALID;
  EXPECT_EQ(shmem_team_split_strided(SHMEM_TEAM_WORLD, 0, 1, npes(), nullptr, 0, &t), 0);
  EXPECT_EQ(shmem_team_sync(t), 0);
  shmem_team_destroy(t);
}

// Slots released by one team and taken by another carry no stale state: many create/use/destroy
// cycles with collectives in between, including teams of different members on the same slot.
TEST(Teams, SlotReuseAcrossManyTeams) {
  static long src[4], dst[4];
  for (int round = 0; round < 20; ++round) {
    std::vector<shmem_team_t> owned;
    const int n = npes();
    shmem_team_t t = round % 2 ? split(SHMEM_TEAM_WORLD, 0, 2, (n + 1) / 2, owned)
                               : split(SHMEM_TEAM_WORLD, n - 1, -1, n, owned);
    if (t != SHMEM_TEAM_INVALID) {
      for (int i = 0; i < 4; ++i) src[i] = round + i + me();
      EXPECT_EQ(shmem_long_sum_reduce(t, dst, src, 4), 0);
      long want = 0;
      for (int pe : members(t)) want += round + pe;
      for (int i = 0; i < 4; ++i) EXPECT_EQ(dst[i], want + i * shmem_team_n_pes(t)) << "round " << round;
    }
    shmem_barrier_all();
    for (shmem_team_t o : owned) shmem_team_destroy(o);
  }
}

// Collectives on two teams sharing PEs, entered in different orders on different PEs: each team's
// scratch is its own, so neither is confused by the other's traffic.
TEST(Teams, TeamsAreIndependent) {
  if (npes() < 3) GTEST_SKIP() << "needs 3 PEs";
  // Only a pushed broadcast lets the root go on without its receivers; a pulled one would deadlock
  // this (legitimately: the specification promises neither).
  const char* push_max = std::getenv("CAUSEWAY_COLL_BCAST_PUSH_MAX");
  if (push_max && std::atol(push_max) < 64) GTEST_SKIP() << "broadcasts are pulled";
  std::vector<shmem_team_t> owned;
  shmem_team_t dup = split(SHMEM_TEAM_WORLD, 0, 1, npes(), owned);
  shmem_team_t even = split(SHMEM_TEAM_WORLD, 0, 2, (npes() + 1) / 2, owned);
  static long a[8], b[8], in_a[8], in_b[8];
  for (int i = 0; i < 8; ++i) {
    in_a[i] = 100 + i;
    in_b[i] = 200 + i;
  }
  shmem_barrier_all();
  // PE 0 is root of both broadcasts (pushed; nobody waits for a receiver). PE 0 does dup then even,
  // the other even PEs even then dup.
  if (me() == 0) {
    EXPECT_EQ(shmem_long_broadcast(dup, a, in_a, 8, 0), 0);
    EXPECT_EQ(shmem_long_broadcast(even, b, in_b, 8, 0), 0);
  } else if (even != SHMEM_TEAM_INVALID) {
    EXPECT_EQ(shmem_long_broadcast(even, b, in_b, 8, 0), 0);
    EXPECT_EQ(shmem_long_broadcast(dup, a, in_a, 8, 0), 0);
  } else {
    EXPECT_EQ(shmem_long_broadcast(dup, a, in_a, 8, 0), 0);
  }
  for (int i = 0; i < 8; ++i) EXPECT_EQ(a[i], 100 + i);
  if (even != SHMEM_TEAM_INVALID) {
    for (int i = 0; i < 8; ++i) EXPECT_EQ(b[i], 200 + i);
  }
  shmem_barrier_all();
  for (auto it = owned.rbegin(); it != owned.rend(); ++it) shmem_team_destroy(*it);
}

// Disjoint teams run collectives at the same time (the 2-D rows each reduce, repeatedly).
TEST(Teams, DisjointTeamsConcurrently) {
  std::vector<shmem_team_t> owned;
  shmem_team_t row = split2d(true, 2, owned);
  static long src[64], dst[64];
  for (int it = 0; it < 50; ++it) {
    for (int i = 0; i < 64; ++i) src[i] = me() * it + i;
    EXPECT_EQ(shmem_long_sum_reduce(row, dst, src, 64), 0);
    long base = 0;
    for (int pe : members(row)) base += pe * it;
    for (int i = 0; i < 64; ++i) EXPECT_EQ(dst[i], base + i * shmem_team_n_pes(row));
    EXPECT_EQ(shmem_team_sync(row), 0);
  }
  shmem_barrier_all();
  for (shmem_team_t t : owned) shmem_team_destroy(t);
}

// SHMEM_THREAD_MULTIPLE: two threads per PE, each running collectives on its own team at the same
// time (the specification allows concurrency across teams, not within one).
TEST(Teams, ThreadsOnDifferentTeams) {
  int level = 0;
  shmem_query_thread(&level);
  if (level < SHMEM_THREAD_MULTIPLE) GTEST_SKIP() << "needs SHMEM_THREAD_MULTIPLE";
  std::vector<shmem_team_t> owned;
  shmem_team_t teams[2] = {split(SHMEM_TEAM_WORLD, 0, 1, npes(), owned),
                           split(SHMEM_TEAM_WORLD, npes() - 1, -1, npes(), owned)};
  Sym<long> src(2 * 3000), dst(2 * 3000 * static_cast<std::size_t>(npes()));
  int bad[2] = {0, 0};
  auto work = [&](int k) {
    shmem_team_t t = teams[k];
    long* s = src.get() + k * 3000;
    long* d = dst.get() + static_cast<std::size_t>(k) * 3000 * static_cast<std::size_t>(npes());
    const std::vector<int> m = members(t);
    for (int round = 0; round < 30; ++round) {
      const std::size_t count = round % 2 ? 3000 : 10;  // two-shot and one-shot
      for (std::size_t i = 0; i < count; ++i) s[i] = me() * 7 + static_cast<long>(i) + round + k;
      shmem_team_sync(t);
      shmem_long_sum_reduce(t, d, s, count);
      for (std::size_t i = 0; i < count; ++i) {
        long want = 0;
        for (int pe : m) want += pe * 7 + static_cast<long>(i) + round + k;
        bad[k] += d[i] != want;
      }
      shmem_team_sync(t);
      shmem_long_fcollect(t, d, s, count);
      for (std::size_t i = 0; i < count * m.size(); ++i)
        bad[k] += d[i] != m[i / count] * 7 + static_cast<long>(i % count) + round + k;
      shmem_team_sync(t);
    }
  };
  std::thread other(work, 1);
  work(0);
  other.join();
  EXPECT_EQ(bad[0], 0);
  EXPECT_EQ(bad[1], 0);
  shmem_barrier_all();
  for (shmem_team_t t : owned) shmem_team_destroy(t);
}

}  // namespace
