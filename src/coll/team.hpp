// SPDX-License-Identifier: BSD-3-Clause
// The coll layer as other layers see it: team handles, the world numbers of team members, and the
// layer's start-up and shutdown. Stable: the contexts code (shmem_team_create_ctx,
// shmem_ctx_get_team) and the setup code build on exactly this.
#pragma once
#include <shmem.h>

namespace causeway::core {
class Runtime;
}

namespace causeway::coll {

struct Team;

// World PE number of team member `team_pe`, or -1 when team_pe is not a rank of the team.
int world_pe(const Team* team, int team_pe);
// Number of PEs in the team.
int team_size(const Team* team);
// The team behind a handle; nullptr for SHMEM_TEAM_INVALID. A destroyed team (always) and, with
// CAUSEWAY_CHECKS, a handle that names no team end the job with a report naming `call`.
Team* from_handle(shmem_team_t team, const char* call);
shmem_team_t to_handle(Team* team);

// Runs when a team is destroyed, before its memory is released (contexts made from it can be
// invalidated there). One hook; nullptr removes it.
using TeamDestroyHook = void (*)(Team* team);
void set_team_destroy_hook(TeamDestroyHook hook);

// Called once by shmem_init after the core runtime exists (collective: allocates the team scratch
// from the symmetric heap), and by shmem_finalize before the runtime goes away.
void init(core::Runtime& rt);
void finalize();

}  // namespace causeway::coll
