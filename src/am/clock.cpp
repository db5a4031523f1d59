// SPDX-License-Identifier: BSD-3-Clause
#include "am/clock.hpp"

#include <shmemx.h>

#include "core/issue.hpp"
#include "core/sync.hpp"
#include "util/log.hpp"

namespace causeway::am {

Clocks* Clocks::instance_ = nullptr;

Clocks::Clocks(core::Runtime& rt, char* area)
    : rt_(rt),
      my_pe_(rt.my_pe()),
      area_(area),
      area_offset_(static_cast<std::size_t>(area - rt.segment(core::kHeapSegment).base)),
      lanes_(new Lane[kLanes]) {
  lanes_[0].owner = &rt.default_context();
  rt.default_context().stamp_lane = 0;
}

void Clocks::init(core::Runtime& rt) {
  g_stamp_bits = static_cast<int>(rt.config().stamp_bits);
  g_time_mask = (uint64_t(1) << g_stamp_bits) - 1;
  const std::size_t bytes = std::size_t(rt.n_pes()) * kLanes * sizeof(uint64_t);
  // Collective: every PE allocates it first thing, so it sits at the same offset everywhere.
  auto* area = static_cast<char*>(rt.heap_allocate(bytes, 64, "shmem_init", /*zero=*/true));
  if (!area)
    util::fatal_user_error("shmem_init",
                           "cannot allocate the %zu bytes of Lamport-clock watermarks (%d PEs x %d lanes) "
                           "from the symmetric heap; raise SHMEM_SYMMETRIC_SIZE",
                           bytes, rt.n_pes(), kLanes);
  instance_ = new Clocks(rt, area);
  // Only threads (the program's, or the progress thread running handlers) make clocks shared.
  instance_->shared_ = rt.thread_level() == SHMEM_THREAD_MULTIPLE || rt.config().progress_thread;
}

void Clocks::finalize() {
  if (!instance_) return;
  instance_->rt_.default_context().stamp_lane = -1;
  delete instance_;
  instance_ = nullptr;
}

int Clocks::lane(core::Context& ctx, const char* call) {
  const int known = std::atomic_ref<int>(ctx.stamp_lane).load(std::memory_order_acquire);
  if (known >= 0) [[likely]]
    return known;
  std::lock_guard lock(table_mutex_);
  if (ctx.stamp_lane >= 0) return ctx.stamp_lane;  // another thread sharing ctx was first
  for (int l = 1; l < kLanes; ++l) {
    if (lanes_[l].owner) continue;
    lanes_[l].owner = &ctx;
    std::atomic_ref<int>(ctx.stamp_lane).store(l, std::memory_order_release);
    return l;
  }
  util::fatal_user_error(call,
                         "argument 'ctx': every Lamport-clock lane is taken (%d contexts besides the default "
                         "have issued stamped operations and are not destroyed; destroy one first)",
                         kLanes - 1);
}

void Clocks::release(core::Context& ctx) {
  std::lock_guard lock(table_mutex_);
  if (ctx.stamp_lane > 0) lanes_[ctx.stamp_lane].owner = nullptr;
  ctx.stamp_lane = -1;
}

Stamp Clocks::tick_lane(int lane) {
  std::atomic<uint64_t>& clock = lanes_[lane].clock;
  uint64_t c = clock.load(std::memory_order_relaxed), next;
  if (!shared_) {  // one thread: no locked instruction on every send
    next = (c + 1) & g_time_mask;
    clock.store(next, std::memory_order_relaxed);
    return make_stamp(lane, next);
  }
  do {
    next = (c + 1) & g_time_mask;
  } while (!clock.compare_exchange_weak(c, next, std::memory_order_acq_rel, std::memory_order_relaxed));
  return make_stamp(lane, next);
}

Stamp Clocks::merge_lane(int lane, Stamp seen) {
  std::atomic<uint64_t>& clock = lanes_[lane].clock;
  const uint64_t t = time_of(seen);
  uint64_t c = clock.load(std::memory_order_relaxed), next;
  if (!shared_) {
    next = ((time_reached(c, t) ? c : t) + 1) & g_time_mask;
    clock.store(next, std::memory_order_relaxed);
    return make_stamp(lane, next);
  }
  do {
    next = ((time_reached(c, t) ? c : t) + 1) & g_time_mask;
  } while (!clock.compare_exchange_weak(c, next, std::memory_order_acq_rel, std::memory_order_relaxed));
  return make_stamp(lane, next);
}

Stamp Clocks::publish(core::Context& ctx, int pe, core::Location dest, const void* src, std::size_t bytes,
                      const char* call) {
  const int l = lane(ctx, call);
  // Threads sharing the context take turns, so the watermark words are written in stamp order.
  std::unique_lock turn(lanes_[l].issue, std::defer_lock);
  if (rt_.thread_level() == SHMEM_THREAD_MULTIPLE && !(ctx.options & SHMEM_CTX_PRIVATE)) turn.lock();
  // What the lane issued before lands first: at `pe` (fence), or everywhere (quiet, causal).
  if (ctx.options & SHMEMX_CTX_CAUSAL) [[unlikely]]
    core::issue_quiet(rt_, ctx, call);
  else
    core::fence(ctx);  // a store fence where transports complete at issue (shm)
  const Stamp stamp = tick_lane(l);
  const core::Location word{core::kHeapSegment, watermark_offset(my_pe_, l)};
  if (bytes) {
    core::issue_put_signal(rt_, &ctx, pe, dest, src, bytes, word, time_of(stamp), tl::AmoOp::set,
                           /*nbi=*/false, call);
  } else {
    const tl::AmoArgs set{tl::AmoOp::set, 8, time_of(stamp), 0, nullptr};
    const Status s = core::issue_amo(rt_, &ctx, pe, word, set, /*nbi=*/false);
    if (is_error(s)) core::report_status(rt_, s, call, pe);
  }
  rt_.ring_doorbell(pe);
  return stamp;
}

Stamp Clocks::wait(core::Context& ctx, int source, Stamp stamp, const char* call) {
  const int l = lane_of(stamp);
  const uint64_t* word = watermark_here(source, l);
  const uint64_t wanted = time_of(stamp);
  uint64_t seen = 0;
  const util::WaitNote note{.call = call,
                            .what = "a stamp",
                            .peer = source,
                            .word = word,
                            .word_bytes = 8,
                            .cmp = 3 /* >= */,
                            .operand = wanted};
  core::wait_for(rt_, note,
                 [&] { return time_reached(seen = __atomic_load_n(word, __ATOMIC_ACQUIRE), wanted); });
  merge(ctx, seen, call);
  return make_stamp(l, seen);
}

bool Clocks::test(core::Context& ctx, int source, Stamp stamp, const char* call) {
  const uint64_t seen = time_of(delivered(source, lane_of(stamp)));
  if (!time_reached(seen, time_of(stamp))) {
    rt_.progress();
    return false;
  }
  rt_.make_visible();
  merge(ctx, seen, call);
  return true;
}

}  // namespace causeway::am
