// SPDX-License-Identifier: BSD-3-Clause
// Symmetric segments: creating this PE's (heap, executable data), exchanging them with peers,
// attaching peers' segments to every transport that reaches the peer, and registering live chunks
// with transports that register memory (their keys go to every peer they serve).
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/data_segment.hpp"
#include "core/runtime.hpp"
#include "core/shared_memory.hpp"
#include "util/log.hpp"
#include "util/numa.hpp"
#include "util/vm.hpp"

namespace causeway::core {

namespace {

using util::page_size;

std::size_t page_up(std::size_t n) { return (n + page_size() - 1) & ~(page_size() - 1); }

}  // namespace

// CAUSEWAY_HEAP_NUMA: the heap's pages on this PE's NUMA nodes. Set before any page exists, on the
// memfd itself (a shared policy), so pages a peer faults in through its mapping go there too.
Status Runtime::place_heap(void* base, std::size_t bytes) {
  const std::string& mode = config_.heap_numa;
  if (mode == "off") return Status::ok;
  if (mode != "auto" && mode != "local") {
    util::log(util::LogLevel::error, "CAUSEWAY_HEAP_NUMA is '%s'; expected 'auto', 'local' or 'off'",
              mode.c_str());
    return Status::invalid_arg;
  }
  const std::vector<util::NumaNode> nodes = util::numa_nodes();
  const std::vector<int> near = util::nodes_near(nodes, util::allowed_cpus());
  if (near.empty() || (mode == "auto" && near.size() == nodes.size())) return Status::ok;
  std::string error;
  if (!util::prefer_nodes(base, bytes, near, &error)) {
    util::log(util::LogLevel::warn, "CAUSEWAY_HEAP_NUMA: cannot place the heap on NUMA node(s) %d%s: %s",
              near[0], near.size() > 1 ? " and others" : "", error.c_str());
    return Status::ok;  // a placement hint, not a reason to fail
  }
  CW_LOG_AT(heap, util::LogLevel::debug, "symmetric heap preferred on %zu NUMA node(s), first %d",
            near.size(), near[0]);
  return Status::ok;
}

Status Runtime::setup_segments() {
  const std::size_t heap_size =
      page_up(config_.symmetric_size < page_size() ? page_size() : config_.symmetric_size);
  int fd = create_memfd("causeway-heap", heap_size);
  void* base = fd >= 0 ? map_memfd_aligned(fd, heap_size, kHeapAlignment) : nullptr;
  if (!base) {
    util::log(util::LogLevel::error, "cannot create a %zu-byte symmetric heap (SHMEM_SYMMETRIC_SIZE): %s",
              heap_size, std::strerror(errno));
    return Status::no_memory;
  }
  make_private_in_children(base, heap_size, fd);  // a forked child gets a private copy, not our heap
  if (Status s = place_heap(base, heap_size); is_error(s)) return s;
  Segment heap{MemKind::host, static_cast<char*>(base), heap_size, heap_size, fd, "symmetric heap"};
  heap.chunk = page_up(config_.heap_chunk ? config_.heap_chunk : 1);
  heap.allocator = std::make_shared<OffsetAllocator>(heap_size);
  segments_.push_back(heap);
  // The runtime's own symmetric words come first, so their offset is the same on every PE.
  auto offset = heap.allocator->allocate(sizeof(InternalArea), page_size());
  if (!offset) {
    util::log(util::LogLevel::error, "SHMEM_SYMMETRIC_SIZE=%zu is too small for the runtime's own %zu bytes",
              heap_size, sizeof(InternalArea));
    return Status::no_memory;
  }
  CW_LOG_AT(heap, util::LogLevel::debug,
            "symmetric heap at %p, %zu bytes (memfd %d), registered in %zu-byte chunks", base, heap_size, fd,
            heap.chunk);
  internal_ = new (static_cast<char*>(base) + *offset) InternalArea{};
  internal_offset_ = *offset;
  prefault(internal_, sizeof(InternalArea));

  DataSegment data = setup_data_segment(config_.map_data_segment);
  Segment mapped{MemKind::host,
                 data.mapped_begin,
                 std::size_t(data.end - data.mapped_begin),
                 page_up(data.end - data.mapped_begin),
                 data.fd,
                 "executable's data segment"};
  if (data.fd < 0) mapped.size = mapped.map_size = 0;
  const std::size_t cma_size = std::size_t(data.mapped_begin - data.cma_begin);
  Segment cma{MemKind::host, data.cma_begin, cma_size, cma_size, -1, "executable's data segment (CMA part)"};
  // Its head is RELRO: read-only once relocated, never offered to peers for writing.
  cma.writable_from = data.relro_end > data.cma_begin ? std::size_t(data.relro_end - data.cma_begin) : 0;
  if (cma.writable_from > cma.size) cma.writable_from = cma.size;
  segments_.push_back(mapped);  // kDataSegment
  segments_.push_back(cma);     // kDataCmaSegment
  return setup_device_heap();   // kCudaHeapSegment
}

Status Runtime::exchange_segments() {
  struct Published {
    uint64_t base, size, map_size;
    int32_t has_fd, pad;
  };
  const int n_segments = segment_count();
  std::vector<Published> mine(n_segments);
  std::vector<int> my_fds;
  for (int id = 0; id < n_segments; ++id) {
    const Segment& s = segments_[id];
    mine[id] = {reinterpret_cast<uint64_t>(s.base), s.size, s.map_size, s.fd >= 0, 0};
    if (s.fd >= 0) my_fds.push_back(s.fd);
  }
  std::vector<std::byte> all_bytes;
  if (Status s = bootstrap_->allgather(std::as_bytes(std::span(mine)), &all_bytes); is_error(s)) return s;
  const auto* all = reinterpret_cast<const Published*>(all_bytes.data());
  for (int pe = 0; pe < n_pes_; ++pe)
    for (int id = 0; id < n_segments; ++id)
      if (all[pe * n_segments + id].has_fd != mine[id].has_fd ||
          all[pe * n_segments + id].size != mine[id].size) {
        util::log(util::LogLevel::error,
                  "PE %d's %s differs from this PE's (%zu vs %zu bytes): are all PEs the same program with "
                  "the same SHMEM_SYMMETRIC_SIZE?",
                  pe, segments_[id].what, std::size_t(all[pe * n_segments + id].size), segments_[id].size);
        return Status::invalid_arg;
      }
  std::vector<int> fds;
  if (Status s = bootstrap_->exchange_fds(my_fds, &fds); is_error(s)) return s;

  // Every transport connected to a peer attaches its segments (the peer's operations and its
  // atomics may go through different transports).
  const bool want_host = config_.direct_access;
  for (int pe = 0; pe < n_pes_; ++pe) {
    routes_[pe].host_base.assign(n_segments, nullptr);
    std::size_t next_fd = pe * my_fds.size();
    for (int id = 0; id < n_segments; ++id) {
      const Published& p = all[pe * n_segments + id];
      int fd = p.has_fd ? fds[next_fd++] : -1;
      if (p.size == 0) continue;
      const uint8_t kind = kind_bit(segments_[id].kind);
      tl::RemoteSegment remote{p.base, p.has_fd ? p.map_size : p.size, fd,
                               reinterpret_cast<uintptr_t>(segments_[id].base), kind};
      for (int i = 0; i < transport_count(); ++i) {
        tl::Transport* t = transports_[i];
        if (!connected_[i][pe] || !(t->caps.memory_kinds & kind)) continue;
        if (Status s = t->ops->attach_segment(t, pe, id, remote); is_error(s)) {
          util::log(util::LogLevel::error, "transport %s cannot attach PE %d's %s: %s", t->name, pe,
                    segments_[id].what, to_string(s));
          if (fd >= 0) close(fd);
          return s;
        }
        if (i == routes_[pe].transport && want_host && t->caps.host_pointers)
          routes_[pe].host_base[id] = static_cast<char*>(t->ops->host_pointer(t, pe, id));
      }
      if (fd >= 0) close(fd);
    }
  }
  // What is live now: the data segments whole, the heap up to the runtime's own words.
  for (int id = 0; id < n_segments; ++id) {
    const std::size_t live =
        id == kHeapSegment ? reinterpret_cast<char*>(internal_ + 1) - segments_[id].base : segments_[id].size;
    if (Status s = register_chunks(id, live); is_error(s)) return s;
  }
  return Status::ok;
}

Status Runtime::register_chunks(int id, std::size_t end) {
  Segment& seg = segments_[id];
  if (end > seg.size) end = seg.size;
  if (end <= seg.registered) return Status::ok;
  // The new chunks, identical on every PE: chunk-aligned, also split where peers' write access starts.
  const std::size_t chunk = seg.chunk ? seg.chunk : seg.size;
  std::size_t live_end = (end + chunk - 1) / chunk * chunk;
  if (live_end > seg.size || live_end < end) live_end = seg.size;
  std::vector<tl::LocalChunk> chunks;
  for (std::size_t off = seg.registered; off < live_end;) {
    std::size_t next = (off / chunk + 1) * chunk;
    if (off < seg.writable_from && seg.writable_from < next) next = seg.writable_from;
    if (next > live_end) next = live_end;
    chunks.push_back({id, seg.base, off, next - off, off >= seg.writable_from});
    off = next;
  }
  seg.registered = live_end;
  ProgressEngine::BlockedScope blocked(progress_);  // the key exchange blocks in the bootstrap

  for (int i = 0; i < transport_count(); ++i) {
    tl::Transport* t = transports_[i];
    if (!in_use_[i] || !t->caps.registers_memory || !(t->caps.memory_kinds & kind_bit(seg.kind))) continue;
    // One record per transport: each chunk's key, length-prefixed.
    std::vector<std::byte> record;
    for (const tl::LocalChunk& c : chunks) {
      std::vector<std::byte> key;
      if (Status s = t->ops->mem_register(t, c, &key); is_error(s)) {
        util::log(util::LogLevel::error, "transport %s cannot register %zu bytes of this PE's %s: %s",
                  t->name, c.size, seg.what, to_string(s));
        return s;
      }
      const uint32_t length = static_cast<uint32_t>(key.size());
      const auto* l = reinterpret_cast<const std::byte*>(&length);
      record.insert(record.end(), l, l + sizeof length);
      record.insert(record.end(), key.begin(), key.end());
    }
    std::vector<std::vector<std::byte>> records;
    if (Status s = bootstrap_->allgatherv(record, &records); is_error(s)) return s;
    for (int pe = 0; pe < n_pes_; ++pe) {
      if (!connected_[i][pe]) continue;
      std::size_t at = 0;
      for (const tl::LocalChunk& c : chunks) {
        uint32_t length;
        std::memcpy(&length, records[pe].data() + at, sizeof length);
        at += sizeof length;
        const std::span<const std::byte> key(records[pe].data() + at, length);
        at += length;
        if (Status s = t->ops->attach_key(t, pe, id, c.offset, c.size, key); is_error(s)) {
          util::log(util::LogLevel::error, "transport %s cannot use PE %d's key for its %s: %s", t->name, pe,
                    seg.what, to_string(s));
          return s;
        }
      }
    }
  }
  CW_LOG_AT(heap, util::LogLevel::debug, "%s: %zu chunk(s) live, %zu bytes registered", seg.what,
            chunks.size(), seg.registered);
  return Status::ok;
}

}  // namespace causeway::core
