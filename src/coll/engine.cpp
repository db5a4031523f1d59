// SPDX-License-Identifier: BSD-3-Clause
// The collective algorithms. Everything is built from four one-sided steps, each taking the direct
// load/store route when the peer's memory is mapped here and the peer's transport otherwise:
//   put   copy bytes into a peer's symmetric memory
//   get   copy bytes out of a peer's symmetric memory
//   signal   tell a peer "my step is done" (a counted store into its word for this PE, see coll.hpp)
//   wait     wait for a peer's next signal
// Data written before a signal is visible to the peer once it has seen the signal.
#include <algorithm>
#include <cstring>

#include "coll/coll.hpp"
#include "core/issue.hpp"
#include "core/messages.hpp"
#include "core/rma.hpp"
#include "core/sync.hpp"
#include "util/log.hpp"

namespace causeway::coll {

namespace {

using core::Runtime;

// A symmetric address: segment and offset, the same on every PE.
using Sym = core::Location;

Sym locate(Runtime& rt, const void* addr, std::size_t bytes, const char* call, const char* arg) {
  core::Location loc;
  if (!rt.locate(addr, bytes, &loc)) [[unlikely]]
    core::report_not_symmetric(rt, addr, bytes, call, arg);
  // The collectives copy and reduce with the CPU, which cannot load device memory.
  if (rt.segment(loc.segment).kind != core::MemKind::host) [[unlikely]]
    util::fatal_user_error(call,
                           "argument '%s' = %p is device memory; collectives on device memory are not "
                           "supported yet (stage it through host symmetric memory)",
                           arg, addr);
  return loc;
}

// Private per-thread buffers (accumulators, staging of transport reads, in-place results).
class Buffer {
 public:
  char* get(std::size_t bytes) {
    if (bytes > capacity_) {
      const std::size_t words = (bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t);
      data_.reset(new std::max_align_t[words]);
      capacity_ = words * sizeof(std::max_align_t);
    }
    return reinterpret_cast<char*>(data_.get());
  }

 private:
  std::unique_ptr<std::max_align_t[]> data_;
  std::size_t capacity_ = 0;
};

thread_local Buffer t_acc, t_in, t_result;
thread_local std::vector<const char*> t_from;

constexpr std::size_t kBlockBytes = 8192;    // reduction block: accumulator and input stay in L1
constexpr std::size_t kPackBytes = 1 << 16;  // alltoalls: strided source packed per put

// One collective call on one team. `args` are what every member must pass alike and `kind` what
// they must all call (default: this routine), compared in checks mode (coll.hpp: Agreement).
class Op {
 public:
  Op(Team& team, const char* call, std::initializer_list<Agreed> args = {}, const char* kind = nullptr)
      : rt(*core::g_runtime),
        t(team),
        slot(*team.slot),
        lay(layout()),
        call(call),
        me(team.my_rank),
        n(team.size()) {
    if (rt.checks()) [[unlikely]] {
      agreement_.enter(team, call, kind ? kind : call, args);
      checks_ = true;
      pushed_ = true;  // the records go before this call's first signal
    }
  }

  // What this call signalled still in a transport that waits for this PE's progress goes out now:
  // the caller may compute for a long time after it returns (core::complete_notifies).
  ~Op() {
    if (!notified_.empty()) [[unlikely]]
      core::complete_notifies(rt, notified_, call);
  }
  Op(const Op&) = delete;
  Op& operator=(const Op&) = delete;

  int world(int rank) const { return t.members[rank]; }

  // CAUSEWAY_LOG=coll=debug: which algorithm this call takes.
  void chose(const char* algorithm, std::size_t bytes) const {
    CW_LOG_AT(coll, util::LogLevel::debug, "%s on a team of %d PEs (rank %d), %zu bytes: %s", call, n, me,
              bytes, algorithm);
  }

  // Load/store base of `rank`'s copy of segment `seg`, or nullptr (then use the transport).
  char* base(int rank, int seg) const { return core::host_address(rt, world(rank), Sym{seg, 0}); }

