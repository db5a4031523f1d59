// SPDX-License-Identifier: BSD-3-Clause
// The libfabric (OFI) transport's shared state. ofi.cpp: provider selection, the domain, this PE's
// target endpoint and address vector, memory registration and keys, destroy. ofi_context.cpp:
// per-context endpoints, completions, ordering, quiet and progress. ofi_data.cpp: put, get, atomics.
// ofi_message.cpp: messages (am_send) and the receives that take them in.
//
// Shape: every PE opens one *target* endpoint whose name it publishes; peers' operations land there,
// and every chunk of this PE's memory is registered for it (bound to it when the provider wants
// FI_MR_ENDPOINT). Every Causeway context opens its own *initiator* endpoint with its own completion
// queue, so fence, quiet and completion are per context as SHMEM defines them. All endpoints share
// one address vector, so a peer's fi_addr_t is the same on every context.
#pragma once
#include <rdma/fabric.h>
#include <rdma/fi_atomic.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>
#include <sched.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "transports/transport.hpp"

namespace causeway::tl::ofi {

// One peer chunk's key: [offset, offset + size) of a segment, reached at `addr` + (o - offset).
struct RemoteKey {
  std::size_t offset, size;
  uint64_t addr;  // the remote address of the chunk's first byte (0 without FI_MR_VIRT_ADDR)
  uint64_t key;
  bool mapped;  // from fi_mr_map_raw: unmapped at destroy
};

// How an AmoOp the provider performs (caps.native_amos) is posted, decided at init from
// fi_*atomicvalid. Core builds the others from compare-and-swap.
enum class AmoPath : uint8_t {
  native,     // the matching fi_atomic / fi_fetch_atomic / fi_compare_atomic
  via_fetch,  // a non-fetching op issued as its fetching form, the result discarded
};

// Messages (ofi_message.cpp): receives kept posted on the target endpoint, each for one message of
// up to kReceiveBytes (a 64 KiB payload with its headers).
constexpr std::size_t kReceiveBytes = (std::size_t(64) << 10) + 128;
constexpr int kReceiveBuffers = 16;
struct Receive {
  fi_context2 fctx;  // the receive's operation context (what the completion hands back)
  int index = 0;
  bool posted = false;
};

struct OfiTransport : Transport {
  fi_info* info = nullptr;  // the chosen provider's description (endpoints are opened from it)
  // The same provider and domain without FI_ATOMIC, when it grants RMA order for transfers of any
  // size that `info` does not (tcp;ofi_rxm orders nothing once atomics are asked for): each context
  // then puts and gets through an endpoint opened from it. Null otherwise.
  fi_info* rma_info = nullptr;
  uint64_t rma_order = 0;  // rma_info's msg_order (read and write after write hold at any size)
  std::size_t rma_order_war_size = 0;
  fid_fabric* fabric = nullptr;
  fid_domain* domain = nullptr;
  fid_av* av = nullptr;
  fid_ep* target_ep = nullptr;  // the endpoint peers address; this PE's memory is registered for it
  fid_cq* target_cq = nullptr;
  int target_fd = -1;       // the target CQ's wait descriptor, or -1
  std::mutex target_mutex;  // guards the target CQ (progress only try-locks it)
  // Serves peers' operations while this PE makes no calls (computing, or blocked in a bootstrap
  // exchange that a peer's quiet would otherwise wait on forever): polls the target endpoint when
  // nobody else has for a while.
  std::thread target_thread;
  std::atomic<bool> stop_target{false};
  // Polls of the target endpoint by the PE's own threads (its waits, quiets, progress calls): while
  // it moves, target_thread stays off the PE's CPU.
  std::atomic<uint64_t> pe_polls{0};
  // Without FI_THREAD_SAFE every libfabric call of the domain is serialised on this one mutex, which
  // then replaces every context's own mutex and target_mutex.
  bool serialise_domain = false;
  std::mutex domain_mutex;

  uint64_t mr_mode = 0;        // the mode bits the provider demands
  uint64_t order = 0;          // tx_attr->msg_order granted
  bool mr_local = false;       // local buffers need a descriptor (FI_MR_LOCAL, or forced by config)
  bool fence_is_free = false;  // writes of every kind and size land in order: fence does nothing
  std::size_t order_raw_size = 0, order_war_size = 0, order_waw_size = 0;  // ep_attr->max_order_*
  std::size_t max_msg = 0;                                                 // largest single transfer
  std::size_t max_outstanding = 256;  // per context: fits the CQ and the transmit queue
  std::size_t address_length = 0;
  bool wait_fd_supported = true;      // FI_WAIT_FD accepted for completion queues
  std::atomic<uint64_t> next_key{1};  // requested keys when the provider does not pick them

