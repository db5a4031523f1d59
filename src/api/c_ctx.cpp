// SPDX-License-Identifier: BSD-3-Clause
// Contexts (create, destroy, per-context fence/quiet) and signals.
#include <shmemx.h>

#include <mutex>
#include <unordered_set>
#include <vector>

#include "am/clock.hpp"
#include "api/c_api_macros.hpp"
#include "api/internal_aliases.hpp"
#include "core/issue.hpp"
#include "core/rma.hpp"
#include "core/sync.hpp"
#include "util/log.hpp"

using namespace causeway;

namespace {

// Every context shmem_ctx_create made and nobody destroyed yet, so that checks mode can tell a live
// handle from a destroyed or garbage one without dereferencing it.
std::mutex g_live_mutex;
std::unordered_set<const causeway_ctx*>& live_contexts() {
  static auto* live = new std::unordered_set<const causeway_ctx*>;  // outlives static destructors
  return *live;
}

}  // namespace

namespace causeway::api {
void report_invalid_context(const char* call) {
  util::fatal_user_error(call,
                         "argument 'ctx' is SHMEM_CTX_INVALID (a context that failed to be created or "
                         "was destroyed)");
}

void check_live_context(shmem_ctx_t ctx, const char* call) {
  std::lock_guard lock(g_live_mutex);
  if (!live_contexts().count(ctx))
    util::fatal_user_error(call,
                           "argument 'ctx' = %p names no live context (destroyed, never created, or not "
                           "a context handle)",
                           static_cast<void*>(ctx));
}
}  // namespace causeway::api

namespace {

constexpr long kContextOptions = SHMEM_CTX_SERIALIZED | SHMEM_CTX_PRIVATE | SHMEM_CTX_NOSTORE |
                                 SHMEMX_CTX_AM_UNORDERED | SHMEMX_CTX_CAUSAL;

tl::AmoOp signal_op(int sig_op, const char* call) {
  if (sig_op == SHMEM_SIGNAL_SET) return tl::AmoOp::set;
  if (sig_op == SHMEM_SIGNAL_ADD) return tl::AmoOp::add;
  util::fatal_user_error(call, "argument 'sig_op' = %d is neither SHMEM_SIGNAL_SET nor SHMEM_SIGNAL_ADD",
                         sig_op);
}

}  // namespace

extern "C" {

int shmem_ctx_create(long options, shmem_ctx_t* ctx) {
  core::Runtime& rt = core::runtime("shmem_ctx_create");
  *ctx = SHMEM_CTX_INVALID;
  if (options & ~kContextOptions) {
    CW_LOG(util::LogLevel::warn, "shmem_ctx_create: argument 'options' = %#lx has unknown bits", options);
    return 1;
  }
  auto* created = new causeway_ctx;
  created->options = options;
  if (is_error(core::create_context(rt, created))) {
    delete created;
    return 1;
  }
  {
    std::lock_guard lock(g_live_mutex);
    live_contexts().insert(created);
  }
  *ctx = created;
  return 0;
}
CW_DEFINE_INTERNAL_ALIAS(int, ctx_create, (long options, shmem_ctx_t* ctx))

void shmem_ctx_destroy(shmem_ctx_t ctx) {
  core::Runtime& rt = core::runtime("shmem_ctx_destroy");
  if (ctx == SHMEM_CTX_INVALID) return;  // the spec: no effect
  if (ctx == SHMEM_CTX_DEFAULT)
    util::fatal_user_error("shmem_ctx_destroy",
                           "argument 'ctx' is SHMEM_CTX_DEFAULT, which cannot be destroyed");
  if (rt.checks()) api::check_live_context(ctx, "shmem_ctx_destroy");
  {
    std::lock_guard lock(g_live_mutex);
    live_contexts().erase(ctx);
  }
  core::quiet(*ctx);  // destroying a context completes what it issued
  am::Clocks::get().release(*ctx);
  core::destroy_context(rt, ctx);
  delete ctx;
}

// On SHMEM_CTX_INVALID fence and quiet perform no operation (the specification says so).
void shmem_ctx_fence(shmem_ctx_t ctx) {
  if (ctx != SHMEM_CTX_INVALID) [[likely]]
    core::fence(*api::context(ctx, "shmem_ctx_fence"));
}
void shmem_ctx_quiet(shmem_ctx_t ctx) {
  if (ctx != SHMEM_CTX_INVALID) [[likely]]
    core::quiet(*api::context(ctx, "shmem_ctx_quiet"));
}
void shmem_fence(void) { shmem_ctx_fence(SHMEM_CTX_DEFAULT); }
void shmem_quiet(void) { shmem_ctx_quiet(SHMEM_CTX_DEFAULT); }

// Completes only what the context issued to these PEs (numbered in the context's team).
// Like quiet, no operation on SHMEM_CTX_INVALID.
void shmem_ctx_pe_quiet(shmem_ctx_t ctx, const int* target_pes, size_t npes) {
  const char* call = "shmem_pe_quiet";
  core::Runtime& rt = core::runtime(call);
  if (ctx == SHMEM_CTX_INVALID) return;
  core::Context* c = api::context(ctx, call);
  if (npes > 0 && target_pes == nullptr)
    util::fatal_user_error(call, "argument 'target_pes' is NULL but 'npes' = %zu", npes);
  std::vector<int> world(npes);
  for (size_t i = 0; i < npes; ++i) {
    world[i] = core::world_pe(c, target_pes[i], call);
    core::check_pe(rt, world[i], call);
  }
  core::issue_quiet_pes(rt, *c, world, call);
}
void shmem_pe_quiet(const int* target_pes, size_t npes) {
  shmem_ctx_pe_quiet(SHMEM_CTX_DEFAULT, target_pes, npes);
}

// ---- Signals ----
#define CW_DEFINE_PUT_SIGNAL(NAME, ELEM_TYPE, BYTES, NBI)                                                   \
  void shmem_ctx_##NAME(shmem_ctx_t ctx, ELEM_TYPE* dest, const ELEM_TYPE* source, size_t nelems,           \
                        uint64_t* sig_addr, uint64_t signal, int sig_op, int pe) {                          \
    const char* call = "shmem_" #NAME;                                                                      \
    core::put_signal(api::context(ctx, call), dest, source, core::checked_bytes(nelems, BYTES, call),       \
                     sig_addr, signal, signal_op(sig_op, call), pe, NBI, call);                             \
  }                                                                                                         \
  CW_DEFINE_DEFAULT_CTX_FORM(void, NAME,                                                                    \
                             (ELEM_TYPE * dest, const ELEM_TYPE* source, size_t nelems, uint64_t* sig_addr, \
                              uint64_t signal, int sig_op, int pe),                                         \
                             (dest, source, nelems, sig_addr, signal, sig_op, pe))
