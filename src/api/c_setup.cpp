// SPDX-License-Identifier: BSD-3-Clause
// OpenSHMEM setup, queries, memory management, ordering, barriers, locks and deprecated aliases.
#include <shmem.h>
#include <shmemx.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "am/clock.hpp"
#include "am/mailbox.hpp"
#include "api/internal_aliases.hpp"
#include "causeway_build_config.h"
#include "coll/team.hpp"
#include "core/issue.hpp"
#include "core/rma.hpp"
#include "core/sync.hpp"
#include "util/log.hpp"

using namespace causeway;

namespace {

bool g_finalized = false;
bool g_finalizing = false;  // shmem_finalize has started and not returned
pid_t g_pe_pid = 0;         // the process that called shmem_init; a child it forks is not a PE

void print_startup_info(core::Runtime& rt) {
  if (rt.my_pe() != 0) return;
  if (rt.config().print_version)
    std::printf("Causeway %s (OpenSHMEM %d.%d)\n", CAUSEWAY_VERSION, SHMEM_MAJOR_VERSION,
                SHMEM_MINOR_VERSION);
  if (rt.config().print_info) {
    std::printf("Causeway %s environment variables:\n", CAUSEWAY_VERSION);
    const auto& table = util::config_table();
    for (std::size_t i = 0; i < table.size(); ++i)  // the values in effect, as parsed
      std::printf("  %-28s = %-10s %s\n", table[i].name, util::config_effective_text(rt.config(), i).c_str(),
                  table[i].help);
  }
  std::fflush(stdout);
}

// A program that returns from main without shmem_finalize gets the implicit finalize the spec
// allows. A PE exiting with a failure status must not: the collective finalize would release
// peers from their barrier as if it had arrived, and the launcher ends the job anyway.
void finalize_at_exit(int status, void*) {
  if (!core::g_runtime) return;
  if (getpid() != g_pe_pid) {
    // A forked child must not finalize the PE, nor free its state. The program's static
    // destructors (which run next) would free the default context's list and orphan the transport
    // contexts it holds; keep the list where a leak checker still finds it.
    static auto* kept = new std::vector<tl::Context*>();
    kept->swap(core::g_runtime->default_context().per_transport);
    return;
  }
  if (g_finalizing) {
    // exit() from inside shmem_finalize (a signal handler, or a callback that runs there): the
    // collective finalize is half done, so this PE can neither finish it nor start another (a second
    // one re-entered freed state and crashed). Say so, and end the job: peers may wait for this PE.
    util::fatal_user_error("shmem_finalize",
                           "exit(%d) was called while shmem_finalize was in progress (from a signal "
                           "handler or a callback?); this PE cannot complete the finalize, so the job ends",
                           status);
  }
  if (status == 0)  // it meets the other PEs at the bootstrap first (Runtime::arrive_at_finalize)
    shmem_finalize();
  else  // local teardown only; the launcher is ending the peers
    core::destroy_context(*core::g_runtime, &core::g_runtime->default_context());
}

void init_or_die(int requested, int* provided, const char* call) {
  if (g_finalized)
    util::fatal_user_error(call, "the library was finalized; OpenSHMEM cannot be initialised again");
  bool first = core::g_runtime == nullptr;
  Status status = core::Runtime::create(requested, provided);
  if (is_error(status)) {
    util::log(util::LogLevel::error, "%s failed: %s", call, to_string(status));
    util::abort_job(1);
  }
  if (first) {
    coll::init(*core::g_runtime);        // teams and their symmetric scratch (collective)
    am::Clocks::init(*core::g_runtime);  // Lamport-clock watermarks (collective)
    g_pe_pid = getpid();
    on_exit(finalize_at_exit, nullptr);
    print_startup_info(*core::g_runtime);
  }
}

// shmem_align's alignment: a power of two (the specification leaves anything else undefined, and
// Causeway returns NULL on every PE without a barrier: the argument is the same everywhere, so the
// outcome is too; checks mode reports it instead) no larger than the 64 MiB the heap's base is
// aligned to (larger ones cannot be met: NULL, as for any allocation that fails).
bool alignment_ok(core::Runtime& rt, std::size_t alignment, const char* call) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    if (rt.checks())
      util::fatal_user_error(call, "argument 'alignment' = %zu is not a power of two", alignment);
    CW_LOG(util::LogLevel::warn, "%s: argument 'alignment' = %zu is not a power of two: returning NULL", call,
           alignment);
    return false;
  }
  if (alignment > core::kHeapAlignment) {
    util::log(
        util::LogLevel::error,
        "%s: argument 'alignment' = %zu is above the 64 MiB this heap's base is aligned to: returning NULL",
        call, alignment);
    return false;
  }
  return true;
}

}  // namespace

