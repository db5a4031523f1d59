// SPDX-License-Identifier: BSD-3-Clause
// Lamport clocks under SHMEM_THREAD_MULTIPLE: four threads share the default context and four have
// a private context each. Every thread stamps (publish, putmem_stamped, active messages) and must
// see its own stamps strictly increase; the shared context never hands two threads one stamp;
// private contexts get lanes of their own. Each thread also passes data to its twin thread on the
// right PE behind a stamp, which waits for it (or tests for it) and must see the data (G2).
// Runs under ThreadSanitizer too (suite 'tsan').
#include <gtest/gtest.h>
#include <shmem.h>
#include <shmemx.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <latch>
#include <set>
#include <thread>
#include <vector>

namespace {

constexpr int kShared = 4, kPrivate = 4, kThreads = kShared + kPrivate;
constexpr int kIterations = 150, kBurst = 100;
constexpr std::size_t kSlot = 64;
constexpr uint64_t kAnnounced = uint64_t(1) << 63;

int me() { return shmem_my_pe(); }
int npes() { return shmem_n_pes(); }
int right() { return (me() + 1) % npes(); }
int left() { return (me() + npes() - 1) % npes(); }

unsigned char byte_of(int pe, int thread, int i, std::size_t j) {
  return static_cast<unsigned char>(pe * 67 + thread * 31 + i * 7 + j * 3);
}

// Active messages: per sending thread, the iterations must run in send order (G4).
struct Seen {
  std::atomic<int> count{0}, out_of_order{0};
  std::atomic<int> next[kThreads] = {};
};
Seen g_seen;

void thread_handler(shmemx_am_token_t token, int, const void* payload, size_t nbytes, void*) {
  int msg[2];
  if (nbytes != sizeof msg) {
    ++g_seen.out_of_order;
    return;
  }
  std::memcpy(msg, payload, sizeof msg);
  const int t = msg[0], i = msg[1];
  if (t < 0 || t >= kThreads || i < g_seen.next[t].load(std::memory_order_relaxed))
    ++g_seen.out_of_order;
  else
    g_seen.next[t].store(i + 1, std::memory_order_relaxed);
  if (shmemx_stamp_compare(shmemx_ctx_clock(SHMEM_CTX_DEFAULT), shmemx_am_token_stamp(token)) <= 0)
    ++g_seen.out_of_order;
  ++g_seen.count;
}

TEST(LamportThreads, StampsIncreasePerThreadAndDataFollowsThem) {
  int provided = -1;
  shmem_query_thread(&provided);
  ASSERT_EQ(provided, SHMEM_THREAD_MULTIPLE);
  const int id = shmemx_am_register(thread_handler, nullptr);
  ASSERT_GE(id, 0);
  auto* data = static_cast<unsigned char*>(shmem_calloc(std::size_t(kThreads) * kIterations, kSlot));
  auto* announced =
      static_cast<uint64_t*>(shmem_calloc(std::size_t(kThreads) * kIterations, sizeof(uint64_t)));
  shmem_barrier_all();

  std::vector<std::vector<shmemx_stamp_t>> stamps(kThreads);
  std::atomic<int> not_increasing{0}, wrong_lane{0}, bad_data{0}, bad_wait{0};
  std::latch all_stamped(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      shmem_ctx_t ctx = SHMEM_CTX_DEFAULT;
      if (t >= kShared && shmem_ctx_create(SHMEM_CTX_PRIVATE, &ctx) != 0) {
        ADD_FAILURE() << "thread " << t << ": shmem_ctx_create failed";
        all_stamped.count_down();
        return;
      }
      std::vector<shmemx_stamp_t>& mine = stamps[t];
      unsigned char buf[kSlot];
      auto record = [&](shmemx_stamp_t s) {
        if (!mine.empty() && shmemx_stamp_compare(s, mine.back()) <= 0) ++not_increasing;
        if (!mine.empty() && (s >> 56) != (mine.back() >> 56)) ++wrong_lane;
        mine.push_back(s);
      };
      for (int i = 0; i < kIterations; ++i) {
        const std::size_t at = std::size_t(t) * kIterations + i;
        for (std::size_t j = 0; j < kSlot; ++j) buf[j] = byte_of(me(), t, i, j);
        shmemx_stamp_t s;
        if (i % 2) {
          s = shmemx_ctx_putmem_stamped(ctx, data + at * kSlot, buf, kSlot, right());
        } else {
          shmem_ctx_putmem(ctx, data + at * kSlot, buf, kSlot, right());
          s = shmemx_ctx_publish(ctx, right());
        }
        record(s);
        shmem_ctx_uint64_p(ctx, &announced[at], s | kAnnounced, right());
        if (i % 3 == 2) {
          const int msg[2] = {t, i};
          shmemx_am_send(ctx, right(), id, msg, sizeof msg);
          record(shmemx_am_last_stamp());
        }
        // The twin thread on the left PE did the same: wait (or test) for its stamp, then read.
        shmem_uint64_wait_until(&announced[at], SHMEM_CMP_NE, 0);
        const shmemx_stamp_t from_left = shmem_uint64_atomic_fetch(&announced[at], me()) & ~kAnnounced;
        shmemx_stamp_t w;
        if (i % 4 == 3) {
          while (!shmemx_ctx_stamp_test(ctx, left(), from_left)) {
          }
          w = shmemx_ctx_stamp_delivered(ctx, left(), from_left);
        } else {
          w = shmemx_ctx_stamp_wait(ctx, left(), from_left);
        }
        if (shmemx_stamp_compare(w, from_left) < 0) ++bad_wait;
        for (std::size_t j = 0; j < kSlot; ++j)
          if (__atomic_load_n(&data[at * kSlot + j], __ATOMIC_RELAXED) != byte_of(left(), t, i, j)) {
            ++bad_data;
            break;
          }
      }
      // A burst of messages: on the shared context the threads tick the clock at the same time.
      for (int i = kIterations; i < kIterations + kBurst; ++i) {
        const int msg[2] = {t, i};
        shmemx_am_send(ctx, right(), id, msg, sizeof msg);
        record(shmemx_am_last_stamp());
      }
      shmem_ctx_quiet(ctx);
      all_stamped.arrive_and_wait();  // the private contexts hold their lanes at the same time
      if (ctx != SHMEM_CTX_DEFAULT) shmem_ctx_destroy(ctx);
    });
  for (auto& th : threads) th.join();

