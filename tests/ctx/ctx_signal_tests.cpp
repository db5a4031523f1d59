// SPDX-License-Identifier: BSD-3-Clause
// Contexts and signals: context lifecycle and options, every operation group through a created
// context, contexts used from several threads at once, and signal ordering litmus tests (data is
// visible once the signal is observed) with SET and ADD across size thresholds.
#include <gtest/gtest.h>
#include <shmem.h>

#include <cstring>
#include <thread>
#include <vector>

namespace {

int me() { return shmem_my_pe(); }
int npes() { return shmem_n_pes(); }
int right() { return (me() + 1) % npes(); }
int left() { return (me() + npes() - 1) % npes(); }

TEST(Context, CreateWithEveryOptionAndDestroy) {
  for (long options : {0L, SHMEM_CTX_SERIALIZED, SHMEM_CTX_PRIVATE, SHMEM_CTX_NOSTORE,
                       SHMEM_CTX_SERIALIZED | SHMEM_CTX_PRIVATE}) {
    shmem_ctx_t ctx = SHMEM_CTX_INVALID;
    ASSERT_EQ(shmem_ctx_create(options, &ctx), 0) << "options " << options;
    ASSERT_NE(ctx, SHMEM_CTX_INVALID);
    ASSERT_NE(ctx, SHMEM_CTX_DEFAULT);
    shmem_ctx_destroy(ctx);
  }
  shmem_ctx_destroy(SHMEM_CTX_INVALID);  // no effect, per the spec
}

TEST(Context, UnknownOptionFails) {
  shmem_ctx_t ctx = SHMEM_CTX_DEFAULT;
  EXPECT_NE(shmem_ctx_create(1L << 20, &ctx), 0);
  EXPECT_EQ(ctx, SHMEM_CTX_INVALID);
}

TEST(Context, EveryOperationGroupThroughACreatedContext) {
  shmem_ctx_t ctx;
  ASSERT_EQ(shmem_ctx_create(0, &ctx), 0);
  auto* buf = static_cast<long*>(shmem_calloc(64, sizeof(long)));
  auto* word = static_cast<long*>(shmem_calloc(1, sizeof(long)));
  long src[8];
  for (int i = 0; i < 8; ++i) src[i] = me() * 100 + i;
  shmem_ctx_long_put(ctx, buf, src, 8, right());
  shmem_ctx_long_p(ctx, &buf[8], me(), right());
  shmem_ctx_long_iput(ctx, &buf[16], src, 2, 1, 4, right());
  shmem_ctx_putmem_nbi(ctx, &buf[32], src, sizeof src, right());
  shmem_ctx_long_atomic_add(ctx, word, me() + 1, right());
  shmem_ctx_quiet(ctx);
  shmem_barrier_all();
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(buf[i], left() * 100 + i);
    EXPECT_EQ(buf[32 + i], left() * 100 + i);
  }
  EXPECT_EQ(buf[8], left());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(buf[16 + 2 * i], left() * 100 + i);
  EXPECT_EQ(*word, left() + 1);
  shmem_barrier_all();  // everyone has checked its own word before the neighbour swaps it
  long got[8];
  shmem_ctx_long_get(ctx, got, buf, 8, right());
  EXPECT_EQ(got[3], me() * 100 + 3);
  EXPECT_EQ(shmem_ctx_long_g(ctx, &buf[8], right()), me());
  EXPECT_EQ(shmem_ctx_long_atomic_fetch_add(ctx, word, 0, right()), me() + 1);
  EXPECT_EQ(shmem_ctx_long_atomic_compare_swap(ctx, word, me() + 1, 7, right()), me() + 1);
  long fetched = -1;
  shmem_ctx_long_atomic_fetch_nbi(ctx, &fetched, word, right());
  shmem_ctx_quiet(ctx);
  EXPECT_EQ(fetched, 7);
  shmem_barrier_all();
  shmem_ctx_destroy(ctx);
  shmem_free(word);
  shmem_free(buf);
}

