// The transport interface: one table of operations plus a capability record. Core talks to every
// transport (self, shm, and later cuda_ipc, ucx, ofi) through this table only; no transport gets a
// special case in core. Unsupported operations return Status::not_supported, never crash.
//
// Remote memory is named by (pe, segment id, offset). Segments are regions core exposes: the
// symmetric heap, the executable's data segment, later device memory. Core registers its own
// segments, ships each transport's packed key (and, on one node, the segment's memfd) to peers,
// then attaches every peer's segments to the transport that serves that peer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "util/status.hpp"

namespace causeway::tl {

enum class Reach : uint8_t {
  self,  // only this PE's own memory
  node,  // PEs on the same node
  network,
};

struct Capabilities {
  Reach reach;
  std::size_t max_inline;  // bytes a put can carry without a separate completion
  bool ordered;            // puts/AMOs to one peer land in issue order without a fence
  bool amo32, amo64;       // hardware or offloaded atomics of these widths
  bool direct_access;      // can hand out load/store pointers to peer memory (shmem_ptr)
  bool blocking_complete;  // put returns only once data is remotely visible (quiet is a no-op)
};

enum class AmoOp : uint8_t {
  fetch,
  set,
  swap,
  compare_swap,
  add,
  fetch_add,
  bit_and,
  fetch_and,
  bit_or,
  fetch_or,
  bit_xor,
  fetch_xor,
};

constexpr bool amo_fetches(AmoOp op) {
  return op == AmoOp::fetch || op == AmoOp::swap || op == AmoOp::compare_swap || op == AmoOp::fetch_add ||
         op == AmoOp::fetch_and || op == AmoOp::fetch_or || op == AmoOp::fetch_xor;
}

struct AmoArgs {
  AmoOp op;
  uint8_t width;      // 4 or 8 bytes
  uint64_t operand;   // value to add/set/swap/and...; the low `width` bytes count
  uint64_t compare;   // compare_swap only
  uint64_t* fetched;  // old value out (fetching ops); written in the low `width` bytes
};

// This PE's view of one of its own segments, as core registers it.
struct LocalSegment {
  int id;
  void* base;
  std::size_t size;
  int fd;  // memfd backing it, or -1 (then peers on this node reach it by CMA)
};

// A peer's segment as seen from here.
struct RemoteSegment {
  uintptr_t base;  // address in the peer's address space
  std::size_t size;
  int fd;  // a received descriptor for the peer's memfd, or -1; core closes it after attaching
  std::span<const std::byte> key;  // the transport's packed key for it (may be empty)
  uintptr_t local_base = 0;        // this PE's own copy: a mapping is placed relative to it
};

struct Transport;
struct Context;  // per (transport, shmem context) state: the unit of ordering and completion

struct TransportOps {
  // Setup: the address this PE publishes; how to reach a peer from its address.
  std::vector<std::byte> (*address)(Transport*);
  Status (*add_peer)(Transport*, int pe, std::span<const std::byte> address);
  std::vector<std::byte> (*pack_key)(Transport*, const LocalSegment&);
  Status (*attach_segment)(Transport*, int pe, int segment, const RemoteSegment&);
  // Load/store pointer to a peer's segment base, or nullptr if this transport has none.
  void* (*direct_pointer)(Transport*, int pe, int segment);
  void (*destroy)(Transport*);

  Status (*context_create)(Transport*, Context**);
  void (*context_destroy)(Context*);

  // Data movement. Blocking put returns once `src` may be reused; get once `dst` holds the data.
  Status (*put)(Context*, int pe, int segment, std::size_t offset, const void* src, std::size_t n);
  Status (*get)(Context*, int pe, int segment, std::size_t offset, void* dst, std::size_t n);
  Status (*put_nbi)(Context*, int pe, int segment, std::size_t offset, const void* src, std::size_t n);
  Status (*get_nbi)(Context*, int pe, int segment, std::size_t offset, void* dst, std::size_t n);
  Status (*amo)(Context*, int pe, int segment, std::size_t offset, const AmoArgs&);
  Status (*fence)(Context*);  // orders earlier puts/AMOs before later ones, per peer
  Status (*quiet)(Context*);  // completes everything this context issued
  Status (*progress)(Transport*);
};

struct Transport {
  const TransportOps* ops;
  Capabilities caps;
  const char* name;
  int my_pe;
  int n_pes;
};

struct Context {
  Transport* transport;
};

// Every transport compiled into this build, in the default preference order.
struct TransportInfo {
  const char* name;
  const char* description;
  Transport* (*create)(int my_pe, int n_pes, Status* status);
};
std::span<const TransportInfo> available_transports();

}  // namespace causeway::tl
