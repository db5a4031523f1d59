// SPDX-License-Identifier: BSD-3-Clause
// The launcher and runtime when a PE fails: the job ends promptly (a hang would run into the
// launcher's --timeout, status 124), the report names the PE and how it died, no process of the
// job survives and nothing is left in /dev/shm.
// Usage: fault_tests [gtest flags] LAUNCHER FAULT_PROG
#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../launch/process.hpp"

namespace {

std::set<std::string> dev_shm() {
  std::set<std::string> names;
  if (DIR* d = opendir("/dev/shm")) {
    while (dirent* e = readdir(d))
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) names.insert(e->d_name);
    closedir(d);
  }
  return names;
}

// Pids whose command line contains `marker` (this process excluded).
std::vector<int> processes_with(const std::string& marker) {
  std::vector<int> pids;
  DIR* d = opendir("/proc");
  if (!d) return pids;
  while (dirent* e = readdir(d)) {
    const int pid = std::atoi(e->d_name);
    if (pid <= 0 || pid == getpid()) continue;
    std::ifstream in("/proc/" + std::string(e->d_name) + "/cmdline", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string cmdline = text.str();
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(marker) != std::string::npos) {
      // A zombie has already exited; it only waits for its parent to reap it.
      std::ifstream stat("/proc/" + std::string(e->d_name) + "/stat");
      std::string statline;
      std::getline(stat, statline);
      const std::size_t paren = statline.rfind(')');
      const char state =
          paren != std::string::npos && paren + 2 < statline.size() ? statline[paren + 2] : '?';
      if (state != 'Z') pids.push_back(pid);
    }
  }
  closedir(d);
  return pids;
}

// True if a live process has /dev/shm/NAME open or mapped. The job's processes are all gone when
// this is asked, so such a file belongs to something else running on the machine (another test
// session's MPI, say), not to this job.
bool in_use_elsewhere(const std::string& name) {
  const std::string path = "/dev/shm/" + name;
  DIR* d = opendir("/proc");
  if (!d) return false;
  bool used = false;
  while (!used) {
    dirent* e = readdir(d);
    if (!e) break;
    if (std::atoi(e->d_name) <= 0) continue;
    const std::string proc = std::string("/proc/") + e->d_name;
    std::ifstream maps(proc + "/maps");
    for (std::string line; !used && std::getline(maps, line);) used = line.find(path) != std::string::npos;
    if (DIR* fds = opendir((proc + "/fd").c_str())) {
      while (dirent* f = readdir(fds)) {
        char target[4096];
        const ssize_t n = readlink((proc + "/fd/" + f->d_name).c_str(), target, sizeof target - 1);
        if (n > 0 && std::string(target, static_cast<std::size_t>(n)) == path) used = true;
      }
      closedir(fds);
    }
  }
  closedir(d);
  return used;
}

struct Job {
  launch::Result result;
  std::string marker;
  std::set<std::string> new_shm;
  std::vector<int> survivors;
};

Job run_job(const std::string& mode, int npes, const char* timeout = "60",
            const std::vector<std::string>& launcher_options = {}) {
  static int counter = 0;
  Job job;
  job.marker = "causeway-fault-" + std::to_string(getpid()) + "-" + std::to_string(++counter) + "-" + mode;
  const auto shm_before = dev_shm();
  std::vector<std::string> command{launch::paths().launcher, "-n", std::to_string(npes), "--timeout",
                                   timeout};
  command.insert(command.end(), launcher_options.begin(), launcher_options.end());
  command.insert(command.end(), {launch::paths().program, mode, job.marker});
  job.result = launch::run(command);
  // The launcher has returned: every PE must be gone. Allow the kernel a moment to finish tearing
  // down processes the launcher has already reaped or killed.
  for (int i = 0; i < 50; ++i) {
    job.survivors = processes_with(job.marker);
    if (job.survivors.empty()) break;
    usleep(20000);
  }
  // What the job left in /dev/shm: new files that still exist and nobody alive is using.
  for (const auto& name : dev_shm())
    if (!shm_before.count(name) && !in_use_elsewhere(name)) job.new_shm.insert(name);
  return job;
}