extern "C" {

void shmem_init(void) {
  int provided;
  init_or_die(SHMEM_THREAD_SINGLE, &provided, "shmem_init");
}

int shmem_init_thread(int requested, int* provided) {
  int level;
  if (requested < SHMEM_THREAD_SINGLE || requested > SHMEM_THREAD_MULTIPLE)
    util::fatal_user_error("shmem_init_thread", "argument 'requested' = %d is not a SHMEM_THREAD_* level",
                           requested);
  init_or_die(requested, &level, "shmem_init_thread");
  if (provided) *provided = level;
  return 0;
}

void shmem_query_thread(int* provided) { *provided = core::runtime("shmem_query_thread").thread_level(); }

void shmem_finalize(void) {
  core::Runtime& rt = core::runtime("shmem_finalize");
  g_finalizing = true;
  // Every PE meets at the bootstrap before any collective step of finalize: a PE that exits in the
  // middle of the program must not release its peers from a barrier of theirs.
  if (is_error(rt.arrive_at_finalize())) util::abort_job(1);
  am::Mailbox::finalize();
  am::Clocks::finalize();
  coll::finalize();
  rt.finalize();
  core::Runtime::destroy();
  g_finalized = true;
  g_finalizing = false;
}

void shmem_global_exit(int status) {
  std::fflush(nullptr);
  core::runtime("shmem_global_exit").bootstrap().abort_job(status);
  std::_Exit(status);  // not reached: abort_job does not return
}

int shmem_my_pe(void) { return core::runtime("shmem_my_pe").my_pe(); }
int shmem_n_pes(void) { return core::runtime("shmem_n_pes").n_pes(); }

int shmem_pe_accessible(int pe) {
  core::Runtime& rt = core::runtime("shmem_pe_accessible");
  return pe >= 0 && pe < rt.n_pes() && rt.route(pe).transport >= 0;
}

int shmem_addr_accessible(const void* addr, int pe) {
  core::Runtime& rt = core::runtime("shmem_addr_accessible");
  core::Location loc;
  return shmem_pe_accessible(pe) && rt.locate(addr, 1, &loc);
}

void* shmem_ptr(const void* dest, int pe) {
  core::Runtime& rt = core::runtime("shmem_ptr");
  core::Location loc;
  if (pe < 0 || pe >= rt.n_pes() || !rt.locate(dest, 1, &loc)) return nullptr;
  if (rt.segment(loc.segment).kind != core::MemKind::host) return nullptr;  // a host thread cannot load it
  if (pe == rt.my_pe()) return const_cast<void*>(dest);  // own host memory is always load/store reachable
  return core::host_address(rt, pe, loc);
}
CW_DEFINE_INTERNAL_ALIAS(void*, ptr, (const void* dest, int pe))

void shmem_info_get_version(int* major, int* minor) {
  *major = SHMEM_MAJOR_VERSION;
  *minor = SHMEM_MINOR_VERSION;
}

void shmem_info_get_name(char* name) { std::snprintf(name, SHMEM_MAX_NAME_LEN, "%s", SHMEM_VENDOR_STRING); }

void* shmem_malloc(size_t size) {
  return core::runtime("shmem_malloc").heap_allocate(size, 16, "shmem_malloc");
}

void* shmem_calloc(size_t count, size_t size) {
  core::Runtime& rt = core::runtime("shmem_calloc");
  size_t bytes = core::checked_bytes(count, size, "shmem_calloc");
  return rt.heap_allocate(bytes, 16, "shmem_calloc", /*zero=*/true);
}

void* shmem_align(size_t alignment, size_t size) {
  core::Runtime& rt = core::runtime("shmem_align");
  if (!alignment_ok(rt, alignment, "shmem_align")) return nullptr;
  return rt.heap_allocate(size, alignment, "shmem_align");
}

void* shmem_realloc(void* ptr, size_t size) {
  return core::runtime("shmem_realloc").heap_reallocate(ptr, size, "shmem_realloc");
}

void shmem_free(void* ptr) { core::runtime("shmem_free").heap_free(ptr, "shmem_free"); }

void* shmemx_malloc_kind(int kind, size_t size) {
  core::Runtime& rt = core::runtime("shmemx_malloc_kind");
  if (kind == SHMEMX_MEM_HOST) return rt.heap_allocate(size, 16, "shmemx_malloc_kind");
  if (kind == SHMEMX_MEM_CUDA) return rt.device_allocate(size, 256, "shmemx_malloc_kind");
  util::fatal_user_error("shmemx_malloc_kind",
                         "argument 'kind' = %d is not SHMEMX_MEM_HOST or SHMEMX_MEM_CUDA", kind);
}

int shmemx_cuda_world(void* world, size_t size) {
  return core::runtime("shmemx_cuda_world").device_world(world, size, "shmemx_cuda_world") ? 0 : -1;
}

int shmemx_cuda_device(void) { return core::runtime("shmemx_cuda_device").cuda_device(); }

void* shmem_malloc_with_hints(size_t size, long hints) {
  core::Runtime& rt = core::runtime("shmem_malloc_with_hints");
  // Both known hints ask for memory remote atomics reach fast: every host allocation already is.
  // Hints the library cannot use (unknown bits included) leave it shmem_malloc, as the spec says.
  (void)hints;
  return rt.heap_allocate(size, 16, "shmem_malloc_with_hints");
}

void shmem_barrier_all(void) { core::barrier_all(core::runtime("shmem_barrier_all")); }
void shmem_sync_all(void) { core::sync_all(core::runtime("shmem_sync_all")); }

void shmem_set_lock(long* lock) { core::set_lock(lock, "shmem_set_lock"); }
void shmem_clear_lock(long* lock) { core::clear_lock(lock, "shmem_clear_lock"); }
int shmem_test_lock(long* lock) { return core::test_lock(lock, "shmem_test_lock"); }

// Profiling control: no profiling library is attached, so levels are accepted and ignored.
void shmem_pcontrol(const int level, ...) { (void)level; }

size_t shmemx_heap_bytes_in_use(void) {
  return core::runtime("shmemx_heap_bytes_in_use").heap_bytes_in_use();
}

// ---- Deprecated names ----
void start_pes(int npes) {
  (void)npes;  // the launcher decides the PE count, as in every implementation
  shmem_init();
}
int _my_pe(void) { return shmem_my_pe(); }
int _num_pes(void) { return shmem_n_pes(); }
void* shmalloc(size_t size) { return shmem_malloc(size); }
void shfree(void* ptr) { shmem_free(ptr); }
void* shrealloc(void* ptr, size_t size) { return shmem_realloc(ptr, size); }
void* shmemalign(size_t alignment, size_t size) { return shmem_align(alignment, size); }
void shmem_clear_cache_inv(void) {}
void shmem_set_cache_inv(void) {}
void shmem_clear_cache_line_inv(void*) {}
void shmem_set_cache_line_inv(void*) {}
void shmem_udcflush(void) {}
void shmem_udcflush_line(void*) {}

}  // extern "C"
