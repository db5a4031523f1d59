// SPDX-License-Identifier: BSD-3-Clause
// The UCX transport: setup, registration and keys (see ucx.hpp for the design).
#include "transports/ucx/ucx.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

#include "bootstrap/bootstrap.hpp"
#include "util/config.hpp"
#include "util/log.hpp"
#include "util/topology.hpp"

namespace causeway::tl {

namespace ucx {

Status status_of(ucs_status_t s) {
  switch (s) {
    case UCS_OK: return Status::ok;
    case UCS_INPROGRESS: return Status::in_progress;
    case UCS_ERR_NO_RESOURCE: return Status::retry;
    case UCS_ERR_NO_MEMORY: return Status::no_memory;
    case UCS_ERR_INVALID_PARAM: return Status::invalid_arg;
    case UCS_ERR_UNSUPPORTED: return Status::not_supported;
    case UCS_ERR_UNREACHABLE: return Status::unreachable;
    default: return Status::io_error;
  }
}

Status create_worker(UcxTransport* t, ucp_worker_h* worker, int* efd) {
  ucp_worker_params_t params{};
  params.field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE;
  // Every worker is used under its context's lock, so UCX never sees two threads at once.
  params.thread_mode = UCS_THREAD_MODE_SERIALIZED;
  if (ucs_status_t s = ucp_worker_create(t->context, &params, worker); s != UCS_OK) {
    util::log(util::LogLevel::error, "ucx: ucp_worker_create failed: %s", ucs_status_string(s));
    return status_of(s);
  }
  *efd = -1;
  if (t->wakeup && ucp_worker_get_efd(*worker, efd) != UCS_OK) *efd = -1;
  return Status::ok;
}

namespace {

// --- Setup ---

std::vector<std::byte> address(Transport* t) { return ucx_of(t)->main_address; }

Status add_peer(Transport* t, int pe, std::span<const std::byte> addr) {
  if (addr.empty()) return Status::unreachable;
  ucx_of(t)->peers[pe].address.assign(addr.begin(), addr.end());
  return Status::ok;
}

Status attach_segment(Transport* t, int pe, int segment, const RemoteSegment& remote) {
  auto* u = ucx_of(t);
  std::lock_guard lock(u->keys_mutex);
  auto& segments = u->peers[pe].segments;
  if (segment >= (int)segments.size()) segments.resize(segment + 1);
  segments[segment].base = remote.base;
  return Status::ok;
}

Status mem_register(Transport* t, const LocalChunk& chunk, std::vector<std::byte>* packed) {
  auto* u = ucx_of(t);
  ucp_mem_map_params_t params{};
  params.field_mask =
      UCP_MEM_MAP_PARAM_FIELD_ADDRESS | UCP_MEM_MAP_PARAM_FIELD_LENGTH | UCP_MEM_MAP_PARAM_FIELD_PROT;
  params.address = chunk.base + chunk.offset;
  params.length = chunk.size;
  params.prot = UCP_MEM_MAP_PROT_LOCAL_READ | UCP_MEM_MAP_PROT_LOCAL_WRITE | UCP_MEM_MAP_PROT_REMOTE_READ |
                (chunk.remote_write ? UCP_MEM_MAP_PROT_REMOTE_WRITE : 0);
  ucp_mem_h memh;
  if (ucs_status_t s = ucp_mem_map(u->context, &params, &memh); s != UCS_OK) {
    util::log(util::LogLevel::error, "ucx: ucp_mem_map of %zu bytes at %p failed: %s", chunk.size,
              params.address, ucs_status_string(s));
    return status_of(s);
  }
  void* rkey = nullptr;
  size_t rkey_size = 0;
  if (ucs_status_t s = ucp_rkey_pack(u->context, memh, &rkey, &rkey_size); s != UCS_OK) {
    util::log(util::LogLevel::error, "ucx: ucp_rkey_pack failed: %s", ucs_status_string(s));
    ucp_mem_unmap(u->context, memh);
    return status_of(s);
  }
  const auto* bytes = static_cast<const std::byte*>(rkey);
  packed->assign(bytes, bytes + rkey_size);
  ucp_rkey_buffer_release(rkey);
  std::lock_guard lock(u->keys_mutex);
  u->mappings.push_back(memh);
  return Status::ok;
}

Status attach_key(Transport* t, int pe, int segment, std::size_t offset, std::size_t size,
                  std::span<const std::byte> packed) {
  auto* u = ucx_of(t);
  if (packed.empty()) return Status::invalid_arg;
  std::lock_guard lock(u->keys_mutex);
  auto& segments = u->peers[pe].segments;
  if (segment >= (int)segments.size()) segments.resize(segment + 1);
  auto& chunks = segments[segment].chunks;
  PackedChunk chunk{offset, size, std::vector<std::byte>(packed.begin(), packed.end())};
  chunks.insert(std::upper_bound(chunks.begin(), chunks.end(), offset,
                                 [](std::size_t at, const PackedChunk& c) { return at < c.offset; }),
                std::move(chunk));
  return Status::ok;
}

void* host_pointer(Transport*, int, int) { return nullptr; }

// A message arriving at the main worker (inside its progress, main_mutex held): to the sink.
ucs_status_t on_message(void* arg, const void* header, size_t header_length, void* data, size_t length,
                        const ucp_am_recv_param_t* param) {
  auto* u = static_cast<UcxTransport*>(arg);
  MessageWire wire;
  const std::size_t prefix = offsetof(MessageWire, header);
  // Senders force eager delivery, so the whole message is here (no rendezvous to fetch).
  if (!u->sink || header_length < prefix || header_length > sizeof wire ||
      (param->recv_attr & UCP_AM_RECV_ATTR_FLAG_RNDV)) {
    util::log(util::LogLevel::error, "ucx: dropped a malformed message (%zu header bytes, %zu data bytes)",
              header_length, length);
    util::abort_job(1);
  }
  std::memcpy(&wire, header, header_length);
  u->sink(u->sink_arg, wire.source, wire.header, static_cast<std::size_t>(wire.header_bytes), data, length);
  return UCS_OK;  // the data is not kept
}

Status set_message_sink(Transport* t, MessageSink sink, void* arg) {
  auto* u = ucx_of(t);
  std::lock_guard lock(u->main_mutex);
  u->sink = sink;
  u->sink_arg = arg;
  ucp_am_handler_param_t param{};
  param.field_mask = UCP_AM_HANDLER_PARAM_FIELD_ID | UCP_AM_HANDLER_PARAM_FIELD_CB |
                     UCP_AM_HANDLER_PARAM_FIELD_ARG | UCP_AM_HANDLER_PARAM_FIELD_FLAGS;
  param.id = kMessageId;
  param.cb = sink ? on_message : nullptr;
  param.arg = u;
  param.flags = UCP_AM_FLAG_WHOLE_MSG;
  if (ucs_status_t s = ucp_worker_set_am_recv_handler(u->main_worker, &param); s != UCS_OK) {
    util::log(util::LogLevel::error, "ucx: ucp_worker_set_am_recv_handler failed: %s", ucs_status_string(s));
    return status_of(s);
  }
  return Status::ok;
}

void destroy(Transport* t) {
  auto* u = ucx_of(t);
  // Every PE has completed its operations (finalize's barrier) and closed its contexts; wait until
  // all have, so no peer still needs this PE's main worker, then tear down. Meanwhile a peer still
  // flushing may need the main worker to answer: serve it from a thread while the barrier blocks.
  if (u->bootstrap && u->main_worker) {
    std::atomic<bool> done{false};
    std::thread server([&] {
      while (!done.load(std::memory_order_acquire)) {
        {
          std::lock_guard lock(u->main_mutex);
          ucp_worker_progress(u->main_worker);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    });
    u->bootstrap->barrier();
    done.store(true, std::memory_order_release);
    server.join();
  }
  for (ucp_mem_h memh : u->mappings) ucp_mem_unmap(u->context, memh);
  if (u->main_worker) ucp_worker_destroy(u->main_worker);
  if (u->context) ucp_cleanup(u->context);
  delete u;
}

// CAUSEWAY_UCX_ATOMICS: where UCX performs atomics, and so which domain core must assume.
bool parse_atomic_mode(const std::string& mode, const char** ucx_mode, AtomicDomain* domain) {
  if (mode == "cpu") {
    // UCX then does every atomic with CPU instructions: on shared-memory lanes directly, over tcp
    // in the target's worker (software emulation). Both are coherent with this PE's own atomics.
    *ucx_mode = "cpu";
    *domain = AtomicDomain::cpu;
  } else if (mode == "device") {
    // A NIC's atomics (InfiniBand, RoCE) do not lock the CPU's cache line: core then sends every
    // atomic, to every PE including this one, through UCX.
    *ucx_mode = "device";
    *domain = AtomicDomain::nic;
  } else {
    return false;
  }
  return true;
}

}  // namespace

const TransportOps kUcxOps = {
    .address = address,
    .add_peer = add_peer,
    .attach_segment = attach_segment,
    .mem_register = mem_register,
    .attach_key = attach_key,
    .host_pointer = host_pointer,
    .destroy = destroy,
    .context_create = context_create,
    .context_destroy = context_destroy,
    .put = put,
    .get = get,
    .put_nbi = put_nbi,
    .get_nbi = get_nbi,
    .amo = amo,
    .put_signal = nullptr,  // UCP has no put-with-immediate: core issues put, fence, signal AMO
    .fence = fence,
    .quiet = quiet,
    .quiet_pe = quiet_pe,
    .progress = progress,
    .wait_fd = wait_fd,
    .make_visible = nullptr,
    .device_pointer = nullptr,
    .stream_put = nullptr,
    .stream_get = nullptr,
    .stream_signal = nullptr,
    .am_send = am_send,
    .set_message_sink = set_message_sink,
};

}  // namespace ucx

Transport* create_ucx_transport(const TransportInit& init, Status* status) {
  using namespace ucx;
  const char* ucx_mode = nullptr;
  AtomicDomain domain;
  if (!parse_atomic_mode(init.config->ucx_atomics, &ucx_mode, &domain)) {
    util::log(util::LogLevel::error, "CAUSEWAY_UCX_ATOMICS=%s: expected 'cpu' or 'device'",
              init.config->ucx_atomics.c_str());
    *status = Status::invalid_arg;
    return nullptr;
  }
  auto* u = new UcxTransport;
  u->ops = &kUcxOps;
  u->name = "ucx";
  u->my_pe = init.my_pe;
  u->n_pes = init.n_pes;
  u->peers.resize(init.n_pes);
  u->bootstrap = init.bootstrap;
  auto fail = [&](const char* call, ucs_status_t s) -> Transport* {
    util::log(util::LogLevel::error, "ucx: %s failed: %s", call, ucs_status_string(s));
    *status = status_of(s);
    if (u->main_worker) ucp_worker_destroy(u->main_worker);
    if (u->context) ucp_cleanup(u->context);
    delete u;
    return nullptr;
  };

  ucp_config_t* config;
  if (ucs_status_t s = ucp_config_read(nullptr, nullptr, &config); s != UCS_OK)
    return fail("ucp_config_read", s);
  ucp_config_modify(config, "ATOMIC_MODE", ucx_mode);
  // UCX's own setting wins: UCX_NET_DEVICES is the user's choice of devices, not a Causeway one.
  if (init.config->nic_locality && !std::getenv("UCX_NET_DEVICES"))
    if (const auto near = util::nearest_network_devices(); !near.empty()) {
      const std::string list = util::ucx_device_list(near);
      CW_LOG(util::LogLevel::info, "ucx: the devices nearest this PE's CPUs: %s", list.c_str());
      ucp_config_modify(config, "NET_DEVICES", list.c_str());
    }
  ucp_params_t params{};
  params.field_mask =
      UCP_PARAM_FIELD_FEATURES | UCP_PARAM_FIELD_MT_WORKERS_SHARED | UCP_PARAM_FIELD_ESTIMATED_NUM_EPS;
  params.features =
      UCP_FEATURE_RMA | UCP_FEATURE_AMO32 | UCP_FEATURE_AMO64 | UCP_FEATURE_AM | UCP_FEATURE_WAKEUP;
  params.mt_workers_shared = 1;  // contexts' workers may be driven by different threads
  params.estimated_num_eps = static_cast<size_t>(init.n_pes);
  ucs_status_t s = ucp_init(&params, config, &u->context);
  u->wakeup = s == UCS_OK;
  if (s != UCS_OK) {  // some transports cannot wake a waiter: do without descriptors
    params.features &= ~UCP_FEATURE_WAKEUP;
    s = ucp_init(&params, config, &u->context);
  }
  ucp_config_release(config);
  if (s != UCS_OK) return fail("ucp_init", s);

  if (Status st = create_worker(u, &u->main_worker, &u->main_efd); is_error(st)) {
    *status = st;
    ucp_cleanup(u->context);
    delete u;
    return nullptr;
  }
  ucp_address_t* addr;
  size_t addr_len;
  if (s = ucp_worker_get_address(u->main_worker, &addr, &addr_len); s != UCS_OK)
    return fail("ucp_worker_get_address", s);
  const auto* bytes = reinterpret_cast<const std::byte*>(addr);
  u->main_address.assign(bytes, bytes + addr_len);
  ucp_worker_release_address(u->main_worker, addr);

  u->caps = Capabilities{.reach = Reach::network,
                         .atomic_domain = domain,
                         .host_pointers = false,
                         .completes_at_issue = false,
                         .ordered = false,  // UCP may spread one endpoint's operations over lanes
                         .needs_progress = true,
                         .registers_memory = true,
                         .max_thread_level = 3 /* SHMEM_THREAD_MULTIPLE: contexts are locked */,
                         // Sent eagerly (am_send): UCX fragments them; the receiver copies each out.
                         .max_message_bytes = std::size_t(1) << 20,
                         // Eager messages to one endpoint take its one AM lane, in order.
                         .ordered_message_bytes = std::size_t(1) << 20,
                         // am_send waits for the send's local completion. What UCX's tcp lane could
                         // not yet write to a full socket moves at this PE's next progress, as do
                         // peers' puts into it: without the progress thread UCX over tcp needs the
                         // PE's calls either way (doc/transports.md).
                         .message_leaves_at_return = true};
  *status = Status::ok;
  return u;
}

std::string probe_ucx() {
  // UCX's own report of its resources, reduced to the "transport/device" names.
  ucp_config_t* config;
  if (ucp_config_read(nullptr, nullptr, &config) != UCS_OK) return "UCX configuration unreadable";
  ucp_params_t params{};
  params.field_mask = UCP_PARAM_FIELD_FEATURES;
  params.features = UCP_FEATURE_RMA | UCP_FEATURE_AMO32 | UCP_FEATURE_AMO64;
  ucp_context_h context;
  const ucs_status_t s = ucp_init(&params, config, &context);
  ucp_config_release(config);
  if (s != UCS_OK) return std::string("ucp_init failed: ") + ucs_status_string(s);
  char* text = nullptr;
  size_t length = 0;
  std::string found = std::string("UCX ") + ucp_get_version_string() + ":";
  if (FILE* out = open_memstream(&text, &length)) {
    ucp_context_print_info(context, out);
    std::fclose(out);
    std::string_view all(text, length);
    for (std::size_t at = 0; at < all.size();) {
      std::size_t end = all.find('\n', at);
      if (end == std::string_view::npos) end = all.size();
      const std::string_view line = all.substr(at, end - at);
      const std::size_t dashes = line.find("-- ");
      if (line.find("resource") != std::string_view::npos && dashes != std::string_view::npos)
        found.append(" ").append(line.substr(dashes + 3));
      at = end + 1;
    }
    std::free(text);
  }
  ucp_cleanup(context);
  return found;
}

}  // namespace causeway::tl
