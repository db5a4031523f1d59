// SPDX-License-Identifier: BSD-3-Clause
// Lamport clocks (doc/lamport-clocks.md). Every context that issues a stamped operation owns a
// lane: a logical clock, and at every PE one watermark word per (source PE, lane) in the symmetric
// heap holding the newest stamp that source published there on that lane. A stamp is the lane in
// its top byte and the logical time below; times compare modulo 2^CAUSEWAY_STAMP_BITS, so the clock
// may wrap (tests run with 8-bit times to prove it does so safely).
//
// Stamped operations on a lane are issued in stamp order (a lock when threads share the context)
// behind a fence, or a quiet on a causal context, so a watermark only grows and covers everything
// the lane issued to that PE before it. Waiting for (source, stamp) is then a load of one word.
//
// Layer: am (above core; it issues through core/issue.hpp).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "core/runtime.hpp"

namespace causeway::am {

using Stamp = uint64_t;

inline constexpr int kLaneShift = 56;
inline constexpr int kLanes = 32;  // lane 0 is the default context's

// How many bits a time has (CAUSEWAY_STAMP_BITS, set at init; 56 before it).
inline int g_stamp_bits = 56;
inline uint64_t g_time_mask = (uint64_t(1) << 56) - 1;

inline uint64_t time_of(Stamp s) { return s & g_time_mask; }
inline constexpr int lane_of(Stamp s) { return static_cast<int>(s >> kLaneShift); }
inline Stamp make_stamp(int lane, uint64_t time) {
  return (uint64_t(lane) << kLaneShift) | (time & g_time_mask);
}
// The signed distance from time b to time a, modulo the clock's range (valid within half of it).
inline int64_t time_distance(uint64_t a, uint64_t b) {
  const uint64_t d = (a - b) & g_time_mask;
  return (d >> (g_stamp_bits - 1)) ? static_cast<int64_t>(d) - static_cast<int64_t>(g_time_mask) - 1
                                   : static_cast<int64_t>(d);
}
inline bool time_reached(uint64_t now, uint64_t wanted) { return time_distance(now, wanted) >= 0; }

class Clocks {
 public:
  // Collective, at shmem_init: the watermark words of every (source, lane) here.
  static void init(core::Runtime& rt);
  static void finalize();
  static Clocks& get() { return *instance_; }

  // The context's lane, taking a free one on the context's first stamped call.
  int lane(core::Context& ctx, const char* call);
  // Hands the lane back (shmem_ctx_destroy). Its clock stays where it was, so the next owner's
  // stamps continue above the watermarks peers hold for the lane.
  void release(core::Context& ctx);

  Stamp now(core::Context& ctx, const char* call) {
    const int l = lane(ctx, call);
    return make_stamp(l, lanes_[l].clock.load(std::memory_order_acquire));
  }
  // Advances the clock for an event that peers can observe and returns its stamp.
  Stamp tick(core::Context& ctx, const char* call) { return tick_lane(lane(ctx, call)); }
  Stamp tick_lane(int lane);
  // Observing `seen`: C = max(C, time(seen)) + 1. Returns the new stamp.
  Stamp merge(core::Context& ctx, Stamp seen, const char* call) { return merge_lane(lane(ctx, call), seen); }
  Stamp merge_lane(int lane, Stamp seen);

  // Ticks, orders everything ctx issued to `pe` before it (fence; quiet on a causal context), and
  // sets this PE's watermark at `pe`, after `bytes` from `src` land at `dest` (none if 0).
  Stamp publish(core::Context& ctx, int pe, core::Location dest, const void* src, std::size_t bytes,
                const char* call);
  // The newest stamp `source` published here on `lane`.
  Stamp delivered(int source, int lane) const {
    return make_stamp(lane, __atomic_load_n(watermark_here(source, lane), __ATOMIC_ACQUIRE));
  }
  // Waits until `source` published `stamp` (or later) here, merges it into ctx's clock and
  // returns the watermark it saw.
  Stamp wait(core::Context& ctx, int source, Stamp stamp, const char* call);
  bool test(core::Context& ctx, int source, Stamp stamp, const char* call);

 private:
  struct alignas(64) Lane {
    std::atomic<uint64_t> clock{0};
    std::mutex issue;                      // orders stamped calls of threads sharing a context
    const core::Context* owner = nullptr;  // guarded by table_mutex_
  };
  Clocks(core::Runtime& rt, char* area);
  uint64_t* watermark_here(int source, int lane) const {
    return reinterpret_cast<uint64_t*>(area_ + (watermark_offset(source, lane) - area_offset_));
  }
  std::size_t watermark_offset(int source, int lane) const {
    return area_offset_ + (std::size_t(source) * kLanes + std::size_t(lane)) * sizeof(uint64_t);
  }

  core::Runtime& rt_;
  const int my_pe_;
  char* area_;
  std::size_t area_offset_;
  std::unique_ptr<Lane[]> lanes_;
  std::mutex table_mutex_;
  bool shared_ = true;  // clocks may be ticked and merged by several threads at once

  static Clocks* instance_;
};

}  // namespace causeway::am
