// SPDX-License-Identifier: BSD-3-Clause
// Lamport clocks over shmemx_ctx_publish / putmem_stamped / stamp_wait (doc/lamport-clocks.md).
// A stamp is a point on one context's logical clock; comparing two stamps compares their times
// modulo wrap (so only stamps within half the clock's range of each other compare meaningfully).
//
//   causeway::stamp t = causeway::put_stamped(ctx, halo, std::span{edge}, right);  // producer
//   causeway::wait_stamp(left, t_from_left);         // consumer: left's data up to that stamp is here
//   auto newer = causeway::wait_stamp(left, last.next());   // or: anything newer than `last`
#pragma once

#include <shmemx.h>

#include <compare>
#include <cstddef>
#include <span>
#include <type_traits>

#include "causeway/context.hpp"

namespace causeway {

class stamp {
 public:
  constexpr stamp() noexcept = default;  // the default context's lane at time 0
  constexpr explicit stamp(shmemx_stamp_t raw) noexcept : raw_(raw) {}
  [[nodiscard]] constexpr shmemx_stamp_t raw() const noexcept { return raw_; }
  // The context lane it belongs to (0: the default context).
  [[nodiscard]] constexpr int lane() const noexcept { return static_cast<int>(raw_ >> 56); }
  // The same lane one tick later: wait_stamp(src, s.next()) waits for anything newer than s.
  [[nodiscard]] stamp next() const noexcept { return stamp(shmemx_stamp_next(raw_)); }

  friend constexpr bool operator==(stamp a, stamp b) noexcept { return a.raw_ == b.raw_; }
  // Orders times (wrap-safe); stamps of different lanes with equal times are equivalent.
  friend std::weak_ordering operator<=>(stamp a, stamp b) noexcept {
    const int c = shmemx_stamp_compare(a.raw_, b.raw_);
    return c < 0   ? std::weak_ordering::less
           : c > 0 ? std::weak_ordering::greater
                   : std::weak_ordering::equivalent;
  }

 private:
  shmemx_stamp_t raw_ = 0;
};

// Publishes to `pe`: once pe has waited for the returned stamp, it sees everything this context
// issued to it before the call.
inline stamp publish(context& ctx, int pe) noexcept {
  return stamp(shmemx_ctx_publish(ctx.native_handle(), pe));
}
inline stamp publish(int pe) noexcept { return stamp(shmemx_publish(pe)); }

// A put whose data and stamp land together (one put-with-signal).
template <class T>
requires std::is_trivially_copyable_v<T> stamp put_stamped(context& ctx, T* dest,
                                                           std::type_identity_t<std::span<const T>> src,
                                                           int pe)
noexcept {
  return stamp(shmemx_ctx_putmem_stamped(ctx.native_handle(), dest, src.data(), src.size_bytes(), pe));
}
template <class T>
requires std::is_trivially_copyable_v<T> stamp put_stamped(T* dest,
                                                           std::type_identity_t<std::span<const T>> src,
                                                           int pe)
noexcept { return stamp(shmemx_putmem_stamped(dest, src.data(), src.size_bytes(), pe)); }

// Waits until `src_pe` published `t` (or later on t's lane) to this PE, merges it into ctx's
// clock, and returns the newest stamp published.
inline stamp wait_stamp(context& ctx, int src_pe, stamp t) noexcept {
  return stamp(shmemx_ctx_stamp_wait(ctx.native_handle(), src_pe, t.raw()));
}
inline stamp wait_stamp(int src_pe, stamp t) noexcept { return stamp(shmemx_stamp_wait(src_pe, t.raw())); }
// Non-blocking: true (and merged) once `src_pe` has published `t`.
inline bool test_stamp(context& ctx, int src_pe, stamp t) noexcept {
  return shmemx_ctx_stamp_test(ctx.native_handle(), src_pe, t.raw()) != 0;
}
inline bool test_stamp(int src_pe, stamp t) noexcept {
  return shmemx_ctx_stamp_test(SHMEM_CTX_DEFAULT, src_pe, t.raw()) != 0;
}

// The context's clock now, and merging a stamp learned some other way (C = max(C, t) + 1).
inline stamp clock(context& ctx) noexcept { return stamp(shmemx_ctx_clock(ctx.native_handle())); }
inline stamp clock() noexcept { return stamp(shmemx_ctx_clock(SHMEM_CTX_DEFAULT)); }
inline stamp merge(context& ctx, stamp seen) noexcept {
  return stamp(shmemx_ctx_clock_merge(ctx.native_handle(), seen.raw()));
}
inline stamp merge(stamp seen) noexcept {
  return stamp(shmemx_ctx_clock_merge(SHMEM_CTX_DEFAULT, seen.raw()));
}

}  // namespace causeway
