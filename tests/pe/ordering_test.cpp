// SPDX-License-Identifier: BSD-3-Clause
// Ordering and completion: fence seen by a remote reader, quiet completing non-blocking transfers,
// barrier_all and sync_all (nobody leaves before everybody arrived), and the distributed locks.
#include <shmem.h>

#include <vector>

#include "pe_util.hpp"

namespace {

long load(const long* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

// Writer PE 2k sends rounds to reader PE 2k+1: data, fence, flag. The reader waits for the flag and
// must then see the whole round's data; it acknowledges before the writer starts the next round.
TEST(Ordering, FenceOrdersDataBeforeFlag) {
  constexpr int kRounds = 100;
  constexpr std::size_t kData = 512;
  pe::SymArray<long> data(kData), flag(1), ack(1), data_nbi(kData);
  const bool writer = pe::me() % 2 == 0 && pe::me() + 1 < pe::npes();
  const bool reader = pe::me() % 2 == 1;
  const int partner = writer ? pe::me() + 1 : pe::me() - 1;
  std::vector<long> buf(kData);
  long bad_rounds = 0;
  for (int r = 1; r <= kRounds; ++r) {
    if (writer) {
      for (std::size_t i = 0; i < kData; ++i) buf[i] = r * 100000L + long(i);
      switch (r % 4) {  // every way of writing the data, and of raising the flag
        case 0: shmem_long_put(data.get(), buf.data(), kData, partner); break;
        case 1: shmem_long_put_nbi(data.get(), buf.data(), kData, partner); break;
        case 2: shmem_putmem(data.get(), buf.data(), kData * sizeof(long), partner); break;
        case 3:
          for (std::size_t i = 0; i < kData; ++i) shmem_long_p(&data[i], buf[i], partner);
          break;
      }
      shmem_long_put_nbi(data_nbi.get(), buf.data(), kData, partner);
      shmem_fence();
      if (r % 2)
        shmem_long_p(flag.get(), r, partner);
      else
        shmem_long_atomic_set(flag.get(), r, partner);
      shmem_long_wait_until(ack.get(), SHMEM_CMP_GE, r);
    } else if (reader) {
      shmem_long_wait_until(flag.get(), SHMEM_CMP_GE, r);
      EXPECT_EQ(load(flag.get()), r) << "the writer went ahead without an ack";
      std::size_t wrong = 0;
      for (std::size_t i = 0; i < kData; ++i)
        wrong += data[i] != r * 100000L + long(i) || data_nbi[i] != data[i];
      bad_rounds += wrong != 0;
      shmem_long_p(ack.get(), r, partner);
    }
  }
  EXPECT_EQ(bad_rounds, 0) << "rounds in which the flag arrived before the data it was fenced behind";
  shmem_barrier_all();
}

// Atomics before a fence land before puts after it, also where the two take different transports
// (the mixed configurations: puts to a same-node peer through shm, atomics through a NIC-like one).
TEST(Ordering, FenceOrdersAtomicsBeforeLaterPuts) {
  constexpr int kRounds = 200;
  pe::SymArray<long> counter(1), flag(1), ack(1);
  const bool writer = pe::me() % 2 == 0 && pe::me() + 1 < pe::npes();
  const bool reader = pe::me() % 2 == 1;
  const int partner = writer ? pe::me() + 1 : pe::me() - 1;
  shmem_barrier_all();
  long bad_rounds = 0;
  for (int r = 1; r <= kRounds; ++r) {
    if (writer) {
      shmem_long_atomic_add(counter.get(), 1, partner);
      shmem_fence();
      shmem_long_p(flag.get(), r, partner);
      shmem_long_wait_until(ack.get(), SHMEM_CMP_GE, r);
    } else if (reader) {
      shmem_long_wait_until(flag.get(), SHMEM_CMP_GE, r);
      bad_rounds += shmem_long_atomic_fetch(counter.get(), pe::me()) != r;
      shmem_long_p(ack.get(), r, partner);
    }
  }
  EXPECT_EQ(bad_rounds, 0) << "rounds in which the flag arrived before the atomic it was fenced behind";
  shmem_barrier_all();
}

// quiet completes put_nbi (the target sees the data once a flag sent after quiet arrives) and
// get_nbi (the local buffer is filled once quiet returns).
TEST(Ordering, QuietCompletesNonBlockingTransfers) {
  constexpr std::size_t kBytes = 256 * 1024 + 7;
  pe::SymArray<unsigned char> dst(kBytes), src(kBytes);
  pe::SymArray<long> flag(1);
  for (int round = 1; round <= 3; ++round) {
    const unsigned salt = 40 + round;
    pe::fill(src.get(), kBytes, pe::me(), salt);
    shmem_barrier_all();
    shmem_putmem_nbi(dst.get(), src.get(), kBytes, pe::right());
    std::vector<unsigned char> got(kBytes);
    shmem_getmem_nbi(got.data(), src.get(), kBytes, pe::right());
    shmem_quiet();
    EXPECT_TRUE(pe::matches(got.data(), kBytes, pe::right(), salt)) << "get_nbi incomplete after quiet";
    shmem_long_p(flag.get(), round, pe::right());
    shmem_long_wait_until(flag.get(), SHMEM_CMP_GE, round);
    EXPECT_TRUE(pe::matches(dst.get(), kBytes, pe::left(), salt)) << "put_nbi incomplete after quiet";
    shmem_barrier_all();
  }
}

// barrier_all completes outstanding puts: no quiet needed before it.
TEST(Barrier, BarrierAllCompletesPuts) {
  constexpr std::size_t kBytes = 64 * 1024;
  pe::SymArray<unsigned char> dst(kBytes);
  std::vector<unsigned char> src(kBytes);
  for (int round = 1; round <= 3; ++round) {
    pe::fill(src.data(), kBytes, pe::me(), 60 + round);
    shmem_putmem_nbi(dst.get(), src.data(), kBytes, pe::right());
    shmem_barrier_all();
    EXPECT_TRUE(pe::matches(dst.get(), kBytes, pe::left(), 60 + round));
    shmem_barrier_all();
  }
}

// No PE leaves a barrier before every PE has arrived. Each round one PE (rotating) arrives late;
// before arriving, every PE records the round at every PE and bumps a counter on PE 0.
template <class Barrier>
void no_early_leaver(Barrier barrier) {
  constexpr int kRounds = 12;
  const int n = pe::npes();
  pe::SymArray<long> arrived(n), counter(1);
  shmem_barrier_all();
  for (int r = 1; r <= kRounds; ++r) {
    if (pe::me() == r % n) pe::sleep_ms(2);
    for (int t = 0; t < n; ++t) shmem_long_p(&arrived[pe::me()], r, t);
    shmem_quiet();
    (void)shmem_long_atomic_fetch_inc(counter.get(), 0);
    barrier();
    for (int t = 0; t < n; ++t) {
      EXPECT_GE(load(&arrived[t]), r) << "PE " << t << " had not arrived in round " << r;
    }
    const long count = shmem_long_atomic_fetch(counter.get(), 0);
    // Every PE's increment of this round is in; at most the n-1 others have started the next one.
    EXPECT_GE(count, long(n) * r);
    EXPECT_LE(count, long(n) * r + n - 1);
  }
  shmem_barrier_all();
}

TEST(Barrier, BarrierAllWaitsForEveryone) {
  no_early_leaver([] { shmem_barrier_all(); });
}
TEST(Barrier, SyncAllWaitsForEveryone) {
  no_early_leaver([] { shmem_sync_all(); });
}

// Many barriers back to back, alternating both kinds (epochs must never be confused).
TEST(Barrier, ManyInARow) {
  pe::SymArray<long> counter(1);
  for (int r = 1; r <= 60; ++r) {
    if (pe::me() == 0) {
      shmem_long_atomic_inc(counter.get(), 0);
      if (r % 2 == 0) shmem_quiet();  // sync_all only synchronises; it completes nothing
    }
    if (r % 2)
      shmem_barrier_all();
    else
      shmem_sync_all();
    EXPECT_EQ(shmem_long_atomic_fetch(counter.get(), 0), r);
    if (r % 2)
      shmem_sync_all();
    else
      shmem_barrier_all();
  }
}

// ---- Locks ----

long g_lock_global;
long g_lock_counter_global;

// N PEs x K iterations increment a plain (non-atomic) counter on PE 0 under the lock: get, +1, put,
// quiet. An `inside` word checks that nobody else is in the critical section.
void mutual_exclusion(long* lock, long* counter, long* inside, bool use_test_lock) {
  constexpr int kIters = 15;
  if (pe::me() == 0) *counter = 0, *inside = 0;
  shmem_barrier_all();
  long overlaps = 0;
  for (int k = 0; k < kIters; ++k) {
    if (use_test_lock) {
      while (shmem_test_lock(lock) != 0) {
      }
    } else {
      shmem_set_lock(lock);
    }
    overlaps += shmem_long_atomic_fetch_inc(inside, 0) != 0;
    const long v = shmem_long_g(counter, 0);
    if (k % 3 == 0) sched_yield();  // let others try to get in
    shmem_long_p(counter, v + 1, 0);
    shmem_quiet();
    shmem_long_atomic_add(inside, -1, 0);
    shmem_clear_lock(lock);
  }
  shmem_barrier_all();
  EXPECT_EQ(overlaps, 0) << "two PEs were inside the critical section at once";
  if (pe::me() == 0) {
    EXPECT_EQ(*counter, long(pe::npes()) * kIters) << "increments were lost";
  }
  shmem_barrier_all();
}

TEST(Locks, SetLockMutualExclusionHeap) {
  pe::SymArray<long> lock(1), counter(1), inside(1);
  mutual_exclusion(lock.get(), counter.get(), inside.get(), false);
}

TEST(Locks, TestLockMutualExclusionHeap) {
  pe::SymArray<long> lock(1), counter(1), inside(1);
  mutual_exclusion(lock.get(), counter.get(), inside.get(), true);
}

TEST(Locks, SetLockMutualExclusionGlobal) {
  SKIP_IF_GLOBAL_ATOMICS_UNSUPPORTED();
  pe::SymArray<long> inside(1);
  mutual_exclusion(&g_lock_global, &g_lock_counter_global, inside.get(), false);
}

// test_lock: 0 when it takes the lock, 1 while another PE holds it.
TEST(Locks, TestLockReportsHolder) {
  pe::SymArray<long> lock(1);
  const int n = pe::npes();
  if (pe::me() == 0) {
    EXPECT_EQ(shmem_test_lock(lock.get()), 0) << "a free lock was not acquired";
  }
  shmem_barrier_all();
  if (pe::me() != 0) {
    EXPECT_EQ(shmem_test_lock(lock.get()), 1) << "acquired a lock PE 0 holds";
  }
  shmem_barrier_all();
  if (pe::me() == 0) shmem_clear_lock(lock.get());
  shmem_barrier_all();
  const int next = n > 1 ? 1 : 0;
  if (pe::me() == next) {
    EXPECT_EQ(shmem_test_lock(lock.get()), 0) << "the released lock was not acquired";
  }
  shmem_barrier_all();
  if (pe::me() != next) {
    EXPECT_EQ(shmem_test_lock(lock.get()), 1);
  }
  shmem_barrier_all();
  if (pe::me() == next) shmem_clear_lock(lock.get());
  shmem_barrier_all();
  // Free again: set_lock returns at once everywhere in turn.
  for (int t = 0; t < n; ++t) {
    if (pe::me() == t) {
      shmem_set_lock(lock.get());
      shmem_clear_lock(lock.get());
    }
    shmem_barrier_all();
  }
}

}  // namespace
