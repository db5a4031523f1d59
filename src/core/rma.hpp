// SPDX-License-Identifier: BSD-3-Clause
// One-sided operations as the APIs call them. Each has two halves: an always-inlined fast path
// (world-numbered context, peer mapped here: a copy or a CPU atomic, see fast_path.hpp) and an
// out-of-line full path (checks, team numbering, segment lookup, transports). Small messages are
// mostly call overhead on shared memory, so the fast half is kept to a few instructions.
#pragma once
#include <cstring>
#include <type_traits>

#include "core/checks.hpp"
#include "core/fast_path.hpp"
#include "core/issue.hpp"
#include "core/runtime.hpp"

namespace causeway::core {

// Resolves `dest` on `pe` for an n-byte access, validating when checks are on.
inline Location resolve(Runtime& rt, const void* addr, std::size_t bytes, int pe, const char* call,
                        const char* arg) {
  Location loc;
  check_pe(rt, pe, call);  // one compare; an out-of-range PE would index past the path table
  if (!rt.locate(addr, bytes, &loc)) [[unlikely]]
    report_not_symmetric(rt, addr, bytes, call, arg);
  return loc;
}

// PE numbers on a team context are team-relative; everything below works in world numbers.
inline int world_pe(Context* ctx, int pe, const char* call) {
  if (ctx == nullptr || ctx->team_to_world.empty()) [[likely]]
    return pe;
  return translate_team_pe(*ctx, pe, call);
}

// True when the context numbers PEs as the world does (the fast path's precondition).
// The default context is the world's, so the default-context entry points fold this to true.
[[gnu::always_inline]] inline bool world_numbered(const Context* ctx) {
  return ctx == nullptr || ctx == &causeway_ctx_default || ctx->team_to_world.empty();
}

enum class Transfer { put, get, put_nbi, get_nbi };

// Small copies inline, larger ones by memcpy (causeway/fast_path.h).
[[gnu::always_inline]] inline void copy_bytes(void* dst, const void* src, std::size_t n) {
  causeway_fast_copy(dst, src, n);
}

// The full path of a contiguous transfer: checks, team numbering, segment lookup, then the issue
// point.
template <Transfer kind>
[[gnu::noinline]] void transfer_full(Context* ctx, void* dest, const void* src, std::size_t bytes, int pe,
                                     const char* call) {
  constexpr bool to_peer = kind == Transfer::put || kind == Transfer::put_nbi;
  constexpr bool nbi = kind == Transfer::put_nbi || kind == Transfer::get_nbi;
  Runtime& rt = runtime(call);
  // Zero bytes move nothing, whatever the pointers (NULL or not symmetric): a valid call. Only
  // misses of the fast path get here, so the length is looked at before anything is resolved.
  if (bytes == 0) return;
  pe = world_pe(ctx, pe, call);
  Location loc = resolve(rt, to_peer ? dest : src, bytes, pe, call, to_peer ? "dest" : "source");
  if constexpr (to_peer)
    issue_put(rt, ctx, pe, loc, src, bytes, nbi, call);
  else
    issue_get(rt, ctx, pe, loc, dest, bytes, nbi, call);
}

// Contiguous transfers. Inlined into the API entry points, so a small put to a mapped peer is one
// call from the application, a range compare and a store.
template <Transfer kind>
[[gnu::always_inline]] inline void transfer(Context* ctx, void* dest, const void* src, std::size_t bytes,
                                            int pe, const char* call) {
  constexpr bool to_peer = kind == Transfer::put || kind == Transfer::put_nbi;
  if (world_numbered(ctx)) [[likely]] {
    if (char* remote = direct_address(to_peer ? dest : src, bytes, pe)) [[likely]] {
      if constexpr (to_peer)
        copy_bytes(remote, src, bytes);
      else
        copy_bytes(dest, remote, bytes);
      return;
    }
  }
  transfer_full<kind>(ctx, dest, src, bytes, pe, call);
}

inline void put(Context* ctx, void* dest, const void* src, std::size_t bytes, int pe, const char* call) {
  transfer<Transfer::put>(ctx, dest, src, bytes, pe, call);
}
inline void get(Context* ctx, void* dest, const void* src, std::size_t bytes, int pe, const char* call) {
  transfer<Transfer::get>(ctx, dest, src, bytes, pe, call);
}

// Single elements (shmem_p / shmem_g): one store or load when the peer is mapped.
template <class T>
[[gnu::always_inline]] inline void p(Context* ctx, T* dest, T value, int pe, const char* call) {
  transfer<Transfer::put>(ctx, dest, &value, sizeof(T), pe, call);
}

template <class T>
[[gnu::always_inline]] inline T g(Context* ctx, const T* src, int pe, const char* call) {
  T value;
  transfer<Transfer::get>(ctx, &value, src, sizeof(T), pe, call);
  return value;
}

// Strided transfers: element i goes from src[i*sst] to dest[i*dst]. Strides are in elements.
inline void iput(Context* ctx, void* dest, const void* src, std::ptrdiff_t dst, std::ptrdiff_t sst,
                 std::size_t nelems, std::size_t elem, int pe, const char* call) {
  if (nelems == 0) return;
  Runtime& rt = runtime(call);
  if (rt.checks()) check_strided(rt, dest, dst, nelems, elem, world_pe(ctx, pe, call), call, "dest");
  for (std::size_t i = 0; i < nelems; ++i)
    put(ctx, static_cast<char*>(dest) + i * dst * elem, static_cast<const char*>(src) + i * sst * elem, elem,
        pe, call);
}

inline void iget(Context* ctx, void* dest, const void* src, std::ptrdiff_t dst, std::ptrdiff_t sst,
                 std::size_t nelems, std::size_t elem, int pe, const char* call) {
  if (nelems == 0) return;
  Runtime& rt = runtime(call);
  if (rt.checks()) check_strided(rt, src, sst, nelems, elem, world_pe(ctx, pe, call), call, "source");
  for (std::size_t i = 0; i < nelems; ++i)
    get(ctx, static_cast<char*>(dest) + i * dst * elem, static_cast<const char*>(src) + i * sst * elem, elem,
        pe, call);
}

// Atomics on 4- and 8-byte words. T is the API type; it is carried as its bit pattern.
template <class T>
using AmoBits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;

template <class T>
inline T from_bits(uint64_t fetched) {
  const auto bits = static_cast<AmoBits<T>>(fetched);
  T result;
  std::memcpy(&result, &bits, sizeof(T));
  return result;
}

template <class T>
inline uint64_t to_bits(T value) {
  AmoBits<T> bits;
  std::memcpy(&bits, &value, sizeof(T));
  return bits;
}

// The full path of an atomic: checks, team numbering, segment lookup, then the issue point. With
// `fetch_out`, the old value goes there and may arrive as late as quiet (the _nbi forms).
template <class T>
[[gnu::noinline]] T amo_full(Context* ctx, tl::AmoOp op, T* target, T operand, T compare, int pe,
                             const char* call, T* fetch_out = nullptr) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8);
  Runtime& rt = runtime(call);
  pe = world_pe(ctx, pe, call);
  Location loc = resolve(rt, target, sizeof(T), pe, call, "dest");
  if (rt.checks()) check_aligned(rt, target, sizeof(T), call);
  T fetched{};
  void* out = !tl::amo_fetches(op) ? nullptr : fetch_out ? static_cast<void*>(fetch_out) : &fetched;
  const tl::AmoArgs args{op, sizeof(T), to_bits(operand), to_bits(compare), out};
  Status status = issue_amo(rt, ctx, pe, loc, args, fetch_out != nullptr);
  if (is_error(status)) [[unlikely]]
    report_amo_failure(rt, status, loc, call, pe);
  return fetched;
}

