// SPDX-License-Identifier: BSD-3-Clause
// main() of the multi-PE gtest binaries: every PE of the job runs this program (under causeway-run,
// or alone as a 1-PE job). PE 0 prints gtest's normal output; the other PEs print only their
// failures, each line tagged with the PE. The job's result combines every PE's: each PE adds its
// failure count into a symmetric counter on PE 0, and every PE exits non-zero if any PE failed, so
// the launcher fails the job.
#include <gtest/gtest.h>
#include <shmem.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "pe_util.hpp"

namespace pe {

alignas(4096) unsigned char g_global_bytes[kGlobalBytes];
alignas(4096) unsigned char g_global_small[kGlobalSmallBytes];

namespace {
unsigned char* g_heap_region = nullptr;
}

unsigned char* heap_region() {
  if (!g_heap_region) g_heap_region = static_cast<unsigned char*>(shmem_malloc(kGlobalBytes));
  return g_heap_region;
}

void release_heap_region() {
  if (g_heap_region) shmem_free(g_heap_region);
  g_heap_region = nullptr;
}

namespace {

// The result printer of PEs other than 0: failures only, each line prefixed "[PE n]".
class FailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit FailurePrinter(int pe) : prefix_("[PE " + std::to_string(pe) + "] ") {}

  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::string text = result.message();
    std::string out = prefix_ + (result.file_name() ? result.file_name() : "unknown") + ":" +
                      std::to_string(result.line_number()) + ": Failure\n";
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out += prefix_ + text.substr(start, end - start) + "\n";
      start = end + 1;
    }
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
  }

  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (!info.result()->Failed()) return;
    std::printf("%s[  FAILED  ] %s.%s\n", prefix_.c_str(), info.test_suite_name(), info.name());
    std::fflush(stdout);
  }

 private:
  std::string prefix_;
};

// CAUSEWAY_TEST_EXIT_ON_FAILURE=1: a failed test ends the job at once. For the GPU tests: a PE whose
// kernel failed leaves its CUDA context unusable and its peers waiting in the next collective, so
// finishing the run would only bury the failure under the launcher's timeout.
class ExitOnFailure : public ::testing::EmptyTestEventListener {
 public:
  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (!info.result()->Failed()) return;
    std::fflush(stdout);
    std::fprintf(stderr, "[PE %d] %s.%s failed: ending the job (CAUSEWAY_TEST_EXIT_ON_FAILURE)\n",
                 shmem_my_pe(), info.test_suite_name(), info.name());
    std::fflush(stderr);
    shmem_global_exit(1);
  }
};

}  // namespace
}  // namespace pe

int main(int argc, char** argv) {
  shmem_init();
  ::testing::InitGoogleTest(&argc, argv);
  const int me = shmem_my_pe(), n = shmem_n_pes();
  if (me != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new pe::FailurePrinter(me));
  }
  if (const char* v = std::getenv("CAUSEWAY_TEST_EXIT_ON_FAILURE"); v && !std::strcmp(v, "1"))
    ::testing::UnitTest::GetInstance()->listeners().Append(new pe::ExitOnFailure);

  int local_status = RUN_ALL_TESTS();
  const int failed_here = ::testing::UnitTest::GetInstance()->failed_test_count();

  // Combine: PE 0's counter receives every PE's failure count.
  int* failures = static_cast<int*>(shmem_calloc(2, sizeof(int)));
  if (failed_here > 0 || local_status != 0) shmem_int_atomic_add(&failures[0], 1, 0);
  shmem_barrier_all();
  const int failing_pes = shmem_int_atomic_fetch(&failures[0], 0);
  if (me == 0)
    std::printf(
        "[ %d PEs  ] %s\n", n,
        failing_pes == 0 ? "all PEs passed" : (std::to_string(failing_pes) + " PE(s) had failures").c_str());
  std::fflush(stdout);
  shmem_barrier_all();
  shmem_free(failures);
  pe::release_heap_region();
  shmem_finalize();
  return (local_status != 0 || failing_pes != 0) ? 1 : 0;
}
