// One-sided operations as the APIs call them: checks (when on), address translation, then either a
// direct load/store through the peer's mapping or the peer's transport. Header-inline: these are
// the hot paths.
#pragma once
#include <cstring>
#include <type_traits>

#include "core/checks.hpp"
#include "core/runtime.hpp"
#include "transports/common/immediate.hpp"

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

// A null context means SHMEM_CTX_DEFAULT.
inline tl::Context* transport_context(Runtime& rt, Context* ctx, int pe) {
  return (ctx ? *ctx : rt.default_context()).per_transport[rt.path(pe).transport];
}

enum class Transfer { put, get, put_nbi, get_nbi };

// Contiguous transfers: a memcpy through the peer's mapping when there is one, else the transport.
template <Transfer kind>
inline void transfer(Context* ctx, void* dest, const void* src, std::size_t bytes, int pe, const char* call) {
  constexpr bool to_peer = kind == Transfer::put || kind == Transfer::put_nbi;
  Runtime& rt = runtime(call);
  pe = world_pe(ctx, pe, call);
  Location loc = resolve(rt, to_peer ? dest : src, bytes, pe, call, to_peer ? "dest" : "source");
  if (char* base = rt.path(pe).direct[loc.segment]) [[likely]] {
    if constexpr (to_peer)
      std::memcpy(base + loc.offset, src, bytes);
    else
      std::memcpy(dest, base + loc.offset, bytes);
    return;
  }
  tl::Context* c = transport_context(rt, ctx, pe);
  const tl::TransportOps& ops = *c->transport->ops;
  Status status;
  if constexpr (kind == Transfer::put) status = ops.put(c, pe, loc.segment, loc.offset, src, bytes);
  if constexpr (kind == Transfer::put_nbi) status = ops.put_nbi(c, pe, loc.segment, loc.offset, src, bytes);
  if constexpr (kind == Transfer::get) status = ops.get(c, pe, loc.segment, loc.offset, dest, bytes);
  if constexpr (kind == Transfer::get_nbi) status = ops.get_nbi(c, pe, loc.segment, loc.offset, dest, bytes);
  check_status(rt, status, call, pe);
}

inline void put(Context* ctx, void* dest, const void* src, std::size_t bytes, int pe, const char* call) {
  transfer<Transfer::put>(ctx, dest, src, bytes, pe, call);
}
inline void get(Context* ctx, void* dest, const void* src, std::size_t bytes, int pe, const char* call) {
  transfer<Transfer::get>(ctx, dest, src, bytes, pe, call);
}

// Single elements (shmem_p / shmem_g): one store or load when the peer is mapped.
template <class T>
inline void p(Context* ctx, T* dest, T value, int pe, const char* call) {
  transfer<Transfer::put>(ctx, dest, &value, sizeof(T), pe, call);
}

template <class T>
inline T g(Context* ctx, const T* src, int pe, const char* call) {
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
inline T amo(Context* ctx, tl::AmoOp op, T* target, T operand, T compare, int pe, const char* call) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8);
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  Runtime& rt = runtime(call);
  pe = world_pe(ctx, pe, call);
  Location loc = resolve(rt, target, sizeof(T), pe, call, "dest");
  if (rt.checks()) check_aligned(rt, target, sizeof(T), call);
  Bits operand_bits, compare_bits;
  std::memcpy(&operand_bits, &operand, sizeof(T));
  std::memcpy(&compare_bits, &compare, sizeof(T));
  uint64_t fetched = 0;
  tl::AmoArgs args{op, sizeof(T), operand_bits, compare_bits, &fetched};
  Status status;
  if (char* base = rt.path(pe).direct[loc.segment]) [[likely]] {
    status = tl::direct_amo(base + loc.offset, args);
  } else {
    tl::Context* c = transport_context(rt, ctx, pe);
    status = c->transport->ops->amo(c, pe, loc.segment, loc.offset, args);
  }
  if (is_error(status)) [[unlikely]]
    report_amo_failure(rt, status, loc, call, pe);
  Bits fetched_bits = static_cast<Bits>(fetched);
  T result;
  std::memcpy(&result, &fetched_bits, sizeof(T));
  return result;
}

// put_signal: the data lands before the signal word changes (SET or ADD), as seen by the target.
inline void put_signal(Context* ctx, void* dest, const void* src, std::size_t bytes, uint64_t* sig_addr,
                       uint64_t signal, tl::AmoOp sig_op, int pe, const char* call) {
  Runtime& rt = runtime(call);
  const int target = world_pe(ctx, pe, call);
  Location data = resolve(rt, dest, bytes, target, call, "dest");
  Location sig = resolve(rt, sig_addr, sizeof(uint64_t), target, call, "sig_addr");
  if (rt.checks()) check_aligned(rt, sig_addr, sizeof(uint64_t), call);
  char* data_base = rt.path(target).direct[data.segment];
  char* sig_base = rt.path(target).direct[sig.segment];
  if (data_base && sig_base) [[likely]] {
    std::memcpy(data_base + data.offset, src, bytes);
#if defined(__x86_64__)
    // A large memcpy may use non-temporal stores, which a release store does not order.
    __builtin_ia32_sfence();
#endif
    auto* word = reinterpret_cast<uint64_t*>(sig_base + sig.offset);
    if (sig_op == tl::AmoOp::set)
      __atomic_store_n(word, signal, __ATOMIC_RELEASE);
    else
      __atomic_fetch_add(word, signal, __ATOMIC_RELEASE);
    return;
  }
  // Any transport: the put, a fence to order it before the signal, then the signal AMO.
  transfer<Transfer::put>(ctx, dest, src, bytes, pe, call);
  tl::Context* c = transport_context(rt, ctx, target);
  check_status(rt, c->transport->ops->fence(c), call, target);
  amo<uint64_t>(ctx, sig_op, sig_addr, signal, 0, pe, call);
}

}  // namespace causeway::core