TEST(Context, ThreadsWithPrivateContextsAtThreadMultiple) {
  int provided;
  shmem_query_thread(&provided);
  if (provided != SHMEM_THREAD_MULTIPLE) GTEST_SKIP() << "needs SHMEM_THREAD_MULTIPLE";
  constexpr int kThreads = 4, kIterations = 300;
  auto* counters = static_cast<long*>(shmem_calloc(kThreads, sizeof(long)));
  auto* slots = static_cast<int*>(shmem_calloc(kThreads * kIterations, sizeof(int)));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([=] {
      shmem_ctx_t ctx;
      ASSERT_EQ(shmem_ctx_create(SHMEM_CTX_PRIVATE, &ctx), 0);
      for (int i = 0; i < kIterations; ++i) {
        shmem_ctx_int_p(ctx, &slots[t * kIterations + i], me() * 1000 + i, right());
        shmem_ctx_long_atomic_inc(ctx, &counters[t], right());
      }
      shmem_ctx_quiet(ctx);  // completes this thread's context only
      shmem_ctx_destroy(ctx);
    });
  for (auto& thread : threads) thread.join();
  shmem_barrier_all();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(counters[t], kIterations);
    for (int i = 0; i < kIterations; ++i) ASSERT_EQ(slots[t * kIterations + i], left() * 1000 + i);
  }
  shmem_free(slots);
  shmem_free(counters);
}

TEST(Context, TeamContextNumbersPesWithinTheTeam) {
  // The even PEs form a team; on its context, team PE k is world PE 2k.
  shmem_team_t evens = SHMEM_TEAM_INVALID;
  const int size = (npes() + 1) / 2;
  ASSERT_EQ(shmem_team_split_strided(SHMEM_TEAM_WORLD, 0, 2, size, nullptr, 0, &evens), 0);
  auto* box = static_cast<int*>(shmem_calloc(1, sizeof(int)));
  if (evens != SHMEM_TEAM_INVALID) {
    shmem_ctx_t ctx;
    ASSERT_EQ(shmem_team_create_ctx(evens, 0, &ctx), 0);
    shmem_team_t got = SHMEM_TEAM_INVALID;
    ASSERT_EQ(shmem_ctx_get_team(ctx, &got), 0);
    EXPECT_EQ(got, evens);
    const int team_me = shmem_team_my_pe(evens), team_right = (team_me + 1) % size;
    shmem_ctx_int_p(ctx, box, me() + 1000, team_right);  // lands on world PE 2 * team_right
    shmem_ctx_quiet(ctx);
    shmem_ctx_destroy(ctx);
  }
  shmem_barrier_all();
  if (me() % 2 == 0) {
    const int team_left = (me() / 2 + size - 1) % size;
    EXPECT_EQ(*box, 2 * team_left + 1000);
  } else {
    EXPECT_EQ(*box, 0);
  }
  shmem_team_t world = SHMEM_TEAM_INVALID;
  EXPECT_EQ(shmem_ctx_get_team(SHMEM_CTX_DEFAULT, &world), 0);
  EXPECT_EQ(world, SHMEM_TEAM_WORLD);
  shmem_barrier_all();
  if (evens != SHMEM_TEAM_INVALID) shmem_team_destroy(evens);
  shmem_free(box);
}

// Message passing litmus: once the consumer sees the signal, the whole payload is there.
class SignalLitmus : public ::testing::TestWithParam<std::tuple<int, size_t>> {};

TEST_P(SignalLitmus, PayloadVisibleOnceSignalObserved) {
  const auto [sig_op, bytes] = GetParam();
  constexpr int kRounds = 20;
  auto* data = static_cast<unsigned char*>(shmem_malloc(bytes));
  auto* sig = static_cast<uint64_t*>(shmem_calloc(1, sizeof(uint64_t)));
  std::vector<unsigned char> src(bytes);
  shmem_barrier_all();
  for (int round = 1; round <= kRounds; ++round) {
    std::memset(src.data(), (me() * 31 + round) & 0xff, bytes);
    const uint64_t value = sig_op == SHMEM_SIGNAL_SET ? uint64_t(round) : 1;
    shmem_putmem_signal(data, src.data(), bytes, sig, value, sig_op, right());
    uint64_t seen = shmem_signal_wait_until(sig, SHMEM_CMP_GE, uint64_t(round));
    EXPECT_EQ(seen, uint64_t(round));
    const unsigned char expected = (left() * 31 + round) & 0xff;
    // First and last byte and a sample in between: all from this round.
    ASSERT_EQ(data[0], expected);
    ASSERT_EQ(data[bytes - 1], expected);
    ASSERT_EQ(data[bytes / 2], expected);
    EXPECT_EQ(shmem_signal_fetch(sig), uint64_t(round));
    shmem_barrier_all();  // the sender may overwrite `data` only after I have checked it
  }
  shmem_free(sig);
  shmem_free(data);
}

