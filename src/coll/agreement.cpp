// SPDX-License-Identifier: BSD-3-Clause
// Checks mode: the members of a collective compare their arguments. A collective whose PEs pass
// different sizes, roots or buffers, or call different routines, otherwise returns wrong data or
// hangs with nothing said.
//
// Records. As it enters a collective, each member writes a 128-byte record of its call into every
// other member's ring for it (per slot and source PE, kRing records). A record is tagged with how
// many collectives on the slot the pair has shared, which both sides count alike, so a PE's call
// number t is compared with the peer's call number t. Each PE also keeps its own last kRing calls.
//
// Comparisons. Nothing waits for a record, so collectives that let a PE run ahead (a pushed
// broadcast's root waits for nobody) still do. A member compares a peer's record while it waits for
// that peer's signal, and once the signal has come it compares every record of that peer since the
// last comparison (the peer fenced them before signalling). shmem_finalize compares what is left.
// A peer a whole ring ahead has overwritten the record: that comparison is skipped.
//
// Tearing. A put copies in no particular order (memcpy stores head and tail before the middle; a
// NIC splits as it likes), so a reader can see a record's tag on both ends over the body of an
// older one. Each record ends with a checksum of everything before it; a record that fails it has
// not landed yet, or is being overwritten.
#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstring>

#include "coll/coll.hpp"
#include "core/issue.hpp"
#include "core/sync.hpp"
#include "util/log.hpp"