  // The four steps go through core's issue point, on the default context.
  void put(int rank, Sym dst, std::size_t add, const void* src, std::size_t bytes) {
    if (bytes == 0) return;
    const int w = world(rank);
    const Sym at{dst.segment, dst.offset + add};
    core::issue_put(rt, nullptr, w, at, src, bytes, false, call);
    pushed_ = true;
    // No signal follows a step to this PE itself: complete it now if a transport carried it.
    if (rank == me && !core::host_address(rt, w, at)) [[unlikely]]
      core::issue_quiet_pes(rt, rt.default_context(), std::span(&w, 1), call);
  }

  void get(int rank, void* dst, Sym src, std::size_t add, std::size_t bytes) {
    if (bytes == 0) return;
    core::issue_get(rt, nullptr, world(rank), Sym{src.segment, src.offset + add}, dst, bytes, false, call);
  }

  // A counted store into the peer's word for this PE. Each word has exactly one writer, this PE, so
  // no atomic of another domain ever targets it; data pushed before lands first.
  void signal(int rank) { put_signal(rank, Sym{}, 0, nullptr, 0); }

  // put, then signal, to one member: a single message where the peer takes messages
  // (core::issue_notify), which needs neither a fence nor a reply.
  void put_signal(int rank, Sym dst, std::size_t add, const void* src, std::size_t bytes) {
    if (rank == me && bytes) {
      put(rank, dst, add, src, bytes);
      bytes = 0;
    }
    const int w = world(rank);
    const uint64_t value = ++slot.sent[w];
    const Sym word{core::kHeapSegment, slot.offset + static_cast<std::size_t>(rt.my_pe()) * lay.sig_stride};
    if (pushed_) {
      core::fence(rt.default_context());
      pushed_ = false;
    }
    core::issue_notify(rt, w, Sym{dst.segment, dst.offset + add}, src, bytes, word, value, tl::AmoOp::set,
                       call);
    if (rt.needs_progress()) [[unlikely]]
      if (std::find(notified_.begin(), notified_.end(), w) == notified_.end()) notified_.push_back(w);
  }

  void wait(int rank) {
    const int w = world(rank);
    const uint64_t value = ++slot.received[w];
    const uint64_t* word =
        reinterpret_cast<const uint64_t*>(slot.local + static_cast<std::size_t>(w) * lay.sig_stride);
    if (checks_) [[unlikely]] {
      wait_checked(w, note_for(w, word, value), word, value);
      return;
    }
    if (__atomic_load_n(word, __ATOMIC_ACQUIRE) >= value) [[likely]]
      return;
    core::wait_for(rt, note_for(w, word, value),
                   [&] { return __atomic_load_n(word, __ATOMIC_ACQUIRE) >= value; });
  }

  util::WaitNote note_for(int w, const uint64_t* word, uint64_t value) const {
    return util::WaitNote{.call = call,
                          .what = "the collective's signal",
                          .peer = w,
                          .team_size = n,
                          .team_first = t.members[0],
                          .team_stride = t.stride,
                          .word = word,
                          .word_bytes = 8,
                          .cmp = 3 /* >= */,
                          .operand = value};
  }

  // Checks mode: the peer's argument record is compared as soon as it lands (a peer that sends no
  // signal, say with a zero size, is still caught) and again once its signal has come.
  void wait_checked(int w, const util::WaitNote& note, const uint64_t* word, uint64_t value) {
    bool compared = agreement_.try_compare(w);
    core::wait_for(rt, note, [&] {
      if (!compared) compared = agreement_.try_compare(w);
      return __atomic_load_n(word, __ATOMIC_ACQUIRE) >= value;
    });
    agreement_.compare(w);  // and the peer's earlier calls no wait compared
  }

