// SPDX-License-Identifier: BSD-3-Clause
// Data-moving team collectives: broadcast, collect, fcollect, alltoall, alltoalls, for every
// standard RMA type (on the core shapes) and the mem forms (on every shape, up to 1 MiB).
#include "coll_util.hpp"

using namespace ct;

namespace {

template <class T>
struct Fns {
  int (*broadcast)(shmem_team_t, T*, const T*, size_t, int);
  int (*collect)(shmem_team_t, T*, const T*, size_t);
  int (*fcollect)(shmem_team_t, T*, const T*, size_t);
  int (*alltoall)(shmem_team_t, T*, const T*, size_t);
  int (*alltoalls)(shmem_team_t, T*, const T*, ptrdiff_t, ptrdiff_t, size_t);
};

using Byte = unsigned char;
const Fns<Byte> kMem = {
    [](shmem_team_t t, Byte* d, const Byte* s, size_t n, int root) {
      return shmem_broadcastmem(t, d, s, n, root);
    },
    [](shmem_team_t t, Byte* d, const Byte* s, size_t n) { return shmem_collectmem(t, d, s, n); },
    [](shmem_team_t t, Byte* d, const Byte* s, size_t n) { return shmem_fcollectmem(t, d, s, n); },
    [](shmem_team_t t, Byte* d, const Byte* s, size_t n) { return shmem_alltoallmem(t, d, s, n); },
    [](shmem_team_t t, Byte* d, const Byte* s, ptrdiff_t dst, ptrdiff_t sst, size_t n) {
      return shmem_alltoallsmem(t, d, s, dst, sst, n);
    },
};

// Counts elements that differ from `want(i)`; reports the first few.
template <class T, class F>
int mismatches(const T* got, std::size_t n, F&& want, const std::string& what) {
  int bad = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (!(got[i] == want(i))) {
      if (++bad <= 3) ADD_FAILURE() << what << ": element " << i << " is wrong";
    }
  return bad;
}

constexpr int kSentinelSalt = 77;

template <class T>
void check_broadcast(const Fns<T>& f, shmem_team_t team, T* dst, T* src, std::size_t count,
                     const std::string& what) {
  const std::vector<int> m = members(team);
  const int n = static_cast<int>(m.size());
  for (int root : {0, n - 1, n / 2}) {
    for (std::size_t i = 0; i < count; ++i) {
      src[i] = data_value<T>(me(), i, root);
      dst[i] = data_value<T>(me(), i, kSentinelSalt);
    }
    shmem_team_sync(team);
    EXPECT_EQ(f.broadcast(team, dst, src, count, root), 0);
    mismatches(
        dst, count, [&](std::size_t i) { return data_value<T>(m[root], i, root); },
        what + " broadcast root " + std::to_string(root));
    shmem_team_sync(team);
  }
}

template <class T>
void check_collect(const Fns<T>& f, shmem_team_t team, T* dst, T* src, std::size_t count,
                   const std::string& what) {
  const std::vector<int> m = members(team);
  const int n = static_cast<int>(m.size()), mine = shmem_team_my_pe(team);
  auto contribution = [&](int r) {
    return (count + static_cast<std::size_t>(r)) % (count + 1);
  };  // some zero
  std::size_t total = 0;
  for (int r = 0; r < n; ++r) total += contribution(r);
  for (std::size_t i = 0; i < contribution(mine); ++i) src[i] = data_value<T>(me(), i, 1);
  for (std::size_t i = 0; i < total + 1; ++i) dst[i] = data_value<T>(me(), i, kSentinelSalt);
  shmem_team_sync(team);
  EXPECT_EQ(f.collect(team, dst, src, contribution(mine)), 0);
  std::vector<T> want;
  for (int r = 0; r < n; ++r)
    for (std::size_t i = 0; i < contribution(r); ++i) want.push_back(data_value<T>(m[r], i, 1));
  want.push_back(data_value<T>(me(), total, kSentinelSalt));  // one past the end is untouched
  mismatches(
      dst, total + 1, [&](std::size_t i) { return want[i]; }, what + " collect");
  shmem_team_sync(team);
}

template <class T>
void check_fcollect(const Fns<T>& f, shmem_team_t team, T* dst, T* src, std::size_t count,
                    const std::string& what) {
  const std::vector<int> m = members(team);
  const std::size_t n = m.size();
  for (std::size_t i = 0; i < count; ++i) src[i] = data_value<T>(me(), i, 2);
  for (std::size_t i = 0; i < count * n + 1; ++i) dst[i] = data_value<T>(me(), i, kSentinelSalt);
  shmem_team_sync(team);
  EXPECT_EQ(f.fcollect(team, dst, src, count), 0);
  mismatches(
      dst, count * n + 1,
      [&](std::size_t i) {
        return i == count * n ? data_value<T>(me(), i, kSentinelSalt)
                              : data_value<T>(m[i / count], i % count, 2);
      },
      what + " fcollect");
  shmem_team_sync(team);
}

template <class T>
void check_alltoall(const Fns<T>& f, shmem_team_t team, T* dst, T* src, std::size_t count,
                    const std::string& what) {
  const std::vector<int> m = members(team);
  const std::size_t n = m.size(), mine = static_cast<std::size_t>(shmem_team_my_pe(team));
  for (std::size_t i = 0; i < count * n; ++i) src[i] = data_value<T>(me(), i, 3);
  for (std::size_t i = 0; i < count * n + 1; ++i) dst[i] = data_value<T>(me(), i, kSentinelSalt);
  shmem_team_sync(team);
  EXPECT_EQ(f.alltoall(team, dst, src, count), 0);
  // Block r of dest comes from rank r's block for this PE.
  mismatches(
      dst, count * n + 1,
      [&](std::size_t i) {
        if (i == count * n) return data_value<T>(me(), i, kSentinelSalt);
        return data_value<T>(m[i / count], mine * count + i % count, 3);
      },
      what + " alltoall");
  shmem_team_sync(team);
}

template <class T>
void check_alltoalls(const Fns<T>& f, shmem_team_t team, T* dst, T* src, std::size_t count,
                     const std::string& what) {
  const std::vector<int> m = members(team);
  const std::size_t n = m.size(), mine = static_cast<std::size_t>(shmem_team_my_pe(team));
  for (std::ptrdiff_t ds : {1, 3}) {
    for (std::ptrdiff_t ss : {1, 2}) {
      const std::size_t dext = count * n * static_cast<std::size_t>(ds),
                        sext = count * n * static_cast<std::size_t>(ss);
      for (std::size_t i = 0; i < sext; ++i) src[i] = data_value<T>(me(), i, 4);
      for (std::size_t i = 0; i < dext + 1; ++i) dst[i] = data_value<T>(me(), i, kSentinelSalt);
      shmem_team_sync(team);
      EXPECT_EQ(f.alltoalls(team, dst, src, ds, ss, count), 0);
      // Element k of block r lands at dest[(r*count + k)*ds] from rank r's source[(mine*count + k)*ss].
      mismatches(
          dst, dext + 1,
          [&](std::size_t i) {
            if (i % static_cast<std::size_t>(ds) != 0 || i == dext)
              return data_value<T>(me(), i, kSentinelSalt);
            const std::size_t e = i / static_cast<std::size_t>(ds);
            return data_value<T>(m[e / count], (mine * count + e % count) * static_cast<std::size_t>(ss), 4);
          },
          what + " alltoalls dst=" + std::to_string(ds) + " sst=" + std::to_string(ss));
      shmem_team_sync(team);
    }
  }
}

template <class T>
void check_all(const Fns<T>& f, const std::vector<Shape>& shapes, const std::vector<std::size_t>& counts,
               const char* type) {
  std::size_t most = 0;
  for (std::size_t c : counts) most = std::max(most, c);
  const std::size_t n = static_cast<std::size_t>(npes());
  Sym<T> src(most * n * 2 + 1), dst(most * n * 3 + 1);
  for_shapes(shapes, [&](shmem_team_t team, const char* shape) {
    for (std::size_t count : counts) {
      const std::string what =
          std::string(type) + " on " + shape + ", " + std::to_string(count) + " elements";
      check_broadcast(f, team, dst.get(), src.get(), count, what);
      check_collect(f, team, dst.get(), src.get(), count, what);
      check_fcollect(f, team, dst.get(), src.get(), count, what);
      check_alltoall(f, team, dst.get(), src.get(), count, what);
      check_alltoalls(f, team, dst.get(), src.get(), count, what);
    }
  });
}

#define CW_TEST_TYPED(TYPE, NAME)                                                                   \
  TEST(DataCollectives, NAME) {                                                                     \
    const Fns<TYPE> f = {shmem_##NAME##_broadcast, shmem_##NAME##_collect, shmem_##NAME##_fcollect, \
                         shmem_##NAME##_alltoall, shmem_##NAME##_alltoalls};                        \
    check_all(f, core_shapes(), {0, 1, 7, 4096 / sizeof(TYPE) + 3}, #NAME);                         \
  }
CW_RMA_TYPES(CW_TEST_TYPED)
#undef CW_TEST_TYPED

TEST(DataCollectives, MemFormsEveryShape) { check_all(kMem, all_shapes(), {0, 1, 13, 4099, 70001}, "mem"); }

// 1 MiB broadcasts and per-PE blocks (root push at 2 PEs, parallel pull beyond; a tree with
// CAUSEWAY_COLL_TREE_MIN_PES small).
TEST(DataCollectives, OneMiB) {
  const std::size_t n = static_cast<std::size_t>(npes());
  Sym<Byte> src(kMiB + 64), dst(kMiB + 64);
  for_shapes(core_shapes(), [&](shmem_team_t team, const char* shape) {
    const std::string what = std::string("1 MiB on ") + shape;
    check_broadcast(kMem, team, dst.get(), src.get(), kMiB, what);
    check_broadcast(kMem, team, dst.get(), src.get(), kMiB - 9, what + " (odd)");
    check_fcollect(kMem, team, dst.get(), src.get(), kMiB / n, what);
    check_alltoall(kMem, team, dst.get(), src.get(), kMiB / n, what);
    check_collect(kMem, team, dst.get(), src.get(), kMiB / (n + 1), what);
  });
}

// The team-based broadcast updates dest on the root too; dest == source is allowed.
TEST(DataCollectives, BroadcastInPlaceAndRootDest) {
  Sym<long> buf(1000);
  for_shapes(core_shapes(), [&](shmem_team_t team, const char*) {
    const std::vector<int> m = members(team);
    for (int i = 0; i < 1000; ++i) buf[i] = me() * 10000 + i;
    shmem_team_sync(team);
    EXPECT_EQ(shmem_long_broadcast(team, buf.get(), buf.get(), 1000, 0), 0);
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(buf[i], m[0] * 10000 + i);
    shmem_team_sync(team);
  });
}

// Back-to-back collectives on one team with no synchronisation in between (different buffers,
// as the specification allows): the team's scratch is reusable at once.
TEST(DataCollectives, BackToBackWithoutSync) {
  constexpr int kRounds = 40;
  Sym<int> src(64), out(static_cast<std::size_t>(64 * kRounds * npes()));
  for_shapes(all_shapes(), [&](shmem_team_t team, const char* shape) {
    const std::vector<int> m = members(team);
    const int n = static_cast<int>(m.size());
    for (int i = 0; i < 64; ++i) src[i] = me() + i;
    shmem_team_sync(team);
    for (int r = 0; r < kRounds; ++r) {
      int* d = out.get() + r * 64 * n;
      switch (r % 4) {
        case 0: shmem_int_broadcast(team, d, src.get(), 64, r % n); break;
        case 1: shmem_int_fcollect(team, d, src.get(), 8); break;
        case 2: shmem_int_sum_reduce(team, d, src.get(), 64); break;
        case 3: shmem_int_alltoall(team, d, src.get(), 64 / n); break;
      }
    }
    for (int r = 0; r < kRounds; ++r) {
      const int* d = out.get() + r * 64 * n;
      int bad = 0;
      for (int i = 0; i < 64 && (r % 4 != 1 || i < 8 * n) && (r % 4 != 3 || i < (64 / n) * n); ++i) {
        int want = 0;
        switch (r % 4) {
          case 0: want = m[r % n] + i; break;
          case 1: want = m[i / 8] + i % 8; break;
          case 2:
            for (int pe : m) want += pe + i;
            break;
          case 3: want = m[i / (64 / n)] + shmem_team_my_pe(team) * (64 / n) + i % (64 / n); break;
        }
        bad += d[i] != want;
      }
      EXPECT_EQ(bad, 0) << shape << " round " << r;
    }
    shmem_team_sync(team);
  });
}

}  // namespace
