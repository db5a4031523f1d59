// SPDX-License-Identifier: BSD-3-Clause
// PMIx bootstrap plugin: joins the job of any PMIx launcher (Open MPI's mpirun, prterun,
// srun --mpi=pmix). An exchange is a key-value put, one collecting fence, and a get per rank.
#include <pmix.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bootstrap/plugin_abi.h"

namespace {

struct State {
  pmix_proc_t me;
  pmix_proc_t everyone;
  uint32_t size = 0;
  unsigned long exchanges = 0;  // keys are numbered: every rank makes the same calls in order
  char* error = nullptr;
};

int fail(State* s, const char* what, pmix_status_t rc) {
  std::snprintf(s->error, 512, "%s: %s", what, PMIx_Error_string(rc));
  return 1;
}

int allgather(void* state, const void* mine, size_t bytes, void* all) {
  auto* s = static_cast<State*>(state);
  const std::string key = "causeway." + std::to_string(s->exchanges++);
  pmix_value_t value;
  PMIX_VALUE_CONSTRUCT(&value);
  value.type = PMIX_BYTE_OBJECT;
  value.data.bo.bytes = static_cast<char*>(const_cast<void*>(mine));
  value.data.bo.size = bytes;
  pmix_status_t rc = PMIx_Put(PMIX_GLOBAL, key.c_str(), &value);
  if (rc != PMIX_SUCCESS) return fail(s, "PMIx_Put", rc);
  if ((rc = PMIx_Commit()) != PMIX_SUCCESS) return fail(s, "PMIx_Commit", rc);
  pmix_info_t collect;
  bool yes = true;
  PMIX_INFO_CONSTRUCT(&collect);
  PMIX_INFO_LOAD(&collect, PMIX_COLLECT_DATA, &yes, PMIX_BOOL);
  rc = PMIx_Fence(&s->everyone, 1, &collect, 1);
  PMIX_INFO_DESTRUCT(&collect);
  if (rc != PMIX_SUCCESS) return fail(s, "PMIx_Fence", rc);
  pmix_proc_t peer;
  PMIX_PROC_CONSTRUCT(&peer);
  std::memcpy(peer.nspace, s->me.nspace, sizeof peer.nspace);
  for (uint32_t r = 0; r < s->size; ++r) {
    peer.rank = r;
    pmix_value_t* got = nullptr;
    if ((rc = PMIx_Get(&peer, key.c_str(), nullptr, 0, &got)) != PMIX_SUCCESS) return fail(s, "PMIx_Get", rc);
    const bool fits = got->type == PMIX_BYTE_OBJECT && got->data.bo.size == bytes;
    if (fits && bytes) std::memcpy(static_cast<char*>(all) + r * bytes, got->data.bo.bytes, bytes);
    PMIX_VALUE_RELEASE(got);
    if (!fits) {
      std::snprintf(s->error, 512, "rank %u contributed a different length to exchange %s", r, key.c_str());
      return 1;
    }
  }
  return 0;
}

int barrier(void* state) {
  auto* s = static_cast<State*>(state);
  pmix_status_t rc = PMIx_Fence(&s->everyone, 1, nullptr, 0);
  return rc == PMIX_SUCCESS ? 0 : fail(s, "PMIx_Fence", rc);
}

void abort_job(void* state, int status, const char* why) {
  auto* s = static_cast<State*>(state);
  PMIx_Abort(status, why && *why ? why : "Causeway: a PE ended the job", &s->everyone, 1);
  std::_Exit(status);
}

int finalize(void* state) {
  auto* s = static_cast<State*>(state);
  pmix_status_t rc = PMIx_Finalize(nullptr, 0);
  return rc == PMIX_SUCCESS ? 0 : fail(s, "PMIx_Finalize", rc);
}

constexpr causeway_bootstrap_plugin_ops kOps{"pmix", allgather, barrier, abort_job, finalize};

}  // namespace

extern "C" CAUSEWAY_BOOTSTRAP_PLUGIN_EXPORT const int causeway_bootstrap_plugin_abi =
    CAUSEWAY_BOOTSTRAP_PLUGIN_ABI;

extern "C" CAUSEWAY_BOOTSTRAP_PLUGIN_EXPORT int causeway_bootstrap_plugin_init(
    causeway_bootstrap_plugin* plugin) {
  static State s;  // one job per process
  s.error = plugin->error;
  pmix_status_t rc = PMIx_Init(&s.me, nullptr, 0);
  if (rc != PMIX_SUCCESS) return fail(&s, "PMIx_Init (is this process started by a PMIx launcher?)", rc);
  PMIX_PROC_CONSTRUCT(&s.everyone);
  std::memcpy(s.everyone.nspace, s.me.nspace, sizeof s.everyone.nspace);
  s.everyone.rank = PMIX_RANK_WILDCARD;
  pmix_value_t* size = nullptr;
  if ((rc = PMIx_Get(&s.everyone, PMIX_JOB_SIZE, nullptr, 0, &size)) != PMIX_SUCCESS) {
    PMIx_Finalize(nullptr, 0);
    return fail(&s, "PMIx_Get(PMIX_JOB_SIZE)", rc);
  }
  s.size = size->type == PMIX_UINT32 ? size->data.uint32 : 0;
  PMIX_VALUE_RELEASE(size);
  if (s.size == 0 || s.me.rank >= s.size) {
    std::snprintf(plugin->error, sizeof plugin->error, "PMIx reports rank %u of a job of %u", s.me.rank,
                  s.size);
    PMIx_Finalize(nullptr, 0);
    return 1;
  }
  plugin->rank = static_cast<int>(s.me.rank);
  plugin->size = static_cast<int>(s.size);
  plugin->state = &s;
  plugin->ops = &kOps;
  return 0;
}
