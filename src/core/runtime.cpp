#include "core/runtime.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "core/data_segment.hpp"
#include "core/shared_memory.hpp"
#include "core/sync.hpp"
#include "util/log.hpp"

causeway_ctx causeway_ctx_default;
causeway_fast_path causeway_fast_path_v1;

namespace causeway::core {

Runtime* g_runtime = nullptr;

Status create_context(Runtime& rt, Context* ctx) {
  ctx->per_transport.assign(rt.transport_count(), nullptr);
  for (int i = 0; i < rt.transport_count(); ++i) {
    tl::Transport* t = rt.transport(i);
    if (Status s = t->ops->context_create(t, &ctx->per_transport[i]); is_error(s)) {
      destroy_context(rt, ctx);
      return s;
    }
  }
  return Status::ok;
}

void destroy_context(Runtime& rt, Context* ctx) {
  for (int i = 0; i < (int)ctx->per_transport.size(); ++i)
    if (ctx->per_transport[i]) rt.transport(i)->ops->context_destroy(ctx->per_transport[i]);
  ctx->per_transport.clear();
}

namespace {

constexpr std::size_t kPage = 4096;
constexpr std::size_t kAddressSlot = 256;  // bytes per transport in the address exchange
// The heap's base is aligned this much, so shmem_align can honour alignments up to it.
constexpr std::size_t kHeapAlignment = std::size_t(64) << 20;

std::size_t page_up(std::size_t n) { return (n + kPage - 1) & ~(kPage - 1); }

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

void abort_hook(int status) {
  if (g_runtime) g_runtime->bootstrap().abort_job(status);
}

}  // namespace

Status Runtime::create(int requested_thread_level, int* provided) {
  if (g_runtime) {
    *provided = g_runtime->thread_level_;
    return Status::ok;  // a second shmem_init is allowed and does nothing
  }
  auto* rt = new Runtime;
  Status status = rt->init(requested_thread_level);
  if (is_error(status)) {
    delete rt;
    return status;
  }
  g_runtime = rt;
  rt->publish_fast_path();
  *provided = rt->thread_level_;
  return Status::ok;
}

void Runtime::destroy() {
  withdraw_fast_path();
  delete g_runtime;
  g_runtime = nullptr;
}

Status Runtime::init(int requested_thread_level) {
  config_ = util::load_config();
  if (!util::log_set_level(config_.log_level.c_str()))
    util::log(util::LogLevel::warn, "CAUSEWAY_LOG=%s is not a level (error, warn, info, debug, trace)",
              config_.log_level.c_str());
  checks_ = config_.checks || config_.debug;
  if (config_.debug && util::log_level() < util::LogLevel::debug) util::log_set_level(util::LogLevel::debug);
  backoff_ = {config_.spin_count, config_.yield_count, config_.max_sleep_us};
  // Every level up to MULTIPLE is supported: the data path has no shared mutable state and the
  // allocator takes a lock.
  thread_level_ = requested_thread_level < 0 ? 0 : (requested_thread_level > 3 ? 3 : requested_thread_level);

  Status status;
  bootstrap_ = bootstrap::create_bootstrap(&status);
  if (!bootstrap_) return status;
  my_pe_ = bootstrap_->rank();
  n_pes_ = bootstrap_->size();
  util::log_set_pe(my_pe_);
  util::set_abort_hook(abort_hook);
  g_runtime = this;  // fatal errors during init can now take the job down through the bootstrap

  if (is_error(status = setup_segments()) || is_error(status = setup_transports()) ||
      is_error(status = exchange_segments())) {
    g_runtime = nullptr;
    return status;
  }
  if (is_error(status = create_context(*this, &default_context()))) return status;
  fence_is_store_order_ = true;
  for (tl::Transport* t : transports_) fence_is_store_order_ &= t->caps.ordered && t->caps.blocking_complete;
  g_runtime = nullptr;
  // Nobody touches a peer before every peer has attached everyone's segments.
  return bootstrap_->barrier();
}

Status Runtime::setup_segments() {
  const std::size_t heap_size = page_up(config_.symmetric_size < kPage ? kPage : config_.symmetric_size);
  int fd = create_memfd("causeway-heap", heap_size);
  void* base = fd >= 0 ? map_memfd_aligned(fd, heap_size, kHeapAlignment) : nullptr;
  if (!base) {
    util::log(util::LogLevel::error, "cannot create a %zu-byte symmetric heap (SHMEM_SYMMETRIC_SIZE): %s",
              heap_size, std::strerror(errno));
    return Status::no_memory;
  }
  segments_[kHeapSegment] = {MemKind::host,   static_cast<char*>(base), heap_size, heap_size, fd,
                             "symmetric heap"};
  heap_allocator_ = std::make_unique<OffsetAllocator>(heap_size);
  // The runtime's own symmetric words come first, so their offset is the same on every PE.
  auto offset = heap_allocator_->allocate(sizeof(InternalArea), kPage);
  if (!offset) {
    util::log(util::LogLevel::error, "SHMEM_SYMMETRIC_SIZE=%zu is too small for the runtime's own %zu bytes",
              heap_size, sizeof(InternalArea));
    return Status::no_memory;
  }
  internal_ = new (static_cast<char*>(base) + *offset) InternalArea{};
  prefault(internal_, sizeof(InternalArea));

  DataSegment data = setup_data_segment(config_.map_data_segment);
  segments_[kDataSegment] = {MemKind::host,
                             data.mapped_begin,
                             std::size_t(data.end - data.mapped_begin),
                             page_up(data.end - data.mapped_begin),
                             data.fd,
                             "executable's data segment"};
  segments_[kDataCmaSegment] = {MemKind::host,
                                data.cma_begin,
                                std::size_t(data.mapped_begin - data.cma_begin),
                                std::size_t(data.mapped_begin - data.cma_begin),
                                -1,
                                "executable's data segment (CMA part)"};
  if (data.fd < 0) segments_[kDataSegment].size = segments_[kDataSegment].map_size = 0;
  return Status::ok;
}

Status Runtime::setup_transports() {
  const auto wanted = split_list(config_.transports);
  for (const auto& name : wanted) {
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
    tl::Transport* t = info->create(my_pe_, n_pes_, &status);
    if (!t) return status;
    transports_.push_back(t);
  }
  if (transports_.empty()) {
    util::log(util::LogLevel::error, "CAUSEWAY_TRANSPORTS is empty");
    return Status::invalid_arg;
  }

  // Exchange every transport's address in fixed-size slots.
  std::vector<std::byte> mine(kAddressSlot * transports_.size()), all;
  for (std::size_t i = 0; i < transports_.size(); ++i) {
    auto address = transports_[i]->ops->address(transports_[i]);
    if (address.size() > kAddressSlot - sizeof(uint32_t)) return Status::internal;
    uint32_t length = static_cast<uint32_t>(address.size());
    std::memcpy(&mine[i * kAddressSlot], &length, sizeof length);
    if (!address.empty())
      std::memcpy(&mine[i * kAddressSlot + sizeof length], address.data(), address.size());
  }
  if (Status s = bootstrap_->allgather(mine, &all); is_error(s)) return s;

  // Pick each peer's path: the first transport in preference order whose reach covers it.
  paths_.assign(n_pes_, PeerPath{});
  const auto& node_of = bootstrap_->node_of();
  for (int pe = 0; pe < n_pes_; ++pe) {
    for (std::size_t i = 0; i < transports_.size() && paths_[pe].transport < 0; ++i) {
      tl::Reach reach = transports_[i]->caps.reach;
      bool covers = reach == tl::Reach::network ||
                    (reach == tl::Reach::node && node_of[pe] == node_of[my_pe_]) ||
                    (reach == tl::Reach::self && pe == my_pe_);
      if (!covers) continue;
      const std::byte* slot = &all[(pe * transports_.size() + i) * kAddressSlot];
      uint32_t length;
      std::memcpy(&length, slot, sizeof length);
      if (is_error(transports_[i]->ops->add_peer(transports_[i], pe, {slot + sizeof length, length})))
        continue;
      paths_[pe].transport = static_cast<int>(i);
    }
    if (paths_[pe].transport < 0) {
      util::log(util::LogLevel::error, "no transport in CAUSEWAY_TRANSPORTS=%s reaches PE %d",
                config_.transports.c_str(), pe);
      return Status::unreachable;
    }
  }
  return Status::ok;
}

Status Runtime::exchange_segments() {
  struct Published {
    uint64_t base, size, map_size;
    int32_t has_fd, pad;
  };
  std::vector<Published> mine(kSegmentCount);
  std::vector<int> my_fds;
  for (int id = 0; id < kSegmentCount; ++id) {
    const Segment& s = segments_[id];
    mine[id] = {reinterpret_cast<uint64_t>(s.base), s.size, s.map_size, s.fd >= 0, 0};
    if (s.fd >= 0) my_fds.push_back(s.fd);
  }
  std::vector<std::byte> all_bytes;
  if (Status s = bootstrap_->allgather(std::as_bytes(std::span(mine)), &all_bytes); is_error(s)) return s;
  const auto* all = reinterpret_cast<const Published*>(all_bytes.data());
  for (int pe = 0; pe < n_pes_; ++pe)
    for (int id = 0; id < kSegmentCount; ++id)
      if (all[pe * kSegmentCount + id].has_fd != mine[id].has_fd ||
          all[pe * kSegmentCount + id].size != mine[id].size) {
        util::log(util::LogLevel::error,
                  "PE %d's %s differs from this PE's (%zu vs %zu bytes): are all PEs the same program with "
                  "the same "
                  "SHMEM_SYMMETRIC_SIZE?",
                  pe, segments_[id].what, std::size_t(all[pe * kSegmentCount + id].size), segments_[id].size);
        return Status::invalid_arg;
      }
  std::vector<int> fds;
  if (Status s = bootstrap_->exchange_fds(my_fds, &fds); is_error(s)) return s;

  const bool want_direct = config_.direct_access;
  for (int pe = 0; pe < n_pes_; ++pe) {
    tl::Transport* t = transports_[paths_[pe].transport];
    std::size_t next_fd = pe * my_fds.size();
    for (int id = 0; id < kSegmentCount; ++id) {
      const Published& p = all[pe * kSegmentCount + id];
      if (p.size == 0) continue;
      int fd = p.has_fd ? fds[next_fd++] : -1;
      tl::RemoteSegment remote{
          p.base, p.has_fd ? p.map_size : p.size, fd, {}, reinterpret_cast<uintptr_t>(segments_[id].base)};
      Status s = t->ops->attach_segment(t, pe, id, remote);
      if (fd >= 0) close(fd);
      if (is_error(s)) {
        util::log(util::LogLevel::error, "transport %s cannot attach PE %d's %s: %s", t->name, pe,
                  segments_[id].what, to_string(s));
        return s;
      }
      if (want_direct && t->caps.direct_access)
        paths_[pe].direct[id] = static_cast<char*>(t->ops->direct_pointer(t, pe, id));
    }
    // Descriptors of segments this PE does not attach (size 0 here) still need closing.
    for (std::size_t i = next_fd; i < (pe + 1) * my_fds.size(); ++i) close(fds[i]);
  }
  return Status::ok;
}

void Runtime::check_collective_agreement(const char* call, const char* a_name, std::size_t a,
                                         const char* b_name, std::size_t b) {
  uint64_t mine[2] = {a, b};
  std::vector<std::byte> all;
  if (is_error(bootstrap_->allgather(std::as_bytes(std::span(mine)), &all))) return;
  const auto* values = reinterpret_cast<const uint64_t*>(all.data());
  for (int pe = 0; pe < n_pes_; ++pe) {
    const bool a_differs = values[2 * pe] != a, b_differs = values[2 * pe + 1] != b;
    if (!a_differs && !b_differs) continue;
    const char* name = a_differs ? a_name : b_name;
    util::fatal_user_error(
        call,
        "argument '%s' disagrees across PEs: this PE passed %zu but PE %d passed %zu; every PE "
        "must make the same symmetric allocation calls with the same arguments in the same order",
        name, std::size_t(a_differs ? a : b), pe,
        std::size_t(a_differs ? values[2 * pe] : values[2 * pe + 1]));
  }
}

void* Runtime::heap_allocate(std::size_t size, std::size_t alignment, const char* call, bool zero) {
  if (checks_) check_collective_agreement(call, "size", size, "alignment", alignment);
  if (size == 0) return nullptr;  // the spec: no action, no barrier, a null pointer
  std::optional<std::size_t> offset;
  {
    std::lock_guard lock(heap_mutex_);
    offset = heap_allocator_->allocate(size, alignment < 16 ? 16 : alignment);
  }
  void* p = nullptr;
  if (offset) {
    p = segments_[kHeapSegment].base + *offset;
    prefault(p, size);
    if (zero) std::memset(p, 0, size);
  } else {
    util::log(
        util::LogLevel::error,
        "%s: cannot allocate %zu bytes: the symmetric heap has %zu of %zu bytes in use (largest free block "
        "%zu); raise SHMEM_SYMMETRIC_SIZE (now %zu)",
        call, size, heap_allocator_->bytes_in_use(), heap_allocator_->capacity(),
        heap_allocator_->largest_free(), heap_allocator_->capacity());
  }
  barrier_all(*this);
  return p;
}

void Runtime::heap_free(void* ptr, const char* call) {
  if (!ptr) return;  // the spec: no action (and no barrier) for a null pointer
  barrier_all(*this);
  Location loc;
  bool ok = locate(ptr, 1, &loc) && loc.segment == kHeapSegment;
  if (checks_) check_collective_agreement(call, "ptr (as a heap offset)", ok ? loc.offset : SIZE_MAX, "", 0);
  if (ok) {
    std::lock_guard lock(heap_mutex_);
    ok = heap_allocator_->release(loc.offset);
  }
  if (!ok)
    util::fatal_user_error(call, "argument 'ptr' = %p was not returned by shmem_malloc or was freed already",
                           ptr);
}

void* Runtime::heap_reallocate(void* ptr, std::size_t size, const char* call) {
  if (!ptr) return heap_allocate(size, 16, call);
  if (size == 0) {
    heap_free(ptr, call);
    return nullptr;
  }
  if (checks_) check_collective_agreement(call, "size", size, "", 0);
  Location loc;
  if (!locate(ptr, 1, &loc) || loc.segment != kHeapSegment || !heap_allocator_->block_size(loc.offset))
    util::fatal_user_error(call, "argument 'ptr' = %p was not returned by shmem_malloc", ptr);
  void* result = ptr;
  barrier_all(*this);  // peers' puts into the old block land before it is copied or resized
  {
    std::unique_lock lock(heap_mutex_);
    const std::size_t old_size = heap_allocator_->block_size(loc.offset);
    if (!heap_allocator_->resize_in_place(loc.offset, size)) {
      auto offset = heap_allocator_->allocate(size, 16);
      if (offset) {
        result = segments_[kHeapSegment].base + *offset;
        std::memcpy(result, ptr, old_size < size ? old_size : size);
        heap_allocator_->release(loc.offset);
      } else {
        result = nullptr;
        util::log(util::LogLevel::error, "%s: cannot grow a block to %zu bytes; raise SHMEM_SYMMETRIC_SIZE",
                  call, size);
      }
    }
    if (result) prefault(result, size);
  }
  barrier_all(*this);
  return result;
}

void Runtime::progress() {
  for (tl::Transport* t : transports_) t->ops->progress(t);
}

void Runtime::publish_fast_path() {
  FastPath fast{};
  const SegmentId ids[2] = {kHeapSegment, kDataSegment};
  for (int i = 0; i < 2; ++i) {
    fast_direct_[i].assign(n_pes_, nullptr);
    for (int pe = 0; pe < n_pes_; ++pe) fast_direct_[i][pe] = paths_[pe].direct[ids[i]];
    fast.segments[i] = {reinterpret_cast<uintptr_t>(segments_[ids[i]].base), segments_[ids[i]].size,
                        fast_direct_[i].data()};
  }
  // Checks mode validates every call, so everything takes the full path.
  fast.n_pes = checks_ ? 0 : static_cast<unsigned>(n_pes_);
  fast.fence_is_store_order = fence_is_store_order_;
  fast_path() = fast;
}

void Runtime::withdraw_fast_path() { fast_path() = FastPath{}; }

Status Runtime::finalize() {
  withdraw_fast_path();
  barrier_all(*this);
  destroy_context(*this, &default_context());
  for (tl::Transport* t : transports_) t->ops->destroy(t);
  transports_.clear();
  Status status = bootstrap_->barrier();  // nobody unmaps memory a slower peer still reads
  munmap(segments_[kHeapSegment].base, segments_[kHeapSegment].map_size);
  close(segments_[kHeapSegment].fd);
  // The data segment stays on its memfd: the program keeps using its globals after finalize.
  util::set_abort_hook(nullptr);
  return status;
}

}  // namespace causeway::core
