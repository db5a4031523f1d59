// SPDX-License-Identifier: BSD-3-Clause
// Active messages over one-sided operations, so every transport carries them with no AM support of
// its own. Each PE keeps, in the symmetric heap, one ring per source PE. A sender reserves slots
// in its ring at the target (its own tail: no remote atomic), writes the header and payload with
// one put_signal whose signal word is the first slot's tag, and the target's progress runs the
// handlers in slot order. The target hands slots back by writing how far it has consumed into the
// sender's memory (a cache line per pair): how far it has read (the sender's room) and how far it
// has run with every reply sent (the completion count quiet waits for), with a mark below which
// those replies lie. A transport with a message path of its own (UCX's AM, a NIC's send) carries
// the message instead of the put_signal, and this PE writes it into the ring on arrival: slots,
// order, room and completion stay the same. doc/active-messages.md is the prose version.
//
// Layer: above core (it issues through core/issue.hpp and hooks into the progress engine), below
// the APIs.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "core/runtime.hpp"
#include "util/stall.hpp"

namespace causeway::am {
class Mailbox;
}

// What a handler's token points at: valid only while the handler runs.
struct shmemx_am_token {
  int source;           // world PE that sent the message
  int replies;          // replies sent so far (at most one)
  const char* handler;  // "active-message handler N", for error messages
  uint64_t stamp;       // the Lamport stamp the message was sent with
};

namespace causeway::am {

using Handler = void (*)(shmemx_am_token* token, int src_pe, const void* payload, std::size_t nbytes,
                         void* user);

// Where a ring slot begins; every message starts on one. The header sits at the start of its first
// slot, the payload right after it.
inline constexpr std::size_t kSlotBytes = 64;
struct Header {
  uint64_t tag;      // sequence number of this slot + 1 while it starts an unread message, else 0
  uint32_t nbytes;   // payload bytes (a long message: the bytes deposited at its destination)
  uint16_t handler;  // registered id
  uint8_t flags;     // Flag bits
  uint8_t reserved;
  uint64_t stamp;  // Lamport stamp of the send (am/clock.hpp)
};
inline constexpr std::size_t kHeaderBytes = sizeof(Header);
static_assert(kHeaderBytes == 24);

enum Flag : uint8_t {
  kPad = 1,     // fills the ring to its end; the next message starts at slot 0
  kLong = 2,    // the payload is a LongRef: the data was deposited at the target before the message
  kReply = 4,   // sent by shmemx_am_reply
  kCredit = 8,  // no ring slot: a Credit for the receiver, by the transport's message path
};

// The counters a target publishes to a sender (see publish_consumed), when it reaches the sender by
// the transport's message path: one message instead of three atomics and a fence.
struct Credit {
  uint64_t consumed, done, reply_mark;  // reply_mark 0: unchanged
};

// A long message's inline payload: where its data was deposited on the target.
struct LongRef {
  uint64_t segment;
  uint64_t offset;
};

class Mailbox {
 public:
  // The mailbox, created by the first registration; nullptr before it and after finalize.
  static Mailbox* get() { return instance_.load(std::memory_order_acquire); }
  // Collective over every PE: registers `fn` and returns its id (the same on every PE).
  static int register_handler(core::Runtime& rt, Handler fn, void* user, const char* call);
  // The ring size the job uses (CAUSEWAY_AM_RING, or its default for this many PEs).
  static std::size_t ring_bytes_for(const core::Runtime& rt);
  static std::size_t max_payload_for(std::size_t ring_bytes) { return ring_bytes / 4; }
  // Before the runtime goes: stops polling (collective, inside shmem_finalize).
  static void finalize();

  // Runs handler `id` on world PE `pe` with a copy of payload; returns once payload may be reused,
  // making progress while the ring at `pe` has no room.
  void send(core::Context* ctx, int pe, int id, const void* payload, std::size_t nbytes, const char* call);
  // Deposits nbytes at `dest_offset` of segment `segment` on `pe`, then runs handler `id` there.
  void send_long(core::Context* ctx, int pe, int id, core::Location dest, const void* src, std::size_t nbytes,
                 const char* call);
  // From inside a handler: runs handler `id` on the token's source. Never blocks: without room it
  // queues the reply, sent by a later progress pass.
  void reply(shmemx_am_token* token, int id, const void* payload, std::size_t nbytes, const char* call);

  std::size_t max_payload() const { return max_payload_for(ring_bytes_); }
  // The stamp of the last message or reply the calling thread sent.
  static uint64_t last_stamp() { return t_last_stamp_; }
  bool valid_handler(int id) const { return id >= 0 && id < handler_count_.load(std::memory_order_acquire); }
  // Runs pending handlers (those of every source, a bounded batch each); returns how many ran.
  int poll() { return drain(/*wait_for_lock=*/false); }
  // Returns once every message this PE sent has run at its target, and the replies to them here.
  void quiet();

