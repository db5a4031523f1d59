// SPDX-License-Identifier: BSD-3-Clause
#include "util/stall.hpp"

#include <dlfcn.h>
#include <execinfo.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>

#include "util/log.hpp"

namespace causeway::util {

namespace {

// Every thread that has waited gets a slot here, so the report signal's handler (which runs on one
// thread) can read what the others wait on. Threads past the last slot are left out of that report.
constexpr int kThreadSlots = 64;
std::atomic<const WaitNote*> g_waits[kThreadSlots];
std::atomic<int> g_slots_taken{0};

struct ThreadWait {
  const WaitNote* top = nullptr;
  int slot = -2;  // -2: not yet asked for one; -1: none was left
};
thread_local ThreadWait t_wait;

int take_slot() {
  const int slot = g_slots_taken.fetch_add(1, std::memory_order_relaxed);
  return slot < kThreadSlots ? slot : -1;
}

const char* const kCompareNames[] = {"==", "!=", ">", ">=", "<", "<="};

long long read_word(const void* word, int bytes) {
  switch (bytes) {
    case 1: return __atomic_load_n(static_cast<const int8_t*>(word), __ATOMIC_RELAXED);
    case 2: return __atomic_load_n(static_cast<const int16_t*>(word), __ATOMIC_RELAXED);
    case 4: return __atomic_load_n(static_cast<const int32_t*>(word), __ATOMIC_RELAXED);
    default: return __atomic_load_n(static_cast<const int64_t*>(word), __ATOMIC_RELAXED);
  }
}

// One note as text: "CALL on a team of N PEs: waiting for WHAT STEP from PE P (word ADDR is V, wants
// CMP OPERAND)". Only snprintf, so the report signal's handler can use it.
void describe(const WaitNote& note, char* buf, std::size_t size) {
  std::size_t used = 0;
  auto add = [&](const char* fmt, auto... args) {
    if (used >= size) return;
    const int n = std::snprintf(buf + used, size - used, fmt, args...);
    if (n > 0) used += static_cast<std::size_t>(n);
  };
  add("%s", note.call ? note.call : "a library wait");
  if (note.team_size > 0) add(" on a team of %d PEs", note.team_size);
  if (note.team_size > 1 && note.team_first >= 0) {
    if (note.team_stride >= 0)
      add(" (world PEs %d, %d, ...: stride %d)", note.team_first, note.team_first + note.team_stride,
          note.team_stride);
    else
      add(" (irregular, from world PE %d)", note.team_first);
  }
  add(": waiting for %s", note.what ? note.what : "a condition");
  if (note.step >= 0) add(" %d", note.step);
  if (note.peer >= 0) add(" from PE %d", note.peer);
  if (note.word) {
    add(" (word %p is %lld", note.word, read_word(note.word, note.word_bytes));
    if (note.cmp >= 0 && note.cmp <= 5)
      add(", wants %s %lld", kCompareNames[note.cmp], static_cast<long long>(note.operand));
    add(")");
  }
}

// "CALL: ... (inside OUTER: ...)" for a chain of nested waits.
void describe_chain(const WaitNote* note, char* buf, std::size_t size) {
  describe(*note, buf, size);
  for (const WaitNote* outer = note->outer; outer; outer = outer->outer) {
    std::size_t used = 0;
    while (used < size && buf[used]) ++used;
    if (used + 16 >= size) return;
    std::snprintf(buf + used, size - used, " (inside %s)", outer->call ? outer->call : "a library wait");
  }
}

void print_backtrace() {
  void* frames[48];
  const int count = backtrace(frames, 48);
  log_report("report", "backtrace of the thread that took the signal:");
  for (int i = 1; i < count; ++i) {  // frame 0 is this function
    Dl_info info{};
    if (dladdr(frames[i], &info) && info.dli_sname) {
      const auto offset = static_cast<const char*>(frames[i]) - static_cast<const char*>(info.dli_saddr);
      log_report("report", "  #%d %s+%#tx (%s)", i - 1, info.dli_sname, offset, info.dli_fname);
    } else if (info.dli_fname) {
      const auto offset = static_cast<const char*>(frames[i]) - static_cast<const char*>(info.dli_fbase);
      log_report("report", "  #%d %s+%#tx", i - 1, info.dli_fname, offset);
    } else {
      log_report("report", "  #%d %p", i - 1, frames[i]);
    }
  }
}

void on_report_signal(int) {
  const int saved_errno = errno;
  char text[512];
  bool any = false;
  const int slots = std::min(g_slots_taken.load(std::memory_order_acquire), kThreadSlots);
  for (int i = 0; i < slots; ++i) {
    const WaitNote* note = g_waits[i].load(std::memory_order_acquire);
    if (!note) continue;
    describe_chain(note, text, sizeof text);
    log_report("report", "%s", text);
    any = true;
  }
  if (!any) log_report("report", "not waiting in Causeway (computing, or blocked outside the library)");
  print_backtrace();
  errno = saved_errno;
}

}  // namespace

WaitScope::WaitScope(const WaitNote& note) : note_(note) {
  ThreadWait& t = t_wait;
  note_.outer = t.top;
  t.top = &note_;
  if (t.slot == -2) t.slot = take_slot();
  if (t.slot >= 0) g_waits[t.slot].store(&note_, std::memory_order_release);
}

WaitScope::~WaitScope() {
  ThreadWait& t = t_wait;
  t.top = note_.outer;
  if (t.slot >= 0) g_waits[t.slot].store(note_.outer, std::memory_order_release);
}

void report_stall(long waited_ms) {
  char text[512];
  const WaitNote* note = t_wait.top;
  if (note) {
    describe_chain(note, text, sizeof text);
  } else {
    std::snprintf(text, sizeof text, "a library wait");
  }
  log_report("stall", "no progress for %ld.%03ld s in %s", waited_ms / 1000, waited_ms % 1000, text);
}

void install_report_signal() {
  struct sigaction old {};
  if (sigaction(SIGURG, nullptr, &old) != 0) return;
  if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) return;
  // backtrace() loads libgcc on first use; do that now, not inside the handler.
  void* frame;
  backtrace(&frame, 1);
  struct sigaction act {};
  act.sa_handler = on_report_signal;
  sigemptyset(&act.sa_mask);
  act.sa_flags = SA_RESTART;
  sigaction(SIGURG, &act, nullptr);
}

}  // namespace causeway::util