void expect_clean_teardown(const Job& job) {
  EXPECT_TRUE(job.survivors.empty()) << job.survivors.size()
                                     << " process(es) of the job are still running, e.g. pid "
                                     << (job.survivors.empty() ? 0 : job.survivors[0]);
  for (int pid : job.survivors) kill(pid, SIGKILL);  // do not leave them behind for the next test
  EXPECT_TRUE(job.new_shm.empty()) << "new in /dev/shm: " << *job.new_shm.begin();
}

class Fault : public ::testing::Test {
 protected:
  void SetUp() override {
    if (launch::paths().launcher.empty()) GTEST_SKIP() << "usage: fault_tests LAUNCHER FAULT_PROG";
  }
};

TEST_F(Fault, CleanRunForComparison) {
  const Job job = run_job("ok", 4);
  ASSERT_TRUE(job.result.exited()) << job.result.describe();
  EXPECT_EQ(job.result.exit_status, 0) << job.result.describe();
  expect_clean_teardown(job);
}

TEST_F(Fault, PeKilledBySignalEndsTheJob) {
  const Job job = run_job("kill", 4);
  ASSERT_TRUE(job.result.exited()) << "the launcher itself died: " << job.result.describe();
  EXPECT_NE(job.result.exit_status, 0) << job.result.describe();
  EXPECT_NE(job.result.exit_status, 124)
      << "the job hung until --timeout instead of ending: " << job.result.describe();
  EXPECT_EQ(job.result.exit_status, 128 + SIGKILL) << "documented: 128+signal of the first PE that failed";
  EXPECT_NE(job.result.err.find("PE 2"), std::string::npos) << job.result.err;
  EXPECT_TRUE(job.result.err.find("signal 9") != std::string::npos ||
              job.result.err.find("Killed") != std::string::npos)
      << job.result.err;
  EXPECT_EQ(job.result.out.find("left the barrier"), std::string::npos) << "a barrier completed without PE 2";
  expect_clean_teardown(job);
}

TEST_F(Fault, PeExitingWithStatus3EndsTheJob) {
  const Job job = run_job("exit3", 4);
  ASSERT_TRUE(job.result.exited()) << job.result.describe();
  EXPECT_EQ(job.result.exit_status, 3) << job.result.describe();
  EXPECT_NE(job.result.err.find("PE 2"), std::string::npos) << job.result.err;
  EXPECT_NE(job.result.err.find("status 3"), std::string::npos) << job.result.err;
  EXPECT_EQ(job.result.out.find("left the barrier"), std::string::npos) << "a barrier completed without PE 2";
  expect_clean_teardown(job);
}

// exit(3) runs the library's exit handler; the job must still end with PE 2's status (the
// handler must not run the collective finalize for a failing exit, or peers would hang).
TEST_F(Fault, PeCallingExit3EndsTheJob) {
  const Job job = run_job("exit3_atexit", 4);
  ASSERT_TRUE(job.result.exited()) << job.result.describe();
  EXPECT_NE(job.result.exit_status, 124)
      << "the job hung until --timeout instead of ending: " << job.result.describe();
  EXPECT_EQ(job.result.exit_status, 3) << job.result.describe();
  EXPECT_NE(job.result.err.find("PE 2"), std::string::npos) << job.result.err;
  EXPECT_NE(job.result.err.find("status 3"), std::string::npos) << job.result.err;
  expect_clean_teardown(job);
}

// Exiting with status 0 without shmem_finalize leaves the peers in their barrier: the launcher must
// end the job and name the PE instead of waiting forever.
TEST_F(Fault, PeExitingWithStatus0WithoutFinalizeEndsTheJob) {
  const Job job = run_job("exit0", 4);
  ASSERT_TRUE(job.result.exited()) << job.result.describe();
  EXPECT_NE(job.result.exit_status, 124) << "the job hung until --timeout: " << job.result.describe();
  EXPECT_NE(job.result.exit_status, 0) << job.result.describe();
  EXPECT_NE(job.result.err.find("PE 2"), std::string::npos) << job.result.err;
  EXPECT_NE(job.result.err.find("without calling shmem_finalize"), std::string::npos) << job.result.err;
  EXPECT_EQ(job.result.out.find("left the barrier"), std::string::npos) << "a barrier completed without PE 2";
  expect_clean_teardown(job);
}

