// SPDX-License-Identifier: BSD-3-Clause
// Stall reports: each blocked thread keeps a note of what it waits on, so a wait that runs past
// CAUSEWAY_STALL_TIMEOUT, or causeway-run --timeout (through SIGURG), can say what a hung PE is
// waiting for: the call, the peer, the word and the value it wants.
#pragma once
#include <cstdint>

namespace causeway::util {

// What one wait is for. Only plain fields: filling one costs a few stores, and the text is made
// only when a report is printed.
struct WaitNote {
  const char* call = nullptr;  // the API call (or library step) that waits
  const char* what = nullptr;  // what would end the wait, e.g. "barrier round", "collective signal"
  int step = -1;               // a round or step number that goes with `what`, or -1
  int peer = -1;               // the PE whose action ends the wait, or -1 if none in particular
  int team_size = 0;           // the team's size, for waits inside collectives (0: not one)
  int team_first = -1;         // its first member's world PE, or -1 (then team_stride means nothing)
  int team_stride = 0;         // world-PE distance between consecutive members, or -1: irregular
  const void* word = nullptr;  // the word watched, if one
  int word_bytes = 0;          // 1, 2, 4 or 8: how much of `word` to show
  int cmp = -1;                // SHMEM_CMP_* number the word must satisfy against `operand`, or -1
  uint64_t operand = 0;
  const WaitNote* outer = nullptr;  // the wait this one runs inside (set by WaitScope)
};

// Publishes `note` as what this thread waits on for its lifetime (nests).
class WaitScope {
 public:
  explicit WaitScope(const WaitNote& note);
  ~WaitScope();
  WaitScope(const WaitScope&) = delete;
  WaitScope& operator=(const WaitScope&) = delete;

 private:
  WaitNote note_;
};

// Prints this thread's current wait (innermost first) as a stall of `waited_ms` milliseconds.
void report_stall(long waited_ms);

// Installs the SIGURG handler that prints every thread's wait and a backtrace (causeway-run sends
// SIGURG when --timeout expires). Does nothing if the program handles SIGURG itself.
void install_report_signal();

}  // namespace causeway::util
