// SPDX-License-Identifier: BSD-3-Clause
// fork() without exec after shmem_init: the child gets private copies of the symmetric memory
// (globals and heap) and its writes stay out of the parent's, while peers keep reaching the parent.
#include <shmem.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "pe_util.hpp"

// LeakSanitizer's switch, read when a process exits: off in forked children. A child holds copies
// of objects that only the parent's other threads (a UCX or libfabric progress thread, say) still
// point to, and those threads do not exist in the child, so the objects would look leaked.
static const pid_t g_test_process = getpid();
extern "C" __attribute__((visibility("default"), used)) int __lsan_is_turned_off() {
  return getpid() != g_test_process;
}

// Page-aligned, so it is on the part of the data segment that shmem_init moves onto a memfd (the
// page shared with RELRO stays private anyway and would prove nothing).
alignas(4096) static long g_value;

namespace {

// Reads that the compiler cannot fold into the values this thread stored before fork().
long load(const long* p) { return *static_cast<const volatile long*>(p); }
void store(long* p, long v) { *static_cast<volatile long*>(p) = v; }

// The child: no shmem calls and no gtest; it reports through its exit status.
[[noreturn]] void child_writes_42(long* global, long* heap) {
  int status = 0;
  if (load(global) != 1) status |= 1;  // it must see the parent's values as they were at fork
  if (load(heap) != 1) status |= 2;
  store(global, 42);
  store(heap, 42);
  if (load(global) != 42 || load(heap) != 42) status |= 4;  // and its own writes
  _exit(status);
}

TEST(Fork, ChildWritesStayInTheChild) {
  long* heap_value = static_cast<long*>(shmem_malloc(sizeof(long)));
  EXPECT_NE(heap_value, nullptr);
  if (heap_value) {
    store(&g_value, 1);
    store(heap_value, 1);
    shmem_barrier_all();

    const pid_t child = fork();
    if (child == 0) child_writes_42(&g_value, heap_value);
    EXPECT_GT(child, 0) << "fork failed";
    if (child > 0) {
      int status = -1;
      EXPECT_EQ(waitpid(child, &status, 0), child);
      EXPECT_TRUE(WIFEXITED(status)) << "child status " << status;
      EXPECT_EQ(WEXITSTATUS(status), 0) << "child exit status (1: global was not 1, 2: heap was not 1, "
                                           "4: its own writes did not stick)";
    }
    EXPECT_EQ(load(&g_value), 1) << "the child's write reached the parent's global";
    EXPECT_EQ(load(heap_value), 1) << "the child's write reached the parent's heap";
    shmem_barrier_all();

    // Peers still reach the parent's (shared) memory after the fork.
    const int writer = pe::npes() > 1 ? 1 : 0;
    if (pe::me() == writer) {
      shmem_long_p(&g_value, 7, 0);
      shmem_long_p(heap_value, 8, 0);
    }
    shmem_barrier_all();
    if (pe::me() == 0) {
      EXPECT_EQ(load(&g_value), 7) << "PE " << writer << "'s put to the global after fork";
      EXPECT_EQ(load(heap_value), 8) << "PE " << writer << "'s put to the heap after fork";
    }
  }
  shmem_barrier_all();
  shmem_free(heap_value);
}

// A child that ends with exit() rather than _exit() runs the library's exit handler; that must not
// finalize (a barrier with the parent's peers) on the parent's behalf.
TEST(Fork, ChildThatCallsExitDoesNotFinalizeThePe) {
  std::fflush(nullptr);  // the child's exit flushes its copy of the stdio buffers
  const pid_t child = fork();
  if (child == 0) std::exit(0);
  EXPECT_GT(child, 0) << "fork failed";
  if (child > 0) {
    int status = -1;
    pid_t done = 0;
    for (int waited_ms = 0; done == 0 && waited_ms < 20000; waited_ms += 10) {
      done = waitpid(child, &status, WNOHANG);
      if (done == 0) pe::sleep_ms(10);
    }
    if (done == 0) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
    }
    EXPECT_EQ(done, child) << "the child did not exit within 20 s (finalizing on the PE's behalf?)";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  // The PE and its peers carry on: a barrier and a put round.
  long* ring = static_cast<long*>(shmem_calloc(1, sizeof(long)));
  EXPECT_NE(ring, nullptr);
  if (ring) {
    shmem_long_p(ring, 100 + pe::me(), pe::right());
    shmem_barrier_all();
    EXPECT_EQ(load(ring), 100 + pe::left());
  }
  shmem_barrier_all();
  shmem_free(ring);
}

}  // namespace