// exit(0) in the middle runs the implicit finalize, which waits for every PE at the launcher, not
// in a barrier the others could mistake for theirs; the peers that wait for PE 2 in their barrier
// see it has left and end the job, naming it.
TEST_F(Fault, ExitInTheMiddleWithoutFinalizeEndsTheJob) {
  // The departure is seen through the peer's mapped memory; a transport without host pointers
  // (loopback_async alone, as a NIC would be) cannot see it, and the job then runs into --timeout.
  const char* transports = std::getenv("CAUSEWAY_TRANSPORTS");
  const bool peers_mapped = !transports || std::string(transports).find("shm") != std::string::npos;
  const Job job = run_job("exit0_atexit", 4, peers_mapped ? "60" : "5");
  ASSERT_TRUE(job.result.exited()) << job.result.describe();
  EXPECT_NE(job.result.exit_status, 0) << job.result.describe();
  if (peers_mapped) {
    EXPECT_NE(job.result.exit_status, 124) << "the job hung until --timeout: " << job.result.describe();
    EXPECT_NE(job.result.err.find("PE 2 returned from main or called exit() without shmem_finalize"),
              std::string::npos)
        << job.result.err;
  }
  EXPECT_EQ(job.result.out.find("left the barrier"), std::string::npos) << "a barrier completed without PE 2";
  expect_clean_teardown(job);
}

// Programs that never call shmem_finalize (start_pes style) finish normally.
TEST_F(Fault, ReturningFromMainWithoutFinalizeIsAnImplicitFinalize) {
  const Job job = run_job("implicit", 4);
  ASSERT_TRUE(job.result.exited()) << job.result.describe();
  EXPECT_EQ(job.result.exit_status, 0) << job.result.describe();
  expect_clean_teardown(job);
}

TEST_F(Fault, GlobalExitStatusBecomesTheJobStatus) {
  const Job job = run_job("global_exit", 4);
  ASSERT_TRUE(job.result.exited()) << job.result.describe();
  EXPECT_EQ(job.result.exit_status, 5) << job.result.describe();
  EXPECT_NE(job.result.err.find("PE 1"), std::string::npos) << job.result.err;
  EXPECT_EQ(job.result.out.find("left the barrier"), std::string::npos);
  expect_clean_teardown(job);
}

// What a PE forks is in the PE's process group, which the launcher ends with the job: when the job
// fails, and when it succeeds (the child would otherwise outlive it, holding the PE's resources).
TEST_F(Fault, ProcessesForkedByAFailedPeEndWithTheJob) {
  const Job job = run_job("fork_exit3", 4);
  ASSERT_TRUE(job.result.exited()) << job.result.describe();
  EXPECT_EQ(job.result.exit_status, 3) << job.result.describe();
  expect_clean_teardown(job);
}

TEST_F(Fault, ProcessesForkedByAPeEndWithASuccessfulJob) {
  const Job job = run_job("fork_ok", 4);
  ASSERT_TRUE(job.result.exited()) << job.result.describe();
  EXPECT_EQ(job.result.exit_status, 0) << job.result.describe();
  expect_clean_teardown(job);
}

TEST_F(Fault, HangingJobEndsAtTheTimeout) {
  const Job job = run_job("hang", 4, "2");
  ASSERT_TRUE(job.result.exited()) << job.result.describe();
  EXPECT_EQ(job.result.exit_status, 124) << job.result.describe();
  EXPECT_NE(job.result.err.find("timed out"), std::string::npos) << job.result.err;
  expect_clean_teardown(job);
}

