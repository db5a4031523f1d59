// SPDX-License-Identifier: BSD-3-Clause
// Checked user errors: each case of error_cases runs under `causeway-run -n 2` with CAUSEWAY_CHECKS=1
// (or, for the checks that are always on, without it) and must end the job with a non-zero status and a
// report on stderr that names the PE, the call and the offending argument. Usage: error_tests [gtest flags]
// LAUNCHER ERROR_CASES
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "../launch/process.hpp"

namespace {

struct Case {
  const char* name;
  // Every entry must appear in stderr; "a|b" means either.
  std::vector<std::string> expect;
  std::map<std::string, std::optional<std::string>> env = {};
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

bool contains_any(const std::string& text, const std::string& alternatives) {
  std::size_t start = 0;
  while (start <= alternatives.size()) {
    std::size_t bar = alternatives.find('|', start);
    if (bar == std::string::npos) bar = alternatives.size();
    if (text.find(alternatives.substr(start, bar - start)) != std::string::npos) return true;
    start = bar + 1;
  }
  return false;
}

class ErrorCase : public ::testing::TestWithParam<Case> {};

TEST_P(ErrorCase, IsReportedAndEndsTheJob) {
  const Case& c = GetParam();
  ASSERT_FALSE(launch::paths().launcher.empty()) << "usage: error_tests LAUNCHER ERROR_CASES";
  std::map<std::string, std::optional<std::string>> env = {{"CAUSEWAY_CHECKS", "1"}};
  for (const auto& [k, v] : c.env) env[k] = v;
  const launch::Result r = launch::run(
      {launch::paths().launcher, "-n", "2", "--timeout", "60", launch::paths().program, c.name}, env);
  ASSERT_TRUE(r.spawned) << r.err;
  ASSERT_TRUE(r.exited()) << "the launcher itself died: " << r.describe();
  EXPECT_NE(r.exit_status, 0) << "the job succeeded: " << r.describe();
  EXPECT_NE(r.exit_status, 124) << "the job hung until the launcher's timeout: " << r.describe();
  EXPECT_NE(r.exit_status, 99) << "the bad call returned instead of reporting an error: " << r.describe();
  for (const std::string& e : c.expect)
    EXPECT_TRUE(contains_any(r.err, e)) << "stderr lacks \"" << e << "\":\n" << r.err;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

const std::map<std::string, std::optional<std::string>> kSmallHeap = {{"SHMEM_SYMMETRIC_SIZE", "1M"}};
const std::map<std::string, std::optional<std::string>> kNoChecks = {{"CAUSEWAY_CHECKS", std::nullopt}};
const std::map<std::string, std::optional<std::string>> kNoChecksSmallHeap = {
    {"CAUSEWAY_CHECKS", std::nullopt}, {"SHMEM_SYMMETRIC_SIZE", "1M"}};

INSTANTIATE_TEST_SUITE_P(
    Checks, ErrorCase,
    ::testing::Values(
        Case{"pe_out_of_range", {"PE 1", "shmem_int_p", "'pe' = 2", "out of range"}},
        Case{"pe_negative", {"PE 1", "shmem_putmem", "'pe' = -1"}},
        Case{"dest_on_stack", {"PE 1", "shmem_putmem", "'dest'", "not symmetric"}},
        Case{"dest_malloc", {"PE 1", "shmem_long_put", "'dest'", "not symmetric"}},
        Case{"source_malloc", {"PE 1", "shmem_getmem", "'source'", "not symmetric"}},
        Case{"past_heap_end",
             {"PE 1", "shmem_putmem", "'dest'", "past the end of the symmetric heap"},
             kSmallHeap},
        Case{"past_global_end", {"PE 1", "shmem_long_put", "'dest'", "past the end"}},
        Case{"size_overflow", {"PE 1", "shmem_long_put", "'nelems'", "overflow"}},
        Case{"misaligned_atomic", {"PE 1", "shmem_int_atomic_add", "'dest'", "aligned"}},
        Case{"invalid_cmp", {"PE 1", "shmem_int_wait_until", "'cmp' = 42"}},
        // Device-memory calls: a host buffer where device memory is needed, an unknown kind.
        Case{"stream_put_host_dest",
             {"PE 1", "shmemx_putmem_on_stream", "'dest'|no CUDA", "not device memory|no CUDA"}},
        Case{"stream_allreduce_host_dest",
             {"PE 1", "shmemx_float_sum_allreduce_on_stream", "'dest'|no CUDA", "not device memory|no CUDA"}},
        Case{"stream_allreduce_overflow",
             {"PE 1", "shmemx_bf16_sum_allreduce_on_stream", "'nelems'|no CUDA", "overflows|no CUDA"}},
        Case{"stream_alltoall_host_dest",
             {"PE 1", "shmemx_alltoallmem_on_stream", "'dest'|no CUDA", "not device memory|no CUDA"}},
        Case{"malloc_kind_unknown", {"PE 1", "shmemx_malloc_kind", "'kind' = 7"}},
        Case{"clear_lock_not_held", {"PE 1", "shmem_clear_lock", "'lock'", "not held"}},
        Case{"stride_zero", {"PE 1", "shmem_int_iput", "'dest'", "stride"}},
        Case{"align_not_power_of_two", {"PE 1", "shmem_align", "'alignment' = 48", "power of two"}},
        // A PE outside an active set calls its collective: reported in checks mode only (without
        // checks the call does nothing; tests/pe/conform_test.cpp).
        Case{"active_set_non_member", {"PE 1", "shmem_barrier", "not in the active set"}},
        Case{"amo_global_by_cma",
             {"PE 1", "shmem_long_atomic_inc", "'dest'", "CMA|not supported"},
             {{"CAUSEWAY_MAP_DATA_SEGMENT", "0"}}},
        // Before init the library does not know its PE number; the launcher's report names it.
        Case{"before_init", {"PE 1", "shmem_int_p", "before shmem_init"}},
        Case{"init_thread_level", {"PE 1", "shmem_init_thread", "'requested' = 7"}},
        // Every PE fails the allocation, says so, and the program exits 1.
        Case{"heap_exhaustion",
             {"PE 0|PE 1", "shmem_malloc", "67108864", "SHMEM_SYMMETRIC_SIZE", "shmem_malloc returned NULL"},
             kSmallHeap},
        Case{"malloc_mismatch", {"PE 0|PE 1", "shmem_malloc", "disagree", "1024", "2048"}},
        Case{"free_not_heap", {"PE 0|PE 1", "shmem_free", "'ptr'"}},
        // Context and team handles are checked against the live ones (they used to segfault).
        Case{"ctx_garbage", {"PE 1", "shmem_putmem|shmem_ctx_putmem", "'ctx'", "no live context"}},
        Case{"ctx_destroyed", {"PE 1", "shmem_long_p|shmem_ctx_long_p", "'ctx'", "no live context"}},
        Case{"team_garbage", {"PE 1", "shmem_team_n_pes", "'team'", "names no team"}},
        Case{"team_destroyed", {"PE 1", "shmem_team_my_pe", "'team'", "was destroyed"}},
        Case{"team_destroyed_twice", {"PE 1", "shmem_team_destroy", "'team'", "was destroyed"}},
        // Active-message handlers must not block, and reply at most once; each rule names the handler.
        Case{"am_quiet_in_handler", {"PE 1", "shmem_quiet", "active-message handler 0", "must not block"}},
        Case{"am_barrier_in_handler", {"PE 1", "barrier", "active-message handler 0", "must not block"}},
        Case{"am_two_replies", {"PE 1", "shmemx_am_reply", "active-message handler 0", "more than once"}},
        Case{"am_payload_too_big", {"PE 1", "shmemx_am_send", "'nbytes'", "shmemx_am_max_payload"}},
        Case{"am_bad_id", {"PE 1", "shmemx_am_send", "'id' = 99", "not a registered handler"}},
        // Lamport clocks: a stamp wait, or a causal context's publish (a quiet), in a handler; a stamp
        // no call returned; every lane taken.
        Case{"am_stamp_wait_in_handler",
             {"PE 1", "shmemx_stamp_wait|shmemx_ctx_stamp_wait", "active-message handler 0",
              "must not block"}},
        Case{"am_causal_publish_in_handler",
             {"PE 1", "shmemx_ctx_publish", "active-message handler 0", "must not block"}},
        Case{"stamp_bad_lane", {"PE 1", "shmemx_stamp_wait|shmemx_ctx_stamp_wait", "'stamp'", "lane 40"}},
        Case{"stamp_lanes_exhausted", {"PE 1", "shmemx_ctx_publish", "'ctx'", "lane", "31 contexts"}}),
    case_name);

// The cheap checks run without CAUSEWAY_CHECKS too: a bad PE or an address outside every segment
// misses the inlined fast path and reaches the full path's report, never a stray store.
INSTANTIATE_TEST_SUITE_P(
    AlwaysOn, ErrorCase,
    ::testing::Values(
        Case{"pe_out_of_range", {"PE 1", "shmem_int_p", "'pe' = 2", "out of range"}, kNoChecks},
        Case{"pe_negative", {"PE 1", "shmem_putmem", "'pe' = -1"}, kNoChecks},
        Case{"dest_on_stack", {"PE 1", "shmem_putmem", "'dest'", "not symmetric"}, kNoChecks},
        Case{"source_malloc", {"PE 1", "shmem_getmem", "'source'", "not symmetric"}, kNoChecks},
        Case{"past_heap_end",
             {"PE 1", "shmem_putmem", "'dest'", "past the end of the symmetric heap"},
             kNoChecksSmallHeap},
        Case{"past_global_end", {"PE 1", "shmem_long_put", "'dest'", "past the end"}, kNoChecks},
        Case{"size_overflow", {"PE 1", "shmem_long_put", "'nelems'", "overflow"}, kNoChecks},
        Case{"invalid_cmp", {"PE 1", "shmem_int_wait_until", "'cmp' = 42"}, kNoChecks},
        Case{"before_init", {"PE 1", "shmem_int_p", "before shmem_init"}, kNoChecks},
        // A destroyed team is kept, marked, until finalize: reported without checks too.
        Case{"team_destroyed", {"PE 1", "shmem_team_my_pe", "'team'", "was destroyed"}, kNoChecks},
        Case{"team_destroyed_twice", {"PE 1", "shmem_team_destroy", "'team'", "was destroyed"}, kNoChecks},
        // exit() inside shmem_finalize is reported as what it is (it used to hang or crash).
        Case{"exit_in_finalize", {"PE 0", "shmem_finalize", "exit(0)", "in progress"}, kNoChecks},
        // A stamp's lane is checked on every call that takes one.
        Case{"stamp_bad_lane",
             {"PE 1", "shmemx_stamp_wait|shmemx_ctx_stamp_wait", "'stamp'", "lane 40"},
             kNoChecks},
        Case{"stamp_lanes_exhausted",
             {"PE 1", "shmemx_ctx_publish", "'ctx'", "lane", "31 contexts"},
             kNoChecks}),
    case_name);

// Bad input on the device path (tests/cuda/device_error_cases, built in checks mode): PE 1's kernel
// reports the PE, the call and what was wrong, or the PE it waited for, and traps; the job ends.
// Without a GPU each case says there is no CUDA device.
INSTANTIATE_TEST_SUITE_P(
    Device, ErrorCase,
    ::testing::Values(
        Case{"pe_out_of_range", {"PE 1", " p: |no CUDA device", "PE 2 is out of range|no CUDA device"}},
        Case{"not_symmetric",
             {"PE 1", "putmem|no CUDA device", "dest|no CUDA device",
              "not inside the symmetric heap|no CUDA device"}},
        Case{"signal_timeout", {"PE 1", "signal_wait_until|no CUDA device", "timed out|no CUDA device"}},
        Case{"stream_wait_timeout",
             {"PE 1", "shmemx_signal_wait_until_on_stream|no CUDA device", "timed out|no CUDA device"},
             {{"CAUSEWAY_CUDA_WAIT_TIMEOUT", "2"}}},
        Case{"barrier_timeout",
             {"PE 1", "barrier_all_block|no CUDA device",
              "PE 0 has not written the barrier counter|no CUDA device"}}),
    case_name);

// Settings are read strictly at shmem_init: a malformed or out-of-range value ends the job with a
// message naming the variable, the value and what is accepted (it used to fall back to the default).
INSTANTIATE_TEST_SUITE_P(MalformedSetting, ErrorCase,
                         ::testing::Values(Case{"init_only",
                                                {"SHMEM_SYMMETRIC_SIZE=\"abc\"", "not valid", "K, M, G or T"},
                                                {{"SHMEM_SYMMETRIC_SIZE", "abc"}}}),
                         case_name);
INSTANTIATE_TEST_SUITE_P(MalformedLogSetting, ErrorCase,
                         ::testing::Values(Case{
                             "init_only",
                             {"CAUSEWAY_LOG=warn,colll=debug", "'colll=debug' is not TOPIC=LEVEL"},
                             {{"CAUSEWAY_LOG", "warn,colll=debug"}}}),
                         case_name);
INSTANTIATE_TEST_SUITE_P(OutOfRangeSetting, ErrorCase,
                         ::testing::Values(Case{"init_only",
                                                {"CAUSEWAY_MAX_SLEEP_US=\"0\"", "from 1 to 999999"},
                                                {{"CAUSEWAY_MAX_SLEEP_US", "0"}}}),
                         case_name);

// Settings that must agree across PEs are compared at init: set on one PE only they end the job
// with a message naming the variable and the PE that differs (they used to deadlock later).
INSTANTIATE_TEST_SUITE_P(
    SettingsDisagree, ErrorCase,
    ::testing::Values(
        Case{"checks_on_one_pe", {"CAUSEWAY_CHECKS", "same value on every PE", "PE 1|(1)"}, kNoChecks},
        Case{"heap_size_on_one_pe", {"SHMEM_SYMMETRIC_SIZE", "same value on every PE", "PE 1|(1)"}}),
    case_name);

// The collective-mismatch report names the argument that differs.
INSTANTIATE_TEST_SUITE_P(ArgumentName, ErrorCase,
                         ::testing::Values(Case{"malloc_mismatch", {"PE 0|PE 1", "shmem_malloc", "'size'"}}),
                         case_name);

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc >= 3) {
    launch::paths().launcher = argv[1];
    launch::paths().program = argv[2];
  }
  return RUN_ALL_TESTS();
}
