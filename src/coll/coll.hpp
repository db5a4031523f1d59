// SPDX-License-Identifier: BSD-3-Clause
// The coll layer's internals: teams, their symmetric scratch slots, and the collective algorithms.
//
// Scratch. At init every PE allocates the same pool of K slots from the symmetric heap (same offsets
// everywhere). A slot holds one signal word per world PE (64 bytes apart) and two staging halves.
// WORLD, SHARED, NODE and the active-set collectives have fixed slots; a split takes the lowest slot
// free on every member (an AND of free-slot masks over the parent team).
//
// Signals. A signal from PE a to PE b on a slot is a store of a count into b's word for a: a keeps
// how many signals it sent b on that slot, b how many it has waited for from a. Every algorithm waits
// for each signal it is sent, so the two counts move in step; the words only grow, are never reset,
// and a slot passes from a destroyed team to a new one without any clean-up or barrier.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <vector>

#include "coll/team.hpp"
#include "core/runtime.hpp"

// The handle type's pointee. Teams derive from it, so a handle is a plain base-class pointer.
struct causeway_team {};

namespace causeway::coll {

// Symmetric layout of one slot (identical on every PE).
struct Layout {
  std::size_t sig_stride = 64;   // bytes between the signal words of consecutive world PEs
  std::size_t stage_offset = 0;  // offset of the two staging halves within the slot
  std::size_t stage_half = 0;    // bytes per staging half
  std::size_t slot_bytes = 0;
};

// Per-PE state of one scratch slot.
struct Slot {
  int index = -1;
  std::size_t offset = 0;           // heap-segment offset of the slot (same on every PE)
  char* local = nullptr;            // this PE's copy
  std::vector<uint64_t> sent;       // signals sent to each world PE on this slot
  std::vector<uint64_t> received;   // signals waited for from each world PE
  std::vector<uint64_t> exchanges;  // staged exchanges with each world PE (picks the staging half)
  // Checks mode only: what this PE's calls on the slot looked like, to compare with peers'.
  std::shared_ptr<struct AgreementLog> agreement;  // shared_ptr: the type is agreement.cpp's
};

enum class TeamKind { world, shared, node, split, active_set };

struct Team : causeway_team {
  TeamKind kind = TeamKind::split;
  std::vector<int> members;  // world PE of each team rank
  std::vector<int> rank_of;  // team rank of each world PE, or -1
  int my_rank = -1;
  int stride = 0;  // world-PE distance between consecutive members, or -1 when it varies
  Slot* slot = nullptr;
  // Staging regions are indexed by team rank, except on the shared active-set slot, where different
  // active sets meet and regions are indexed by world PE.
  bool world_indexed = false;
  int num_contexts = 0;
  // Set by shmem_team_destroy, which keeps the object (without its member lists) until finalize so
  // that a stale handle is reported in every mode instead of reaching freed memory.
  bool destroyed = false;

  int size() const { return static_cast<int>(members.size()); }
  bool predefined() const {
    return kind == TeamKind::world || kind == TeamKind::shared || kind == TeamKind::node;
  }
};

// Algorithm thresholds (config table, CAUSEWAY_COLL_*).
struct Tuning {
  std::size_t reduce_oneshot_max = 512;
  std::size_t bcast_push_max = 16384;
  int tree_min_pes = 32;
  int flat_signal_max_pes = 16;
};

// Team handle checks for the collective entry points: SHMEM_TEAM_INVALID and destroyed teams
// (always) and, with CAUSEWAY_CHECKS, handles that name no team at all end the job with a report
// naming `call`.
Team& checked_team(shmem_team_t handle, const char* call);
// The pseudo-team of an active set, validated (always: the triplet indexes the PE table), or
// nullptr when this PE is not in the set (outside checks mode; checks mode reports it).
Team* active_set(int PE_start, int logPE_stride, int PE_size, const char* call);
// Active-set collectives share one slot; this serialises them between threads.
std::mutex& active_set_mutex();

const Tuning& tuning();
const Layout& layout();

// ---- Team management ----
int split_strided(Team& parent, int start, int stride, int size, const shmem_team_config_t* config,
                  long config_mask, shmem_team_t* new_team, const char* call);
int split_2d(Team& parent, int xrange, const shmem_team_config_t* xconfig, long xmask, shmem_team_t* xteam,
             const shmem_team_config_t* yconfig, long ymask, shmem_team_t* yteam, const char* call);
void destroy(Team* team, const char* call);

// ---- Collectives (team-relative ranks; sizes in bytes unless stated) ----
void sync(Team& team, const char* call);
// `update_root`: team-based broadcasts also copy source to dest on the root; active-set ones do not.
void broadcast(Team& team, void* dest, const void* source, std::size_t bytes, int root, bool update_root,
               const char* call);
void collect(Team& team, void* dest, const void* source, std::size_t bytes, const char* call);
void fcollect(Team& team, void* dest, const void* source, std::size_t bytes, const char* call);
void alltoall(Team& team, void* dest, const void* source, std::size_t bytes, const char* call);
void alltoalls(Team& team, void* dest, const void* source, std::ptrdiff_t dst, std::ptrdiff_t sst,
               std::size_t nelems, std::size_t elem, const char* call);

// An element-wise reduction operator: acc[i] = acc[i] OP in[i] for i < count.
struct Kernel {
  std::size_t elem;
  void (*combine)(void* acc, const void* in, std::size_t count);
};
void reduce(Team& team, void* dest, const void* source, std::size_t count, const Kernel& kernel,
            const char* call);
void scan(Team& team, void* dest, const void* source, std::size_t count, const Kernel& kernel, bool inclusive,
          const char* call);

// ---- Checks mode: members compare their arguments (agreement.cpp) ----
// On entry to a collective each member writes a record of its call and arguments into every other
// member's ring for it; a member compares a peer's records when it waits for that peer's signal, and
// at shmem_finalize. No synchronisation is added: collectives that let a PE run ahead still do.
constexpr uint64_t kNotCompared = ~uint64_t{0};  // this PE's value does not matter
constexpr int kAgreedMax = 5;

// One argument every member must pass alike. Filling one costs a few stores: the list is built on
// every call, checks mode or not.
struct Agreed {
  const char* name;  // as the specification names it, e.g. "PE_root"
  uint64_t value;
  bool address = false;  // `value` is an address, compared as symmetric segment and offset
};

// One collective call's side of the comparison.
class Agreement {
 public:
  // Keeps this call's record and writes it into every other member's ring.
  void enter(Team& team, const char* call, const char* kind, std::initializer_list<Agreed> args);
  // While waiting for world PE `peer`: compares its record for this call if it has landed (true).
  bool try_compare(int peer);
  // Once `peer`'s signal for this call has come: compares every record of it not compared yet.
  void compare(int peer);

 private:
  Team* team_ = nullptr;
  const char* call_ = nullptr;
};

// Allocates the record rings (collective, at init, checks mode only) and, at finalize, compares
// every record no wait has compared (a pushed broadcast's roots wait for nobody).
void init_agreement(core::Runtime& rt, std::vector<std::unique_ptr<Slot>>& slots);
void finalize_agreement(core::Runtime& rt, std::vector<std::unique_ptr<Slot>>& slots);

// Exchanges a small value with every member through the staging area (bytes <= stage capacity);
// out[r] points at rank r's copy, valid until the team's next exchange.
// `args`: what the members must agree on (checks mode), as for every collective.
void exchange(Team& team, const void* mine, std::size_t bytes, const char** out, const char* call,
              std::initializer_list<Agreed> args = {});

}  // namespace causeway::coll
