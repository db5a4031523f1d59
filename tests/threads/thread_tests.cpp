// SPDX-License-Identifier: BSD-3-Clause
// SHMEM_THREAD_MULTIPLE: several threads per PE issue RMA, atomics, waits and allocations at once.
// Run under ThreadSanitizer too (suite 'tsan'): it must report no data race inside the library.
#include <gtest/gtest.h>
#include <shmem.h>

#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 4;
constexpr int kIterations = 500;

template <class Body>
void run_threads(Body body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(body, t);
  for (auto& thread : threads) thread.join();
}

TEST(ThreadMultiple, ProvidedLevelIsMultiple) {
  int provided = -1;
  shmem_query_thread(&provided);
  EXPECT_EQ(provided, SHMEM_THREAD_MULTIPLE);
}

TEST(ThreadMultiple, ConcurrentFetchAddFromEveryThreadOfEveryPe) {
  const int n = shmem_n_pes();
  auto* counters = static_cast<long*>(shmem_calloc(n, sizeof(long)));
  ASSERT_NE(counters, nullptr);
  run_threads([&](int) {
    for (int i = 0; i < kIterations; ++i)
      for (int pe = 0; pe < n; ++pe) shmem_long_atomic_fetch_add(&counters[shmem_my_pe()], 1, pe);
  });
  shmem_barrier_all();
  // Every PE's slot `src` on every PE got kThreads * kIterations increments from PE src.
  for (int src = 0; src < n; ++src)
    EXPECT_EQ(shmem_long_atomic_fetch(&counters[src], shmem_my_pe()), long(kThreads) * kIterations);
  shmem_free(counters);
}

TEST(ThreadMultiple, ThreadsPutDisjointSlotsThenQuiet) {
  const int n = shmem_n_pes(), me = shmem_my_pe(), right = (me + 1) % n;
  auto* slots = static_cast<int*>(shmem_calloc(kThreads * kIterations, sizeof(int)));
  ASSERT_NE(slots, nullptr);
  run_threads([&](int t) {
    for (int i = 0; i < kIterations; ++i)
      shmem_int_p(&slots[t * kIterations + i], me * 100000 + t * 1000 + i, right);
    shmem_quiet();
  });
  shmem_barrier_all();
  const int left = (me + n - 1) % n;
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kIterations; ++i) ASSERT_EQ(slots[t * kIterations + i], left * 100000 + t * 1000 + i);
  shmem_free(slots);
}

TEST(ThreadMultiple, OneThreadWaitsWhileAnotherSignals) {
  const int n = shmem_n_pes(), me = shmem_my_pe();
  auto* flag = static_cast<long*>(shmem_calloc(1, sizeof(long)));
  ASSERT_NE(flag, nullptr);
  std::thread waiter([&] { shmem_long_wait_until(flag, SHMEM_CMP_GE, n); });
  std::thread signaller([&] {
    for (int pe = 0; pe < n; ++pe) shmem_long_atomic_inc(flag, pe);
  });
  signaller.join();
  waiter.join();
  EXPECT_GE(shmem_long_atomic_fetch(flag, me), n);
  shmem_barrier_all();
  shmem_free(flag);
}

TEST(ThreadMultiple, LockSerialisesThreadsOfAllPes) {
  static long lock = 0;  // a global: symmetric, as the spec requires for locks
  auto* total = static_cast<long*>(shmem_calloc(1, sizeof(long)));
  ASSERT_NE(total, nullptr);
  run_threads([&](int) {
    for (int i = 0; i < 50; ++i) {
      shmem_set_lock(&lock);
      long value = shmem_long_g(total, 0);  // not atomic on purpose: the lock must protect it
      shmem_long_p(total, value + 1, 0);
      shmem_quiet();
      shmem_clear_lock(&lock);
    }
  });
  shmem_barrier_all();
  EXPECT_EQ(shmem_long_g(total, 0), long(shmem_n_pes()) * kThreads * 50);
  shmem_barrier_all();
  shmem_free(total);
}

}  // namespace

int main(int argc, char** argv) {
  int provided = -1;
  shmem_init_thread(SHMEM_THREAD_MULTIPLE, &provided);
  ::testing::InitGoogleTest(&argc, argv);
  int failed = RUN_ALL_TESTS();
  shmem_finalize();
  return failed ? 1 : 0;
}
