// SPDX-License-Identifier: BSD-3-Clause
// Shared-memory transport for PEs on one node. Every peer segment that has a memfd is mapped here,
// so put/get are copies, atomics are CPU atomics and shmem_ptr gets a real pointer. Segments without
// a memfd (parts of the executable's data segment that cannot be moved) are reached with
// process_vm_readv/writev (CMA); atomics on those report not_supported.
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "transports/common/cpu_direct.hpp"
#include "transports/transport.hpp"
#include "util/log.hpp"
#include "util/vm.hpp"

namespace causeway::tl {
namespace {

struct PeerSegment {
  char* mapped = nullptr;  // our mapping of the peer's memory, or nullptr (CMA only)
  std::size_t size = 0;
  uintptr_t remote_base = 0;
};

struct ShmPeer {
  pid_t pid = 0;
  bool connected = false;
  std::vector<PeerSegment> segments;
};

struct ShmTransport : Transport {
  std::vector<ShmPeer> peers;
};

ShmTransport* shm_of(Transport* t) { return static_cast<ShmTransport*>(t); }

PeerSegment* find(Context* c, int pe, int segment) {
  auto* t = shm_of(c->transport);
  if (pe < 0 || pe >= (int)t->peers.size() || !t->peers[pe].connected) return nullptr;
  auto& segs = t->peers[pe].segments;
  if (segment < 0 || segment >= (int)segs.size() || segs[segment].size == 0) return nullptr;
  return &segs[segment];
}

std::vector<std::byte> address(Transport*) {
  pid_t pid = getpid();
  auto bytes = std::as_bytes(std::span(&pid, 1));
  return {bytes.begin(), bytes.end()};
}

Status add_peer(Transport* t, int pe, std::span<const std::byte> address) {
  if (address.size() != sizeof(pid_t)) return Status::invalid_arg;
  auto& peer = shm_of(t)->peers.at(pe);
  std::memcpy(&peer.pid, address.data(), sizeof(pid_t));
  peer.connected = true;
  return Status::ok;
}

Status attach_segment(Transport* t, int pe, int segment, const RemoteSegment& remote) {
  auto& peer = shm_of(t)->peers.at(pe);
  if (segment >= (int)peer.segments.size()) peer.segments.resize(segment + 1);
  PeerSegment& seg = peer.segments[segment];
  seg.size = remote.size;
  seg.remote_base = remote.base;
  if (remote.fd >= 0) {
    void* p = util::map_peer_segment(remote.fd, remote.size, remote.local_base, util::peer_colour(pe));
    int saved = errno;
    if (!p) {
      CW_LOG(util::LogLevel::error, "shm: cannot map PE %d's segment %d (%zu bytes): %s", pe, segment,
             remote.size, std::strerror(saved));
      return Status::no_memory;
    }
    seg.mapped = static_cast<char*>(p);
    CW_LOG_AT(transport, util::LogLevel::debug,
              "shm: PE %d's segment %d (%zu bytes, at %#lx there) mapped at %p", pe, segment, remote.size,
              static_cast<unsigned long>(remote.base), p);
  }
  return Status::ok;
}

void* host_pointer(Transport* t, int pe, int segment) {
  auto& peers = shm_of(t)->peers;
  if (pe < 0 || pe >= (int)peers.size() || segment >= (int)peers[pe].segments.size()) return nullptr;
  return peers[pe].segments[segment].mapped;
}

void destroy(Transport* t) {
  for (auto& peer : shm_of(t)->peers)
    for (auto& seg : peer.segments)
      if (seg.mapped) munmap(seg.mapped, seg.size);
  delete shm_of(t);
}

Status cma(Context* c, int pe, const PeerSegment& seg, std::size_t offset, void* local, std::size_t n,
           bool write) {
  iovec here{local, n};
  iovec there{reinterpret_cast<void*>(seg.remote_base + offset), n};
  pid_t pid = shm_of(c->transport)->peers[pe].pid;
  while (n > 0) {
    ssize_t done = write ? process_vm_writev(pid, &here, 1, &there, 1, 0)
                         : process_vm_readv(pid, &here, 1, &there, 1, 0);
    if (done <= 0) {
      if (done < 0 && errno == EINTR) continue;
      CW_LOG(util::LogLevel::error, "shm: process_vm_%s to PE %d (pid %d) failed: %s",
             write ? "writev" : "readv", pe, (int)pid, std::strerror(errno));
      return Status::io_error;
    }
    n -= done;
    here.iov_base = static_cast<char*>(here.iov_base) + done;
    here.iov_len = n;
    there.iov_base = static_cast<char*>(there.iov_base) + done;
    there.iov_len = n;
  }
  return Status::ok;
}

Status put(Context* c, int pe, int segment, std::size_t offset, const void* src, std::size_t n) {
  PeerSegment* seg = find(c, pe, segment);
  if (!seg) return Status::unreachable;
  if (seg->mapped) {
    copy_mapped(seg->mapped + offset, src, n);
    return Status::ok;
  }
  return cma(c, pe, *seg, offset, const_cast<void*>(src), n, true);
}

Status get(Context* c, int pe, int segment, std::size_t offset, void* dst, std::size_t n) {
  PeerSegment* seg = find(c, pe, segment);
  if (!seg) return Status::unreachable;
  if (seg->mapped) {
    copy_mapped(dst, seg->mapped + offset, n);
    return Status::ok;
  }
  return cma(c, pe, *seg, offset, dst, n, false);
}

Status amo(Context* c, int pe, int segment, std::size_t offset, const AmoArgs& args, bool) {
  PeerSegment* seg = find(c, pe, segment);
  if (!seg) return Status::unreachable;
  if (!seg->mapped) return Status::not_supported;
  return cpu_amo(seg->mapped + offset, args);
}

const TransportOps kShmOps = {
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

Transport* create_shm_transport(const TransportInit& init, Status* status) {
  auto* t = new ShmTransport;
  t->ops = &kShmOps;
  t->caps = Capabilities{.reach = Reach::node,
                         .atomic_domain = AtomicDomain::cpu,
                         .host_pointers = true,
                         .completes_at_issue = true,
                         .ordered = true,
                         .needs_progress = false,
                         .registers_memory = false,
                         .max_thread_level = 3 /* SHMEM_THREAD_MULTIPLE: no per-context state */};
  t->name = "shm";
  t->my_pe = init.my_pe;
  t->n_pes = init.n_pes;
  t->peers.resize(init.n_pes);
  *status = Status::ok;
  return t;
}

}  // namespace causeway::tl
