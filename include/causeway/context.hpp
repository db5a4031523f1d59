// SPDX-License-Identifier: BSD-3-Clause
// causeway::context: an OpenSHMEM communication context as an RAII handle over shmem_ctx_create /
// shmem_team_create_ctx / shmem_ctx_destroy. The put/get/atomic/signal templates take a context&
// first to issue on it (rma.hpp, atomic.hpp, signal.hpp).
#pragma once

#include <shmem.h>
#include <shmemx.h>

#include <stdexcept>
#include <utility>

#include "causeway/team.hpp"

namespace causeway {

// Context options (SHMEM_CTX_*), combined with | into a bitmask.
enum class ctx_options : long {
  none = 0,
  serialized = SHMEM_CTX_SERIALIZED,       // used by one thread at a time
  private_ = SHMEM_CTX_PRIVATE,            // used only by the thread that created it
  nostore = SHMEM_CTX_NOSTORE,             // quiet/fence need not complete stores issued on it
  am_unordered = SHMEMX_CTX_AM_UNORDERED,  // its active messages may run out of send order
  causal = SHMEMX_CTX_CAUSAL,              // stamped calls quiet first: causality is transitive
};
[[nodiscard]] constexpr ctx_options operator|(ctx_options a, ctx_options b) noexcept {
  return static_cast<ctx_options>(static_cast<long>(a) | static_cast<long>(b));
}
[[nodiscard]] constexpr ctx_options operator&(ctx_options a, ctx_options b) noexcept {
  return static_cast<ctx_options>(static_cast<long>(a) & static_cast<long>(b));
}
constexpr ctx_options& operator|=(ctx_options& a, ctx_options b) noexcept { return a = a | b; }
constexpr ctx_options& operator&=(ctx_options& a, ctx_options b) noexcept { return a = a & b; }
// Whether any option is set.
[[nodiscard]] constexpr bool any(ctx_options o) noexcept { return o != ctx_options::none; }

// A communication context. Move-only; the destructor completes what was issued on it and destroys
// it (not collective). context::default_context() is a non-owning view of SHMEM_CTX_DEFAULT. A
// moved-from context is SHMEM_CTX_INVALID, on which any operation is a reported user error.
// PE numbers on a context made from a team are that team's.
class context {
 public:
  // A new context on the world team. Throws std::runtime_error when none can be created.
  explicit context(ctx_options options = ctx_options::none) {
    if (shmem_ctx_create(static_cast<long>(options), &handle_) != 0) {
      handle_ = SHMEM_CTX_INVALID;
      throw std::runtime_error("causeway::context: shmem_ctx_create failed");
    }
    owned_ = true;
  }
  // A new context on `t` (this PE must be a member). Throws std::runtime_error when none can be
  // created (an invalid team, or the team's contexts are used up).
  explicit context(const team& t, ctx_options options = ctx_options::none) {
    if (shmem_team_create_ctx(t.native_handle(), static_cast<long>(options), &handle_) != 0) {
      handle_ = SHMEM_CTX_INVALID;
      throw std::runtime_error("causeway::context: shmem_team_create_ctx failed");
    }
    owned_ = true;
  }

  // A view of the default context; never destroyed.
  [[nodiscard]] static context default_context() noexcept { return context(SHMEM_CTX_DEFAULT, false); }
  // A view of a C handle that someone else destroys.
  [[nodiscard]] static context view(shmem_ctx_t handle) noexcept { return context(handle, false); }

  ~context() { reset(); }

  context(const context&) = delete;
  context& operator=(const context&) = delete;

  context(context&& other) noexcept
      : handle_(std::exchange(other.handle_, SHMEM_CTX_INVALID)),
        owned_(std::exchange(other.owned_, false)) {}

  context& operator=(context&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, SHMEM_CTX_INVALID);
      owned_ = std::exchange(other.owned_, false);
    }
    return *this;
  }

  // Destroys an owned context (completing what it issued) and leaves this handle invalid.
  void reset() noexcept {
    if (owned_) shmem_ctx_destroy(handle_);
    handle_ = SHMEM_CTX_INVALID;
    owned_ = false;
  }
  // Gives up ownership: the caller destroys the returned handle.
  [[nodiscard]] shmem_ctx_t release() noexcept {
    owned_ = false;
    return std::exchange(handle_, SHMEM_CTX_INVALID);
  }

  [[nodiscard]] shmem_ctx_t native_handle() const noexcept { return handle_; }
  [[nodiscard]] bool valid() const noexcept { return handle_ != SHMEM_CTX_INVALID; }
  explicit operator bool() const noexcept { return valid(); }
  [[nodiscard]] bool owns() const noexcept { return owned_; }

  // A non-owning view of the team the context was made from (the world team for shmem_ctx_create).
  [[nodiscard]] team get_team() const {
    shmem_team_t t = SHMEM_TEAM_INVALID;
    if (shmem_ctx_get_team(handle_, &t) != 0)
      throw std::runtime_error("causeway::context::get_team: shmem_ctx_get_team failed (invalid context)");
    return team::view(t);
  }

  // Orders the puts, AMOs and signals issued on this context to each PE.
  void fence() noexcept { shmem_ctx_fence(handle_); }
  // Completes every put, AMO, signal and non-blocking get issued on this context.
  void quiet() noexcept { shmem_ctx_quiet(handle_); }

 private:
  context(shmem_ctx_t handle, bool owned) noexcept : handle_(handle), owned_(owned) {}

  shmem_ctx_t handle_ = SHMEM_CTX_INVALID;
  bool owned_ = false;
};

}  // namespace causeway