  EXPECT_EQ(not_increasing.load(), 0) << "a thread's stamps did not strictly increase";
  EXPECT_EQ(wrong_lane.load(), 0) << "a thread's stamps changed lane";
  EXPECT_EQ(bad_wait.load(), 0) << "a stamp wait returned before the stamp";
  EXPECT_EQ(bad_data.load(), 0) << "data not visible after the stamp wait";
  // The threads sharing the default context: lane 0, and never one stamp twice.
  std::vector<shmemx_stamp_t> shared;
  for (int t = 0; t < kShared; ++t) shared.insert(shared.end(), stamps[t].begin(), stamps[t].end());
  std::sort(shared.begin(), shared.end());
  EXPECT_TRUE(std::adjacent_find(shared.begin(), shared.end()) == shared.end())
      << "two threads sharing the default context got the same stamp";
  EXPECT_TRUE(std::all_of(shared.begin(), shared.end(), [](shmemx_stamp_t s) { return (s >> 56) == 0; }));
  // Private contexts: a lane each, none the default's.
  std::set<int> lanes;
  for (int t = kShared; t < kThreads; ++t)
    if (!stamps[t].empty()) lanes.insert(static_cast<int>(stamps[t].front() >> 56));
  EXPECT_EQ(lanes.size(), std::size_t(kPrivate));
  EXPECT_EQ(lanes.count(0), 0u);

  shmem_quiet();
  shmem_barrier_all();
  int messages = 0;
  for (int i = 0; i < kIterations; ++i) messages += i % 3 == 2;
  messages += kBurst;
  EXPECT_EQ(g_seen.count.load(), kThreads * messages);
  EXPECT_EQ(g_seen.out_of_order.load(), 0) << "a thread's messages ran out of send order, or unmerged";
  shmem_barrier_all();
  shmem_free(announced);
  shmem_free(data);
}

}  // namespace

int main(int argc, char** argv) {
  int provided = -1;
  shmem_init_thread(SHMEM_THREAD_MULTIPLE, &provided);
  ::testing::InitGoogleTest(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  // Every PE's verdict: the job fails if any PE failed.
  static int failures;
  if (failed) shmem_int_atomic_inc(&failures, 0);
  shmem_barrier_all();
  const int total = shmem_int_atomic_fetch(&failures, 0);
  shmem_finalize();
  return failed || total ? 1 : 0;
}
