// SPDX-License-Identifier: BSD-3-Clause
// Transports and routes: creating the transports CAUSEWAY_TRANSPORTS allows, choosing each peer's
// route, the policies that follow from the routes (atomicity, fence, thread level, visibility),
// and the fast-path table they are published through.
#include <cstring>
#include <sstream>

#include "core/runtime.hpp"
#include "util/log.hpp"

namespace causeway::core {

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

constexpr int kThreadMultiple = 3;  // SHMEM_THREAD_MULTIPLE

// Every atomic a transport in use lacks must be buildable from its compare-and-swap (core does
// that in issue_amo_transport); refused here rather than at the first such atomic.
Status check_atomics(const tl::Transport& t) {
  for (int width : {4, 8}) {
    const bool has_cas = tl::amo_is_native(t.caps, tl::AmoOp::compare_swap, width);
    for (int op = 0; op <= CAUSEWAY_AMO_FETCH_XOR; ++op) {
      const auto amo = static_cast<tl::AmoOp>(op);
      if (tl::amo_is_native(t.caps, amo, width)) continue;
      if (!has_cas) {
        util::log(util::LogLevel::error,
                  "transport %s can do neither the %d-byte atomic %s nor a compare-and-swap to build it from",
                  t.name, width, tl::amo_name(amo));
        return Status::not_supported;
      }
      CW_LOG_AT(transport, util::LogLevel::debug, "%s: %d-byte atomic %s is a compare-and-swap loop", t.name,
                width, tl::amo_name(amo));
    }
  }
  return Status::ok;
}

}  // namespace

Status Runtime::setup_transports(int requested_thread_level) {
  thread_level_ = requested_thread_level < 0
                      ? 0
                      : (requested_thread_level > kThreadMultiple ? kThreadMultiple : requested_thread_level);
  const tl::TransportInit init{my_pe_, n_pes_, thread_level_, &config_, bootstrap_.get()};
  std::vector<std::string> names = split_list(config_.transports);
  if (config_.transports == "auto") {
    // self and shm; a network transport only where some peer is on another node (every PE
    // decides alike: node_of is the same everywhere).
    names = {"self", "shm"};
    const auto& node_of = bootstrap_->node_of();
    bool spans_nodes = false;
    for (int pe = 0; pe < n_pes_; ++pe) spans_nodes |= node_of[pe] != node_of[my_pe_];
    if (spans_nodes)
      for (const auto& candidate : tl::available_transports())
        if (candidate.network) {
          names.push_back(candidate.name);
          break;
        }
  }
  // Device memory needs a transport that serves it; the list names transports for host memory, so
  // one is added when it names none (cuda_ipc, built with CUDA).
  if (device_heap_possible()) {
    bool listed = false;
    for (const auto& name : names)
      for (const auto& candidate : tl::available_transports())
        listed |= name == candidate.name && candidate.device_memory;
    if (!listed)
      for (const auto& candidate : tl::available_transports())
        if (candidate.device_memory) {
          names.push_back(candidate.name);
          break;
        }
  }
  for (const auto& name : names) {
    const tl::TransportInfo* info = nullptr;
    for (const auto& candidate : tl::available_transports())
      if (name == candidate.name) info = &candidate;
    if (!info) {
      util::log(util::LogLevel::error,
                "CAUSEWAY_TRANSPORTS names '%s', which this build does not have (see causeway-info)",
                name.c_str());
      return Status::invalid_arg;
    }
    Status status;
    tl::Transport* t = info->create(init, &status);
    if (!t) return status;
    transports_.push_back(t);
  }
  if (transports_.empty()) {
    util::log(util::LogLevel::error, "CAUSEWAY_TRANSPORTS is empty");
    return Status::invalid_arg;
  }
  return Status::ok;
}

