// SPDX-License-Identifier: BSD-3-Clause
// Contexts made from teams: PE numbers on such a context are the team's, translated to world
// numbers once per operation from a copy of the team's member list.
#include "api/c_api_macros.hpp"
#include "api/internal_aliases.hpp"
#include "coll/team.hpp"
#include "util/log.hpp"

using namespace causeway;

extern "C" {

int shmem_team_create_ctx(shmem_team_t team, long options, shmem_ctx_t* ctx) {
  const char* call = "shmem_team_create_ctx";
  core::runtime(call);
  *ctx = SHMEM_CTX_INVALID;
  coll::Team* t = coll::from_handle(team, call);
  if (!t) {
    CW_LOG(util::LogLevel::warn, "%s: argument 'team' is SHMEM_TEAM_INVALID", call);
    return 1;
  }
  if (causeway_internal_ctx_create(options, ctx) != 0) return 1;
  (*ctx)->team = t;
  if (team != SHMEM_TEAM_WORLD) {
    const int size = coll::team_size(t);
    (*ctx)->team_to_world.resize(size);
    for (int pe = 0; pe < size; ++pe) (*ctx)->team_to_world[pe] = coll::world_pe(t, pe);
  }
  return 0;
}

int shmem_ctx_get_team(shmem_ctx_t ctx, shmem_team_t* team) {
  if (ctx == SHMEM_CTX_INVALID || team == nullptr) {
    if (team) *team = SHMEM_TEAM_INVALID;
    return 1;
  }
  core::runtime("shmem_ctx_get_team");
  api::context(ctx, "shmem_ctx_get_team");  // checks mode: a destroyed or garbage handle is reported
  const void* t = ctx->team;
  *team = t ? coll::to_handle(const_cast<coll::Team*>(static_cast<const coll::Team*>(t))) : SHMEM_TEAM_WORLD;
  return 0;
}

}  // extern "C"
