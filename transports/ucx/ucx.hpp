// SPDX-License-Identifier: BSD-3-Clause
// The UCX transport: what its two files share.
//   ucx.cpp       the UCP context, workers, addresses, memory registration and keys, destroy
//   ucx_data.cpp  contexts (one UCP worker each), put/get/AMO, messages, fence/quiet, progress
//
// Workers. The transport's main worker is the one peers connect to: its address is what this PE
// publishes, and software-emulated operations from every peer (RMA and atomics over tcp) are
// executed by it when it progresses. The first context core creates (the default context) drives
// the main worker; each further context gets a worker of its own whose endpoints lead to the
// peers' main workers. Every wait also progresses the main worker, so a PE blocked on one context
// still serves its peers.
//
// Keys. Core registers every live chunk (mem_register: ucp_mem_map + ucp_rkey_pack) and hands this
// transport each peer's packed rkey per chunk (attach_key). An rkey belongs to an endpoint, so each
// context unpacks the ones it uses, lazily, on its own endpoints.
#pragma once
#include <ucp/api/ucp.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "transports/transport.hpp"

namespace causeway::tl::ucx {

// A chunk of a peer's segment, as the peer registered it.
struct PackedChunk {
  std::size_t offset, size;
  std::vector<std::byte> rkey;
};

struct PeerSegment {
  uintptr_t base = 0;               // the segment's address in the peer
  std::vector<PackedChunk> chunks;  // sorted by offset
};

struct Peer {
  std::vector<std::byte> address;  // the peer's main worker address
  std::vector<PeerSegment> segments;
};

struct UcxContext;

struct UcxTransport : Transport {
  ucp_context_h context = nullptr;
  ucp_worker_h main_worker = nullptr;
  std::mutex main_mutex;  // serialises every use of main_worker
  int main_efd = -1;
  bool main_adopted = false;  // the default context drives the main worker
  std::vector<std::byte> main_address;
  std::vector<Peer> peers;
  std::mutex keys_mutex;            // peers[*].segments grow inside shmem_malloc
  std::vector<ucp_mem_h> mappings;  // this PE's registered chunks (guarded by keys_mutex)
  bool wakeup = false;              // workers were created with wait descriptors
  bootstrap::Bootstrap* bootstrap = nullptr;
  // Where messages arriving at the main worker go (set_message_sink; guarded by main_mutex).
  MessageSink sink = nullptr;
  void* sink_arg = nullptr;
};

// Messages (am_send) travel as UCP active messages with this id, their UCP header being the
// source PE followed by core's header; they arrive at the peer's main worker.
inline constexpr unsigned kMessageId = 0;
struct MessageWire {
  int32_t source;
  int32_t header_bytes;
  std::byte header[64];
};

inline UcxTransport* ucx_of(Transport* t) { return static_cast<UcxTransport*>(t); }

// An unpacked rkey for one chunk of a peer's segment, valid on one context's endpoint.
struct Rkey {
  std::size_t offset, size;
  uintptr_t remote;  // the chunk's address in the peer
  ucp_rkey_h rkey;
};

struct UcxContext : Context {
  ucp_worker_h worker = nullptr;
  bool owns_worker = true;      // false for the default context, which drives the main worker
  std::mutex* mutex = nullptr;  // the worker's lock (the transport's main_mutex for the default)
  std::mutex own_mutex;
  int efd = -1;
  std::vector<ucp_ep_h> eps;                          // by PE, created on first use
  std::vector<std::vector<std::vector<Rkey>>> rkeys;  // [pe][segment], sorted by offset
  // Operands and discarded replies of operations still in flight: UCX reads (or writes) them until
  // the operation completes, which for a non-blocking one may be as late as quiet. A deque keeps
  // their addresses stable; quiet empties it.
  std::deque<uint64_t> scratch;
  // Non-blocking gets, and non-blocking atomics that return a value (into a scratch slot or the
  // caller's buffer): a worker flush can complete before UCX has written their replies (a get_nbi
  // of 1 MiB was once found unwritten after shmem_quiet), so quiet and quiet_pe wait for each of
  // these requests before they recycle the slots or return.
  std::vector<void*> replying;
  // Fences since the context began, and per PE how many had passed when its endpoint was last
  // flushed: a message after a fence waits for that flush (UCP's fence need not order an active
  // message behind RMA on another lane).
  uint64_t fences = 0;
  std::vector<uint64_t> flushed_at;
};

inline UcxContext* ctx_of(Context* c) { return static_cast<UcxContext*>(c); }

// ucx.cpp
Status status_of(ucs_status_t s);
Status create_worker(UcxTransport* t, ucp_worker_h* worker, int* efd);

// ucx_data.cpp
Status am_send(Context* c, int pe, const void* header, std::size_t header_bytes, const void* payload,
               std::size_t payload_bytes);
Status context_create(Transport* t, long options, Context** out);
void context_destroy(Context* c);
void close_endpoints(UcxContext* c);
Status put(Context* c, int pe, int segment, std::size_t offset, const void* src, std::size_t n);
Status get(Context* c, int pe, int segment, std::size_t offset, void* dst, std::size_t n);
Status put_nbi(Context* c, int pe, int segment, std::size_t offset, const void* src, std::size_t n);
Status get_nbi(Context* c, int pe, int segment, std::size_t offset, void* dst, std::size_t n);
Status amo(Context* c, int pe, int segment, std::size_t offset, const AmoArgs& args, bool nbi);
Status fence(Context* c);
Status quiet(Context* c);
Status quiet_pe(Context* c, int pe);
int progress(Context* c);
int wait_fd(Context* c);

}  // namespace causeway::tl::ucx