// The CPU atomic for `op` on a mapped peer's word (causeway/cpu.h's table).
template <class T>
[[gnu::always_inline]] inline T cpu_amo(tl::AmoOp op, char* word, T operand, T compare) {
  if constexpr (sizeof(T) == 4)
    return from_bits<T>(causeway_cpu_amo32(static_cast<int>(op), reinterpret_cast<uint32_t*>(word),
                                           static_cast<uint32_t>(to_bits(operand)),
                                           static_cast<uint32_t>(to_bits(compare))));
  else
    return from_bits<T>(causeway_cpu_amo64(static_cast<int>(op), reinterpret_cast<uint64_t*>(word),
                                           to_bits(operand), to_bits(compare)));
}

// Inlined into the API entry points, where `op` is a constant: the fast path is one CPU atomic.
template <class T>
[[gnu::always_inline]] inline T amo(Context* ctx, tl::AmoOp op, T* target, T operand, T compare, int pe,
                                    const char* call) {
  if (world_numbered(ctx)) [[likely]] {
    if (char* remote = amo_address(target, sizeof(T), pe)) [[likely]]
      return cpu_amo<T>(op, remote, operand, compare);
  }
  return amo_full<T>(ctx, op, target, operand, compare, pe, call);
}

// The fetching _nbi forms: the old value goes to `fetch`, at once on a mapped peer, by quiet
// through a transport.
template <class T>
[[gnu::always_inline]] inline void amo_nbi(Context* ctx, tl::AmoOp op, T* fetch, T* target, T operand,
                                           T compare, int pe, const char* call) {
  if (world_numbered(ctx)) [[likely]] {
    if (char* remote = amo_address(target, sizeof(T), pe)) [[likely]] {
      *fetch = cpu_amo<T>(op, remote, operand, compare);
      return;
    }
  }
  amo_full<T>(ctx, op, target, operand, compare, pe, call, fetch);
}

