// SPDX-License-Identifier: BSD-3-Clause
// Random graphs of stamped traffic among all PEs, checked against the clock condition (G1).
//
// Each round, every PE derives the same random list of events from a shared seed: (source,
// destination, kind, the sending and the receiving context, size). The PEs walk the list in order:
// the source sends (a put then a publish, a stamped put, or an active message), the destination
// receives (waits for the stamp, announced by a plain put before the data leaves, or for the
// handler). Walking one list keeps every wait behind the send it waits for, so rounds cannot
// deadlock, while chains of events (A -> B, then B -> C in the same round) make the causality
// graph deep. Every PE logs each event with the stamp it got (a send), or its clock right after
// (a receive) and the stamp it observed. PE 0 gathers the logs and checks:
//   - on each lane, a thread's successive event stamps strictly increase;
//   - every receive is after its send, and observed its stamp (a handler, exactly; a stamp wait, a
//     watermark at least as late);
//   - every event was sent once and received once.
// The clocks are brought together between rounds (lamport::ClockSync), which keeps 8-bit stamps
// (the wrap rows) within their comparison window; every comparison uses shmemx_stamp_compare.
#include <shmemx.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <sstream>
#include <utility>
#include <vector>

#include "lamport_util.hpp"
#include "pe_util.hpp"

namespace {

using lamport::lane_of;
using lamport::time_of;

enum Kind : int16_t { kPublish, kPutStamped, kActiveMessage };
const char* kind_name(int k) {
  return k == kPublish ? "put+publish" : k == kPutStamped ? "putmem_stamped" : "active message";
}

struct Event {
  int src, dest, kind, send_ctx, recv_ctx;
  std::size_t bytes;
};

struct LogEntry {
  shmemx_stamp_t stamp;     // a send's stamp, or the receiving context's clock just after
  shmemx_stamp_t observed;  // a receive: the message's stamp, or the watermark its wait returned
  int32_t round, event;
  int16_t kind, peer, received, unused;
};

constexpr int kRounds = 30;
constexpr std::size_t kSlotBytes = 256;
int events_per_round() { return 4 * pe::npes(); }

std::vector<Event> schedule(int round) {
  const int n = pe::npes();
  std::mt19937_64 rng(0xC0FFEEULL + uint64_t(round) * 0x9E3779B97F4A7C15ULL);
  std::vector<Event> events(events_per_round());
  for (Event& e : events) {
    e.src = static_cast<int>(rng() % n);
    e.dest = (e.src + 1 + static_cast<int>(rng() % (n - 1))) % n;
    e.kind = static_cast<int>(rng() % 3);
    e.send_ctx = static_cast<int>(rng() % 2);
    e.recv_ctx = static_cast<int>(rng() % 2);
    e.bytes = 1 + rng() % kSlotBytes;
  }
  return events;
}

void fill(unsigned char* p, std::size_t n, int round, int event) {
  for (std::size_t j = 0; j < n; ++j)
    p[j] = static_cast<unsigned char>(pe::mix(uint64_t(round) << 20 | uint64_t(event) << 9 | j));
}

struct AmPayload {
  int32_t round, event;
  unsigned char data[kSlotBytes];
};

// What the handler shares with the test (handlers run one at a time, maybe on the progress thread).
struct Graph {
  std::vector<std::atomic<int>> got;
  LogEntry* handler_log = nullptr;
  std::atomic<int> handler_count{0}, bad_payload{0};
};
Graph* g_graph = nullptr;

void graph_handler(shmemx_am_token_t token, int src, const void* payload, size_t nbytes, void*) {
  Graph& g = *g_graph;
  AmPayload p;
  std::memcpy(&p, payload, nbytes < sizeof p ? nbytes : sizeof p);
  unsigned char want[kSlotBytes];
  const std::size_t bytes = nbytes - offsetof(AmPayload, data);
  fill(want, bytes, p.round, p.event);
  if (std::memcmp(p.data, want, bytes) != 0) ++g.bad_payload;
  const int at = g.handler_count.fetch_add(1);
  g.handler_log[at] = {shmemx_ctx_clock(SHMEM_CTX_DEFAULT),
                       shmemx_am_token_stamp(token),
                       p.round,
                       p.event,
                       kActiveMessage,
                       static_cast<int16_t>(src),
                       1,
                       0};
  g.got[p.event].store(1);
}

template <auto Fn>
int handler_id(void* user = nullptr) {
  static int id = shmemx_am_register(Fn, user);
  return id;
}

// PE 0's checks over every PE's logs; returns a description of each failure (the first few).
class LogCheck {
 public:
  void add_logs(int pe, const std::vector<LogEntry>& main_log, const std::vector<LogEntry>& handler_log) {
    for (const auto* log : {&main_log, &handler_log}) {
      std::map<int, shmemx_stamp_t> last;  // per lane
      for (const LogEntry& e : *log) {
        const int lane = lane_of(e.stamp);
        if (auto it = last.find(lane); it != last.end() && shmemx_stamp_compare(e.stamp, it->second) <= 0)
          fail() << "PE " << pe << (log == &main_log ? " (main thread)" : " (handlers)") << ", lane " << lane
                 << ": event stamp " << time_of(e.stamp) << " (round " << e.round << ", event " << e.event
                 << ", " << kind_name(e.kind) << ") not after the previous one, " << time_of(last[lane]);
        last[lane] = e.stamp;
        auto& slot = e.received ? receives_[{e.round, e.event}] : sends_[{e.round, e.event}];
        if (slot.second++ == 0) slot.first = {pe, e};
      }
    }
  }