INSTANTIATE_TEST_SUITE_P(SetAndAdd, SignalLitmus,
                         ::testing::Combine(::testing::Values(SHMEM_SIGNAL_SET, SHMEM_SIGNAL_ADD),
                                            ::testing::Values(size_t(1), size_t(8), size_t(4099),
                                                              size_t(1) << 20, size_t(8) << 20)));

// A put-with-signal to this PE on a context created just before: a network transport's first
// operations on a new endpoint may wait for its connection, and the signal must still follow the
// data (UCX did this PE's own atomics with the CPU at once, ahead of a put still waiting).
TEST(Signal, ToThisPeOnAFreshContextDataFirst) {
  constexpr std::size_t kBytes = 200;
  auto* data = static_cast<unsigned char*>(shmem_calloc(kBytes, 1));
  auto* sig = static_cast<uint64_t*>(shmem_calloc(1, sizeof(uint64_t)));
  unsigned char src[kBytes];
  for (int round = 1; round <= 16; ++round) {
    shmem_ctx_t ctx;
    ASSERT_EQ(shmem_ctx_create(0, &ctx), 0);
    std::memset(src, round, kBytes);
    shmem_ctx_putmem_signal(ctx, data, src, kBytes, sig, uint64_t(round), SHMEM_SIGNAL_SET, me());
    shmem_signal_wait_until(sig, SHMEM_CMP_GE, uint64_t(round));
    EXPECT_EQ(data[0], round) << "round " << round;
    EXPECT_EQ(data[kBytes - 1], round) << "round " << round;
    shmem_ctx_quiet(ctx);
    shmem_ctx_destroy(ctx);
  }
  shmem_barrier_all();
  shmem_free(sig);
  shmem_free(data);
}

TEST(Signal, TypedSizedAndNbiForms) {
  auto* dest = static_cast<double*>(shmem_calloc(16, sizeof(double)));
  auto* sig = static_cast<uint64_t*>(shmem_calloc(4, sizeof(uint64_t)));
  double src[16];
  for (int i = 0; i < 16; ++i) src[i] = me() + i / 8.0;
  shmem_double_put_signal(dest, src, 4, &sig[0], 1, SHMEM_SIGNAL_SET, right());
  shmem_put64_signal_nbi(dest + 4, src + 4, 4, &sig[1], 2, SHMEM_SIGNAL_ADD, right());
  shmem_ctx_double_put_signal_nbi(SHMEM_CTX_DEFAULT, dest + 8, src + 8, 8, &sig[2], 3, SHMEM_SIGNAL_SET,
                                  right());
  shmem_quiet();
  shmem_signal_wait_until(&sig[0], SHMEM_CMP_EQ, 1);
  shmem_signal_wait_until(&sig[1], SHMEM_CMP_EQ, 2);
  shmem_signal_wait_until(&sig[2], SHMEM_CMP_EQ, 3);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(dest[i], left() + i / 8.0);
  shmem_barrier_all();
  shmem_free(sig);
  shmem_free(dest);
}

TEST(Signal, SignalAddAndSetFromEveryPe) {
  auto* sig = static_cast<uint64_t*>(shmem_calloc(2, sizeof(uint64_t)));
  for (int pe = 0; pe < npes(); ++pe) shmem_signal_add(&sig[0], uint64_t(me() + 1), pe);
  shmem_signal_set(&sig[1], 42, right());
  const uint64_t total = uint64_t(npes()) * (npes() + 1) / 2;
  EXPECT_EQ(shmem_signal_wait_until(&sig[0], SHMEM_CMP_EQ, total), total);
  EXPECT_EQ(shmem_signal_wait_until(&sig[1], SHMEM_CMP_EQ, 42), 42u);
  shmem_barrier_all();
  shmem_free(sig);
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
