// SPDX-License-Identifier: BSD-3-Clause
// causeway::team: an OpenSHMEM team as an RAII handle over the shmem_team_* C functions.
// team::world(), team::shared() and team::node() are non-owning views of the predefined teams; teams
// made by split_strided / split_2d own their handle and destroy it (shmem_team_destroy) when they die.
#pragma once

#include <shmem.h>

#include <optional>
#include <stdexcept>
#include <utility>

namespace causeway {

// Options of a new team (shmem_team_config_t); a field left empty is not passed (its mask bit is clear).
struct team_config {
  // How many contexts the program will create from the team at most (SHMEM_TEAM_NUM_CONTEXTS).
  std::optional<int> num_contexts;
};

// A team of PEs. Move-only. Either owning (made by a split, or adopted): its destructor destroys the
// team, which is collective over the team's members, so every member must let its handle go in the
// same order; or a view (the predefined teams, team::view): it never destroys anything. A
// default-constructed or moved-from team is SHMEM_TEAM_INVALID: its queries return -1.
// Contexts made from a team must be destroyed before it (declare the team first).
class team {
 public:
  team() noexcept = default;

  // Views of the predefined teams: every PE; the PEs this PE reaches by load/store; this PE's node.
  [[nodiscard]] static team world() noexcept { return team(SHMEM_TEAM_WORLD, false); }
  [[nodiscard]] static team shared() noexcept { return team(SHMEM_TEAM_SHARED, false); }
  [[nodiscard]] static team node() noexcept { return team(SHMEM_TEAM_NODE, false); }
  // A view of a C handle that someone else destroys.
  [[nodiscard]] static team view(shmem_team_t handle) noexcept { return team(handle, false); }
  // Takes over a C handle from a split: this team destroys it.
  [[nodiscard]] static team adopt(shmem_team_t handle) noexcept {
    return team(handle, handle != SHMEM_TEAM_INVALID);
  }

  ~team() { reset(); }

  team(const team&) = delete;
  team& operator=(const team&) = delete;

  team(team&& other) noexcept
      : handle_(std::exchange(other.handle_, SHMEM_TEAM_INVALID)),
        owned_(std::exchange(other.owned_, false)) {}

  // Destroys what this team owned (collective, when it owned a team), then takes over `other`.
  team& operator=(team&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, SHMEM_TEAM_INVALID);
      owned_ = std::exchange(other.owned_, false);
    }
    return *this;
  }

  // Destroys an owned team (collective over its members) and leaves this handle invalid.
  void reset() noexcept {
    if (owned_) shmem_team_destroy(handle_);
    handle_ = SHMEM_TEAM_INVALID;
    owned_ = false;
  }
  // Gives up ownership: the caller destroys the returned handle.
  [[nodiscard]] shmem_team_t release() noexcept {
    owned_ = false;
    return std::exchange(handle_, SHMEM_TEAM_INVALID);
  }

  [[nodiscard]] shmem_team_t native_handle() const noexcept { return handle_; }
  [[nodiscard]] bool valid() const noexcept { return handle_ != SHMEM_TEAM_INVALID; }
  explicit operator bool() const noexcept { return valid(); }
  // Whether the destructor destroys the team.
  [[nodiscard]] bool owns() const noexcept { return owned_; }

  // This PE's number in the team, and the team's size (-1 for an invalid team).
  [[nodiscard]] int my_pe() const noexcept { return shmem_team_my_pe(handle_); }
  [[nodiscard]] int n_pes() const noexcept { return shmem_team_n_pes(handle_); }
  // The number in `to` of this team's PE `pe`, or -1 when that PE is not in `to`.
  [[nodiscard]] int translate_pe(int pe, const team& to) const noexcept {
    return shmem_team_translate_pe(handle_, pe, to.handle_);
  }
  // The number of contexts the team was configured for (SHMEM_TEAM_NUM_CONTEXTS).
  [[nodiscard]] int num_contexts() const {
    shmem_team_config_t config{};
    if (shmem_team_get_config(handle_, SHMEM_TEAM_NUM_CONTEXTS, &config) != 0)
      throw std::runtime_error("causeway::team::num_contexts: shmem_team_get_config failed (invalid team)");
    return config.num_contexts;
  }

  // Synchronises the team's members without completing outstanding operations (shmem_team_sync).
  void sync() const {
    if (shmem_team_sync(handle_) != 0)
      throw std::runtime_error("causeway::team::sync: shmem_team_sync failed");
  }

  // A load/store pointer to `dest` (symmetric) on the team's PE `pe`, or nullptr without such a mapping.
  template <class T>
  [[nodiscard]] T* ptr(T* dest, int pe) const noexcept {
    return static_cast<T*>(shmem_team_ptr(handle_, dest, pe));
  }

  // Collective over this team: a new team of the members start, start + stride, ... (size of them,
  // numbered in this team). Members of the new team get it; the other PEs get an empty optional.
  // Throws std::runtime_error on every PE when the split fails (bad triplet, no team slot free).
  [[nodiscard]] std::optional<team> split_strided(int start, int stride, int size,
                                                  const team_config& config = {}) const {
    shmem_team_config_t c{};
    const long mask = to_c(config, c);
    shmem_team_t made = SHMEM_TEAM_INVALID;
    if (shmem_team_split_strided(handle_, start, stride, size, mask ? &c : nullptr, mask, &made) != 0)
      throw std::runtime_error("causeway::team::split_strided: shmem_team_split_strided failed");
    if (made == SHMEM_TEAM_INVALID) return std::nullopt;
    return team(made, true);
  }

  // Collective over this team: splits it into a grid with `xrange` PEs per row. Returns this PE's
  // row (x-axis team, numbered by column) and column (y-axis team, numbered by row); every member
  // is in both. Throws std::runtime_error on every PE when the split fails.
  [[nodiscard]] std::pair<team, team> split_2d(int xrange, const team_config& xconfig = {},
                                               const team_config& yconfig = {}) const {
    shmem_team_config_t xc{}, yc{};
    const long xmask = to_c(xconfig, xc), ymask = to_c(yconfig, yc);
    shmem_team_t x = SHMEM_TEAM_INVALID, y = SHMEM_TEAM_INVALID;
    const int rc = shmem_team_split_2d(handle_, xrange, xmask ? &xc : nullptr, xmask, &x,
                                       ymask ? &yc : nullptr, ymask, &y);
    std::pair<team, team> made{adopt(x), adopt(y)};  // a half-made split is destroyed if we throw
    if (rc != 0) throw std::runtime_error("causeway::team::split_2d: shmem_team_split_2d failed");
    return made;
  }

 private:
  team(shmem_team_t handle, bool owned) noexcept : handle_(handle), owned_(owned) {}

  static long to_c(const team_config& config, shmem_team_config_t& c) noexcept {
    long mask = 0;
    if (config.num_contexts) {
      c.num_contexts = *config.num_contexts;
      mask |= SHMEM_TEAM_NUM_CONTEXTS;
    }
    return mask;
  }

  shmem_team_t handle_ = SHMEM_TEAM_INVALID;
  bool owned_ = false;
};

}  // namespace causeway