  std::vector<fi_addr_t> peers;    // FI_ADDR_NOTAVAIL until add_peer
  std::vector<fid_mr*> local_mrs;  // this PE's registered chunks
  std::shared_mutex keys_mutex;    // keys grow inside shmem_malloc while other threads issue
  std::vector<std::vector<std::vector<RemoteKey>>> keys;  // [pe][segment], sorted by offset

  // [op index][width == 8]
  AmoPath amo_path[16][2] = {};

  // Messages: where they go, and the receive buffers (created with the first sink; guarded by the
  // lock the target queue's readers hold).
  MessageSink sink = nullptr;
  void* sink_arg = nullptr;
  std::vector<Receive> receives;
  int unposted = 0;  // receives the provider had no room to post yet
  char* receive_area = nullptr;
  fid_mr* receive_mr = nullptr;
  void* receive_desc = nullptr;
};

inline OfiTransport* ofi_of(Transport* t) { return static_cast<OfiTransport*>(t); }

// Logs a failed libfabric call and maps its error to a Status.
Status fail(const char* call, long ret);

// Registers [buf, buf + len) for this domain (local or remote `access`), bound to `ep` when the
// provider wants FI_MR_ENDPOINT. `domain_locked`: the caller holds a context's mutex (which is the
// domain mutex when the domain is serialised).
Status register_region(OfiTransport* t, void* buf, std::size_t len, uint64_t access, fid_ep* ep, fid_mr** out,
                       bool domain_locked = false);

// Opens an endpoint bound to the address vector and to a new completion queue of `format` (with a
// wait descriptor in *fd when the provider offers one, else -1), and enables it.
Status open_endpoint(OfiTransport* t, fid_ep** ep, fid_cq** cq, int* fd,
                     fi_cq_format format = FI_CQ_FORMAT_CONTEXT);
// Opens an endpoint from `info`, bound to the address vector and to the existing queue `cq`, and
// enables it.
Status open_endpoint_on(OfiTransport* t, const fi_info* info, fid_cq* cq, fid_ep** ep);

// The key covering (pe, segment, offset): fills `addr` (the remote address of `offset`), `key` and
// the bytes left in that chunk from `offset`. invalid_arg (logged) when no key covers it.
Status find_key(OfiTransport* t, int pe, int segment, std::size_t offset, uint64_t* addr, uint64_t* key,
                std::size_t* left);

// What an outstanding operation reads and writes at its target, for the ordering rules.
enum class OpClass : uint8_t { rma_write, rma_read, amo_write, amo_read, amo_read_write, count };

constexpr bool reads(OpClass c) {
  return c == OpClass::rma_read || c == OpClass::amo_read || c == OpClass::amo_read_write;
}
constexpr bool writes(OpClass c) {
  return c == OpClass::rma_write || c == OpClass::amo_write || c == OpClass::amo_read_write;
}
constexpr bool atomic(OpClass c) { return c != OpClass::rma_write && c != OpClass::rma_read; }

// An operation posted to an endpoint; libfabric hands it back as the completion's context (it
// starts with the fi_context2 that providers asking for FI_CONTEXT/FI_CONTEXT2 may use).
struct Pending {
  fi_context2 fctx;
  OpClass cls = OpClass::rma_write;
  int pe = -1, segment = -1;  // the bytes it touches, for the ordering rules
  std::size_t offset = 0, len = 0;
  Pending *prev = nullptr, *next = nullptr;  // the context's outstanding list
  int slot = -1;                             // bounce slot it holds, released at completion
  void* copy_to = nullptr;  // at completion, copy copy_len bytes from the slot's result area here
  std::size_t copy_len = 0;
  std::size_t copy_from = 0;   // offset of the result within the slot
  fid_mr* local_mr = nullptr;  // registered for this operation only; closed at completion
  char* staging = nullptr;     // a message's copy (new[]), freed at completion
  uint8_t amo_op = 0xff;       // AmoOp of an atomic (commuting atomics need no order)
  bool on_rma_ep = false;      // posted to the context's rma_ep
  uint64_t seq = 0;            // the context's issue count when it was posted
  bool waited = false;         // a blocking caller frees it after seeing `done`
  bool done = false;
  bool failed = false;
};

constexpr std::size_t kSlotSize = 4096;  // bounce slot: small puts, MR_LOCAL reads, atomics' operands
constexpr int kSlots = 32;

struct OfiContext : Context {
  std::mutex own_mutex;
  std::mutex* mutex = nullptr;  // own_mutex, or the transport's domain_mutex
  fid_ep* ep = nullptr;
  fid_ep* rma_ep = nullptr;  // from rma_info, sharing `cq`, when the transport has one; else null
  fid_cq* cq = nullptr;
  int cq_fd = -1;
  char* bounce = nullptr;  // kSlots * kSlotSize, registered
  fid_mr* bounce_mr = nullptr;
  void* bounce_desc = nullptr;
  std::vector<int> free_slots;
  std::vector<Pending*> free_pending;
  uint64_t issued = 0, completed = 0;
  Pending* head = nullptr;  // outstanding operations, oldest first
  Pending* tail = nullptr;
  std::size_t outstanding_writes = 0;
  // Writes posted before the last fence (seq < fence_seq) that may still be outstanding: a later
  // write waits for those whose order with it the provider does not grant. 0: none.
  uint64_t fence_seq = 0;
  Status error = Status::ok;  // the first failed completion since the last quiet
};

inline OfiContext* ctx_of(Context* c) { return static_cast<OfiContext*>(c); }

// Starts and stops target_thread.
void start_target_progress(OfiTransport* t);
void stop_target_progress(OfiTransport* t);

// --- ofi_context.cpp (callers hold the context's mutex unless the name says otherwise) ---
Status context_create(Transport* t, long options, Context** out);
void context_destroy(Context* c);
int poll(OfiContext* c);  // reads this context's CQ and, if free, the target's; events
Pending* new_pending(OfiContext* c, OpClass cls, int pe, int segment, std::size_t offset, std::size_t len);
void free_pending(OfiContext* c, Pending* p);
void discard(OfiContext* c, Pending* p);  // releases its slot and registration, then frees it
int take_slot(OfiContext* c);             // polls until a slot is free
char* slot_ptr(OfiContext* c, int slot);
// Waits as the ordering rules require before `p` is posted: for a fence before it, for earlier
// operations on overlapping bytes whose order the provider does not guarantee, and for room.
Status order_before(OfiContext* c, const Pending* p);
void track(OfiContext* c, Pending* p);  // counts `p` as issued and outstanding
// Posts with `post` (a libfabric call returning ssize_t), polling on -FI_EAGAIN. On success the
// operation counts as issued; on failure `p` is freed and the error logged. Polls that find nothing
// yield the CPU: what frees the provider's resources may be a peer's progress on this very CPU.
template <typename Post>
Status post_op(OfiContext* c, Pending* p, const char* call, Post&& post) {
  for (int idle = 0;;) {
    const ssize_t ret = post();
    if (ret == 0) break;
    if (ret != -FI_EAGAIN) {
      discard(c, p);
      return fail(call, ret);
    }
    if (poll(c) > 0)
      idle = 0;
    else if (++idle > 4) {
      sched_yield();
      idle = 0;
    }
  }
  track(c, p);
  return Status::ok;
}
Status wait_done(OfiContext* c, Pending* p);  // polls until `p` completes, frees it
Status drain(OfiContext* c);                  // polls until everything issued completed
Status fence(Context* c);
Status quiet(Context* c);
Status quiet_pe(Context* c, int pe);
int progress(Context* c);
int wait_fd(Context* c);

// --- ofi_data.cpp ---
Status put(Context*, int pe, int segment, std::size_t offset, const void* src, std::size_t n);
Status put_nbi(Context*, int pe, int segment, std::size_t offset, const void* src, std::size_t n);
Status get(Context*, int pe, int segment, std::size_t offset, void* dst, std::size_t n);
Status get_nbi(Context*, int pe, int segment, std::size_t offset, void* dst, std::size_t n);
Status amo(Context*, int pe, int segment, std::size_t offset, const AmoArgs& args, bool nbi);
// Fills caps.native_amos and amo_path from what the provider validates (fi_*atomicvalid).
void check_atomics(OfiTransport* t, fid_ep* ep);

// --- ofi_message.cpp (the target functions with the target queue's readers' lock held) ---
Status am_send(Context*, int pe, const void* header, std::size_t header_bytes, const void* payload,
               std::size_t payload_bytes);
Status set_message_sink(Transport*, MessageSink sink, void* arg);
void deliver_message(OfiTransport* t, void* op_context, std::size_t len);  // a receive's completion
void repost_receives(OfiTransport* t);                                     // those not posted yet

}  // namespace causeway::tl::ofi