// The _nbi form may complete as late as quiet (at once on a mapped peer).
#define CW_DEFINE_PUT_SIGNAL_BOTH(PREFIX, SUFFIX, ELEM_TYPE, BYTES)           \
  CW_DEFINE_PUT_SIGNAL(PREFIX##put##SUFFIX##_signal, ELEM_TYPE, BYTES, false) \
  CW_DEFINE_PUT_SIGNAL(PREFIX##put##SUFFIX##_signal_nbi, ELEM_TYPE, BYTES, true)
#define CW_DEFINE_TYPED_PUT_SIGNAL(TYPE, NAME) CW_DEFINE_PUT_SIGNAL_BOTH(NAME##_, , TYPE, sizeof(TYPE))
CW_RMA_TYPES(CW_DEFINE_TYPED_PUT_SIGNAL)
#define CW_DEFINE_SIZED_PUT_SIGNAL(BITS, BYTES) CW_DEFINE_PUT_SIGNAL_BOTH(, BITS, void, BYTES)
CW_SIZED_RMA(CW_DEFINE_SIZED_PUT_SIGNAL)
CW_DEFINE_PUT_SIGNAL_BOTH(, mem, void, 1)

uint64_t shmem_signal_fetch(const uint64_t* sig_addr) {
  core::Runtime& rt = core::runtime("shmem_signal_fetch");
  if (rt.checks())
    core::check_local_symmetric(rt, sig_addr, sizeof(uint64_t), "shmem_signal_fetch", "sig_addr");
  return core::load_acquire(sig_addr);
}

uint64_t shmem_signal_wait_until(uint64_t* sig_addr, int cmp, uint64_t cmp_value) {
  const char* call = "shmem_signal_wait_until";
  core::Runtime& rt = core::runtime(call);
  if (!core::valid_compare(cmp)) core::report_bad_compare(cmp, call);
  if (rt.checks()) core::check_local_symmetric(rt, sig_addr, sizeof(uint64_t), call, "sig_addr");
  return core::wait_until_one(rt, sig_addr, cmp, cmp_value, call);
}

void shmem_ctx_signal_add(shmem_ctx_t ctx, uint64_t* sig_addr, uint64_t signal, int pe) {
  core::amo<uint64_t>(api::context(ctx, "shmem_signal_add"), tl::AmoOp::add, sig_addr, signal, 0, pe,
                      "shmem_signal_add");
}
CW_DEFINE_DEFAULT_CTX_FORM(void, signal_add, (uint64_t * sig_addr, uint64_t signal, int pe),
                           (sig_addr, signal, pe))
void shmem_ctx_signal_set(shmem_ctx_t ctx, uint64_t* sig_addr, uint64_t signal, int pe) {
  core::amo<uint64_t>(api::context(ctx, "shmem_signal_set"), tl::AmoOp::set, sig_addr, signal, 0, pe,
                      "shmem_signal_set");
}
CW_DEFINE_DEFAULT_CTX_FORM(void, signal_set, (uint64_t * sig_addr, uint64_t signal, int pe),
                           (sig_addr, signal, pe))

}  // extern "C"