  void check_events() {
    for (int r = 0; r < kRounds; ++r) {
      const std::vector<Event> events = schedule(r);
      for (int i = 0; i < static_cast<int>(events.size()); ++i) {
        const Event& ev = events[i];
        const auto s = sends_.find({r, i}), v = receives_.find({r, i});
        if (s == sends_.end() || v == receives_.end() || s->second.second != 1 || v->second.second != 1) {
          fail() << "round " << r << ", event " << i << ": " << (s == sends_.end() ? 0 : s->second.second)
                 << " sends and " << (v == receives_.end() ? 0 : v->second.second) << " receives logged";
          continue;
        }
        const auto& [send_pe, send] = s->second.first;
        const auto& [recv_pe, recv] = v->second.first;
        if (send_pe != ev.src || recv_pe != ev.dest || send.kind != ev.kind || recv.peer != ev.src)
          fail() << "round " << r << ", event " << i << ": logged by the wrong PEs or as the wrong kind";
        // A handler observes the message's own stamp; a stamp wait, the watermark, which covers the
        // send (it may already cover a later one).
        const bool observed_ok = ev.kind == kActiveMessage
                                     ? recv.observed == send.stamp
                                     : lane_of(recv.observed) == lane_of(send.stamp) &&
                                           shmemx_stamp_compare(recv.observed, send.stamp) >= 0;
        if (!observed_ok)
          fail() << "round " << r << ", event " << i << " (" << kind_name(ev.kind) << "): PE " << ev.dest
                 << " observed stamp " << std::hex << recv.observed << " but PE " << ev.src << " sent "
                 << send.stamp << std::dec;
        if (shmemx_stamp_compare(recv.stamp, send.stamp) <= 0)
          fail() << "round " << r << ", event " << i << " (" << kind_name(ev.kind) << "): the receive at PE "
                 << ev.dest << " has clock " << time_of(recv.stamp) << ", not after the send's stamp "
                 << time_of(send.stamp) << " at PE " << ev.src;
      }
    }
  }

  const std::vector<std::string>& failures() const { return failures_; }
  int count() const { return count_; }

 private:
  struct Sink {
    std::ostringstream os;
    std::vector<std::string>* out;
    ~Sink() {
      if (out) out->push_back(os.str());
    }
    template <class T>
    Sink& operator<<(const T& v) {
      os << v;
      return *this;
    }
    Sink& operator<<(std::ios_base& (*f)(std::ios_base&)) {
      os << f;
      return *this;
    }
  };
  Sink fail() { return Sink{{}, ++count_ <= 10 ? &failures_ : nullptr}; }

