// SPDX-License-Identifier: BSD-3-Clause
// Shared shapes of the C API definitions.
#pragma once
#include <shmem.h>

#include "core/checks.hpp"
#include "core/runtime.hpp"

#define CW_EXPAND(...) __VA_ARGS__

// shmem_NAME(params) is shmem_ctx_NAME on SHMEM_CTX_DEFAULT: one implementation per operation.
#define CW_DEFINE_DEFAULT_CTX_FORM(RET, NAME, PARAMS, ARGS) \
  RET shmem_##NAME PARAMS { return shmem_ctx_##NAME(SHMEM_CTX_DEFAULT, CW_EXPAND ARGS); }

namespace causeway::api {

[[noreturn]] void report_invalid_context(const char* call);
// Checks mode: ends the job unless `ctx` is a context shmem_ctx_create made and nobody destroyed.
void check_live_context(shmem_ctx_t ctx, const char* call);

// The core context behind a handle; SHMEM_CTX_INVALID is a user error, and so in checks mode is a
// handle that names no live context (destroyed, or garbage).
inline core::Context* context(shmem_ctx_t ctx, const char* call) {
  if (ctx == SHMEM_CTX_INVALID) [[unlikely]]
    report_invalid_context(call);
  if (ctx != SHMEM_CTX_DEFAULT && core::g_runtime && core::g_runtime->checks()) [[unlikely]]
    check_live_context(ctx, call);
  return ctx;
}

}  // namespace causeway::api
