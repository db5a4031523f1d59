// SPDX-License-Identifier: BSD-3-Clause
#include "core/checks.hpp"

#include <cinttypes>

#include "util/log.hpp"

namespace causeway::core {

using util::fatal_user_error;

void report_not_initialized(const char* call) {
  fatal_user_error(call, "called before shmem_init (or after shmem_finalize); call shmem_init first");
}

void report_not_symmetric(Runtime& rt, const void* addr, std::size_t bytes, const char* call,
                          const char* arg) {
  Location loc;
  if (rt.locate(addr, 1, &loc)) {
    const Segment& s = rt.segment(loc.segment);
    fatal_user_error(call,
                     "argument '%s' = %p: %zu bytes run past the end of the %s (%zu bytes left from that "
                     "address)",
                     arg, addr, bytes, s.what, s.size - loc.offset);
  }
  fatal_user_error(call,
                   "argument '%s' = %p is not symmetric: it is neither in the symmetric heap (shmem_malloc) "
                   "nor a global/static variable of the executable",
                   arg, addr);
}

void report_status(Runtime& rt, Status status, const char* call, int pe) {
  (void)rt;
  fatal_user_error(call, "operation targeting PE %d failed: %s", pe, to_string(status));
}

void report_amo_failure(Runtime& rt, Status status, const Location& loc, const char* call, int pe) {
  if (status == Status::not_supported && loc.segment != kHeapSegment)
    fatal_user_error(
        call,
        "argument 'dest' is a global/static variable, and PE %d's globals are reached through CMA "
        "(CAUSEWAY_MAP_DATA_SEGMENT=0, or the variable shares a page with RELRO), which cannot do "
        "atomics; keep it in the symmetric heap or leave CAUSEWAY_MAP_DATA_SEGMENT on",
        pe);
  report_status(rt, status, call, pe);
}

int translate_team_pe(const Context& ctx, int pe, const char* call) {
  const int size = static_cast<int>(ctx.team_to_world.size());
  if (pe < 0 || pe >= size)
    fatal_user_error(call,
                     "argument 'pe' = %d is out of range for the context's team of %d PEs (valid: 0..%d)", pe,
                     size, size - 1);
  return ctx.team_to_world[pe];
}

void check_pe_slow(Runtime& rt, int pe, const char* call) {
  if (pe < 0 || pe >= rt.n_pes())
    fatal_user_error(call, "argument 'pe' = %d is out of range: this job has %d PEs (valid: 0..%d)", pe,
                     rt.n_pes(), rt.n_pes() - 1);
}

void check_aligned(Runtime&, const void* addr, std::size_t width, const char* call) {
  if (reinterpret_cast<uintptr_t>(addr) % width != 0)
    fatal_user_error(call, "argument 'dest' = %p is not aligned to %zu bytes, as atomics require", addr,
                     width);
}

void check_strided(Runtime& rt, const void* addr, std::ptrdiff_t stride, std::size_t nelems, std::size_t elem,
                   int pe, const char* call, const char* arg) {
  check_pe(rt, pe, call);
  if (stride < 1) fatal_user_error(call, "stride for '%s' is %td; strides must be at least 1", arg, stride);
  std::size_t span;
  if (__builtin_mul_overflow(static_cast<std::size_t>(stride), nelems - 1, &span) ||
      __builtin_mul_overflow(span, elem, &span) || __builtin_add_overflow(span, elem, &span))
    fatal_user_error(call, "strided extent of '%s' (stride %td x %zu elements) overflows", arg, stride,
                     nelems);
  Location loc;
  if (!rt.locate(addr, span, &loc)) report_not_symmetric(rt, addr, span, call, arg);
}

void report_bytes_overflow(std::size_t nelems, std::size_t elem_size, const char* call) {
  fatal_user_error(call, "argument 'nelems' = %zu overflows: %zu elements of %zu bytes do not fit in size_t",
                   nelems, nelems, elem_size);
}

void report_blocking_in_handler(const char* call) {
  util::fatal_user_error(call,
                         "called from inside %s: handlers run inside progress and must not block, wait, "
                         "quiet, or call barriers or collectives (send work back with shmemx_am_reply)",
                         t_restricted_section);
}

void check_local_symmetric(Runtime& rt, const void* addr, std::size_t bytes, const char* call,
                           const char* arg) {
  Location loc;
  if (!rt.locate(addr, bytes, &loc)) report_not_symmetric(rt, addr, bytes, call, arg);
  // Local symmetric words are read by the CPU here (waits, signal fetches): not device memory.
  if (rt.segment(loc.segment).kind != MemKind::host)
    util::fatal_user_error(call,
                           "argument '%s' = %p is device memory, which a host thread cannot read; wait "
                           "for it inside a kernel (causeway/device/signal.cuh)",
                           arg, addr);
}

}  // namespace causeway::core
