// SPDX-License-Identifier: BSD-3-Clause
// The main() both C++ API test programs share: every PE runs the tests; PE 0 prints gtest's report
// and the other PEs print only their failures, tagged with the PE.
#pragma once
#include <gtest/gtest.h>

#include <causeway/causeway.hpp>
#include <cstdio>

namespace causeway_test {

class FailurePrinter : public testing::EmptyTestEventListener {
 public:
  explicit FailurePrinter(int pe) : pe_(pe) {}
  void OnTestPartResult(const testing::TestPartResult& r) override {
    if (!r.failed()) return;
    std::fprintf(stderr, "[PE %d] %s:%d: failure\n%s\n", pe_, r.file_name() ? r.file_name() : "?",
                 r.line_number(), r.message());
  }

 private:
  int pe_;
};

// Starts the runtime (THREAD_MULTIPLE), publishes it through `runtime_slot` while the tests run,
// and returns the process exit status.
inline int run_all_tests(int argc, char** argv, causeway::runtime*& runtime_slot) {
  testing::InitGoogleTest(&argc, argv);
  causeway::runtime rt(causeway::thread_level::multiple);
  runtime_slot = &rt;
  if (rt.my_pe() != 0) {
    testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new FailurePrinter(rt.my_pe()));
  }
  const int rc = RUN_ALL_TESTS();
  const bool failed = rc != 0 || testing::UnitTest::GetInstance()->failed_test_count() != 0;
  runtime_slot = nullptr;
  return failed ? 1 : 0;
}

}  // namespace causeway_test
