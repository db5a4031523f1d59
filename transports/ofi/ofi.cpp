// SPDX-License-Identifier: BSD-3-Clause
// ofi: the libfabric network transport, set-up half: choosing a provider, opening the fabric,
// domain, address vector and this PE's target endpoint, addresses and peers, memory registration
// and keys, and tearing it all down. See ofi.hpp for the shape, doc/transports.md for the prose.
//
// Provider choice: CAUSEWAY_OFI_PROVIDER names one (e.g. "tcp;ofi_rxm", "sockets"); empty tries
// "tcp;ofi_rxm" and then whatever fi_getinfo offers first (libfabric itself filters by FI_PROVIDER).
// Every query asks for an RDM endpoint with FI_RMA | FI_ATOMIC | FI_MSG, manual progress, delivery
// completion (a completed write is visible at the target, which quiet relies on), the memory
// registration modes handled here, and the strongest ordering first, then weaker ones: the ordering
// the provider grants is what the transport relies on, never more.
#include "transports/ofi/ofi.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "util/config.hpp"
#include "util/log.hpp"
#include "util/topology.hpp"

namespace causeway::tl::ofi {

Status fail(const char* call, long ret) {
  util::log(util::LogLevel::error, "ofi: %s failed: %s (%ld)", call, fi_strerror(static_cast<int>(-ret)),
            ret);
  switch (-ret) {
    case FI_ENOMEM: return Status::no_memory;
    case FI_EAGAIN: return Status::retry;
    case FI_ENOSYS:
    case FI_EOPNOTSUPP: return Status::not_supported;
    case FI_EINVAL: return Status::invalid_arg;
    case FI_ENODATA: return Status::unreachable;
    default: return Status::io_error;
  }
}

namespace {

// Mode bits this transport knows how to satisfy (FI_MR_MMU_NOTIFY, FI_MR_RMA_EVENT, FI_MR_HMEM and
// the collective modes are not offered).
constexpr uint64_t kMrModes =
    FI_MR_LOCAL | FI_MR_RAW | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_PROV_KEY | FI_MR_ENDPOINT;

// Ordering asked for, strongest first. The last asks for nothing and takes what the provider reports.
constexpr uint64_t kRmaOrder = FI_ORDER_RMA_RAW | FI_ORDER_RMA_WAR | FI_ORDER_RMA_WAW;
constexpr uint64_t kAtomicOrder = FI_ORDER_ATOMIC_RAW | FI_ORDER_ATOMIC_WAR | FI_ORDER_ATOMIC_WAW;
constexpr uint64_t kOrderTiers[] = {
    FI_ORDER_RAW | FI_ORDER_WAR | FI_ORDER_WAW | FI_ORDER_SAS | kRmaOrder | kAtomicOrder,
    kRmaOrder | kAtomicOrder,
    FI_ORDER_RMA_RAW | FI_ORDER_RMA_WAW | FI_ORDER_ATOMIC_RAW | FI_ORDER_ATOMIC_WAW,
    0,
};

// Every fi_info the provider (any, if null) offers for this transport's needs, or null.
fi_info* query_all(const char* provider, int threading, uint64_t order) {
  fi_info* hints = fi_allocinfo();
  if (!hints) return nullptr;
  hints->caps = FI_RMA | FI_ATOMIC | FI_MSG;
  hints->mode = FI_CONTEXT | FI_CONTEXT2;  // every operation context starts with an fi_context2
  hints->ep_attr->type = FI_EP_RDM;
  hints->domain_attr->mr_mode = static_cast<int>(kMrModes);
  hints->domain_attr->threading = static_cast<fi_threading>(threading);
  hints->domain_attr->control_progress = FI_PROGRESS_MANUAL;
  hints->domain_attr->data_progress = FI_PROGRESS_MANUAL;
  hints->tx_attr->op_flags = FI_DELIVERY_COMPLETE;
  hints->tx_attr->msg_order = order;
  if (provider) hints->fabric_attr->prov_name = strdup(provider);  // fi_freeinfo frees it
  fi_info* found = nullptr;
  const int ret =
      fi_getinfo(FI_VERSION(FI_MAJOR_VERSION, FI_MINOR_VERSION), nullptr, nullptr, 0, hints, &found);
  fi_freeinfo(hints);
  if (ret != 0) {
    CW_LOG(util::LogLevel::debug, "ofi: fi_getinfo(provider %s, threading %d, order %#llx): %s",
           provider ? provider : "any", threading, static_cast<unsigned long long>(order), fi_strerror(-ret));
    return nullptr;
  }
  return found;
}

// Whether an fi_info domain is device `name`'s: named after it (mlx5_0, eth0 for tcp), or after it
// and a suffix (verbs' mlx5_0-xrc, mlx5_0-dgram).
bool domain_of(std::string_view domain, const std::string& name) {
  return domain.starts_with(name) && (domain.size() == name.size() || domain[name.size()] == '-');
}

// The provider's preferred entry whose domain is one of `near`'s devices, else its preferred
// entry; null if it offers none.
fi_info* query(const char* provider, int threading, uint64_t order,
               const std::vector<util::NetworkDevice>& near) {
  fi_info* found = query_all(provider, threading, order);
  if (!found) return nullptr;
  fi_info* chosen = found;
  for (fi_info* i = found; i && chosen == found && !near.empty(); i = i->next)
    if (const char* domain = i->domain_attr ? i->domain_attr->name : nullptr)
      for (const util::NetworkDevice& d : near)
        if (domain_of(domain, d.name)) {
          chosen = i;
          break;
        }
  fi_info* copy = fi_dupinfo(chosen);
  fi_freeinfo(found);
  return copy;
}

// `chosen`'s provider and domain for puts and gets only, if that grants read-after-write and
// write-after-write order between RMA transfers of any size where `chosen` does not; else null.
fi_info* query_rma_only(const fi_info* chosen, std::size_t max_msg) {
  constexpr uint64_t kWanted = FI_ORDER_RMA_RAW | FI_ORDER_RMA_WAW;
  auto covers = [&](const fi_info* i) {
    return (i->tx_attr->msg_order & kWanted) == kWanted && i->ep_attr->max_order_raw_size >= max_msg &&
           i->ep_attr->max_order_waw_size >= max_msg;
  };
  if (covers(chosen) || (chosen->domain_attr->mr_mode & FI_MR_ENDPOINT)) return nullptr;
  fi_info* hints = fi_dupinfo(chosen);
  if (!hints) return nullptr;
  hints->caps = FI_RMA;
  hints->tx_attr->msg_order = kWanted;
  // The copy carries `chosen`'s sizes (0 on tcp;ofi_rxm): ask for any size instead.
  hints->ep_attr->max_order_raw_size = SIZE_MAX;
  hints->ep_attr->max_order_waw_size = SIZE_MAX;
  hints->ep_attr->max_order_war_size = 0;
  std::free(hints->src_addr);  // any address: the endpoint is an initiator
  hints->src_addr = nullptr;
  hints->src_addrlen = 0;
  fi_info* found = nullptr;
  const int ret =
      fi_getinfo(FI_VERSION(FI_MAJOR_VERSION, FI_MINOR_VERSION), nullptr, nullptr, 0, hints, &found);
  fi_freeinfo(hints);
  fi_info* usable = nullptr;
  for (fi_info* i = ret == 0 ? found : nullptr; i && !usable; i = i->next)
    if (covers(i) && std::strcmp(i->domain_attr->name, chosen->domain_attr->name) == 0)
      usable = fi_dupinfo(i);
  if (found) fi_freeinfo(found);
  return usable;
}

fi_info* choose_provider(const std::string& configured, bool nic_locality) {
  const std::vector<util::NetworkDevice> near =
      nic_locality ? util::nearest_network_devices() : std::vector<util::NetworkDevice>{};
  std::vector<const char*> providers;
  if (!configured.empty())
    providers.push_back(configured.c_str());
  else
    providers = {"tcp;ofi_rxm", nullptr};
  for (const char* provider : providers)
    for (int threading : {FI_THREAD_SAFE, FI_THREAD_DOMAIN})
      for (uint64_t order : kOrderTiers)
        if (fi_info* info = query(provider, threading, order, near)) return info;
  return nullptr;
}

std::vector<std::byte> address(Transport* t) {
  auto* o = ofi_of(t);
  std::vector<std::byte> out(o->address_length);
  std::size_t length = out.size();
  if (const int ret = fi_getname(&o->target_ep->fid, out.data(), &length); ret != 0) {
    fail("fi_getname", ret);
    out.clear();
  }
  out.resize(length);
  return out;
}

Status add_peer(Transport* t, int pe, std::span<const std::byte> addr) {
  auto* o = ofi_of(t);
  if (pe < 0 || pe >= o->n_pes) return Status::invalid_arg;
  // Another provider's or address format's name cannot be inserted here.
  if (addr.empty() || addr.size() != o->address_length) return Status::unreachable;
  fi_addr_t fi_addr = FI_ADDR_NOTAVAIL;
  int ret;
  {
    std::unique_lock lock(o->domain_mutex, std::defer_lock);
    if (o->serialise_domain) lock.lock();
    ret = fi_av_insert(o->av, addr.data(), 1, &fi_addr, 0, nullptr);
  }
  if (ret != 1) {
    CW_LOG(util::LogLevel::info, "ofi: fi_av_insert of PE %d's address: %s", pe,
           ret < 0 ? fi_strerror(-ret) : "not inserted");
    return Status::unreachable;
  }
  o->peers[pe] = fi_addr;
  return Status::ok;
}

Status attach_segment(Transport* t, int pe, int, const RemoteSegment&) {
  // Keys carry each chunk's remote address, so the segment's base is not needed here.
  return pe >= 0 && pe < t->n_pes ? Status::ok : Status::invalid_arg;
}

// What a packed key holds: the key (or, for FI_MR_RAW, the raw key and its base that the peer maps
// with fi_mr_map_raw) and the remote address of the chunk's first byte.
struct KeyHeader {
  uint64_t key;
  uint64_t addr;
  uint64_t raw_base;
  uint64_t raw_length;  // raw key bytes that follow, 0 without FI_MR_RAW
};

Status mem_register(Transport* t, const LocalChunk& chunk, std::vector<std::byte>* packed) {
  auto* o = ofi_of(t);
  char* start = chunk.base + chunk.offset;
  const uint64_t access = FI_REMOTE_READ | (chunk.remote_write ? FI_REMOTE_WRITE : 0);
  fid_mr* mr = nullptr;
  if (Status s = register_region(o, start, chunk.size, access, o->target_ep, &mr); is_error(s)) return s;
  o->local_mrs.push_back(mr);
  KeyHeader header{};
  header.addr = (o->mr_mode & FI_MR_VIRT_ADDR) ? reinterpret_cast<uintptr_t>(start) : 0;
  std::vector<uint8_t> raw;
  if (o->mr_mode & FI_MR_RAW) {
    std::size_t size = 0;
    uint64_t base = 0;
    int ret = fi_mr_raw_attr(mr, &base, nullptr, &size, 0);
    if (ret != 0 && ret != -FI_ETOOSMALL) return fail("fi_mr_raw_attr", ret);
    raw.resize(size);
    if ((ret = fi_mr_raw_attr(mr, &base, raw.data(), &size, 0)) != 0) return fail("fi_mr_raw_attr", ret);
    raw.resize(size);
    header.raw_base = base;
    header.raw_length = size;
  } else {
    header.key = fi_mr_key(mr);
    if (header.key == FI_KEY_NOTAVAIL) {
      util::log(util::LogLevel::error, "ofi: fi_mr_key: the provider gave no key for a registered chunk");
      return Status::internal;
    }
  }
  const auto* h = reinterpret_cast<const std::byte*>(&header);
  packed->assign(h, h + sizeof header);
  const auto* r = reinterpret_cast<const std::byte*>(raw.data());
  packed->insert(packed->end(), r, r + raw.size());
  return Status::ok;
}

Status attach_key(Transport* t, int pe, int segment, std::size_t offset, std::size_t size,
                  std::span<const std::byte> packed) {
  auto* o = ofi_of(t);
  KeyHeader header;
  if (pe < 0 || pe >= o->n_pes || segment < 0 || packed.size() < sizeof header) return Status::invalid_arg;
  std::memcpy(&header, packed.data(), sizeof header);
  if (packed.size() != sizeof header + header.raw_length) return Status::invalid_arg;
  RemoteKey key{offset, size, header.addr, header.key, false};
  if (header.raw_length > 0) {
    std::vector<uint8_t> raw(header.raw_length);
    std::memcpy(raw.data(), packed.data() + sizeof header, raw.size());
    std::unique_lock lock(o->domain_mutex, std::defer_lock);
    if (o->serialise_domain) lock.lock();
    const int ret = fi_mr_map_raw(o->domain, header.raw_base, raw.data(), raw.size(), &key.key, 0);
    if (ret != 0) return fail("fi_mr_map_raw", ret);
    key.mapped = true;
  }
  std::unique_lock lock(o->keys_mutex);
  auto& segments = o->keys[pe];
  if (segment >= (int)segments.size()) segments.resize(segment + 1);
  auto& ranges = segments[segment];
  auto at = std::upper_bound(ranges.begin(), ranges.end(), offset,
                             [](std::size_t off, const RemoteKey& k) { return off < k.offset; });
  ranges.insert(at, key);
  return Status::ok;
}

void* host_pointer(Transport*, int, int) { return nullptr; }

void close_fid(fid* f, const char* what) {
  if (!f) return;
  if (const int ret = fi_close(f); ret != 0) fail(what, ret);
}

void destroy(Transport* t) {
  auto* o = ofi_of(t);
  stop_target_progress(o);
  for (fid_mr* mr : o->local_mrs) close_fid(&mr->fid, "fi_close(memory region)");
  if (o->domain)
    for (auto& segments : o->keys)
      for (auto& ranges : segments)
        for (const RemoteKey& k : ranges)
          if (k.mapped) fi_mr_unmap_key(o->domain, k.key);
  if (o->target_ep) close_fid(&o->target_ep->fid, "fi_close(target endpoint)");  // cancels the receives
  if (o->target_cq) close_fid(&o->target_cq->fid, "fi_close(target completion queue)");
  if (o->receive_mr) close_fid(&o->receive_mr->fid, "fi_close(receive buffers)");
  std::free(o->receive_area);
  if (o->av) close_fid(&o->av->fid, "fi_close(address vector)");
  if (o->domain) close_fid(&o->domain->fid, "fi_close(domain)");
  if (o->fabric) close_fid(&o->fabric->fid, "fi_close(fabric)");
  if (o->info) fi_freeinfo(o->info);
  if (o->rma_info) fi_freeinfo(o->rma_info);
  delete o;
}

const TransportOps kOfiOps = {
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
    .put_signal = nullptr, /* core issues put, fence, signal AMO */
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

// Reads the provider's description into the transport and opens the fabric, domain, address
// vector and target endpoint.
Status open_all(OfiTransport* o, const TransportInit& init) {
  fi_info* info = o->info;
  o->mr_mode = static_cast<uint64_t>(info->domain_attr->mr_mode);
  o->mr_local = (o->mr_mode & FI_MR_LOCAL) || init.config->ofi_mr_local;
  o->order = info->tx_attr->msg_order;
  o->order_raw_size = info->ep_attr->max_order_raw_size;
  o->order_war_size = info->ep_attr->max_order_war_size;
  o->order_waw_size = info->ep_attr->max_order_waw_size;
  o->max_msg = std::min<std::size_t>(info->ep_attr->max_msg_size, std::size_t(1) << 30);
  if (o->max_msg == 0) o->max_msg = std::size_t(1) << 30;
  std::size_t room = std::min(info->tx_attr->size ? info->tx_attr->size : 256, std::size_t(1024));
  o->max_outstanding = room < 16 ? 16 : room;
  o->serialise_domain = info->domain_attr->threading != FI_THREAD_SAFE;
  if (init.config->ofi_rma_endpoint && (o->rma_info = query_rma_only(info, o->max_msg))) {
    o->rma_order = o->rma_info->tx_attr->msg_order;
    o->rma_order_war_size = o->rma_info->ep_attr->max_order_war_size;
  }
  // Fence costs nothing when writes of every kind and size are placed in issue order (on one endpoint).
  o->fence_is_free = !o->rma_info && (o->order & FI_ORDER_WAW) && o->order_waw_size >= o->max_msg;

  int ret;
  if ((ret = fi_fabric(info->fabric_attr, &o->fabric, nullptr)) != 0) return fail("fi_fabric", ret);
  if ((ret = fi_domain(o->fabric, info, &o->domain, nullptr)) != 0) return fail("fi_domain", ret);
  fi_av_attr av_attr{};
  av_attr.type = info->domain_attr->av_type;
  av_attr.count = static_cast<std::size_t>(init.n_pes);
  if ((ret = fi_av_open(o->domain, &av_attr, &o->av, nullptr)) != 0) return fail("fi_av_open", ret);
  // The target queue's entries carry a received message's length (messages, ofi_message.cpp).
  if (Status s = open_endpoint(o, &o->target_ep, &o->target_cq, &o->target_fd, FI_CQ_FORMAT_MSG); is_error(s))
    return s;
  std::size_t length = 0;
  ret = fi_getname(&o->target_ep->fid, nullptr, &length);
  if (ret != 0 && ret != -FI_ETOOSMALL) return fail("fi_getname", ret);
  o->address_length = length;
  o->peers.assign(init.n_pes, FI_ADDR_NOTAVAIL);
  o->keys.resize(init.n_pes);
  return Status::ok;
}

}  // namespace

Status open_endpoint(OfiTransport* t, fid_ep** ep, fid_cq** cq, int* fd, fi_cq_format format) {
  *fd = -1;
  int ret;
  fi_cq_attr cq_attr{};
  cq_attr.format = format;
  cq_attr.size = t->max_outstanding * 2;
  cq_attr.wait_obj = t->wait_fd_supported ? FI_WAIT_FD : FI_WAIT_NONE;
  ret = fi_cq_open(t->domain, &cq_attr, cq, nullptr);
  if (ret != 0 && t->wait_fd_supported) {
    CW_LOG(util::LogLevel::debug, "ofi: no FI_WAIT_FD completion queue (%s): wait_fd is -1",
           fi_strerror(-ret));
    t->wait_fd_supported = false;
    cq_attr.wait_obj = FI_WAIT_NONE;
    ret = fi_cq_open(t->domain, &cq_attr, cq, nullptr);
  }
  if (ret != 0) return fail("fi_cq_open", ret);
  if (t->wait_fd_supported && fi_control(&(*cq)->fid, FI_GETWAIT, fd) != 0) *fd = -1;
  return open_endpoint_on(t, t->info, *cq, ep);
}

Status open_endpoint_on(OfiTransport* t, const fi_info* info, fid_cq* cq, fid_ep** ep) {
  int ret;
  if ((ret = fi_endpoint(t->domain, const_cast<fi_info*>(info), ep, nullptr)) != 0)
    return fail("fi_endpoint", ret);
  if ((ret = fi_ep_bind(*ep, &t->av->fid, 0)) != 0) return fail("fi_ep_bind(address vector)", ret);
  if ((ret = fi_ep_bind(*ep, &cq->fid, FI_TRANSMIT | FI_RECV)) != 0)
    return fail("fi_ep_bind(completion queue)", ret);
  if ((ret = fi_enable(*ep)) != 0) return fail("fi_enable", ret);
  return Status::ok;
}

Status register_region(OfiTransport* t, void* buf, std::size_t len, uint64_t access, fid_ep* ep, fid_mr** out,
                       bool domain_locked) {
  // Without FI_MR_PROV_KEY this PE picks keys; they need only be unique within its domain.
  const uint64_t requested = (t->mr_mode & FI_MR_PROV_KEY) ? 0 : t->next_key.fetch_add(1);
  std::unique_lock lock(t->domain_mutex, std::defer_lock);
  if (t->serialise_domain && !domain_locked) lock.lock();
  int ret = fi_mr_reg(t->domain, buf, len, access, 0, requested, 0, out, nullptr);
  if (ret != 0) {
    *out = nullptr;
    return fail("fi_mr_reg", ret);
  }
  if (t->mr_mode & FI_MR_ENDPOINT) {
    if ((ret = fi_mr_bind(*out, &ep->fid, 0)) != 0 || (ret = fi_mr_enable(*out)) != 0) {
      fi_close(&(*out)->fid);
      *out = nullptr;
      return fail("fi_mr_bind/fi_mr_enable", ret);
    }
  }
  return Status::ok;
}

Status find_key(OfiTransport* t, int pe, int segment, std::size_t offset, uint64_t* addr, uint64_t* key,
                std::size_t* left) {
  {
    std::shared_lock lock(t->keys_mutex);
    if (pe >= 0 && pe < (int)t->keys.size() && segment >= 0 && segment < (int)t->keys[pe].size()) {
      const auto& ranges = t->keys[pe][segment];
      auto at = std::upper_bound(ranges.begin(), ranges.end(), offset,
                                 [](std::size_t off, const RemoteKey& k) { return off < k.offset; });
      if (at != ranges.begin()) {
        const RemoteKey& k = *--at;
        if (offset < k.offset + k.size) {
          *addr = k.addr + (offset - k.offset);
          *key = k.key;
          *left = k.offset + k.size - offset;
          return Status::ok;
        }
      }
    }
  }
  util::log(
      util::LogLevel::error,
      "ofi: no key from PE %d covers segment %d offset %zu: the chunk was not registered and its key not "
      "exchanged",
      pe, segment, offset);
  return Status::invalid_arg;
}

}  // namespace causeway::tl::ofi

namespace causeway::tl {

// The distinct provider names fi_getinfo offers for this transport's needs (for causeway-info), or "".
std::string ofi_describe_providers() {
  std::string out;
  std::vector<std::string> seen;
  for (const char* provider : {"tcp;ofi_rxm", static_cast<const char*>(nullptr)}) {
    fi_info* all = ofi::query_all(provider, FI_THREAD_SAFE, 0);
    for (fi_info* i = all; i; i = i->next) {
      const std::string name = i->fabric_attr->prov_name;
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
      seen.push_back(name);
      if (!out.empty()) out.append(", ");
      out.append(name);
    }
    if (all) fi_freeinfo(all);
  }
  return out;
}

Transport* create_ofi_transport(const TransportInit& init, Status* status) {
  auto* o = new ofi::OfiTransport;
  o->ops = &ofi::kOfiOps;
  o->name = "ofi";
  o->my_pe = init.my_pe;
  o->n_pes = init.n_pes;
  o->info = ofi::choose_provider(init.config->ofi_provider, init.config->nic_locality);
  if (!o->info) {
    util::log(
        util::LogLevel::error,
        "ofi: no libfabric provider offers an RDM endpoint with RMA, atomics, messages, manual progress "
        "and delivery completion (CAUSEWAY_OFI_PROVIDER='%s'; FI_PROVIDER also filters)",
        init.config->ofi_provider.c_str());
    *status = Status::unreachable;
    delete o;
    return nullptr;
  }
  if (Status s = ofi::open_all(o, init); is_error(s)) {
    util::log(util::LogLevel::error, "ofi: set-up over provider %s failed: %s",
              o->info->fabric_attr->prov_name, to_string(s));
    *status = s;
    ofi::destroy(o);
    return nullptr;
  }
  ofi::start_target_progress(o);
  const uint64_t ordered_bits = FI_ORDER_RAW | FI_ORDER_WAR | FI_ORDER_WAW;
  o->caps = Capabilities{
      .reach = Reach::network,
      // Atomics are performed by the provider (a NIC, or the provider's own software at the target);
      // either way they are not atomic with respect to CPU atomics on the same word, so core routes
      // every atomic of the job, to this PE and same-node peers too, through this transport.
      .atomic_domain = AtomicDomain::nic,
      .host_pointers = false,
      .completes_at_issue = false,
      .ordered = !o->rma_info && (o->order & ordered_bits) == ordered_bits &&
                 o->order_raw_size >= o->max_msg && o->order_war_size >= o->max_msg &&
                 o->order_waw_size >= o->max_msg,
      .needs_progress = true,  // manual progress: nothing moves unless this PE polls
      .registers_memory = true,
      .max_thread_level = 3 /* SHMEM_THREAD_MULTIPLE: every context locks its endpoint */,
      .max_message_bytes = ofi::kReceiveBytes - 8 /* the source PE and header length */,
      // Send-after-send order holds for what the provider sends eagerly; a larger message (tcp;ofi_rxm:
      // from 16 KiB) goes by rendezvous, and a later small one overtakes it. 4 KiB is below every
      // eager limit we know of.
      .ordered_message_bytes = (o->order & FI_ORDER_SAS) ? std::size_t(4096) : 0};
  ofi::check_atomics(o, o->target_ep);  // caps.native_amos
  CW_LOG(
      util::LogLevel::info,
      "ofi: provider %s, fabric %s, domain %s, mr_mode %#llx, order %#llx%s (up to raw %zu, war %zu, waw %zu "
      "bytes), threading %d, inject %zu; puts and gets %s",
      o->info->fabric_attr->prov_name, o->info->fabric_attr->name, o->info->domain_attr->name,
      static_cast<unsigned long long>(o->mr_mode), static_cast<unsigned long long>(o->order),
      o->caps.ordered ? " (ordered)" : "", o->order_raw_size, o->order_war_size, o->order_waw_size,
      static_cast<int>(o->info->domain_attr->threading), o->info->tx_attr->inject_size,
      o->rma_info ? "through their own endpoint (ordered at any size)" : "through the same endpoint");
  *status = Status::ok;
  return o;
}

}  // namespace causeway::tl
