// SPDX-License-Identifier: BSD-3-Clause
// Completion, back-pressure, registration and atomicity across transports: what a network
// transport changes. Under loopback_async (operations performed only when the issuing PE runs
// progress or quiet) the deferred-completion tests observe that an operation has NOT landed yet;
// on transports that complete at issue they check only the final state.
#include <sched.h>
#include <shmem.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <vector>

#include "pe_util.hpp"

namespace {

// Every operation is deferred to progress/quiet: all peers behind loopback_async, no progress
// thread performing them behind the test's back.
bool observably_deferred() {
  const char* v = std::getenv("CAUSEWAY_TRANSPORTS");
  return v && std::strcmp(v, "loopback_async") == 0 && !pe::env_is_on("CAUSEWAY_PROGRESS_THREAD");
}

// A wait that makes no library call (so it runs no progress): spins on this PE's own word.
void raw_wait_for(const long* word, long value) {
  while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != value) sched_yield();
}

long raw_load(const long* word) { return __atomic_load_n(word, __ATOMIC_ACQUIRE); }

class Completion : public ::testing::Test {
 protected:
  void SetUp() override {
    flag_ = static_cast<long*>(shmem_calloc(4, sizeof(long)));
    ASSERT_NE(flag_, nullptr);
  }
  void TearDown() override {
    shmem_barrier_all();
    shmem_free(flag_);
  }
  // flag_[0]: "look now" from PE 0; flag_[1]: "looked" from PE 1; flag_[2]: "look again".
  long* flag_ = nullptr;
};

// put_nbi is not performed at issue: PE 1 looks (after a signal sent on another context) and sees
// the old data; after quiet on the put's context it sees the new data.
TEST_F(Completion, PutNbiLandsOnlyByQuiet) {
  if (pe::npes() < 2) GTEST_SKIP() << "needs 2 PEs";
  constexpr std::size_t n = 256;
  pe::SymArray<long> data(n);
  for (std::size_t i = 0; i < n; ++i) data[i] = -1;
  std::vector<long> src(n);
  for (std::size_t i = 0; i < n; ++i) src[i] = long(i) * 7 + 1;
  shmem_ctx_t ctx;
  ASSERT_EQ(shmem_ctx_create(SHMEM_CTX_PRIVATE, &ctx), 0);
  shmem_barrier_all();
  if (pe::me() == 0) {
    shmem_ctx_long_put_nbi(ctx, data.get(), src.data(), n, 1);
    shmem_long_p(&flag_[0], 1, 1);  // default context: its own queue
    shmem_quiet();
    if (observably_deferred()) raw_wait_for(&flag_[1], 1);
    shmem_ctx_quiet(ctx);
    shmem_long_p(&flag_[2], 1, 1);
    shmem_quiet();
  } else if (pe::me() == 1) {
    shmem_long_wait_until(&flag_[0], SHMEM_CMP_EQ, 1);
    if (observably_deferred()) {
      EXPECT_EQ(raw_load(&data[0]), -1) << "put_nbi was performed before quiet on a deferring transport";
      EXPECT_EQ(raw_load(&data[n - 1]), -1);
      shmem_long_p(&flag_[1], 1, 0);
      shmem_quiet();
    }
    shmem_long_wait_until(&flag_[2], SHMEM_CMP_EQ, 1);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(raw_load(&data[i]), src[i]) << "element " << i;
  }
  shmem_barrier_all();
  shmem_ctx_destroy(ctx);
}

// A fetching _nbi atomic writes its result by quiet, not at issue.
TEST_F(Completion, FetchNbiArrivesByQuiet) {
  pe::SymArray<long> word(1);
  word[0] = 100;
  shmem_barrier_all();
  const int target = pe::right();
  long fetched = -5;
  if (pe::me() == 0) {
    shmem_long_atomic_fetch_add_nbi(&fetched, word.get(), 3, target);
    // A NIC without fetch-add has core build it from compare-and-swap, which completes at once.
    const char* amos = std::getenv("CAUSEWAY_LOOPBACK_ASYNC_AMOS");
    if (observably_deferred() && !(amos && std::strcmp(amos, "compare_swap") == 0)) {
      EXPECT_EQ(fetched, -5) << "the fetch was written at issue";
    }
    shmem_quiet();
    EXPECT_EQ(fetched, 100);
  }
  shmem_barrier_all();
  const int added_to = 1 % pe::npes();  // PE 0's right neighbour
  EXPECT_EQ(word[0], pe::me() == added_to ? 103 : 100);
}