 private:
  struct PendingReply {
    int id;
    std::vector<std::byte> payload;
  };
  struct alignas(64) Peer {
    std::atomic<uint64_t> tail{0};    // as a sender: slots reserved in this PE's ring at the peer
    std::atomic<uint64_t> head{0};    // as a target: next slot of the peer's ring here to read
    uint64_t published_consumed = 0;  // as a target: the counts last written to the peer
    uint64_t published_done = 0;
    std::deque<PendingReply> replies;  // as a target: replies to the peer waiting for room
    bool replied = false;              // as a target: replies sent since `published` was written
    std::size_t message_limit = 0;     // as a sender: messages this big go by the transport's am_send
  };
  struct Registered {
    Handler fn;
    void* user;
    char name[40];  // for error messages: "active-message handler N"
  };
  static constexpr int kMaxHandlers = 1024;

  Mailbox(core::Runtime& rt, char* area, std::size_t ring_bytes);
  static int poll_hook(void* self) { return static_cast<Mailbox*>(self)->poll(); }
  static void quiet_hook(void* self) { static_cast<Mailbox*>(self)->quiet(); }
  // A transport's message sink (tl::MessageSink): a message arriving by am_send, written into its
  // source's ring here as if the source had put it there.
  static void deliver_hook(void* self, int source, const void* header, std::size_t header_bytes,
                           const void* payload, std::size_t payload_bytes);
  void deliver(int source, const void* header, std::size_t header_bytes, const void* payload,
               std::size_t payload_bytes);
  // Has core hand this PE's arriving messages to deliver_hook (or, with false, to nobody).
  void connect_receiver(bool connect);

  std::size_t ring_slots() const { return ring_bytes_ / kSlotBytes; }
  static std::size_t slots_for(std::size_t bytes) {
    return (kHeaderBytes + bytes + kSlotBytes - 1) / kSlotBytes;
  }
  // Offsets in the heap segment (the same on every PE).
  std::size_t consumed_offset(int pe) const { return area_offset_ + std::size_t(pe) * 64; }
  std::size_t ring_offset(int source) const {
    return area_offset_ + std::size_t(n_pes_) * 64 + std::size_t(source) * ring_bytes_;
  }
  // Slots of this PE's ring at `pe` that `pe` has read (room), and has run with every reply sent
  // (completion). Both only grow; done never passes consumed.
  uint64_t consumed_by(int pe) const;
  uint64_t done_by(int pe) const;
  // The tail of `pe`'s ring here when it last sent replies to this PE: they all lie below it.
  uint64_t reply_mark_by(int pe) const;
  static constexpr std::size_t kDoneOffset = 8, kReplyMarkOffset = 16;  // in a pair's cache line
  template <class Pred>
  void wait_until(const util::WaitNote& note, Pred&& pred);

  // Reserves room for a message of `nbytes` payload in this PE's ring at `pe` and writes it. With
  // `wait` false, returns false instead of making progress when there is no room.
  // `inline_bytes` of `payload` travel in the ring; the header says `nbytes` (they differ for a
  // long message, whose inline payload is a LongRef).
  bool try_send(core::Context* ctx, int pe, int id, uint8_t flags, const void* payload,
                std::size_t inline_bytes, std::size_t nbytes, bool wait, const char* call);
  void write_message(core::Context* ctx, int pe, uint64_t slot, int id, uint8_t flags, uint64_t stamp,
                     const void* payload, std::size_t inline_bytes, std::size_t nbytes, const char* call);
  int drain(bool wait_for_lock);
  int drain_source(int source, int budget);
  void run_handler(int source, const Header& header, const char* inline_payload);
  void flush_replies(int source);
  void publish_consumed(int source);
  void apply_credit(int source, const Credit& credit);

  core::Runtime& rt_;
  const int n_pes_, my_pe_;
  char* area_;  // this PE's copy: consumed, done and reply-mark words (a cache line per peer), then a ring
                // per source
  std::size_t area_offset_;
  std::size_t ring_bytes_;
  std::vector<Peer> peers_;
  std::unique_ptr<Registered[]> handlers_;
  std::atomic<int> handler_count_{0};             // entries below it are complete (written before the count)
  std::atomic_flag draining_ = ATOMIC_FLAG_INIT;  // one thread runs handlers at a time
  int next_source_ = 0;                           // where the next drain starts (fairness)

  static std::atomic<Mailbox*> instance_;
  static thread_local uint64_t t_last_stamp_;
  static std::mutex registry_mutex_;
};

}  // namespace causeway::am