  using Key = std::pair<int, int>;
  std::map<Key, std::pair<std::pair<int, LogEntry>, int>> sends_, receives_;
  std::vector<std::string> failures_;
  int count_ = 0;
};

TEST(Graph, RandomStampedTrafficKeepsTheClockCondition) {
  if (pe::npes() < 2) GTEST_SKIP() << "needs 2 PEs";
  const int id = handler_id<graph_handler>();
  ASSERT_GE(id, 0);
  const int n_events = events_per_round();
  const std::size_t max_log = std::size_t(kRounds) * n_events;
  shmem_ctx_t created;
  ASSERT_EQ(shmem_ctx_create(SHMEMX_CTX_CAUSAL, &created), 0);
  const std::vector<shmem_ctx_t> ctxs{SHMEM_CTX_DEFAULT, created};
  auto* slots = static_cast<unsigned char*>(shmem_calloc(n_events, kSlotBytes));
  auto* announced = static_cast<uint64_t*>(shmem_calloc(n_events, sizeof(uint64_t)));
  auto* main_log = static_cast<LogEntry*>(shmem_calloc(max_log, sizeof(LogEntry)));
  auto* handler_log = static_cast<LogEntry*>(shmem_calloc(max_log, sizeof(LogEntry)));
  auto* counts = static_cast<int64_t*>(shmem_calloc(2, sizeof(int64_t)));
  Graph graph{std::vector<std::atomic<int>>(n_events), handler_log};
  g_graph = &graph;
  lamport::ClockSync sync;
  int logged = 0, bad_data = 0, bad_wait = 0, bad_announce = 0;
  unsigned char buf[kSlotBytes], want[kSlotBytes];
  for (int r = 0; r < kRounds; ++r) {
    sync.run(ctxs);
    const std::vector<Event> events = schedule(r);
    for (int i = 0; i < n_events; ++i) {
      const Event& ev = events[i];
      if (ev.src == pe::me()) {
        shmem_ctx_t c = ctxs[ev.send_ctx];
        shmemx_stamp_t s;
        if (ev.kind == kActiveMessage) {
          AmPayload p{r, i, {}};
          fill(p.data, ev.bytes, r, i);
          shmemx_am_send(c, ev.dest, id, &p, offsetof(AmPayload, data) + ev.bytes);
          s = shmemx_am_last_stamp();
        } else {
          // Announced before the data leaves (handlers merging into the default clock meanwhile
          // only make the stamp later than announced; the wait still waits for this call).
          const shmemx_stamp_t next = lamport::next_stamp(c);
          lamport::announce(&announced[i], next, ev.dest);
          fill(buf, ev.bytes, r, i);
          unsigned char* slot = slots + std::size_t(i) * kSlotBytes;
          if (ev.kind == kPublish) {
            shmem_ctx_putmem(c, slot, buf, ev.bytes, ev.dest);
            s = shmemx_ctx_publish(c, ev.dest);
          } else {
            s = shmemx_ctx_putmem_stamped(c, slot, buf, ev.bytes, ev.dest);
          }
          bad_announce += shmemx_stamp_compare(s, next) < 0;
        }
        main_log[logged++] = {s, 0, r, i, static_cast<int16_t>(ev.kind), static_cast<int16_t>(ev.dest), 0, 0};
      } else if (ev.dest == pe::me()) {
        if (ev.kind == kActiveMessage) {
          while (graph.got[i].load() == 0) shmemx_am_progress();  // the handler logs it
          continue;
        }
        shmem_ctx_t c = ctxs[ev.recv_ctx];
        const shmemx_stamp_t s = lamport::await_announced(&announced[i]);
        const shmemx_stamp_t w = shmemx_ctx_stamp_wait(c, ev.src, s);
        const shmemx_stamp_t clock = shmemx_ctx_clock(c);
        fill(want, ev.bytes, r, i);
        bad_data += std::memcmp(slots + std::size_t(i) * kSlotBytes, want, ev.bytes) != 0;
        bad_wait += shmemx_stamp_compare(w, s) < 0 || lane_of(w) != lane_of(s);
        main_log[logged++] = {clock, w, r, i, static_cast<int16_t>(ev.kind), static_cast<int16_t>(ev.src),
                              1,     0};
      }
    }
    for (shmem_ctx_t c : ctxs) shmem_ctx_quiet(c);  // every message sent has run
    shmem_barrier_all();
    for (int i = 0; i < n_events; ++i) {
      announced[i] = 0;
      graph.got[i].store(0);
    }
  }
  EXPECT_EQ(bad_data, 0) << "receives whose data was not visible after the stamp wait";
  EXPECT_EQ(bad_wait, 0) << "stamp waits that returned a stamp before the one asked for";
  EXPECT_EQ(bad_announce, 0) << "stamped calls that got a stamp before the clock's next tick";
  EXPECT_EQ(graph.bad_payload.load(), 0) << "active-message payloads that arrived wrong";
  counts[0] = logged;
  counts[1] = graph.handler_count.load();
  shmem_barrier_all();
  if (pe::me() == 0) {
    LogCheck check;
    for (int p = 0; p < pe::npes(); ++p) {
      const int64_t m = shmem_int64_g(&counts[0], p), h = shmem_int64_g(&counts[1], p);
      std::vector<LogEntry> ml(m), hl(h);
      shmem_getmem(ml.data(), main_log, m * sizeof(LogEntry), p);
      shmem_getmem(hl.data(), handler_log, h * sizeof(LogEntry), p);
      check.add_logs(p, ml, hl);
    }
    check.check_events();
    for (const std::string& f : check.failures()) ADD_FAILURE() << f;
    EXPECT_EQ(check.count(), 0) << "clock-condition violations in " << kRounds << " rounds of " << n_events
                                << " events";
  }
  shmem_barrier_all();
  g_graph = nullptr;
  shmem_free(counts);
  shmem_free(handler_log);
  shmem_free(main_log);
  shmem_free(announced);
  shmem_free(slots);
  shmem_ctx_destroy(created);
}

}  // namespace