  // Everyone has entered the collective (so every member's source is ready to be read).
  void entered() {
    if (n <= tuning().flat_signal_max_pes) {
      for (int i = 1; i < n; ++i) signal((me + i) % n);
      for (int i = 1; i < n; ++i) wait((me + n - i) % n);
    } else {
      dissemination();
    }
  }

  void dissemination() {
    for (int d = 1; d < n; d <<= 1) {
      signal((me + d) % n);
      wait((me + n - d) % n);
    }
  }

  std::size_t stage_capacity() const {
    const std::size_t regions =
        t.world_indexed ? static_cast<std::size_t>(rt.n_pes()) : static_cast<std::size_t>(n);
    return (lay.stage_half / regions) & ~std::size_t{63};
  }

  std::size_t stage_index(int rank) const {
    return static_cast<std::size_t>(t.world_indexed ? world(rank) : rank);
  }

  // Every member pushes `bytes` of `mine` into its region of every other member's staging half and
  // waits for theirs. The half alternates per pair, so a fast peer's next exchange never lands on a
  // region this PE is still reading: it cannot start the exchange after that before this PE has
  // sent its own part of the next one, which it does only after it is done with this one.
  void exchange(const void* mine, std::size_t bytes, const char** out) {
    const std::size_t cap = stage_capacity();
    for (int i = 1; i < n; ++i) {
      const int r = (me + i) % n;
      const std::size_t half = (slot.exchanges[world(r)]++ & 1) * lay.stage_half;
      const std::size_t region = lay.stage_offset + half;
      put_signal(r, Sym{core::kHeapSegment, slot.offset + region + stage_index(me) * cap}, 0, mine, bytes);
      out[r] = slot.local + region + stage_index(r) * cap;
    }
    out[me] = static_cast<const char*>(mine);
    for (int i = 1; i < n; ++i) wait((me + n - i) % n);
  }

  void mark_pushed() { pushed_ = true; }

  Runtime& rt;
  Team& t;
  Slot& slot;
  const Layout& lay;
  const char* call;
  const int me, n;