namespace causeway::coll {

namespace {

constexpr int kRing = 4;
constexpr std::size_t kRecordBytes = 128;
constexpr uint64_t kPrivate = ~uint64_t{0} - 1;  // an address that is not symmetric on that PE

struct Record {
  uint64_t tag;   // collectives on this slot the writer has shared with the reader, this one included
  uint64_t kind;  // hash of the routine, or of a family whose members may be mixed (barrier, sync)
  int32_t team_first, team_stride, team_size, count;
  uint64_t values[kAgreedMax];
  char call[kRecordBytes - 80];
  uint64_t checksum;  // of the bytes before it, tag included
};
static_assert(sizeof(Record) == kRecordBytes);

// One of this PE's own calls, kept to compare with peers' records of it.
struct OwnCall {
  uint64_t number = 0;  // this PE's calls on the slot, this one included
  Record record{};
  const char* names[kAgreedMax] = {};
  bool address[kAgreedMax] = {};
};

uint64_t fnv1a(const void* data, std::size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = 14695981039346656037ull;
  for (std::size_t i = 0; i < bytes; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

uint64_t hash(const char* s) { return fnv1a(s, std::strlen(s)); }

uint64_t checksum_of(const Record& rec) { return fnv1a(&rec, offsetof(Record, checksum)); }

}  // namespace

// Per slot, checks mode only.
struct AgreementLog {
  std::size_t rings_offset = 0;       // heap offset of the slot's rings, the same on every PE
  char* rings = nullptr;              // this PE's: kRing records from each world PE
  uint64_t calls = 0;                 // this PE's calls on the slot
  OwnCall own[kRing];                 // the last kRing of them, by number % kRing
  std::vector<uint64_t> shared;       // per world PE: collectives on the slot shared with it
  std::vector<uint64_t> compared;     // per world PE: records compared up to this tag
  std::vector<uint64_t> call_at_tag;  // per world PE x kRing: this PE's call number for a tag
};

namespace {

// A report under construction (snprintf appends; GCC 12 misreads some std::string concatenations).
class Text {
 public:
  [[gnu::format(printf, 2, 3)]] void add(const char* fmt, ...) {
    if (used_ >= sizeof buf_ - 1) return;
    va_list ap;
    va_start(ap, fmt);
    const int n = std::vsnprintf(buf_ + used_, sizeof buf_ - used_, fmt, ap);
    va_end(ap);
    if (n > 0) used_ = std::min(sizeof buf_ - 1, used_ + static_cast<std::size_t>(n));
  }
  const char* c_str() const { return buf_; }

 private:
  char buf_[640] = {};
  std::size_t used_ = 0;
};

void add_team(Text& out, const Record& rec) {
  if (rec.team_stride >= 0)
    out.add("a team of %d PEs (world PE %d, stride %d)", rec.team_size, rec.team_first, rec.team_stride);
  else
    out.add("a team of %d PEs from world PE %d", rec.team_size, rec.team_first);
}

void add_value(Text& out, bool address, uint64_t v) {
  if (!address)
    out.add("%lld", static_cast<long long>(v));
  else if (v == kPrivate)
    out.add("an address that is not symmetric");
  else
    out.add("%s + %#llx", core::g_runtime->segment(static_cast<int>(v >> 56) - 1).what,
            static_cast<unsigned long long>(v & ((uint64_t{1} << 56) - 1)));
}

// Ends the job. `own` is the call that disagrees; `now` the call in progress when it was found.
[[noreturn]] void report(const OwnCall& own, const char* now, const Text& detail) {
  const char* call = own.record.call;
  util::fatal_user_error(call,
                         "the PEs of this collective disagree: %s. Every member must make the same call "
                         "with the same arguments (compared because CAUSEWAY_CHECKS is set%s%s)",
                         detail.c_str(), std::strcmp(call, now) ? "; found in " : "",
                         std::strcmp(call, now) ? now : "");
}

// Compares `peer`'s record tagged `tag` with this PE's call of that tag. `landed`: the peer fenced
// the record before a signal this PE has seen, so a missing record means the peer never made the call.
// Returns false only when the record has not landed yet.
bool compare_tag(const AgreementLog& log, int peer, uint64_t tag, bool landed, const char* now) {
  const uint64_t number = log.call_at_tag[static_cast<std::size_t>(peer) * kRing + tag % kRing];
  const OwnCall& own = log.own[number % kRing];
  if (own.number != number) return true;  // this PE's own record of it is gone: a ring ago
  const char* at = log.rings + (static_cast<std::size_t>(peer) * kRing + tag % kRing) * kRecordBytes;
  const uint64_t seen = __atomic_load_n(reinterpret_cast<const uint64_t*>(at), __ATOMIC_ACQUIRE);
  const int me = core::g_runtime->my_pe();
  if (seen != tag) {
    if (!landed) return false;
    if (seen > tag) return true;  // overwritten: the peer is a whole ring ahead
    Text detail;
    detail.add(
        "PE %d has made %llu collective calls on this team's slot with this PE and this PE %llu, the last "
        "%s: the PEs make different sequences of collective calls",
        peer, static_cast<unsigned long long>(seen), static_cast<unsigned long long>(tag), own.record.call);
    report(own, now, detail);
  }
  Record theirs;
  std::memcpy(&theirs, at, sizeof theirs);
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  if (theirs.tag != tag || theirs.checksum != checksum_of(theirs)) return landed;  // landing, or overwritten
  const Record& mine = own.record;
  Text detail;
  if (theirs.kind != mine.kind) {
    detail.add("they called different routines: %s on PE %d (this PE), %.*s on PE %d", mine.call, me,
               static_cast<int>(strnlen(theirs.call, sizeof theirs.call)), theirs.call, peer);
    report(own, now, detail);
  }
  if (theirs.team_first != mine.team_first || theirs.team_stride != mine.team_stride ||
      theirs.team_size != mine.team_size) {
    detail.add("'team' (or the active set) differs: ");
    add_team(detail, mine);
    detail.add(" on PE %d (this PE), ", me);
    add_team(detail, theirs);
    detail.add(" on PE %d", peer);
    report(own, now, detail);
  }
  for (int i = 0; i < mine.count && i < theirs.count; ++i) {
    const uint64_t a = mine.values[i], b = theirs.values[i];
    if (a == b || a == kNotCompared || b == kNotCompared) continue;
    detail.add("argument '%s' differs: ", own.names[i]);
    add_value(detail, own.address[i], a);
    detail.add(" on PE %d (this PE), ", me);
    add_value(detail, own.address[i], b);
    detail.add(" on PE %d", peer);
    report(own, now, detail);
  }
  return true;
}

// Every record of `peer` up to this PE's latest call with it that has not been compared.
void catch_up(AgreementLog& log, int peer, const char* now) {
  const uint64_t latest = log.shared[static_cast<std::size_t>(peer)];
  uint64_t& done = log.compared[static_cast<std::size_t>(peer)];
  for (uint64_t tag = std::max(done + 1, latest > kRing ? latest - kRing + 1 : 1); tag <= latest; ++tag)
    compare_tag(log, peer, tag, true, now);
  done = latest;
}

}  // namespace

namespace {

// An address as every PE can compare it: segment and offset, or kPrivate.
uint64_t symmetric_value(uintptr_t address) {
  core::Location loc;
  if (!address || !core::g_runtime->locate(reinterpret_cast<const void*>(address), 1, &loc)) return kPrivate;
  return (static_cast<uint64_t>(loc.segment + 1) << 56) | static_cast<uint64_t>(loc.offset);
}

}  // namespace

void init_agreement(core::Runtime& rt, std::vector<std::unique_ptr<Slot>>& slots) {
  const std::size_t n = static_cast<std::size_t>(rt.n_pes());
  const std::size_t per_slot = n * kRing * kRecordBytes;
  const std::size_t bytes = per_slot * slots.size();
  // Every PE takes the same decision: the sizes are the same everywhere (checks mode is job-wide).
  char* rings = bytes <= rt.segment(core::kHeapSegment).size / 8
                    ? static_cast<char*>(rt.heap_allocate(bytes, 4096, "shmem_init", /*zero=*/true))
                    : nullptr;
  if (!rings) {
    CW_LOG(util::LogLevel::warn,
           "CAUSEWAY_CHECKS: collective arguments are not compared across PEs: their %zu bytes of records "
           "do not fit the symmetric heap (raise SHMEM_SYMMETRIC_SIZE)",
           bytes);
    return;
  }
  const std::size_t offset = static_cast<std::size_t>(rings - rt.segment(core::kHeapSegment).base);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    auto log = std::make_shared<AgreementLog>();
    log->rings_offset = offset + i * per_slot;
    log->rings = rings + i * per_slot;
    log->shared.assign(n, 0);
    log->compared.assign(n, 0);
    log->call_at_tag.assign(n * kRing, 0);
    slots[i]->agreement = std::move(log);
  }
}

void finalize_agreement(core::Runtime& rt, std::vector<std::unique_ptr<Slot>>& slots) {
  if (slots.empty() || !slots[0]->agreement) return;
  // Every record written before anyone got here has landed once everyone is past this barrier.
  core::barrier_all(rt);
  for (auto& slot : slots)
    for (int peer = 0; peer < rt.n_pes(); ++peer) catch_up(*slot->agreement, peer, "shmem_finalize");
}

void Agreement::enter(Team& team, const char* call, const char* kind, std::initializer_list<Agreed> args) {
  AgreementLog* log = team.slot->agreement.get();
  if (!log || team.size() < 2) return;
  core::Runtime& rt = *core::g_runtime;
  if (args.size() > kAgreedMax) util::fatal_user_error(call, "internal: too many arguments to compare");
  team_ = &team;
  call_ = call;
  const uint64_t number = ++log->calls;
  OwnCall& own = log->own[number % kRing];
  own.number = number;
  Record& rec = own.record;
  rec = Record{};
  rec.kind = hash(kind);
  const int n = team.size();
  rec.team_first = team.members[0];
  rec.team_size = n;
  rec.team_stride = team.stride;
  rec.count = static_cast<int32_t>(args.size());
  int i = 0;
  for (const Agreed& a : args) {
    rec.values[i] = a.address && a.value != kNotCompared ? symmetric_value(a.value) : a.value;
    own.names[i] = a.name;
    own.address[i] = a.address;
    ++i;
  }
  std::snprintf(rec.call, sizeof rec.call, "%s", call);
  const std::size_t from_me = static_cast<std::size_t>(rt.my_pe()) * kRing;
  for (int r = 0; r < n; ++r) {
    const int peer = team.members[r];
    if (r == team.my_rank) continue;
    const uint64_t tag = ++log->shared[static_cast<std::size_t>(peer)];
    log->call_at_tag[static_cast<std::size_t>(peer) * kRing + tag % kRing] = number;
    rec.tag = tag;
    rec.checksum = checksum_of(rec);
    const std::size_t at = log->rings_offset + (from_me + tag % kRing) * kRecordBytes;
    core::issue_put(rt, nullptr, peer, core::Location{core::kHeapSegment, at}, &rec, sizeof rec, false, call);
  }
}

bool Agreement::try_compare(int peer) {
  if (!team_) return true;
  const AgreementLog& log = *team_->slot->agreement;
  return compare_tag(log, peer, log.shared[static_cast<std::size_t>(peer)], false, call_);
}

void Agreement::compare(int peer) {
  if (team_) catch_up(*team_->slot->agreement, peer, call_);
}

}  // namespace causeway::coll
