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

// The core context behind a handle; SHMEM_CTX_INVALID is a user error.
inline core::Context* context(shmem_ctx_t ctx, const char* call) {
  if (ctx == SHMEM_CTX_INVALID) [[unlikely]]
    report_invalid_context(call);
  return ctx;
}

}  // namespace causeway::api
