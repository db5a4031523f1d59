// SPDX-License-Identifier: BSD-3-Clause
// OpenSHMEM team management: queries, splits, destruction, shmem_team_ptr.
#include <shmem.h>

#include "api/internal_aliases.hpp"
#include "coll/coll.hpp"
#include "core/checks.hpp"
#include "util/log.hpp"

using namespace causeway;

namespace {

// nullptr for SHMEM_TEAM_INVALID; checked against the live teams when CAUSEWAY_CHECKS is on.
coll::Team* lookup(shmem_team_t team, const char* call) {
  core::runtime(call);
  return team ? &coll::checked_team(team, call) : nullptr;
}

}  // namespace

extern "C" {

int shmem_team_my_pe(shmem_team_t team) {
  coll::Team* t = lookup(team, "shmem_team_my_pe");
  return t ? t->my_rank : -1;
}

int shmem_team_n_pes(shmem_team_t team) {
  coll::Team* t = lookup(team, "shmem_team_n_pes");
  return t ? t->size() : -1;
}

int shmem_team_get_config(shmem_team_t team, long config_mask, shmem_team_config_t* config) {
  coll::Team* t = lookup(team, "shmem_team_get_config");
  if (!t) return -1;
  if (config_mask & ~SHMEM_TEAM_NUM_CONTEXTS) {
    util::log(util::LogLevel::warn,
              "shmem_team_get_config: argument 'config_mask' = %#lx has bits that are not SHMEM_TEAM_* "
              "config flags",
              config_mask);
    return -1;
  }
  if (config_mask & SHMEM_TEAM_NUM_CONTEXTS) {
    if (!config) {
      util::log(util::LogLevel::warn,
                "shmem_team_get_config: argument 'config' is NULL but 'config_mask' is not 0");
      return -1;
    }
    config->num_contexts = t->num_contexts;
  }
  return 0;
}

int shmem_team_translate_pe(shmem_team_t src_team, int src_pe, shmem_team_t dest_team) {
  coll::Team* src = lookup(src_team, "shmem_team_translate_pe");
  coll::Team* dst = lookup(dest_team, "shmem_team_translate_pe");
  if (!src || !dst || src_pe < 0 || src_pe >= src->size()) return -1;
  return dst->rank_of[src->members[src_pe]];
}

int shmem_team_split_strided(shmem_team_t parent_team, int start, int stride, int size,
                             const shmem_team_config_t* config, long config_mask, shmem_team_t* new_team) {
  const char* call = "shmem_team_split_strided";
  coll::Team* parent = lookup(parent_team, call);
  if (!new_team) util::fatal_user_error(call, "argument 'new_team' is NULL");
  if (!parent) {
    *new_team = SHMEM_TEAM_INVALID;
    return -1;
  }
  return coll::split_strided(*parent, start, stride, size, config, config_mask, new_team, call);
}

int shmem_team_split_2d(shmem_team_t parent_team, int xrange, const shmem_team_config_t* xaxis_config,
                        long xaxis_mask, shmem_team_t* xaxis_team, const shmem_team_config_t* yaxis_config,
                        long yaxis_mask, shmem_team_t* yaxis_team) {
  const char* call = "shmem_team_split_2d";
  coll::Team* parent = lookup(parent_team, call);
  if (!xaxis_team) util::fatal_user_error(call, "argument 'xaxis_team' is NULL");
  if (!yaxis_team) util::fatal_user_error(call, "argument 'yaxis_team' is NULL");
  if (!parent) {
    *xaxis_team = *yaxis_team = SHMEM_TEAM_INVALID;
    return -1;
  }
  return coll::split_2d(*parent, xrange, xaxis_config, xaxis_mask, xaxis_team, yaxis_config, yaxis_mask,
                        yaxis_team, call);
}

void shmem_team_destroy(shmem_team_t team) {
  coll::destroy(lookup(team, "shmem_team_destroy"), "shmem_team_destroy");
}

void* shmem_team_ptr(shmem_team_t team, const void* dest, int pe) {
  coll::Team* t = lookup(team, "shmem_team_ptr");
  const int world = coll::world_pe(t, pe);
  return world < 0 ? nullptr : causeway_internal_ptr(dest, world);
}

int shmem_team_sync(shmem_team_t team) {
  coll::sync(coll::checked_team(team, "shmem_team_sync"), "shmem_team_sync");
  return 0;
}

}  // extern "C"
