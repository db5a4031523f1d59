// SPDX-License-Identifier: BSD-3-Clause
// Argument validation. The cheap checks (initialised, symmetric address) always run; the rest run
// when CAUSEWAY_CHECKS or SHMEM_DEBUG is set. Every failure names the PE, the call and the argument,
// then ends the job with a non-zero status.
#pragma once
#include <cstddef>

#include "core/runtime.hpp"

namespace causeway::core {

[[noreturn]] void report_not_initialized(const char* call);
[[noreturn]] void report_not_symmetric(Runtime& rt, const void* addr, std::size_t bytes, const char* call,
                                       const char* arg);
[[noreturn]] void report_status(Runtime& rt, Status status, const char* call, int pe);
[[noreturn]] void report_amo_failure(Runtime& rt, Status status, const Location& loc, const char* call,
                                     int pe);
// Maps a team context's PE number to a world PE number, or reports it out of the team's range.
int translate_team_pe(const Context& ctx, int pe, const char* call);
void check_pe_slow(Runtime& rt, int pe, const char* call);
void check_aligned(Runtime& rt, const void* addr, std::size_t width, const char* call);
void check_strided(Runtime& rt, const void* addr, std::ptrdiff_t stride, std::size_t nelems, std::size_t elem,
                   int pe, const char* call, const char* arg);
[[noreturn]] void report_bytes_overflow(std::size_t nelems, std::size_t elem_size, const char* call);
// The target of wait_until/test must be this PE's own symmetric memory.
void check_local_symmetric(Runtime& rt, const void* addr, std::size_t bytes, const char* call,
                           const char* arg);

// While an active-message handler runs on this thread, what it is ("active-message handler 3"),
// else nullptr. Handlers must not block: with checks on, calls that may block report it.
inline thread_local const char* t_restricted_section = nullptr;
[[noreturn]] void report_blocking_in_handler(const char* call);
inline void check_may_block(const Runtime& rt, const char* call) {
  if (rt.checks() && t_restricted_section) [[unlikely]]
    report_blocking_in_handler(call);
}

inline Runtime& runtime(const char* call) {
  if (!g_runtime) [[unlikely]]
    report_not_initialized(call);
  return *g_runtime;
}

inline void check_pe(Runtime& rt, int pe, const char* call) {
  if (pe < 0 || pe >= rt.n_pes()) [[unlikely]]
    check_pe_slow(rt, pe, call);
}

// n * elem_size without overflow, or a fatal error naming `call`.
inline std::size_t checked_bytes(std::size_t nelems, std::size_t elem_size, const char* call) {
  std::size_t bytes;
  if (__builtin_mul_overflow(nelems, elem_size, &bytes)) [[unlikely]]
    report_bytes_overflow(nelems, elem_size, call);
  return bytes;
}

inline void check_status(Runtime& rt, Status status, const char* call, int pe) {
  if (is_error(status)) [[unlikely]]
    report_status(rt, status, call, pe);
}

}  // namespace causeway::core
