// The core runtime: one per process. Owns the bootstrap, the transports, the symmetric segments,
// the per-peer paths and the contexts. The C, C++ and (later) device APIs are thin layers over it.
#pragma once
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bootstrap/bootstrap.hpp"
#include "core/allocator.hpp"
#include "core/fast_path.hpp"
#include "transports/transport.hpp"
#include "util/backoff.hpp"
#include "util/config.hpp"

// shmem_ctx_t points at one of these; SHMEM_CTX_DEFAULT is &causeway_ctx_default.
struct causeway_ctx;

namespace causeway::core {

enum class MemKind : uint8_t { host = 0, cuda = 1 };

// Segment ids, fixed so every PE agrees without exchanging them.
enum SegmentId : int {
  kHeapSegment = 0,     // symmetric heap, host memory kind
  kDataSegment = 1,     // executable's data moved onto a memfd
  kDataCmaSegment = 2,  // executable's data reachable only by CMA
  kSegmentCount = 3,    // the CUDA memory kind will take the next id
};

struct Segment {
  MemKind kind = MemKind::host;
  char* base = nullptr;      // this PE's address
  std::size_t size = 0;      // bytes symmetric objects may occupy
  std::size_t map_size = 0;  // bytes of the backing memfd (page multiple)
  int fd = -1;
  const char* what = "";
};

// How this PE reaches one peer.
struct PeerPath {
  int transport = -1;                         // index into Runtime::transports
  std::array<char*, kSegmentCount> direct{};  // load/store base per segment, or nullptr
};

// A context: an ordering and completion domain with one transport context per transport. A context
// made from a team numbers PEs within that team.
struct Context {
  std::vector<tl::Context*> per_transport;
  long options = 0;
  std::vector<int> team_to_world;  // empty: PE numbers are world PE numbers
  const void* team = nullptr;      // the coll layer's team, or nullptr for the world team
};

}  // namespace causeway::core

struct causeway_ctx : causeway::core::Context {};
extern "C" __attribute__((visibility("default"))) causeway_ctx causeway_ctx_default;

namespace causeway::core {

// Where a symmetric address lives.
struct Location {
  int segment;
  std::size_t offset;
};

// Runtime-private symmetric words at the start of the heap (same offset on every PE).
struct InternalArea {
  static constexpr int kMaxRounds = 32;
  struct alignas(64) Flag {
    std::atomic<uint64_t> value;
  };
  Flag barrier[kMaxRounds];  // dissemination barrier, written by the round's partner
};

class Runtime {
 public:
  static Status create(int requested_thread_level, int* provided);
  static void destroy();

  int my_pe() const { return my_pe_; }
  int n_pes() const { return n_pes_; }
  int thread_level() const { return thread_level_; }
  bool checks() const { return checks_; }
  const util::Config& config() const { return config_; }
  const util::BackoffPolicy& backoff_policy() const { return backoff_; }
  bootstrap::Bootstrap& bootstrap() { return *bootstrap_; }
  Context& default_context() { return causeway_ctx_default; }
  const PeerPath& path(int pe) const { return paths_[pe]; }
  tl::Transport* transport(int index) const { return transports_[index]; }
  int transport_count() const { return static_cast<int>(transports_.size()); }
  const Segment& segment(int id) const { return segments_[id]; }

  // Finds the segment holding [addr, addr+bytes); false if it is not all inside one.
  bool locate(const void* addr, std::size_t bytes, Location* out) const {
    auto a = reinterpret_cast<uintptr_t>(addr);
    for (int id = 0; id < kSegmentCount; ++id) {
      const Segment& s = segments_[id];
      uintptr_t off = a - reinterpret_cast<uintptr_t>(s.base);
      if (off < s.size && bytes <= s.size - off) {
        *out = {id, off};
        return true;
      }
    }
    return false;
  }

  // Collective heap management (the malloc family). All return nullptr on failure, after logging.
  // `zero` clears the block before the closing barrier, so no peer's early put is wiped.
  void* heap_allocate(std::size_t size, std::size_t alignment, const char* call, bool zero = false);
  void heap_free(void* ptr, const char* call);
  void* heap_reallocate(void* ptr, std::size_t size, const char* call);
  std::size_t heap_bytes_in_use() const { return heap_allocator_->bytes_in_use(); }

  InternalArea& internal() { return *internal_; }
  uint64_t next_barrier_epoch() { return ++barrier_epoch_; }

  void progress();
  Status finalize();

 private:
  Runtime() = default;
  Status init(int requested_thread_level);
  Status setup_segments();
  Status setup_transports();
  Status exchange_segments();
  // Fills the fast path (core/fast_path.hpp) from the paths (after init) or empties it (at finalize).
  void publish_fast_path();
  static void withdraw_fast_path();
  // Ends the job if PEs passed different values to a collective call (checks mode only).
  void check_collective_agreement(const char* call, const char* a_name, std::size_t a, const char* b_name,
                                  std::size_t b);

  int my_pe_ = 0, n_pes_ = 1, thread_level_ = 0;
  bool checks_ = false;
  bool fence_is_store_order_ = false;
  util::Config config_;
  util::BackoffPolicy backoff_;
  std::unique_ptr<bootstrap::Bootstrap> bootstrap_;
  std::vector<tl::Transport*> transports_;
  std::vector<PeerPath> paths_;
  std::array<std::vector<char*>, 2> fast_direct_;  // the fast path's per-PE bases: heap, data segment
  std::array<Segment, kSegmentCount> segments_{};
  std::unique_ptr<OffsetAllocator> heap_allocator_;
  std::mutex heap_mutex_;
  InternalArea* internal_ = nullptr;
  uint64_t barrier_epoch_ = 0;
};

// nullptr before shmem_init and after shmem_finalize.
extern Runtime* g_runtime;

// Creates a context's transport state on every transport (shmem_ctx_create, team contexts).
Status create_context(Runtime& rt, Context* ctx);
void destroy_context(Runtime& rt, Context* ctx);

}  // namespace causeway::core
