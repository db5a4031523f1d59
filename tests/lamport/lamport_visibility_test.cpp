// SPDX-License-Identifier: BSD-3-Clause
// What a stamp wait makes visible (G2, G3): payloads of every size class behind putmem_stamped and
// behind plain puts, put_nbi and atomics followed by a publish; the message-passing litmus on the
// default (fence) context and on a causal one; write-to-read causality across three PEs (WRC),
// with a publish or an active message as the middle hop; and lock-step waits across thousands of
// stamps, which with CAUSEWAY_STAMP_BITS=8 wrap the clock many times.
#include <shmemx.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <deque>
#include <vector>

#include "lamport_util.hpp"
#include "pe_util.hpp"

namespace {

using lamport::time_of;

template <auto Fn>
int handler_id(void* user = nullptr) {
  static int id = shmemx_am_register(Fn, user);
  return id;
}

// Bytes that change with position, writer and round, cheap enough for megabytes per iteration.
void fill_pattern(unsigned char* p, std::size_t n, uint64_t seed) {
  uint64_t x = pe::mix(seed + 1);
  for (std::size_t j = 0; j < n; ++j) {
    if (j % 8 == 0) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    p[j] = static_cast<unsigned char>(x >> (8 * (j % 8)));
  }
}

uint64_t seed_of(int writer, unsigned round) { return uint64_t(writer) << 32 | round; }

// The first wrong byte of n, or n.
std::size_t first_mismatch(const unsigned char* got, const unsigned char* want, std::size_t n) {
  if (std::memcmp(got, want, n) == 0) return n;
  std::size_t j = 0;
  while (got[j] == want[j]) ++j;
  return j;
}

// Waits for `stamp` from `src` with a wait, or (odd rounds) a test loop.
shmemx_stamp_t wait_or_test(shmem_ctx_t ctx, int src, shmemx_stamp_t stamp, unsigned round) {
  if (round % 2 == 0) return shmemx_ctx_stamp_wait(ctx, src, stamp);
  while (!shmemx_ctx_stamp_test(ctx, src, stamp)) {
  }
  return shmemx_ctx_stamp_delivered(ctx, src, stamp);
}

// ---- G2 for every size class ----

// Sizes on each side of the limits data crosses: the 16-byte inline copy (fast_path.h), cache lines,
// ofi's 4 KiB bounce slots, UCX's 64 KiB scratch, and a megabyte that is not a multiple of anything.
const std::size_t kSizes[] = {1,   7,   8,    15,   16,   17,    63,    64,    65,
                              255, 256, 4095, 4096, 4097, 65535, 65536, 65537, (std::size_t{1} << 20) + 3};
constexpr std::size_t kMaxSize = (std::size_t{1} << 20) + 3;

TEST(Visibility, PayloadOfEverySizeIsThereAfterTheStampWait) {
  shmem_ctx_t causal;
  ASSERT_EQ(shmem_ctx_create(SHMEMX_CTX_CAUSAL, &causal), 0);
  auto* buf = static_cast<unsigned char*>(shmem_calloc(kMaxSize, 1));
  auto* words = static_cast<uint64_t*>(shmem_calloc(3, sizeof(uint64_t)));  // announcement, ack, count
  uint64_t *announced = &words[0], *acks = &words[1], *count = &words[2];
  lamport::ClockSync sync;
  sync.run({SHMEM_CTX_DEFAULT, causal});
  std::vector<unsigned char> mine(kMaxSize), want(kMaxSize);
  unsigned round = 0;
  uint64_t atomics = 0;
  for (shmem_ctx_t ctx : {SHMEM_CTX_DEFAULT, causal}) {
    for (bool stamped_put : {true, false}) {
      for (std::size_t n : kSizes) {
        std::deque<std::vector<unsigned char>> nbi_sources;  // kept unchanged until the quiet below
        const int iterations = n <= 4097 ? 6 : 2;
        for (int it = 0; it < iterations; ++it, ++round) {
          fill_pattern(mine.data(), n, seed_of(pe::me(), round));
          // Announced first: the right neighbour waits while the data is in flight.
          const shmemx_stamp_t next = lamport::next_stamp(ctx);
          lamport::announce_now(announced, next, pe::right());
          lamport::stall_sometimes(round);
          shmemx_stamp_t s;
          if (stamped_put) {
            s = shmemx_ctx_putmem_stamped(ctx, buf, mine.data(), n, pe::right());
          } else {
            // A third by a blocking put, most of the rest non-blocking, the last byte on its own,
            // and an atomic: then one publish covers them all.
            const std::size_t a = n / 3;
            shmem_ctx_putmem(ctx, buf, mine.data(), a, pe::right());
            if (n - 1 > a) {
              nbi_sources.emplace_back(mine.begin() + a, mine.begin() + (n - 1));
              shmem_ctx_putmem_nbi(ctx, buf + a, nbi_sources.back().data(), n - 1 - a, pe::right());
            }
            shmem_ctx_uchar_p(ctx, buf + n - 1, mine[n - 1], pe::right());
            shmem_ctx_uint64_atomic_add(ctx, count, 1, pe::right());
            s = shmemx_ctx_publish(ctx, pe::right());
            ++atomics;
          }
          EXPECT_GE(shmemx_stamp_compare(s, next), 0);
          lamport::stall_sometimes(round);
          const shmemx_stamp_t from_left = lamport::await_announced(announced);
          const shmemx_stamp_t seen = wait_or_test(ctx, pe::left(), from_left, round);
          EXPECT_GE(shmemx_stamp_compare(seen, from_left), 0);
          fill_pattern(want.data(), n, seed_of(pe::left(), round));
          const std::size_t bad = first_mismatch(buf, want.data(), n);
          EXPECT_EQ(bad, n) << n << " bytes by " << (stamped_put ? "putmem_stamped" : "puts then publish")
                            << " on the " << (ctx == causal ? "causal" : "default") << " context, iteration "
                            << it << ": byte " << bad << " is " << int(buf[bad < n ? bad : 0]) << ", wanted "
                            << int(want[bad < n ? bad : 0]);
          if (!stamped_put) {
            EXPECT_EQ(shmem_uint64_atomic_fetch(count, pe::me()), atomics) << "the atomic before the publish";
          }
          // Hand the buffer back: the left neighbour writes it again only after this.
          *announced = 0;
          shmem_uint64_atomic_inc(acks, pe::left());
          shmem_uint64_wait_until(acks, SHMEM_CMP_GE, round + 1);
        }
        shmem_ctx_quiet(ctx);
      }
    }
  }
  shmem_barrier_all();
  shmem_free(words);
  shmem_free(buf);
  shmem_ctx_destroy(causal);
}

// ---- Litmus: message passing ----

// P (every PE, to its right) announces the stamp its publish will get, writes x by a put, a
// single-element put, a non-blocking put and an atomic, then publishes; the right neighbour waits
// for the stamp and must see all four at least as new as that round (the writer may be a few
// rounds ahead, so x may already be newer).
void message_passing(shmem_ctx_t ctx, int rounds) {
  auto* x = static_cast<uint64_t*>(shmem_calloc(4, sizeof(uint64_t)));
  auto* announced = static_cast<uint64_t*>(shmem_calloc(rounds, sizeof(uint64_t)));
  std::vector<uint64_t> values(rounds);  // put_nbi sources, unchanged until the quiet
  lamport::ClockSync sync;
  sync.run({SHMEM_CTX_DEFAULT, ctx});
  int stale = 0;
  for (int i = 0; i < rounds; ++i) {
    const uint64_t v = values[i] = uint64_t(i) + 1;
    lamport::announce_now(&announced[i], lamport::next_stamp(ctx), pe::right());  // before the data
    lamport::stall_sometimes(i);
    shmem_ctx_putmem(ctx, &x[0], &v, sizeof v, pe::right());
    shmem_ctx_uint64_p(ctx, &x[1], v, pe::right());
    shmem_ctx_putmem_nbi(ctx, &x[2], &values[i], sizeof v, pe::right());
    shmem_ctx_uint64_atomic_add(ctx, &x[3], 1, pe::right());
    shmemx_ctx_publish(ctx, pe::right());
    lamport::stall_sometimes(i);
    shmemx_ctx_stamp_wait(ctx, pe::left(), lamport::await_announced(&announced[i]));
    const uint64_t seen[4] = {
        __atomic_load_n(&x[0], __ATOMIC_RELAXED), __atomic_load_n(&x[1], __ATOMIC_RELAXED),
        __atomic_load_n(&x[2], __ATOMIC_RELAXED), shmem_uint64_atomic_fetch(&x[3], pe::me())};
    for (int k = 0; k < 4; ++k)
      if (seen[k] < v && stale++ < 5)
        ADD_FAILURE() << "round " << i << ": x[" << k << "] = " << seen[k]
                      << " after the stamp wait, want >= " << v;
  }
  EXPECT_EQ(stale, 0) << "stale reads after a stamp wait";
  shmem_ctx_quiet(ctx);
  shmem_barrier_all();
  shmem_free(announced);
  shmem_free(x);
}

// Fewer rounds where each costs more: deferred completion, many PEs on few cores, and the wrap
// rows, which bring the clocks together every few rounds of the 3-PE tests.
int litmus_rounds() {
  int rounds = pe::deferred_completion() || lamport::wrap_mode() ? 300 : 600;
  return pe::npes() > 4 ? rounds / 2 : rounds;
}

TEST(Litmus, MessagePassingOnTheDefaultContext) { message_passing(SHMEM_CTX_DEFAULT, litmus_rounds()); }

TEST(Litmus, MessagePassingOnACausalContext) {
  shmem_ctx_t causal;
  ASSERT_EQ(shmem_ctx_create(SHMEMX_CTX_CAUSAL, &causal), 0);
  message_passing(causal, litmus_rounds());
  shmem_ctx_destroy(causal);
}

// ---- Litmus: write-to-read causality (3 PEs) ----

// Every PE plays all three roles, each in its own triple: P0 = me (x to me + 2, then tells me + 1),
// P1 = me (for P0 = me - 1: observes it, then tells me + 1), P2 = me (waits for P1 = me - 1, then
// must see x from P0 = me - 2). Only the causal context makes x, which went to another PE than
// the stamp, visible to whoever learns of the stamp.
struct Wrc {
  uint64_t* x;
  uint64_t* y;
  uint64_t* to_p1;  // announcements P0 -> P1, one per round
  uint64_t* to_p2;  // P1 -> P2
  std::vector<uint64_t> values;
  explicit Wrc(int rounds)
      : x(static_cast<uint64_t*>(shmem_calloc(2, sizeof(uint64_t)))),
        y(x + 1),
        to_p1(static_cast<uint64_t*>(shmem_calloc(2 * std::size_t(rounds), sizeof(uint64_t)))),
        to_p2(to_p1 + rounds),
        values(rounds) {
    for (int i = 0; i < rounds; ++i) values[i] = uint64_t(i) + 1;
  }
  ~Wrc() {
    shmem_barrier_all();
    shmem_free(to_p1);
    shmem_free(x);
  }
  int p(int d) const { return (pe::me() + d + pe::npes()) % pe::npes(); }
  // P1 has observed P0: it passes that on to P2 by a publish or (odd rounds) a stamped put,
  // announced first.
  shmemx_stamp_t tell_p2(int i) {
    lamport::announce(&to_p2[i], lamport::next_stamp(SHMEM_CTX_DEFAULT), p(1));
    return i % 2 ? shmemx_putmem_stamped(y, &values[i], sizeof(uint64_t), p(1)) : shmemx_publish(p(1));
  }
  // Deferred transports perform P0's operations only in its progress: now and then P0 pauses right
  // after its hop, so that a stamp that overtook x reaches P2 before x does.
  static void pause_p0(int i) {
    if (pe::deferred_completion() && i % 8 == 0) pe::sleep_ms(1);
  }
  // The causal context ticks once a round, the default one three times (a merge, a stamp, a
  // merge): with 8-bit stamps their clocks would drift out of each other's window within 64
  // rounds, and a merge across that gap goes backwards. Every few rounds (all of a round's
  // traffic has been waited for) the clocks are brought together.
  static void pace(int i, lamport::ClockSync& sync, shmem_ctx_t causal) {
    if (lamport::wrap_mode() && i % 4 == 3) sync.run({SHMEM_CTX_DEFAULT, causal});
  }
  // P2: waits for P1's stamp; x (from P0 = me - 2) must be at least round i's.
  bool p2_sees_x(int i) {
    shmemx_stamp_wait(p(-1), lamport::await_announced(&to_p2[i]));
    return __atomic_load_n(x, __ATOMIC_RELAXED) >= values[i];
  }
};

TEST(Litmus, WriteToReadCausalityThroughACausalContext) {
  if (pe::npes() < 3) GTEST_SKIP() << "needs 3 PEs";
  const int rounds = litmus_rounds();
  shmem_ctx_t causal;
  ASSERT_EQ(shmem_ctx_create(SHMEMX_CTX_CAUSAL, &causal), 0);
  Wrc w(rounds);
  lamport::ClockSync sync;
  sync.run({SHMEM_CTX_DEFAULT, causal});
  int stale = 0;
  for (int i = 0; i < rounds; ++i) {
    lamport::announce(&w.to_p1[i], lamport::next_stamp(causal), w.p(1));  // P0
    shmem_ctx_putmem(causal, w.x, &w.values[i], sizeof(uint64_t), w.p(2));
    shmemx_ctx_publish(causal, w.p(1));
    w.pause_p0(i);
    shmemx_stamp_wait(w.p(-1), lamport::await_announced(&w.to_p1[i]));  // P1
    w.tell_p2(i);
    if (!w.p2_sees_x(i) && stale++ < 5)  // P2
      ADD_FAILURE() << "round " << i << ": x from PE " << w.p(-2) << " not visible after PE " << w.p(-1)
                    << "'s stamp, which followed PE " << w.p(-2) << "'s causal publish";
    w.pace(i, sync, causal);
  }
  EXPECT_EQ(stale, 0);
  shmem_ctx_quiet(causal);
  shmem_barrier_all();
  shmem_ctx_destroy(causal);
}

// The same with an active message from P0 to P1 (sent on the causal context) as the first hop. A
// handler cannot wait, so it records the round and P1's main loop carries on from there.
struct AmHop {
  std::vector<std::atomic<uint64_t>> stamp_of_round;  // the token stamp | kAnnounced, per round
};
AmHop* g_hop = nullptr;

void hop_handler(shmemx_am_token_t token, int, const void* payload, size_t nbytes, void*) {
  int round;
  if (nbytes != sizeof round) return;
  std::memcpy(&round, payload, sizeof round);
  g_hop->stamp_of_round[round].store(shmemx_am_token_stamp(token) | lamport::kAnnounced);
}

TEST(Litmus, WriteToReadCausalityWithAnActiveMessageHop) {
  if (pe::npes() < 3) GTEST_SKIP() << "needs 3 PEs";
  const int id = handler_id<hop_handler>();
  ASSERT_GE(id, 0);
  const int rounds = litmus_rounds() / 2;  // each message on the causal context quiets it first
  AmHop hop{std::vector<std::atomic<uint64_t>>(rounds)};
  g_hop = &hop;
  shmem_ctx_t causal;
  ASSERT_EQ(shmem_ctx_create(SHMEMX_CTX_CAUSAL, &causal), 0);
  Wrc w(rounds);
  lamport::ClockSync sync;
  sync.run({SHMEM_CTX_DEFAULT, causal});
  int stale = 0, unordered = 0;
  for (int i = 0; i < rounds; ++i) {
    shmem_ctx_putmem(causal, w.x, &w.values[i], sizeof(uint64_t), w.p(2));  // P0
    shmemx_am_send(causal, w.p(1), id, &i, sizeof i);
    w.pause_p0(i);
    while (hop.stamp_of_round[i].load() == 0) shmemx_am_progress();  // P1
    const shmemx_stamp_t token = hop.stamp_of_round[i].load() & ~lamport::kAnnounced;
    const shmemx_stamp_t s = w.tell_p2(i);
    if (shmemx_stamp_compare(s, token) <= 0) ++unordered;
    if (!w.p2_sees_x(i) && stale++ < 5)  // P2
      ADD_FAILURE() << "round " << i << ": x from PE " << w.p(-2) << " not visible after PE " << w.p(-1)
                    << "'s stamp, which followed the active message PE " << w.p(-2)
                    << " sent on its causal context after x";
    w.pace(i, sync, causal);
  }
  EXPECT_EQ(stale, 0);
  EXPECT_EQ(unordered, 0) << "P1's stamp must be after the message's it had run";
  shmem_ctx_quiet(causal);
  shmem_barrier_all();
  shmem_ctx_destroy(causal);
  g_hop = nullptr;
}

// ---- Wrap-around ----

// Each PE sends a stamped message to its right and waits for "anything newer" from its left,
// lock-step, so every wait has exactly one new stamp to find. With 8-bit stamps thousands of rounds
// cross the wrap many times; every step checks the stamp, the data and that nothing newer shows.
struct WrapMessage {
  uint64_t round;
  shmemx_stamp_t stamp;  // the stamp the put will get (a private context's clock is predictable)
  uint64_t data[6];
};

TEST(Wrap, LockStepWaitsForTheNextStampAcrossTheWrap) {
  const int rounds = lamport::wrap_mode() ? 1000 : 200;
  shmem_ctx_t ctx;
  ASSERT_EQ(shmem_ctx_create(SHMEM_CTX_PRIVATE, &ctx), 0);
  auto* msg = static_cast<WrapMessage*>(shmem_calloc(1, sizeof(WrapMessage)));
  auto* words = static_cast<uint64_t*>(shmem_calloc(3, sizeof(uint64_t)));
  uint64_t *acks = &words[0], *lane_word = &words[1], *plain = &words[2];
  lamport::ClockSync sync;
  sync.run({SHMEM_CTX_DEFAULT, ctx});
  // The left neighbour's clock on its context: the lane to wait on, and a start below its stamps.
  lamport::announce(lane_word, shmemx_ctx_clock(ctx), pe::right());
  shmemx_stamp_t last = lamport::await_announced(lane_word);
  shmem_barrier_all();
  int wraps = 0, bad_stamp = 0, bad_data = 0, bad_order = 0, early = 0;
  uint64_t acked = 0;
  for (int phase = 0; phase < 2; ++phase) {
    // Phase 0: putmem_stamped on the private context. Phase 1: a plain put, then a publish on the
    // default context; its lane is 0 and its watermark was refreshed by the sync.
    shmem_ctx_t c = phase == 0 ? ctx : SHMEM_CTX_DEFAULT;
    if (phase == 1) {
      // The left neighbour's last publish on lane 0 was the sync's; read the watermark before it
      // can publish again.
      last = shmemx_ctx_stamp_delivered(SHMEM_CTX_DEFAULT, pe::left(), 0);
      shmem_barrier_all();
    }
    for (int i = 0; i < rounds; ++i) {
      shmemx_stamp_t s;
      if (phase == 0) {
        WrapMessage m{uint64_t(i), shmemx_stamp_next(shmemx_ctx_clock(ctx)), {}};
        for (int k = 0; k < 6; ++k) m.data[k] = pe::mix(uint64_t(i) * 7 + k + 100 * pe::me());
        s = shmemx_ctx_putmem_stamped(ctx, msg, &m, sizeof m, pe::right());
        bad_stamp += s != m.stamp;
      } else {
        shmem_uint64_p(plain, uint64_t(i) + 1, pe::right());
        s = shmemx_publish(pe::right());
      }
      const shmemx_stamp_t want = shmemx_stamp_next(last);
      const shmemx_stamp_t w = shmemx_ctx_stamp_wait(c, pe::left(), want);
      if (phase == 0) {
        bad_stamp += msg->stamp != w || msg->round != uint64_t(i);
        for (int k = 0; k < 6; ++k)
          bad_data += msg->data[k] != pe::mix(uint64_t(i) * 7 + k + 100 * pe::left());
      } else {
        bad_data += __atomic_load_n(plain, __ATOMIC_RELAXED) != uint64_t(i) + 1;
      }
      bad_order += shmemx_stamp_compare(w, last) <= 0 || shmemx_stamp_compare(shmemx_ctx_clock(c), w) <= 0 ||
                   shmemx_ctx_stamp_delivered(c, pe::left(), w) != w;
      early += shmemx_ctx_stamp_test(c, pe::left(), shmemx_stamp_next(w)) != 0;  // the left waits for the ack
      wraps += time_of(w) < time_of(last);
      last = w;
      shmem_uint64_atomic_set(acks, ++acked, pe::left());
      shmem_uint64_wait_until(acks, SHMEM_CMP_GE, acked);
      (void)s;
    }
  }
  EXPECT_EQ(bad_stamp, 0) << "stamps that were not the next tick, or data carrying another stamp";
  EXPECT_EQ(bad_data, 0) << "data not visible after the wait for its stamp";
  EXPECT_EQ(bad_order, 0) << "a wait returned a stamp not after the last, or did not merge it";
  EXPECT_EQ(early, 0) << "stamp_test saw a stamp nobody had published yet";
  if (lamport::stamp_bits() <= 8) {
    EXPECT_GE(wraps, 10) << "the rounds should have wrapped the clock many times";
  } else if (!lamport::wrap_mode()) {
    EXPECT_EQ(wraps, 0);
  }
  shmem_barrier_all();
  shmem_free(words);
  shmem_free(msg);
  shmem_ctx_destroy(ctx);
}

}  // namespace