// pe_quiet completes what went to the named PEs only.
TEST_F(Completion, PeQuietFlushesOnlyTheNamedPes) {
  if (pe::npes() < 2) GTEST_SKIP() << "needs 2 PEs";
  pe::SymArray<long> data(1);
  data[0] = -1;
  shmem_ctx_t ctx;
  ASSERT_EQ(shmem_ctx_create(SHMEM_CTX_PRIVATE, &ctx), 0);
  shmem_barrier_all();
  if (pe::me() == 0) {
    const long value = 42;
    shmem_ctx_long_put_nbi(ctx, data.get(), &value, 1, 0);  // to itself
    shmem_ctx_long_put_nbi(ctx, data.get(), &value, 1, 1);
    const int self[1] = {0};
    shmem_ctx_pe_quiet(ctx, self, 1);
    EXPECT_EQ(raw_load(&data[0]), 42) << "pe_quiet did not complete the put to the named PE";
    shmem_long_p(&flag_[0], 1, 1);
    shmem_quiet();
    if (observably_deferred()) raw_wait_for(&flag_[1], 1);
    const int peer[1] = {1};
    shmem_ctx_pe_quiet(ctx, peer, 1);
    shmem_long_p(&flag_[2], 1, 1);
    shmem_quiet();
  } else if (pe::me() == 1) {
    shmem_long_wait_until(&flag_[0], SHMEM_CMP_EQ, 1);
    if (observably_deferred()) {
      EXPECT_EQ(raw_load(&data[0]), -1) << "pe_quiet naming PE 0 completed the put to PE 1";
      shmem_long_p(&flag_[1], 1, 0);
      shmem_quiet();
    }
    shmem_long_wait_until(&flag_[2], SHMEM_CMP_EQ, 1);
    EXPECT_EQ(raw_load(&data[0]), 42);
  }
  shmem_barrier_all();
  shmem_ctx_destroy(ctx);
}

// With a progress thread, a put_nbi completes while the issuing PE makes no library call.
TEST_F(Completion, ProgressThreadCompletesWithoutCalls) {
  if (pe::npes() < 2 || !pe::transport_listed("loopback_async") || !pe::env_is_on("CAUSEWAY_PROGRESS_THREAD"))
    GTEST_SKIP() << "needs 2 PEs, loopback_async and CAUSEWAY_PROGRESS_THREAD=1";
  pe::SymArray<long> data(1);
  data[0] = 0;
  shmem_barrier_all();
  if (pe::me() == 0) {
    const long value = 7;
    shmem_long_put_nbi(data.get(), &value, 1, 1);
    raw_wait_for(&flag_[1], 1);  // no call: only the progress thread can perform the put
  } else if (pe::me() == 1) {
    shmem_long_wait_until(data.get(), SHMEM_CMP_EQ, 7);
    shmem_long_p(&flag_[1], 1, 0);
    shmem_quiet();
  }
}

// ofi serves peers' operations on a PE that makes no calls from a thread of its own, which stands
// aside while the PE's waits poll (they serve them faster). A PE that has just been waiting and then
// computes must still be served: the get, the atomic and the flag below reach it only that way.
TEST_F(Completion, ComputingTargetIsServedAfterItsWaits) {
  if (pe::npes() < 2 || !pe::transport_listed("ofi")) GTEST_SKIP() << "needs 2 PEs and ofi";
  pe::SymArray<long> data(1);
  data[0] = 41;
  shmem_barrier_all();  // PE 1's waits here poll its target endpoint
  if (pe::me() == 0) {
    EXPECT_EQ(shmem_long_g(data.get(), 1), 41);
    EXPECT_EQ(shmem_long_atomic_fetch_add(data.get(), 1, 1), 41);
    shmem_long_p(&flag_[1], 1, 1);
    shmem_quiet();
  } else if (pe::me() == 1) {
    raw_wait_for(&flag_[1], 1);  // no call
    EXPECT_EQ(raw_load(data.get()), 42);
  }
}

// Whether a peer's put completes while this PE makes no calls: UCX over tcp and shared memory
// performs it in the target's worker, which only this PE's own calls (or the progress thread) run.
bool peers_write_to_computing_pes() {
  return !pe::transport_listed("ucx") || pe::env_is_on("CAUSEWAY_PROGRESS_THREAD");
}
constexpr const char* kNoTargetProgress = "UCX needs the target's progress to land the test's put";

// Spins without library calls until `*word` is `value` or `seconds` pass (then false): a hang
// would otherwise end the whole run at the job timeout with no name on it.
bool raw_wait_at_most(const long* word, long value, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (raw_load(word) != value)
    if (std::chrono::steady_clock::now() > deadline) return false;
  return true;
}

// A PE that leaves a barrier and then computes (no library call) must not hold back peers still
// in it: a flag left in a transport that moves only at this PE's progress would. PE 0 arrives last,
// so its own waits find their flags already there and run no progress; then it spins until PE 1,
// which needs PE 0's flag to leave, writes to it from after the barrier. Repeated: under
// loopback_async a stray progress pass performs a random part of the queue.
TEST_F(Completion, BarrierLeavesNoFlagBehind) {
  if (pe::npes() < 2) GTEST_SKIP() << "needs 2 PEs";
  if (!peers_write_to_computing_pes()) GTEST_SKIP() << kNoTargetProgress;
  for (long round = 1; round <= 12; ++round) {
    shmem_barrier_all();
    if (pe::me() == 0) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
      while (std::chrono::steady_clock::now() < until) sched_yield();  // every peer's flag arrives
    }
    shmem_sync_all();
    if (pe::me() == 0) {
      if (!raw_wait_at_most(&flag_[0], round, 30)) {
        ADD_FAILURE() << "round " << round << ": PE 1 never left the barrier: PE 0's flag stayed queued";
        shmem_long_wait_until(&flag_[0], SHMEM_CMP_EQ, round);  // its progress lets PE 1 go
      }
    } else if (pe::me() == 1) {
      shmem_long_p(&flag_[0], round, 0);
      shmem_quiet();
    }
  }
}

