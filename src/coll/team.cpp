// SPDX-License-Identifier: BSD-3-Clause
// Team state: the scratch pool, predefined teams, splits, destruction and handle checks.
#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <tuple>
#include <unordered_set>

#include "coll/coll.hpp"
#include "core/checks.hpp"
#include "core/issue.hpp"
#include "util/log.hpp"

namespace causeway::coll {

namespace {

// Fixed slots.
constexpr int kWorldSlot = 0, kSharedSlot = 1, kNodeSlot = 2, kActiveSetSlot = 3, kFirstFreeSlot = 4;
constexpr int kMinSlots = 8, kMaxSlots = 64;

struct State {
  core::Runtime* rt = nullptr;
  Layout layout;
  Tuning tuning;
  std::vector<std::unique_ptr<Slot>> slots;
  uint64_t free_mask = 0;  // slots no team of this PE uses
  std::mutex mutex;        // free_mask, live, active_sets
  std::unordered_set<const Team*> live;
  std::vector<std::unique_ptr<Team>> destroyed;  // marked destroyed, freed at finalize
  std::map<std::tuple<int, int, int>, std::unique_ptr<Team>> active_sets;
  std::mutex active_set_mutex;
  TeamDestroyHook destroy_hook = nullptr;
};

State* g_state = nullptr;

// Predefined teams live as long as the library; their handles are link-time constants.
Team g_world, g_shared, g_node;

State& state(const char* call) {
  core::runtime(call);  // reports use before shmem_init / after shmem_finalize
  return *g_state;
}

void fill_team(Team& t, std::vector<int> members, int n_world, int me_world) {
  t.members = std::move(members);
  t.rank_of.assign(n_world, -1);
  for (int r = 0; r < t.size(); ++r) t.rank_of[t.members[r]] = r;
  t.my_rank = t.rank_of[me_world];
  t.stride = t.size() > 1 ? t.members[1] - t.members[0] : 0;
  for (int r = 2; r < t.size(); ++r)
    if (t.members[r] - t.members[r - 1] != t.stride) t.stride = -1;
}

void layout_pool(State& s, core::Runtime& rt) {
  const util::Config& cfg = rt.config();
  const std::size_t n = static_cast<std::size_t>(rt.n_pes());
  Layout& l = s.layout;
  l.sig_stride = 64;
  l.stage_offset = (n * l.sig_stride + 63) & ~std::size_t{63};
  // At most 1/16 of the heap: a small SHMEM_SYMMETRIC_SIZE must stay mostly the user's.
  std::size_t budget = std::min<std::size_t>(cfg.coll_scratch, rt.segment(core::kHeapSegment).size / 16);
  long slots = std::clamp<long>(cfg.coll_teams, kMinSlots, kMaxSlots);
  const std::size_t min_half = std::max<std::size_t>(64 * n, 512);  // 64 bytes per PE on the active-set slot
  while (slots > kMinSlots && static_cast<std::size_t>(slots) * (l.stage_offset + 2 * min_half) > budget)
    slots /= 2;
  if (slots < cfg.coll_teams && cfg.coll_teams <= kMaxSlots)
    CW_LOG_AT(team, util::LogLevel::info,
              "%ld team slots (CAUSEWAY_COLL_TEAMS=%ld does not fit CAUSEWAY_COLL_SCRATCH)", slots,
              cfg.coll_teams);
  const std::size_t per_slot = budget / static_cast<std::size_t>(slots);
  std::size_t half = per_slot > l.stage_offset ? (per_slot - l.stage_offset) / 2 : 0;
  // No use staging more than a one-shot reduction of the largest team can take.
  half = std::min(half, std::max<std::size_t>(n * s.tuning.reduce_oneshot_max, min_half));
  half = std::max(half & ~std::size_t{63}, min_half);
  l.stage_half = half;
  l.slot_bytes = l.stage_offset + 2 * half;
  s.slots.resize(static_cast<std::size_t>(slots));
}

}  // namespace

const Tuning& tuning() { return g_state->tuning; }
const Layout& layout() { return g_state->layout; }
std::mutex& active_set_mutex() { return g_state->active_set_mutex; }

void init(core::Runtime& rt) {
  if (g_state) return;
  auto s = std::make_unique<State>();
  s->rt = &rt;
  const util::Config& cfg = rt.config();
  s->tuning.reduce_oneshot_max = cfg.coll_reduce_oneshot_max;
  s->tuning.bcast_push_max = cfg.coll_bcast_push_max;
  s->tuning.tree_min_pes = static_cast<int>(std::max<long>(cfg.coll_tree_min_pes, 2));
  s->tuning.flat_signal_max_pes = static_cast<int>(std::max<long>(cfg.coll_flat_signal_max_pes, 1));
  layout_pool(*s, rt);

  const std::size_t pool_bytes = s->slots.size() * s->layout.slot_bytes;
  char* pool = static_cast<char*>(rt.heap_allocate(pool_bytes, 4096, "shmem_init", /*zero=*/true));
  if (!pool)
    util::fatal_user_error(
        "shmem_init",
        "cannot allocate the %zu bytes of team scratch (%zu slots) from the symmetric heap; "
        "raise SHMEM_SYMMETRIC_SIZE or lower CAUSEWAY_COLL_TEAMS / CAUSEWAY_COLL_SCRATCH",
        pool_bytes, s->slots.size());
  const std::size_t pool_offset = static_cast<std::size_t>(pool - rt.segment(core::kHeapSegment).base);
  const int n = rt.n_pes(), me = rt.my_pe();
  for (std::size_t i = 0; i < s->slots.size(); ++i) {
    auto slot = std::make_unique<Slot>();
    slot->index = static_cast<int>(i);
    slot->offset = pool_offset + i * s->layout.slot_bytes;
    slot->local = pool + i * s->layout.slot_bytes;
    slot->sent.assign(n, 0);
    slot->received.assign(n, 0);
    slot->exchanges.assign(n, 0);
    s->slots[i] = std::move(slot);
  }
  if (rt.checks()) init_agreement(rt, s->slots);
  s->free_mask = 0;
  for (std::size_t i = kFirstFreeSlot; i < s->slots.size(); ++i) s->free_mask |= uint64_t{1} << i;

  // WORLD: everyone. NODE: PEs on this node. SHARED: those of them this PE reaches by load/store.
  std::vector<int> all(n), node, shared;
  const auto& node_of = rt.bootstrap().node_of();
  for (int pe = 0; pe < n; ++pe) {
    all[pe] = pe;
    const bool same_node = node_of.size() == static_cast<std::size_t>(n) ? node_of[pe] == node_of[me] : true;
    if (!same_node) continue;
    node.push_back(pe);
    if (pe == me || core::host_address(rt, pe, {core::kHeapSegment, 0}) != nullptr) shared.push_back(pe);
  }
  struct Predefined {
    Team* team;
    TeamKind kind;
    std::vector<int>* members;
    int slot;
  } predefined[] = {{&g_world, TeamKind::world, &all, kWorldSlot},
                    {&g_shared, TeamKind::shared, &shared, kSharedSlot},
                    {&g_node, TeamKind::node, &node, kNodeSlot}};
  for (auto& p : predefined) {
    p.team->kind = p.kind;
    fill_team(*p.team, *p.members, n, me);
    p.team->slot = s->slots[p.slot].get();
    p.team->world_indexed = false;
    p.team->num_contexts = 0;
    s->live.insert(p.team);
  }
  g_state = s.release();
}

void finalize() {
  if (!g_state) return;
  finalize_agreement(*g_state->rt, g_state->slots);
  for (const Team* t : g_state->live)
    if (!t->predefined()) delete t;
  for (Team* t : {&g_world, &g_shared, &g_node}) t->slot = nullptr;
  delete g_state;
  g_state = nullptr;
}

// ---- Handles ----

int world_pe(const Team* team, int team_pe) {
  if (!team || team_pe < 0 || team_pe >= team->size()) return -1;
  return team->members[team_pe];
}

int team_size(const Team* team) { return team ? team->size() : 0; }

namespace {

// Ends the job unless `t` is a team that can be used: in checks mode it must be a live team (a
// garbage handle is never dereferenced); in any mode it must not have been destroyed.
void validate_team(State& s, Team* t, const char* call) {
  if (s.rt->checks()) {
    std::lock_guard lock(s.mutex);
    if (!s.live.count(t)) {
      bool was_destroyed = false;
      for (const auto& d : s.destroyed) was_destroyed |= d.get() == t;
      if (was_destroyed)
        util::fatal_user_error(call, "argument 'team' = %p is a team that was destroyed",
                               static_cast<void*>(t));
      util::fatal_user_error(call, "argument 'team' = %p names no team (never created, or not a team handle)",
                             static_cast<void*>(t));
    }
  }
  if (t->destroyed) [[unlikely]]
    util::fatal_user_error(call, "argument 'team' = %p is a team that was destroyed", static_cast<void*>(t));
}

}  // namespace

Team* from_handle(shmem_team_t handle, const char* call) {
  if (!handle) return nullptr;
  Team* t = static_cast<Team*>(handle);
  if (g_state) validate_team(*g_state, t, call);
  return t;
}

shmem_team_t to_handle(Team* team) { return team; }

void set_team_destroy_hook(TeamDestroyHook hook) {
  if (g_state) g_state->destroy_hook = hook;
}

Team& checked_team(shmem_team_t handle, const char* call) {
  State& s = state(call);
  if (!handle) util::fatal_user_error(call, "argument 'team' is SHMEM_TEAM_INVALID");
  Team* t = static_cast<Team*>(handle);
  validate_team(s, t, call);
  return *t;
}

Team* active_set(int PE_start, int logPE_stride, int PE_size, const char* call) {
  State& s = state(call);
  core::Runtime& rt = *s.rt;
  const int n = rt.n_pes();
  if (PE_size < 1)
    util::fatal_user_error(call, "argument 'PE_size' = %d: an active set has at least one PE", PE_size);
  if (logPE_stride < 0 || logPE_stride > 30)
    util::fatal_user_error(call, "argument 'logPE_stride' = %d is out of range (0..30)", logPE_stride);
  if (PE_start < 0 || PE_start >= n)
    util::fatal_user_error(call, "argument 'PE_start' = %d is out of range: this job has %d PEs", PE_start,
                           n);
  const long long last = PE_start + (static_cast<long long>(PE_size) - 1) * (1LL << logPE_stride);
  if (last >= n)
    util::fatal_user_error(
        call,
        "active set (PE_start=%d, logPE_stride=%d, PE_size=%d) runs past the last PE: its last "
        "member would be PE %lld, but this job has %d PEs",
        PE_start, logPE_stride, PE_size, last, n);
  const int me = rt.my_pe();
  // A PE outside the set must not call: the specification leaves it undefined. A correct program's
  // members must not be taken down for it, so outside checks mode the call does nothing; checks mode
  // reports it.
  if (me < PE_start || (me - PE_start) % (1 << logPE_stride) != 0 || me > last) {
    if (rt.checks())
      util::fatal_user_error(call,
                             "this PE is not in the active set (PE_start=%d, logPE_stride=%d, PE_size=%d)",
                             PE_start, logPE_stride, PE_size);
    return nullptr;
  }
  std::lock_guard lock(s.mutex);
  auto& entry = s.active_sets[{PE_start, logPE_stride, PE_size}];
  if (!entry) {
    entry = std::make_unique<Team>();
    entry->kind = TeamKind::active_set;
    std::vector<int> members(static_cast<std::size_t>(PE_size));
    for (int i = 0; i < PE_size; ++i) members[i] = PE_start + i * (1 << logPE_stride);
    fill_team(*entry, std::move(members), n, me);
    entry->slot = s.slots[kActiveSetSlot].get();
    entry->world_indexed = true;
  }
  return entry.get();
}

// ---- Splits ----

namespace {

// Split failures are the same on every parent PE; the parent's rank 0 reports them, once.
#define CW_SPLIT_WARN(parent, ...)                                           \
  do {                                                                       \
    if ((parent).my_rank == 0) util::log(util::LogLevel::warn, __VA_ARGS__); \
  } while (0)

// Validates a configuration; false (with a warning naming the argument) if it cannot be honoured.
// `report`: this PE reports the problem (one PE of those that share the configuration).
bool config_ok(const shmem_team_config_t* config, long mask, const char* call, const char* arg, int* contexts,
               bool report) {
  *contexts = 0;
  const util::LogLevel level = report ? util::LogLevel::warn : util::LogLevel::debug;
  if (mask & ~SHMEM_TEAM_NUM_CONTEXTS) {
    CW_LOG(level, "%s: argument '%s_mask' = %#lx has bits that are not SHMEM_TEAM_* config flags", call, arg,
           mask);
    return false;
  }
  if (mask & SHMEM_TEAM_NUM_CONTEXTS) {
    if (!config) {
      CW_LOG(level, "%s: argument '%s' is NULL but '%s_mask' asks for SHMEM_TEAM_NUM_CONTEXTS", call, arg,
             arg);
      return false;
    }
    if (config->num_contexts < 0) {
      CW_LOG(level, "%s: argument '%s->num_contexts' = %d is negative", call, arg, config->num_contexts);
      return false;
    }
    *contexts = config->num_contexts;
  }
  return true;
}

// AND of every parent member's free-slot mask (members of no new team pass all ones).
// `args`: the split's arguments, which every parent member must pass alike (compared in checks mode).
uint64_t agree_on_free_slots(Team& parent, uint64_t mine, const char* call,
                             std::initializer_list<Agreed> args) {
  std::vector<const char*> from(static_cast<std::size_t>(parent.size()));
  exchange(parent, &mine, sizeof mine, from.data(), call, args);
  uint64_t all = ~uint64_t{0};
  for (const char* p : from) {
    uint64_t m;
    std::memcpy(&m, p, sizeof m);
    all &= m;
  }
  return all;
}

uint64_t my_free_mask() {
  std::lock_guard lock(g_state->mutex);
  return g_state->free_mask;
}

// Creates this PE's team object for `members` (parent ranks) on slot `slot`.
shmem_team_t make_team(Team& parent, const std::vector<int>& parent_ranks, int slot, int contexts) {
  State& s = *g_state;
  std::vector<int> world(parent_ranks.size());
  for (std::size_t i = 0; i < parent_ranks.size(); ++i) world[i] = parent.members[parent_ranks[i]];
  auto* t = new Team;
  t->kind = TeamKind::split;
  fill_team(*t, std::move(world), s.rt->n_pes(), s.rt->my_pe());
  t->slot = s.slots[static_cast<std::size_t>(slot)].get();
  t->num_contexts = contexts;
  std::lock_guard lock(s.mutex);
  s.free_mask &= ~(uint64_t{1} << slot);
  s.live.insert(t);
  if (util::log_level(util::LogTopic::team) >= util::LogLevel::debug) {
    char members[160];
    std::size_t used = 0;
    for (std::size_t i = 0; i < t->members.size() && used + 16 < sizeof members; ++i)
      used += static_cast<std::size_t>(
          std::snprintf(members + used, sizeof members - used, i ? ",%d" : "%d", t->members[i]));
    if (used + 16 >= sizeof members) std::snprintf(members + used, sizeof members - used, ",...");
    CW_LOG_AT(team, util::LogLevel::debug,
              "team %p created: %zu PEs (world PEs %s), this PE is rank %d, slot %d", static_cast<void*>(t),
              t->members.size(), members, t->my_rank, slot);
  }
  return t;
}

int lowest_slot(uint64_t mask) { return mask ? std::countr_zero(mask) : -1; }

}  // namespace

int split_strided(Team& parent, int start, int stride, int size, const shmem_team_config_t* config,
                  long config_mask, shmem_team_t* new_team, const char* call) {
  *new_team = SHMEM_TEAM_INVALID;
  const int n = parent.size();
  // Every parent member sees the same arguments, so every one of them takes the same early exit.
  const char* bad = nullptr;
  const long long last = start + static_cast<long long>(stride) * (size - 1);
  if (size < 1)
    bad = "'size' must be at least 1";
  else if (start < 0 || start >= n)
    bad = "'start' is not a PE of the parent team";
  else if (stride == 0 && size != 1)
    bad = "'stride' = 0 needs 'size' = 1";
  else if (last < 0 || last >= n)
    bad = "the last PE (start + stride * (size - 1)) is outside the parent team";
  if (bad) {
    CW_SPLIT_WARN(
        parent,
        "%s: invalid PE triplet (start=%d, stride=%d, size=%d) for a parent team of %d PEs: %s; new_team is "
        "SHMEM_TEAM_INVALID",
        call, start, stride, size, n, bad);
    return -1;
  }
  int contexts;
  if (!config_ok(config, config_mask, call, "config", &contexts, parent.my_rank == 0)) return -1;

  std::vector<int> ranks(static_cast<std::size_t>(size));
  bool member = false;
  for (int i = 0; i < size; ++i) {
    ranks[i] = start + stride * i;
    member = member || ranks[i] == parent.my_rank;
  }
  const uint64_t agreed = agree_on_free_slots(parent, member ? my_free_mask() : ~uint64_t{0}, call,
                                              {{"start", static_cast<uint64_t>(start)},
                                               {"stride", static_cast<uint64_t>(stride)},
                                               {"size", static_cast<uint64_t>(size)}});
  const int slot = lowest_slot(agreed);
  if (slot < 0) {
    CW_SPLIT_WARN(
        parent,
        "%s: no team slot is free on every member of the new team (%zu slots in all; destroy unused teams or "
        "raise CAUSEWAY_COLL_TEAMS); new_team is SHMEM_TEAM_INVALID",
        call, g_state->slots.size());
    return -1;
  }
  if (member) *new_team = make_team(parent, ranks, slot, contexts);
  return 0;
}

int split_2d(Team& parent, int xrange, const shmem_team_config_t* xconfig, long xmask, shmem_team_t* xteam,
             const shmem_team_config_t* yconfig, long ymask, shmem_team_t* yteam, const char* call) {
  *xteam = *yteam = SHMEM_TEAM_INVALID;
  const int n = parent.size();
  if (xrange < 1) {
    CW_SPLIT_WARN(parent, "%s: argument 'xrange' = %d must be positive; both teams are SHMEM_TEAM_INVALID",
                  call, xrange);
    return -1;
  }
  if (xrange > n) xrange = n;  // one x-team holds the whole parent
  const int p = parent.my_rank, x = p % xrange, y = p / xrange;
  // Configurations may differ between the teams of an axis: each team's rank 0 reports its own.
  int xcontexts, ycontexts;
  const bool xok = config_ok(xconfig, xmask, call, "xaxis_config", &xcontexts, x == 0);
  const bool yok = config_ok(yconfig, ymask, call, "yaxis_config", &ycontexts, y == 0);
  // Every parent PE is in one x-team and one y-team; teams along an axis are disjoint, so one slot
  // serves all x-teams and another all y-teams.
  const uint64_t agreed =
      agree_on_free_slots(parent, my_free_mask(), call, {{"xrange", static_cast<uint64_t>(xrange)}});
  const int xslot = lowest_slot(agreed);
  const int yslot = lowest_slot(xslot < 0 ? 0 : agreed & ~(uint64_t{1} << xslot));
  int status = 0;
  if (xok && xslot >= 0) {
    std::vector<int> ranks;
    for (int q = y * xrange; q < std::min(n, (y + 1) * xrange); ++q) ranks.push_back(q);
    *xteam = make_team(parent, ranks, xslot, xcontexts);
  } else {
    status = -1;
  }
  if (yok && yslot >= 0) {
    std::vector<int> ranks;
    for (int q = x; q < n; q += xrange) ranks.push_back(q);
    *yteam = make_team(parent, ranks, yslot, ycontexts);
  } else {
    status = -1;
  }
  if (xslot < 0 || yslot < 0)
    CW_SPLIT_WARN(
        parent,
        "%s: not enough team slots free on every parent PE (%zu slots in all; destroy unused teams or raise "
        "CAUSEWAY_COLL_TEAMS)",
        call, g_state->slots.size());
  return status;
}

void destroy(Team* team, const char* call) {
  State& s = state(call);
  if (!team) return;  // SHMEM_TEAM_INVALID: nothing to do
  if (team->predefined())
    util::fatal_user_error(call, "argument 'team' is %s, a predefined team, which cannot be destroyed",
                           team->kind == TeamKind::world    ? "SHMEM_TEAM_WORLD"
                           : team->kind == TeamKind::shared ? "SHMEM_TEAM_SHARED"
                                                            : "SHMEM_TEAM_NODE");
  if (s.destroy_hook) s.destroy_hook(team);
  // No synchronisation: every signal sent on the slot was waited for inside the team's collectives,
  // and no team reusing the slot can include a member that has not destroyed this one yet.
  {
    std::lock_guard lock(s.mutex);
    s.free_mask |= uint64_t{1} << team->slot->index;
    s.live.erase(team);
    team->destroyed = true;
    team->slot = nullptr;
    std::vector<int>().swap(team->members);
    std::vector<int>().swap(team->rank_of);
    s.destroyed.emplace_back(team);
  }
}

}  // namespace causeway::coll

// ---- Predefined team handles ----
extern "C" {
shmem_team_t SHMEM_TEAM_WORLD = &causeway::coll::g_world;
shmem_team_t SHMEM_TEAM_SHARED = &causeway::coll::g_shared;
shmem_team_t SHMEM_TEAM_NODE = &causeway::coll::g_node;
}