// put_signal's full path: checks, team numbering and segment lookup, then the issue point.
[[gnu::noinline]] inline void put_signal_full(Context* ctx, void* dest, const void* src, std::size_t bytes,
                                              uint64_t* sig_addr, uint64_t signal, tl::AmoOp sig_op, int pe,
                                              bool nbi, const char* call) {
  Runtime& rt = runtime(call);
  // No data: only the signal is delivered (dest may be anything, as for a zero-length put).
  if (bytes == 0) {
    amo<uint64_t>(ctx, sig_op, sig_addr, signal, 0, pe, call);
    return;
  }
  const int target = world_pe(ctx, pe, call);
  Location data = resolve(rt, dest, bytes, target, call, "dest");
  Location sig = resolve(rt, sig_addr, sizeof(uint64_t), target, call, "sig_addr");
  if (rt.checks()) check_aligned(rt, sig_addr, sizeof(uint64_t), call);
  issue_put_signal(rt, ctx, target, data, src, bytes, sig, signal, sig_op, nbi, call);
}

// put_signal: the data lands before the signal word changes (SET or ADD), as seen by the target.
[[gnu::always_inline]] inline void put_signal(Context* ctx, void* dest, const void* src, std::size_t bytes,
                                              uint64_t* sig_addr, uint64_t signal, tl::AmoOp sig_op, int pe,
                                              bool nbi, const char* call) {
  if (world_numbered(ctx)) [[likely]] {
    char* data = direct_address(dest, bytes, pe);
    char* word = amo_address(sig_addr, sizeof(uint64_t), pe);
    if (data && word) [[likely]] {
      causeway_put_signal_direct(data, src, bytes, reinterpret_cast<uint64_t*>(word), signal,
                                 sig_op == tl::AmoOp::add);
      return;
    }
  }
  put_signal_full(ctx, dest, src, bytes, sig_addr, signal, sig_op, pe, nbi, call);
}

}  // namespace causeway::core