// CAUSEWAY_LOG's subsystems: what a user diagnosing a job asks for, each line tagged.
TEST_F(Fault, LogTopicsSayWhatEachSubsystemDid) {
  const Job job =
      run_job("log", 4, "60", {"-x", "CAUSEWAY_LOG=warn,coll=debug,team=debug,transport=debug,heap=debug"});
  ASSERT_TRUE(job.result.exited()) << job.result.describe();
  EXPECT_EQ(job.result.exit_status, 0) << job.result.describe();
  const std::string& err = job.result.err;
  auto has = [&](const std::string& text) { return err.find(text) != std::string::npos; };
  EXPECT_TRUE(has("PE 0: debug: heap: symmetric heap at 0x")) << err;
  EXPECT_TRUE(has("PE 3: debug: transport: PE 3 is served by ")) << err;
  EXPECT_TRUE(has("PE 2: debug: team: team 0x")) << err;
  EXPECT_TRUE(has("created: 2 PEs (world PEs 0,2), this PE is rank 1")) << err;
  EXPECT_TRUE(has("PE 1: debug: coll: shmem_long_sum_reduce on a team of 4 PEs (rank 1), 8 bytes: one-shot"))
      << err;
  EXPECT_TRUE(has("debug: coll: shmem_broadcastmem on a team of 4 PEs (rank 0), 8 bytes: push from the root"))
      << err;
  EXPECT_FALSE(has("debug: bootstrap:")) << "a topic left at warn printed debug lines:\n" << err;
  expect_clean_teardown(job);
}

// CAUSEWAY_STALL_TIMEOUT: each PE says what it waits on once the wait has gone on that long; at the
// launcher's --timeout every PE reports its wait and a backtrace before the job ends.
TEST_F(Fault, StalledWaitsReportWhatTheyWaitOn) {
  const Job job = run_job("stall", 4, "4", {"-x", "CAUSEWAY_STALL_TIMEOUT=1"});
  ASSERT_TRUE(job.result.exited()) << job.result.describe();
  EXPECT_EQ(job.result.exit_status, 124) << job.result.describe();
  const std::string& err = job.result.err;
  auto has = [&](const std::string& text) { return err.find(text) != std::string::npos; };
  // The stall detector, in each PE's own words.
  EXPECT_TRUE(has("PE 0: stall: no progress for 1.")) << err;
  EXPECT_TRUE(has("PE 0: stall: no progress for 2.")) << err;  // again at twice the time
  EXPECT_TRUE(has("shmem_long_wait_until: waiting for a word to change (word 0x")) << err;
  EXPECT_TRUE(has("wants != 0)")) << err;
  EXPECT_TRUE(has("PE 1: stall: no progress for 1.")) << err;
  EXPECT_TRUE(has("shmem_sync_all: waiting for barrier round 0 from PE 0")) << err;
  // PE 2 got past round 0 (PE 1 arrived); round 1 waits for PE 0.
  EXPECT_TRUE(has("shmem_sync_all: waiting for barrier round 1 from PE 0")) << err;
  // The timeout's reports.
  EXPECT_TRUE(has("asking the 4 PEs still running what they wait on")) << err;
  for (int pe = 0; pe < 4; ++pe) {
    EXPECT_TRUE(has("PE " + std::to_string(pe) + ": report: shmem_")) << "PE " << pe << "\n" << err;
    EXPECT_TRUE(has("PE " + std::to_string(pe) + ": report: backtrace")) << "PE " << pe << "\n" << err;
  }
  EXPECT_TRUE(has("PE 0: report: shmem_long_wait_until")) << err;
  expect_clean_teardown(job);
}

// A team collective says which team (its size and world PEs) and whose signal it waits for.
TEST_F(Fault, StalledTeamCollectiveNamesTheTeam) {
  const Job job = run_job("stall_team", 4, "4", {"-x", "CAUSEWAY_STALL_TIMEOUT=1"});
  ASSERT_TRUE(job.result.exited()) << job.result.describe();
  EXPECT_EQ(job.result.exit_status, 124) << job.result.describe();
  const std::string& err = job.result.err;
  EXPECT_NE(err.find("PE 2: stall: no progress for 1."), std::string::npos) << err;
  EXPECT_NE(err.find("shmem_long_broadcast on a team of 2 PEs (world PEs 0, 2, ...: stride 2): waiting for "
                     "the collective's signal from PE 0"),
            std::string::npos)
      << err;
  expect_clean_teardown(job);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc >= 3) {
    launch::paths().launcher = argv[1];
    launch::paths().program = argv[2];
  }
  return RUN_ALL_TESTS();
}
