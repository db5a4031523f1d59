// SPDX-License-Identifier: BSD-3-Clause
// The loopback transport: a PE reaching its own memory. Small on purpose, it reads as the
// executable specification of the transport interface (see transports/transport.hpp).
#include <atomic>
#include <cstring>
#include <vector>

#include "transports/common/cpu_direct.hpp"
#include "transports/transport.hpp"

namespace causeway::tl {
namespace {

struct SelfTransport : Transport {
  std::vector<char*> segment_base;  // indexed by segment id; own addresses
  Context default_context{};
};

SelfTransport* self_of(Transport* t) { return static_cast<SelfTransport*>(t); }

char* locate(Context* c, int pe, int segment, std::size_t offset) {
  auto* t = self_of(c->transport);
  if (pe != t->my_pe || segment < 0 || segment >= (int)t->segment_base.size() || !t->segment_base[segment])
    return nullptr;
  return t->segment_base[segment] + offset;
}

std::vector<std::byte> address(Transport*) { return {}; }

Status add_peer(Transport* t, int pe, std::span<const std::byte>) {
  return pe == t->my_pe ? Status::ok : Status::unreachable;
}

Status attach_segment(Transport* t, int pe, int segment, const RemoteSegment& remote) {
  if (pe != t->my_pe) return Status::unreachable;
  auto* s = self_of(t);
  if (segment >= (int)s->segment_base.size()) s->segment_base.resize(segment + 1, nullptr);
  // Our own segment: the "remote" base is our own address. The fd is not needed.
  s->segment_base[segment] = reinterpret_cast<char*>(remote.base);
  return Status::ok;
}

void* host_pointer(Transport* t, int pe, int segment) {
  auto* s = self_of(t);
  if (pe != t->my_pe || segment >= (int)s->segment_base.size()) return nullptr;
  return s->segment_base[segment];
}

void destroy(Transport* t) { delete self_of(t); }

Status put(Context* c, int pe, int segment, std::size_t offset, const void* src, std::size_t n) {
  char* dst = locate(c, pe, segment, offset);
  if (!dst) return Status::unreachable;
  copy_mapped(dst, src, n);
  return Status::ok;
}

Status get(Context* c, int pe, int segment, std::size_t offset, void* dst, std::size_t n) {
  char* src = locate(c, pe, segment, offset);
  if (!src) return Status::unreachable;
  copy_mapped(dst, src, n);
  return Status::ok;
}

Status amo(Context* c, int pe, int segment, std::size_t offset, const AmoArgs& args, bool) {
  char* target = locate(c, pe, segment, offset);
  if (!target) return Status::unreachable;
  return cpu_amo(target, args);
}

const TransportOps kSelfOps = {
    .address = address,
    .add_peer = add_peer,
    .attach_segment = attach_segment,
    .mem_register = nullptr,
    .attach_key = nullptr,
    .host_pointer = host_pointer,
    .destroy = destroy,
    .context_create = complete_at_issue::context_create,
    .context_destroy = complete_at_issue::context_destroy,
    .put = put,
    .get = get,
    .put_nbi = put, /* completes at once, which the specification allows */
    .get_nbi = get,
    .amo = amo,
    .put_signal = nullptr,
    .fence = complete_at_issue::fence,
    .quiet = complete_at_issue::quiet,
    .quiet_pe = complete_at_issue::quiet_pe,
    .progress = complete_at_issue::progress,
    .wait_fd = complete_at_issue::wait_fd,
    .make_visible = nullptr,
    .device_pointer = nullptr,
    .stream_put = nullptr,
    .stream_get = nullptr,
    .stream_signal = nullptr,
    .am_send = nullptr,
    .set_message_sink = nullptr,
};

}  // namespace

Transport* create_self_transport(const TransportInit& init, Status* status) {
  auto* t = new SelfTransport;
  t->ops = &kSelfOps;
  t->caps = Capabilities{.reach = Reach::self,
                         .atomic_domain = AtomicDomain::cpu,
                         .host_pointers = true,
                         .completes_at_issue = true,
                         .ordered = true,
                         .needs_progress = false,
                         .registers_memory = false,
                         .max_thread_level = 3 /* SHMEM_THREAD_MULTIPLE: no per-context state */};
  t->name = "self";
  t->my_pe = init.my_pe;
  t->n_pes = init.n_pes;
  *status = Status::ok;
  return t;
}

}  // namespace causeway::tl