Status Runtime::choose_routes() {
  // Every transport's address, length-prefixed, in one record per PE.
  std::vector<std::byte> mine;
  for (tl::Transport* t : transports_) {
    const auto address = t->ops->address(t);
    const uint32_t length = static_cast<uint32_t>(address.size());
    const auto* l = reinterpret_cast<const std::byte*>(&length);
    mine.insert(mine.end(), l, l + sizeof length);
    mine.insert(mine.end(), address.begin(), address.end());
  }
  std::vector<std::vector<std::byte>> all;
  if (Status s = bootstrap_->allgatherv(mine, &all); is_error(s)) return s;
  auto address_of = [&](int pe, int index) {
    std::size_t at = 0;
    for (int i = 0;; ++i) {
      uint32_t length;
      std::memcpy(&length, all[pe].data() + at, sizeof length);
      at += sizeof length;
      if (i == index) return std::span<const std::byte>(all[pe].data() + at, length);
      at += length;
    }
  };
  const auto& node_of = bootstrap_->node_of();
  auto connect = [&](int index, int pe) {
    tl::Transport* t = transports_[index];
    const tl::Reach reach = t->caps.reach;
    const bool covers = reach == tl::Reach::network ||
                        (reach == tl::Reach::node && node_of[pe] == node_of[my_pe_]) ||
                        (reach == tl::Reach::self && pe == my_pe_);
    if (!covers || is_error(t->ops->add_peer(t, pe, address_of(pe, index)))) return false;
    connected_[index][pe] = true;
    return true;
  };

  // Each peer's route: the first transport in preference order that reaches it and serves host
  // memory; its device route: the first that serves device memory.
  const int n_transports = transport_count();
  connected_.assign(n_transports, std::vector<bool>(n_pes_, false));
  routes_.assign(n_pes_, PeerRoute{});
  auto serves = [&](int index, uint8_t kind) { return (transports_[index]->caps.memory_kinds & kind) != 0; };
  for (int pe = 0; pe < n_pes_; ++pe) {
    for (int i = 0; i < n_transports && routes_[pe].transport < 0; ++i)
      if (serves(i, tl::kHostMemory) && connect(i, pe)) routes_[pe].transport = i;
    if (device_heap_possible())
      for (int i = 0; i < n_transports && routes_[pe].device_transport < 0; ++i)
        if (serves(i, tl::kCudaMemory) && (connected_[i][pe] || connect(i, pe)))
          routes_[pe].device_transport = i;
    if (routes_[pe].transport < 0) {
      std::string names;
      for (tl::Transport* t : transports_) names.append(names.empty() ? "" : ",").append(t->name);
      util::log(util::LogLevel::error, "no transport reaches PE %d (CAUSEWAY_TRANSPORTS=%s: %s)%s", pe,
                config_.transports.c_str(), names.c_str(),
                node_of[pe] != node_of[my_pe_] ? "; it is on another node, which needs a network transport "
                                                 "(ucx or ofi: see causeway-info for what this build has)"
                                               : "");
      return Status::unreachable;
    }
    routes_[pe].amo_transport = routes_[pe].transport;
  }

  // Atomicity: atomics of different domains on one word are not atomic with respect to each
  // other, so if any peer's transport does its atomics outside the CPU, every atomic, to every
  // peer and this PE itself, goes through that one transport.
  int amo_index = -1;
  for (int pe = 0; pe < n_pes_ && amo_index < 0; ++pe)
    if (transports_[routes_[pe].transport]->caps.atomic_domain != tl::AtomicDomain::cpu)
      amo_index = routes_[pe].transport;
  amo_direct_ = amo_index < 0;
  if (!amo_direct_)
    for (int pe = 0; pe < n_pes_; ++pe) {
      if (!connected_[amo_index][pe] && !connect(amo_index, pe)) {
        util::log(util::LogLevel::error,
                  "atomics must all go through transport %s (its atomics are not coherent with CPU atomics), "
                  "but it cannot reach PE %d; list only transports that reach every PE, or none whose "
                  "atomics are done by a NIC",
                  transports_[amo_index]->name, pe);
        return Status::unreachable;
      }
      routes_[pe].amo_transport = amo_index;
    }

  in_use_.assign(n_transports, false);
  for (const PeerRoute& r : routes_) {
    in_use_[r.transport] = in_use_[r.amo_transport] = true;
    if (r.device_transport >= 0) in_use_[r.device_transport] = true;
  }
  for (int pe = 0; pe < n_pes_; ++pe)
    CW_LOG_AT(transport, util::LogLevel::debug, "PE %d is served by %s%s%s", pe,
              transports_[routes_[pe].transport]->name, amo_direct_ ? "" : ", atomics through ",
              amo_direct_ ? "" : transports_[amo_index]->name);
  for (int i = 0; i < n_transports; ++i)
    if (in_use_[i])
      if (Status s = check_atomics(*transports_[i]); is_error(s)) return s;
  return Status::ok;
}

void Runtime::set_policies() {
  fence_is_store_order_ = true;
  int deferred = 0;
  for (int i = 0; i < transport_count(); ++i) {
    if (!in_use_[i]) continue;
    const tl::Capabilities& caps = transports_[i]->caps;
    fence_is_store_order_ &= caps.ordered && caps.completes_at_issue;
    deferred += !caps.completes_at_issue;
    has_make_visible_ |= transports_[i]->ops->make_visible != nullptr;
    // The level a program gets is the lowest any transport in use supports.
    if (caps.max_thread_level < thread_level_) thread_level_ = caps.max_thread_level;
  }
  // A fence orders one context's operations to each PE, through each transport's fence. That cannot
  // order a PE's operations split over transports where one of them defers (atomics through a NIC,
  // puts through shm): only completing them does, so a fence quiets those PEs first. With two
  // deferring transports in use, a fence quiets everything.
  fence_quiet_pes_.clear();
  for (int pe = 0; pe < n_pes_; ++pe) {
    const PeerRoute& r = routes_[pe];
    if (r.transport != r.amo_transport && !(transports_[r.transport]->caps.completes_at_issue &&
                                            transports_[r.amo_transport]->caps.completes_at_issue))
      fence_quiet_pes_.push_back(pe);
  }
  fence_needs_quiet_ = deferred > 1;
}

void Runtime::make_visible_slow() {
  Context& ctx = default_context();
  for (int i = 0; i < transport_count(); ++i)
    if (in_use_[i] && transports_[i]->ops->make_visible)
      transports_[i]->ops->make_visible(ctx.per_transport[i]);
}

void Runtime::publish_fast_path() {
  FastPath fast{};
  const WellKnownSegment ids[2] = {kHeapSegment, kDataSegment};
  for (int i = 0; i < 2; ++i) {
    fast_direct_[i].assign(n_pes_, nullptr);
    for (int pe = 0; pe < n_pes_; ++pe) fast_direct_[i][pe] = routes_[pe].host_base[ids[i]];
    fast.segments[i] = {reinterpret_cast<uintptr_t>(segments_[ids[i]].base), segments_[ids[i]].size,
                        fast_direct_[i].data()};
  }
  // Checks mode validates every call, so everything takes the full path.
  fast.n_pes = checks_ ? 0 : static_cast<unsigned>(n_pes_);
  fast.fence_is_store_order = fence_is_store_order_;
  fast.amo_direct = amo_direct_;
  fast_path() = fast;
}

void Runtime::route_quiet_through_library() {
  fence_is_store_order_ = false;
  fast_path().fence_is_store_order = 0;
}

void Runtime::withdraw_fast_path() { fast_path() = FastPath{}; }

}  // namespace causeway::core
