// SPDX-License-Identifier: BSD-3-Clause
// Helpers shared by the Lamport-clock tests (tests/lamport): the stamp layout as the tests see it,
// announcing a stamp to the PE that must wait for it, and bringing every PE's clocks together so
// that 8-bit stamps (CAUSEWAY_STAMP_BITS=8, the wrap rows) stay within their comparison window.
#pragma once
#include <shmem.h>
#include <shmemx.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "pe_util.hpp"

namespace lamport {

// The width of a stamp's time (CAUSEWAY_STAMP_BITS, as the job was started with).
inline int stamp_bits() {
  const char* v = std::getenv("CAUSEWAY_STAMP_BITS");
  const int bits = v ? std::atoi(v) : 56;
  return bits >= 4 && bits <= 56 ? bits : 56;
}
inline bool wrap_mode() { return stamp_bits() < 56; }
inline uint64_t time_mask() { return (uint64_t(1) << stamp_bits()) - 1; }
inline uint64_t time_of(shmemx_stamp_t s) { return s & time_mask(); }
inline int lane_of(shmemx_stamp_t s) { return static_cast<int>(s >> 56); }
inline shmemx_stamp_t make_stamp(int lane, uint64_t time) {
  return (uint64_t(lane) << 56) | (time & time_mask());
}

// A stamp announced through a plain put: bit 63 marks the word as written (a stamp's lane is below
// 32, so its top bits are clear, and time 0 is a valid stamp). Announcements travel on a context of
// their own, ordered with nothing the stamped calls issue, and the visibility tests make them before
// the call they announce (next_stamp): the waiter has the stamp while the data is still on its way,
// so a stamp wait that waited for nothing would show. (Made after a publish on the publishing
// context, an announcement would follow the publish's fence and arrive only after the data.)
inline constexpr uint64_t kAnnounced = uint64_t(1) << 63;
inline shmem_ctx_t announce_ctx() {
  static const shmem_ctx_t ctx = [] {
    shmem_ctx_t c = SHMEM_CTX_DEFAULT;
    if (shmem_ctx_create(0, &c) != 0) c = SHMEM_CTX_DEFAULT;
    return c;
  }();
  return ctx;
}
inline void announce(uint64_t* word, shmemx_stamp_t s, int pe) {
  shmem_ctx_uint64_p(announce_ctx(), word, s | kAnnounced, pe);
}
// Deferred transports (loopback_async, the network ones) perform a PE's operations only in its own
// progress, a few per pass. Now and then a writer makes one pass and pauses, so that a reader who
// did not wait as it should reads in the gap, between operations that reached it and those that
// have not yet.
inline void stall_sometimes(int round) {
  if (pe::deferred_completion() && round % 8 == 0) {
    shmemx_am_progress();
    pe::sleep_ms(1);
  }
}

// An announcement that has arrived (before the data it announces leaves).
inline void announce_now(uint64_t* word, shmemx_stamp_t s, int pe) {
  announce(word, s, pe);
  shmem_ctx_quiet(announce_ctx());
}

// The stamp ctx's next stamped call will get, or an earlier one: other threads' calls and merges
// only move the clock on. Announced before the call, it lets the waiter start waiting while the
// data is still on its way; waiting for it waits for that call (or a later one), since every
// earlier stamped call of the lane had a smaller stamp.
inline shmemx_stamp_t next_stamp(shmem_ctx_t ctx) { return shmemx_stamp_next(shmemx_ctx_clock(ctx)); }

// Waits for an announcement in `word` (this PE's) and returns the stamp. The announcement may
// arrive before what the stamp covers: only a stamp wait orders them.
inline shmemx_stamp_t await_announced(uint64_t* word) {
  shmem_uint64_wait_until(word, SHMEM_CMP_NE, 0);
  return shmem_uint64_atomic_fetch(word, pe::me()) & ~kAnnounced;
}

// The latest of stamps known to lie within half the clock's range of each other.
inline shmemx_stamp_t latest(const std::vector<shmemx_stamp_t>& stamps) {
  shmemx_stamp_t best = stamps.front();
  for (shmemx_stamp_t s : stamps)
    if (shmemx_stamp_compare(s, best) > 0) best = s;
  return best;
}

// Collective: brings the clocks of `ctxs` on every PE to one time and refreshes every watermark
// those contexts' lanes hold at every PE (one publish from each to each). Earlier tests leave
// clocks and watermarks anywhere; with 8-bit stamps a clock more than 127 ticks from a stamp it
// merges, or a watermark that far behind a stamp waited for, no longer compares correctly (the
// documented window), so tests that mix many PEs' stamps start here and come back between rounds.
// Every context must have nothing in flight (the caller quiets them).
class ClockSync {
 public:
  static constexpr int kMaxContexts = 4;
  ClockSync() : table_(static_cast<uint64_t*>(shmem_calloc(std::size_t(pe::npes()) * kMaxContexts, 8))) {}
  ~ClockSync() { shmem_free(table_); }
  ClockSync(const ClockSync&) = delete;
  ClockSync& operator=(const ClockSync&) = delete;

  void run(const std::vector<shmem_ctx_t>& ctxs) {
    const int n = pe::npes(), k = static_cast<int>(ctxs.size());
    if (k > kMaxContexts) std::abort();
    // Step 1: every clock merges PE 0's default clock R. A clock within the window behind R moves
    // to R + 1, one within it ahead of R stays ahead (a clock further off wraps into the window).
    // So every clock ends in [R + 1, R + 128]: 127 ticks apart at most.
    gather(ctxs);
    const shmemx_stamp_t reference = table_[0];
    for (shmem_ctx_t c : ctxs) shmemx_ctx_clock_merge(c, reference);
    // Step 2: within that window the latest clock is well defined; everyone merges it.
    gather(ctxs);
    std::vector<shmemx_stamp_t> clocks;
    for (int p = 0; p < n; ++p)
      for (int j = 0; j < k; ++j) clocks.push_back(table_[p * kMaxContexts + j]);
    const shmemx_stamp_t target = latest(clocks);
    for (shmem_ctx_t c : ctxs) shmemx_ctx_clock_merge(c, target);
    // Every (source, lane) watermark at every PE gets a recent stamp.
    for (shmem_ctx_t c : ctxs)
      for (int p = 0; p < n; ++p) shmemx_ctx_publish(c, p);
    for (shmem_ctx_t c : ctxs) shmem_ctx_quiet(c);
    shmem_ctx_quiet(announce_ctx());
    shmem_barrier_all();
  }

 private:
  void gather(const std::vector<shmem_ctx_t>& ctxs) {
    uint64_t mine[kMaxContexts] = {};
    for (std::size_t j = 0; j < ctxs.size(); ++j) mine[j] = shmemx_ctx_clock(ctxs[j]);
    shmem_barrier_all();  // everyone has read the previous table
    for (int p = 0; p < pe::npes(); ++p) shmem_putmem(&table_[pe::me() * kMaxContexts], mine, sizeof mine, p);
    shmem_barrier_all();
  }

  uint64_t* table_;
};

}  // namespace lamport
