// SPDX-License-Identifier: BSD-3-Clause
// Runtime life cycle: init (bootstrap, segments, transports, routes, policies, the default context)
// and finalize, plus contexts. Segments live in segments.cpp, the heap in heap.cpp, routes and
// policies in route.cpp.
#include "core/runtime.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/messages.hpp"
#include "core/shared_memory.hpp"
#include "core/sync.hpp"
#include "util/log.hpp"
#include "util/stall.hpp"

causeway_ctx causeway_ctx_default;
causeway_fast_path causeway_fast_path_v2;

namespace causeway::core {

Runtime* g_runtime = nullptr;

Status create_context(Runtime& rt, Context* ctx) {
  ctx->per_transport.assign(rt.transport_count(), nullptr);
  for (int i = 0; i < rt.transport_count(); ++i) {
    tl::Transport* t = rt.transport(i);
    if (Status s = t->ops->context_create(t, ctx->options, &ctx->per_transport[i]); is_error(s)) {
      destroy_context(rt, ctx);
      return s;
    }
    if (rt.transport_in_use(i)) rt.progress_engine().add(ctx->per_transport[i]);
  }
  return Status::ok;
}

void destroy_context(Runtime& rt, Context* ctx) {
  for (int i = 0; i < (int)ctx->per_transport.size(); ++i)
    if (tl::Context* c = ctx->per_transport[i]) {
      rt.progress_engine().remove(c);
      rt.transport(i)->ops->context_destroy(c);
    }
  ctx->per_transport.clear();
}

namespace {

void abort_hook(int status) {
  if (g_runtime) g_runtime->bootstrap().abort_job(status);
}

// Appends ", 3" (or "3" first) to a list of PEs, stopping at a dozen.
void append_pe(std::string* list, int* count, int pe) {
  if (++*count > 12) {
    if (*count == 13) *list += ", ...";
    return;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, *count == 1 ? "%d" : ", %d", pe);
  *list += buf;
}

// Settings of Job scope (config_table.def) change how PEs cooperate: a PE whose heap size, checks
// or transports differ from its peers' deadlocks or corrupts memory at the first symmetric
// allocation or collective. One allgather of each setting's digest finds them at init instead.
Status check_settings_agree(bootstrap::Bootstrap& boot, const util::Config& config, int my_pe, int n_pes) {
  const auto& table = util::config_table();
  const std::vector<uint64_t> mine = util::config_digests(config);
  std::vector<std::byte> all;
  if (Status s = boot.allgather(std::as_bytes(std::span(mine)), &all); is_error(s)) return s;
  const std::size_t n = mine.size();
  if (all.size() != n * sizeof(uint64_t) * static_cast<std::size_t>(n_pes)) return Status::internal;
  const auto* values = reinterpret_cast<const uint64_t*>(all.data());
  Status status = Status::ok;
  for (std::size_t i = 0; i < n; ++i) {
    if (table[i].scope != util::ConfigScope::Job) continue;
    std::string others;
    int count = 0;
    for (int pe = 1; pe < n_pes; ++pe)
      if (values[pe * n + i] != values[i]) append_pe(&others, &count, pe);
    if (count == 0) continue;
    status = Status::invalid_arg;
    const std::string value = util::config_effective_text(config, i);
    if (my_pe == 0)
      util::log(util::LogLevel::error,
                "environment variable %s must have the same value on every PE, but PE 0 has \"%s\" and "
                "%s %s %s",
                table[i].name, value.c_str(), count > 1 ? "PEs" : "PE", others.c_str(),
                count > 1 ? "have other values" : "has another");
    else if (mine[i] != values[i])
      util::log(util::LogLevel::error,
                "environment variable %s must have the same value on every PE, but this PE (%d) has \"%s\" "
                "and PE 0 another",
                table[i].name, my_pe, value.c_str());
  }
  return status;
}

}  // namespace

Status Runtime::create(int requested_thread_level, int* provided) {
  if (g_runtime) {
    *provided = g_runtime->thread_level_;
    return Status::ok;  // a second shmem_init is allowed and does nothing
  }
  auto* rt = new Runtime;
  Status status = rt->init(requested_thread_level);
  if (is_error(status)) {
    delete rt;
    return status;
  }
  g_runtime = rt;
  rt->publish_fast_path();
  *provided = rt->thread_level_;
  return Status::ok;
}

void Runtime::destroy() {
  withdraw_fast_path();
  delete g_runtime;
  g_runtime = nullptr;
}

Status Runtime::init(int requested_thread_level) {
  if (std::string error; !util::load_config(&config_, &error)) {
    util::log(util::LogLevel::error, "%s", error.c_str());
    return Status::invalid_arg;
  }
  if (char error[256]; !util::log_configure(config_.log_level.c_str(), error, sizeof error)) {
    util::log(util::LogLevel::error, "CAUSEWAY_LOG=%s: %s", config_.log_level.c_str(), error);
    return Status::invalid_arg;
  }
  checks_ = config_.checks || config_.debug;
  if (config_.debug) util::log_raise_level(util::LogLevel::debug);
  backoff_ = {config_.spin_count, config_.yield_count, config_.max_sleep_us, config_.stall_timeout * 1000};
  polling_backoff_ = backoff_;
  polling_backoff_.spin_count = config_.progress_spin_count;
  util::install_report_signal();

  Status status;
  bootstrap_ = bootstrap::create_bootstrap(config_.bootstrap, &status);
  if (!bootstrap_) return status;
  bootstrap_->simulate_nodes(static_cast<int>(config_.pes_per_node));
  my_pe_ = bootstrap_->rank();
  n_pes_ = bootstrap_->size();
  util::log_set_pe(my_pe_);
  util::set_abort_hook(abort_hook);
  g_runtime = this;  // fatal errors during init can now take the job down through the bootstrap

  if (is_error(status = check_settings_agree(*bootstrap_, config_, my_pe_, n_pes_)) ||
      is_error(status = setup_segments()) || is_error(status = setup_transports(requested_thread_level)) ||
      is_error(status = choose_routes()) || is_error(status = exchange_segments())) {
    g_runtime = nullptr;
    return status;
  }
  set_policies();
  if (is_error(status = create_context(*this, &default_context()))) return status;
  // Before the barrier below: no peer sends a message before every PE can take it.
  if (is_error(status = connect_message_sinks(*this))) return status;
  if (config_.progress_thread) {
    const long interval = config_.progress_interval_us < 1 ? 1 : config_.progress_interval_us;
    bool thread_safe = true;  // the thread polls contexts the program's threads use at the same time
    for (int i = 0; i < transport_count(); ++i)
      thread_safe &= !in_use_[i] || transports_[i]->caps.max_thread_level >= 3 /* SHMEM_THREAD_MULTIPLE */;
    if (!thread_safe || !progress_.start_thread(std::chrono::microseconds(interval)))
      util::log(util::LogLevel::warn,
                "CAUSEWAY_PROGRESS_THREAD=1 ignored: the transports in use do not allow concurrent threads");
    else
      CW_LOG_AT(progress, util::LogLevel::debug, "progress thread started (interval %ld us)", interval);
  }
  g_runtime = nullptr;
  // Nobody touches a peer before every peer has attached everyone's segments.
  return bootstrap_->barrier();
}

void Runtime::check_collective_agreement(const char* call, const char* a_name, std::size_t a,
                                         const char* b_name, std::size_t b) {
  uint64_t mine[2] = {a, b};
  std::vector<std::byte> all;
  ProgressEngine::BlockedScope blocked(progress_);  // the exchange blocks in the bootstrap
  if (is_error(bootstrap_->allgather(std::as_bytes(std::span(mine)), &all))) return;
  const auto* values = reinterpret_cast<const uint64_t*>(all.data());
  for (int pe = 0; pe < n_pes_; ++pe) {
    const bool a_differs = values[2 * pe] != a, b_differs = values[2 * pe + 1] != b;
    if (!a_differs && !b_differs) continue;
    const char* name = a_differs ? a_name : b_name;
    util::fatal_user_error(
        call,
        "argument '%s' disagrees across PEs: this PE passed %zu but PE %d passed %zu; every PE "
        "must make the same symmetric allocation calls with the same arguments in the same order",
        name, std::size_t(a_differs ? a : b), pe,
        std::size_t(a_differs ? values[2 * pe] : values[2 * pe + 1]));
  }
}

Status Runtime::arrive_at_finalize() {
  ProgressEngine::BlockedScope blocked(progress_);  // the bootstrap barrier blocks; peers may need us
  internal().departed.value.store(1, std::memory_order_release);
  const Status status = bootstrap_->barrier();
  departure_checks_ = false;  // every PE is finalizing: nobody has left the others waiting
  return status;
}

Status Runtime::finalize() {
  withdraw_fast_path();
  barrier_all(*this);
  progress_.stop_thread();
  destroy_context(*this, &default_context());
  for (tl::Transport* t : transports_) t->ops->destroy(t);
  transports_.clear();
  Status status = bootstrap_->barrier();       // nobody unmaps memory a slower peer still reads
  const Status left = bootstrap_->finalize();  // the launcher now expects this PE's exit
  if (!is_error(status)) status = left;
  forget_private_in_children(segments_[kHeapSegment].base);
  munmap(segments_[kHeapSegment].base, segments_[kHeapSegment].map_size);
  close(segments_[kHeapSegment].fd);
  release_device_heap();
  // The data segment stays on its memfd: the program keeps using its globals after finalize.
  util::set_abort_hook(nullptr);
  return status;
}

}  // namespace causeway::core