 private:
  bool pushed_ = false;
  bool checks_ = false;
  Agreement agreement_;
  std::vector<int> notified_;  // world PEs signalled, kept only where transports need progress
};

const char** from_table(int n) {
  if (t_from.size() < static_cast<std::size_t>(n)) t_from.resize(static_cast<std::size_t>(n));
  return t_from.data();
}

// Binomial tree over virtual ranks (root = 0): the parent clears the lowest set bit; children add
// the powers of two below it, largest subtree first.
int tree_parent(int v) { return v & (v - 1); }

template <class F>
void for_tree_children(int v, int n, F&& f) {
  const int low = v == 0 ? (1 << 30) : (v & -v);
  int bit = 1;
  while (bit * 2 < n && bit * 2 < low) bit *= 2;
  for (; bit >= 1; bit >>= 1)
    if (bit < low && v + bit < n) f(v + bit);
}

void copy_element(char* to, const char* from, std::size_t elem) {
  switch (elem) {
    case 1: *to = *from; break;
    case 2: std::memcpy(to, from, 2); break;
    case 4: std::memcpy(to, from, 4); break;
    case 8: std::memcpy(to, from, 8); break;
    case 16: std::memcpy(to, from, 16); break;
    default: std::memcpy(to, from, elem);
  }
}

std::size_t checked_mul(std::size_t a, std::size_t b, const char* call, const char* what) {
  std::size_t r;
  if (__builtin_mul_overflow(a, b, &r)) util::fatal_user_error(call, "%s overflows size_t", what);
  return r;
}

// An address is compared across members only when data moves through it.
Agreed moved_through(const char* name, const void* address, std::size_t bytes) {
  return bytes ? Agreed{name, reinterpret_cast<uintptr_t>(address), true} : Agreed{name, kNotCompared};
}

}  // namespace

void exchange(Team& team, const void* mine, std::size_t bytes, const char** out, const char* call,
              std::initializer_list<Agreed> args) {
  Op o(team, call, args);
  if (bytes > o.stage_capacity())
    util::fatal_user_error(call, "internal: a %zu-byte exchange does not fit the %zu-byte staging region",
                           bytes, o.stage_capacity());
  o.exchange(mine, bytes, out);
}

void sync(Team& team, const char* call) {
  Op o(team, call, {}, "a barrier or sync");
  o.dissemination();
}

void broadcast(Team& team, void* dest, const void* source, std::size_t bytes, int root, bool update_root,
               const char* call) {
  Op o(team, call,
       {{"nelems (as bytes)", bytes},
        {"PE_root", static_cast<uint64_t>(root)},
        moved_through("dest", dest, bytes),
        moved_through("source", source, bytes)});
  const int n = o.n;
  if (root < 0 || root >= n)
    util::fatal_user_error(
        call, "argument 'PE_root' = %d is out of range for a team of %d PEs (valid: 0..%d)", root, n, n - 1);
  if (bytes == 0) return;
  const Sym d = locate(o.rt, dest, bytes, call, "dest");
  const Sym s = locate(o.rt, source, bytes, call, "source");
  const int v = (o.me - root + n) % n;  // virtual rank: the root is 0
  auto real = [&](int vr) { return (vr + root) % n; };
  if (n == 1) {
    if (update_root && dest != source) std::memmove(dest, source, bytes);
    return;
  }
  const bool tree = n >= tuning().tree_min_pes;
  auto children = [&](auto&& f) {
    if (tree)
      for_tree_children(v, n, f);
    else if (v == 0)
      for (int c = 1; c < n; ++c) f(c);
  };
  const int parent = tree ? tree_parent(v) : 0;

  if (n == 2 && bytes > tuning().bcast_push_max) {
    o.chose("2-PE split (root pushes one half, the other PE pulls the other)", bytes);
    // Two PEs, large: both copy at once, the root pushing the first half, the other PE pulling the
    // second. Signals: ready (root), first half written (root), second half read (other).
    const std::size_t half = (bytes / 2) & ~std::size_t{63};
    const int other = 1 - o.me;
    if (v == 0) {
      o.signal(other);
      o.put_signal(other, d, 0, source, half);
      if (update_root && dest != source) std::memcpy(dest, source, bytes);
      o.wait(other);
    } else {
      o.wait(other);
      o.get(other, static_cast<char*>(dest) + half, s, half, bytes - half);
      o.signal(other);
      o.wait(other);
    }
    return;
  }
  if (n == 2 || bytes <= tuning().bcast_push_max) {
    o.chose(tree ? "push down a binomial tree" : "push from the root", bytes);
    // Push: each PE writes the data into its children's dest, then signals them.
    if (v != 0) o.wait(real(parent));
    const void* from = v == 0 ? source : dest;
    children([&](int c) { o.put_signal(real(c), d, 0, from, bytes); });
    if (v == 0 && update_root && dest != source) std::memmove(dest, source, bytes);
    return;
  }
  o.chose(tree ? "pull down a binomial tree" : "pull from the root by every PE", bytes);
  // Pull: a PE signals its children that its buffer is ready, they copy it in parallel and signal
  // back when done, so the buffer is never reused while a child still reads it.
  if (v == 0) {
    children([&](int c) { o.signal(real(c)); });
    if (update_root && dest != source) std::memcpy(dest, source, bytes);
    children([&](int c) { o.wait(real(c)); });
    return;
  }
  o.wait(real(parent));
  o.get(real(parent), dest, parent == 0 ? s : d, 0, bytes);
  o.signal(real(parent));
  children([&](int c) { o.signal(real(c)); });
  children([&](int c) { o.wait(real(c)); });
}

void fcollect(Team& team, void* dest, const void* source, std::size_t bytes, const char* call) {
  Op o(team, call, {{"nelems (as bytes)", bytes}, moved_through("dest", dest, bytes)});
  if (bytes == 0) return;
  const Sym d = locate(o.rt, dest, checked_mul(bytes, static_cast<std::size_t>(o.n), call, "the dest size"),
                       call, "dest");
  const std::size_t mine = static_cast<std::size_t>(o.me) * bytes;
  for (int i = 1; i < o.n; ++i) {
    const int r = (o.me + i) % o.n;
    o.put_signal(r, d, mine, source, bytes);
  }
  std::memmove(static_cast<char*>(dest) + mine, source, bytes);
  for (int i = 1; i < o.n; ++i) o.wait((o.me + o.n - i) % o.n);
}

void collect(Team& team, void* dest, const void* source, std::size_t bytes, const char* call) {
  // Contributions may differ in size; a PE that receives nothing at all may pass any dest.
  Op o(team, call, {moved_through("dest", dest, dest != nullptr)});
  const int n = o.n;
  if (n == 1) {
    if (bytes) std::memmove(dest, source, bytes);
    return;
  }
  // Round 1: every PE learns every contribution's size. Round 2: each pushes its block at its offset.
  const uint64_t mine = bytes;
  const char** from = from_table(n);
  o.exchange(&mine, sizeof mine, from);
  std::vector<uint64_t> sizes(static_cast<std::size_t>(n));
  uint64_t offset = 0, total = 0;
  for (int r = 0; r < n; ++r) {
    std::memcpy(&sizes[r], from[r], sizeof(uint64_t));
    if (r < o.me) offset += sizes[r];
    total += sizes[r];
  }
  if (total == 0) return;
  const Sym d = locate(o.rt, dest, total, call, "dest");
  if (bytes) {
    for (int i = 1; i < n; ++i) {
      const int r = (o.me + i) % n;
      o.put_signal(r, d, offset, source, bytes);
    }
    std::memmove(static_cast<char*>(dest) + offset, source, bytes);
  }
  for (int i = 1; i < n; ++i) {
    const int r = (o.me + n - i) % n;
    if (sizes[r]) o.wait(r);  // an empty contribution sends no signal
  }
}

void alltoall(Team& team, void* dest, const void* source, std::size_t bytes, const char* call) {
  Op o(team, call, {{"nelems (as bytes)", bytes}, moved_through("dest", dest, bytes)});
  if (bytes == 0) return;
  const Sym d = locate(o.rt, dest, checked_mul(bytes, static_cast<std::size_t>(o.n), call, "the dest size"),
                       call, "dest");
  const char* src = static_cast<const char*>(source);
  const std::size_t mine = static_cast<std::size_t>(o.me) * bytes;
  for (int i = 1; i < o.n; ++i) {
    const int r = (o.me + i) % o.n;
    o.put_signal(r, d, mine, src + static_cast<std::size_t>(r) * bytes, bytes);
  }
  std::memmove(static_cast<char*>(dest) + mine, src + mine, bytes);
  for (int i = 1; i < o.n; ++i) o.wait((o.me + o.n - i) % o.n);
}

void alltoalls(Team& team, void* dest, const void* source, std::ptrdiff_t dst, std::ptrdiff_t sst,
               std::size_t nelems, std::size_t elem, const char* call) {
  Op o(team, call,
       {{"dst", static_cast<uint64_t>(dst)},
        {"sst", static_cast<uint64_t>(sst)},
        {"nelems", nelems},
        moved_through("dest", dest, nelems)});
  if (dst < 1) util::fatal_user_error(call, "argument 'dst' = %td: strides must be at least 1", dst);
  if (sst < 1) util::fatal_user_error(call, "argument 'sst' = %td: strides must be at least 1", sst);
  if (nelems == 0) return;
  const std::size_t n = static_cast<std::size_t>(o.n);
  const std::size_t last = checked_mul(checked_mul(n, nelems, call, "the exchange size") - 1,
                                       static_cast<std::size_t>(dst), call, "the dest extent");
  const Sym d = locate(o.rt, dest, checked_mul(last + 1, elem, call, "the dest extent"), call, "dest");
  const std::size_t dstep = static_cast<std::size_t>(dst) * elem,
                    sstep = static_cast<std::size_t>(sst) * elem;
  const char* src = static_cast<const char*>(source);
  const std::size_t mine = static_cast<std::size_t>(o.me) * nelems * dstep;
  for (int i = 0; i < o.n; ++i) {
    const int r = (o.me + i) % o.n;
    const char* from = src + static_cast<std::size_t>(r) * nelems * sstep;
    // This PE's own block is in its own dest: copy it directly, as alltoall does, even when no
    // transport maps peers (a put per element through a transport, each completed at once because
    // no signal follows it, made a large strided self-block cost a network round trip per element).
    char* to = nullptr;
    if (r == o.me)
      to = static_cast<char*>(dest) + mine;
    else if (char* b = o.base(r, d.segment))
      to = b + d.offset + mine;
    if (to) {
      for (std::size_t k = 0; k < nelems; ++k) copy_element(to + k * dstep, from + k * sstep, elem);
      o.mark_pushed();
    } else if (dstep == elem) {
      // Contiguous in the peer's dest: one put per packed run, not one per element (which over a
      // network transport costs a message each).
      const std::size_t run = std::max<std::size_t>(1, kPackBytes / elem);
      for (std::size_t k = 0; k < nelems; k += run) {
        const std::size_t m = std::min(run, nelems - k);
        const char* packed = from + k * sstep;
        if (sstep != elem) {
          char* buf = t_in.get(m * elem);
          for (std::size_t j = 0; j < m; ++j) copy_element(buf + j * elem, from + (k + j) * sstep, elem);
          packed = buf;
        }
        o.put(r, d, mine + k * elem, packed, m * elem);
      }
    } else {
      for (std::size_t k = 0; k < nelems; ++k) o.put(r, d, mine + k * dstep, from + k * sstep, elem);
    }
    if (r != o.me) o.signal(r);
  }
  for (int i = 1; i < o.n; ++i) o.wait((o.me + o.n - i) % o.n);
}

void reduce(Team& team, void* dest, const void* source, std::size_t count, const Kernel& kernel,
            const char* call) {
  Op o(team, call,
       {{"nreduce", count}, moved_through("dest", dest, count), moved_through("source", source, count)});
  const std::size_t elem = kernel.elem;
  const std::size_t bytes = core::checked_bytes(count, elem, call);
  if (bytes == 0) return;
  const int n = o.n;
  if (n == 1) {
    if (dest != source) std::memmove(dest, source, bytes);
    return;
  }
  if (bytes <= tuning().reduce_oneshot_max && bytes <= o.stage_capacity()) {
    o.chose("one-shot (every contribution to every PE)", bytes);
    // One-shot: everyone's contribution lands in everyone's staging; each PE reduces all of them in
    // rank order (so every PE computes the same bits).
    if (o.rt.checks()) {
      locate(o.rt, source, bytes, call, "source");
      locate(o.rt, dest, bytes, call, "dest");
    }
    const char** from = from_table(n);
    o.exchange(source, bytes, from);
    char* acc = dest != source ? static_cast<char*>(dest) : t_acc.get(bytes);
    std::memcpy(acc, from[0], bytes);
    for (int r = 1; r < n; ++r) kernel.combine(acc, from[r], count);
    if (acc != dest) std::memcpy(dest, acc, bytes);
    return;
  }
  o.chose("two-shot (reduce-scatter, then all-gather)", bytes);
  // Two-shot: reduce-scatter (each PE reduces its chunk, reading every member's source where it
  // lies), then all-gather (each PE pushes its reduced chunk into everyone's dest).
  const Sym s = locate(o.rt, source, bytes, call, "source");
  const Sym d = locate(o.rt, dest, bytes, call, "dest");
  o.entered();
  const std::size_t align = (64 % elem == 0) ? 64 / elem : 1;
  std::size_t per = (count + static_cast<std::size_t>(n) - 1) / static_cast<std::size_t>(n);
  per = (per + align - 1) / align * align;
  auto chunk = [&](int r, std::size_t* lo, std::size_t* hi) {
    *lo = std::min(count, static_cast<std::size_t>(r) * per);
    *hi = std::min(count, *lo + per);
  };
  std::size_t lo, hi;
  chunk(o.me, &lo, &hi);
  const std::size_t block = std::max<std::size_t>(1, kBlockBytes / elem);
  char* acc = t_acc.get(block * elem);
  char* in_buf = t_in.get(block * elem);
  char* out = static_cast<char*>(dest);
  for (std::size_t b = lo; b < hi; b += block) {
    const std::size_t m = std::min(block, hi - b);
    for (int r = 0; r < n; ++r) {
      const char* in;
      if (char* base = o.base(r, s.segment)) {
        in = base + s.offset + b * elem;
      } else {
        o.get(r, in_buf, s, b * elem, m * elem);
        in = in_buf;
      }
      if (r == 0)
        std::memcpy(acc, in, m * elem);
      else
        kernel.combine(acc, in, m);
    }
    // In place is safe: only this PE reads this chunk of any source, and it has read this block.
    std::memcpy(out + b * elem, acc, m * elem);
  }
  if (hi > lo)
    for (int i = 1; i < n; ++i) {
      const int r = (o.me + i) % n;
      o.put_signal(r, d, lo * elem, out + lo * elem, (hi - lo) * elem);
    }
  // A peer's chunk arriving also means it has finished reading this PE's source.
  for (int i = 1; i < n; ++i) {
    const int r = (o.me + n - i) % n;
    std::size_t rlo, rhi;
    chunk(r, &rlo, &rhi);
    if (rhi > rlo) o.wait(r);
  }
}

void scan(Team& team, void* dest, const void* source, std::size_t count, const Kernel& kernel, bool inclusive,
          const char* call) {
  Op o(team, call,
       {{"nelems", count}, moved_through("dest", dest, count), moved_through("source", source, count)});
  const std::size_t elem = kernel.elem;
  const std::size_t bytes = core::checked_bytes(count, elem, call);
  if (bytes == 0) return;
  const int n = o.n, me = o.me;
  if (n == 1) {
    if (!inclusive)
      std::memset(dest, 0, bytes);
    else if (dest != source)
      std::memmove(dest, source, bytes);
    return;
  }
  const Sym s = locate(o.rt, source, bytes, call, "source");
  locate(o.rt, dest, bytes, call, "dest");
  // Round 1: successors may read this PE's source once it has entered.
  for (int r = me + 1; r < n; ++r) o.signal(r);
  for (int r = 0; r < me; ++r) o.wait(r);
  const int last = inclusive ? me : me - 1;
  const bool in_place = dest == source;
  char* out = in_place ? t_result.get(bytes) : static_cast<char*>(dest);
  if (last < 0) {
    std::memset(out, 0, bytes);
  } else {
    const std::size_t block = std::max<std::size_t>(1, kBlockBytes / elem);
    char* in_buf = t_in.get(block * elem);
    for (std::size_t b = 0; b < count; b += block) {
      const std::size_t m = std::min(block, count - b);
      for (int r = 0; r <= last; ++r) {
        const char* in;
        if (char* base = o.base(r, s.segment)) {
          in = base + s.offset + b * elem;
        } else {
          o.get(r, in_buf, s, b * elem, m * elem);
          in = in_buf;
        }
        if (r == 0)
          std::memcpy(out + b * elem, in, m * elem);
        else
          kernel.combine(out + b * elem, in, m);
      }
    }
  }
  // Round 2: predecessors learn this PE is done with their sources; this PE waits until its
  // successors are done with its own, after which source may change (and dest, if the same).
  for (int r = 0; r < me; ++r) o.signal(r);
  for (int r = me + 1; r < n; ++r) o.wait(r);
  if (in_place) std::memcpy(dest, out, bytes);
}

}  // namespace causeway::coll