// The same for a collective: the root of a broadcast returns and computes; every other member
// must still get the data and its signal.
TEST_F(Completion, CollectiveLeavesNoSignalBehind) {
  if (pe::npes() < 2) GTEST_SKIP() << "needs 2 PEs";
  if (!peers_write_to_computing_pes()) GTEST_SKIP() << kNoTargetProgress;
  pe::SymArray<long> data(4), src(4);
  const int last = pe::npes() - 1;
  for (long round = 1; round <= 12; ++round) {
    for (int i = 0; i < 4; ++i) src[i] = round + i;
    shmem_barrier_all();
    shmem_long_broadcast(SHMEM_TEAM_WORLD, data.get(), src.get(), 4, 0);
    if (pe::me() == 0) {
      if (!raw_wait_at_most(&flag_[0], round, 30)) {
        ADD_FAILURE() << "round " << round << ": PE " << last << " never got the broadcast's signal";
        shmem_long_wait_until(&flag_[0], SHMEM_CMP_EQ, round);
      }
    } else if (pe::me() == last) {
      EXPECT_EQ(data[3], round + 3);
      shmem_long_p(&flag_[0], round, 0);
      shmem_quiet();
    }
  }
}

// Many non-blocking puts through a transport whose queue is tiny (loopback_async+retry config):
// back-pressure is absorbed by core's retry, nothing is lost.
TEST_F(Completion, BackPressureLosesNothing) {
  constexpr std::size_t n = 2000;
  pe::SymArray<long> data(n);
  for (std::size_t i = 0; i < n; ++i) data[i] = 0;
  std::vector<long> src(n);
  for (std::size_t i = 0; i < n; ++i) src[i] = long(i) + 1000L * pe::me();
  shmem_barrier_all();
  for (std::size_t i = 0; i < n; ++i) shmem_long_put_nbi(&data[i], &src[i], 1, pe::right());
  for (std::size_t i = 0; i < n; ++i) shmem_long_atomic_add(&data[i], 1, pe::right());
  shmem_barrier_all();
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(data[i], long(i) + 1000L * pe::left() + 1) << "element " << i;
}

// A heap that grows past several registration chunks (CAUSEWAY_HEAP_CHUNK=1M in the retry
// config): every PE reaches every byte range of every block on every PE.
TEST_F(Completion, EveryChunkOfAGrowingHeapIsReachable) {
  constexpr std::size_t kBlocks = 5, kBlockLongs = (3u << 20) / 2 / sizeof(long);  // 1.5 MiB each
  std::vector<long*> blocks;
  for (std::size_t b = 0; b < kBlocks; ++b) {
    blocks.push_back(static_cast<long*>(shmem_calloc(kBlockLongs, sizeof(long))));
    ASSERT_NE(blocks.back(), nullptr);
  }
  const int n = pe::npes();
  // Each PE writes its slot near the start, middle and end of every block on every PE.
  for (int t = 0; t < n; ++t)
    for (long* block : blocks)
      for (std::size_t at : {std::size_t(0), kBlockLongs / 2, kBlockLongs - std::size_t(n)}) {
        shmem_long_p(&block[at + pe::me()], 1 + pe::me() + 10L * t, t);
        shmem_long_atomic_add(&block[at + pe::me()], 100, t);
      }
  shmem_barrier_all();
  for (long* block : blocks)
    for (std::size_t at : {std::size_t(0), kBlockLongs / 2, kBlockLongs - std::size_t(n)})
      for (int from = 0; from < n; ++from)
        ASSERT_EQ(block[at + from], 1 + from + 10L * pe::me() + 100) << "from PE " << from;
  shmem_barrier_all();
  for (long* block : blocks) shmem_free(block);
}

// Every PE hammers one word on PE 0 (and its right neighbour's word) with fetch_add and inc. When
// some peers' atomics are done by a NIC (the mixed config: shm within a simulated node,
// loopback_async between), all atomics must go through the NIC, or updates are lost.
TEST_F(Completion, ConcurrentAtomicsOnOneWordStayExact) {
  constexpr long kRounds = 3000;
  pe::SymArray<long> word(2);
  word[0] = word[1] = 0;
  shmem_barrier_all();
  long seen_max = -1;
  for (long i = 0; i < kRounds; ++i) {
    const long old = shmem_long_atomic_fetch_add(&word[0], 1, 0);
    EXPECT_GT(old, seen_max);
    seen_max = old;
    shmem_long_atomic_inc(&word[1], pe::right());
  }
  shmem_barrier_all();
  if (pe::me() == 0) {
    EXPECT_EQ(word[0], kRounds * pe::npes()) << "lost updates on a word shared by every PE";
  }
  EXPECT_EQ(word[1], kRounds) << "lost updates on a word shared by two PEs";
}

}  // namespace
