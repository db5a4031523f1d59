// SPDX-License-Identifier: BSD-3-Clause
// main() of the team/collective tests: every PE of the job runs it under causeway-run. PE 0 prints
// gtest's output, the others only their failures (tagged with the PE). Every PE exits non-zero if
// any PE failed.
#include <gtest/gtest.h>
#include <shmem.h>

#include <cstdio>
#include <string>

namespace {

class FailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit FailurePrinter(int pe) : prefix_("[PE " + std::to_string(pe) + "] ") {}
  void OnTestPartResult(const ::testing::TestPartResult& r) override {
    if (!r.failed()) return;
    std::printf("%s%s:%d: Failure\n%s%s\n", prefix_.c_str(), r.file_name() ? r.file_name() : "?",
                r.line_number(), prefix_.c_str(), r.message());
    std::fflush(stdout);
  }
  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (info.result()->Failed())
      std::printf("%s[  FAILED  ] %s.%s\n", prefix_.c_str(), info.test_suite_name(), info.name());
    std::fflush(stdout);
  }

 private:
  std::string prefix_;
};

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  shmem_init_thread(SHMEM_THREAD_MULTIPLE, &provided);  // the thread tests need MULTIPLE
  ::testing::InitGoogleTest(&argc, argv);
  const int me = shmem_my_pe();
  if (me != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new FailurePrinter(me));
  }
  const int status = RUN_ALL_TESTS();
  const bool failed = status != 0 || ::testing::UnitTest::GetInstance()->failed_test_count() > 0;
  // Any PE failing fails every PE: a max reduction over the world team (itself under test, so
  // a broken one shows up here too).
  static int mine, any;
  mine = failed ? 1 : 0;
  shmem_barrier_all();
  shmem_int_max_reduce(SHMEM_TEAM_WORLD, &any, &mine, 1);
  if (me == 0)
    std::printf("[ %d PEs  ] %s\n", shmem_n_pes(), any ? "some PE had failures" : "all PEs passed");
  std::fflush(stdout);
  shmem_finalize();
  return any ? 1 : 0;
}
