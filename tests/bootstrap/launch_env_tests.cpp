// SPDX-License-Identifier: BSD-3-Clause
// How a job is started: a foreign launcher's processes are never run as separate one-PE jobs, the
// bootstrap choice is validated, and under mpirun a PE that exits without finalize or is killed
// ends the job. Usage: launch_env_tests [gtest flags] PROGRAM FAULT_PROG [MPIRUN PLUGINS]
// (PROGRAM: any OpenSHMEM program; PLUGINS: comma-separated bootstrap plugins built).
#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "../launch/process.hpp"

namespace {

struct Args {
  std::string program, fault_prog, mpirun, plugins;
};
Args& args() {
  static Args a;
  return a;
}

// No launcher identity of any kind leaks in from the environment the tests run in.
std::map<std::string, std::optional<std::string>> clean_env() {
  std::map<std::string, std::optional<std::string>> env;
  for (const char* name :
       {"PMIX_RANK", "PMIX_NAMESPACE", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "SLURM_STEP_NUM_TASKS",
        "SLURM_PROCID", "PMI_SIZE", "PMI_RANK", "CAUSEWAY_BOOTSTRAP"})
    env[name] = std::nullopt;
  return env;
}

TEST(ForeignLauncher, SrunWithoutPmixIsAnErrorNotThreeOnePeJobs) {
  auto env = clean_env();
  env["SLURM_STEP_NUM_TASKS"] = "3";
  env["SLURM_PROCID"] = "0";
  const launch::Result r = launch::run({args().program}, env);
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_NE(r.exit_status, 0) << r.describe();
  EXPECT_NE(r.err.find("Slurm's srun"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("one of 3 processes"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--mpi=pmix"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("of 1"), std::string::npos) << "ran as a one-PE job: " << r.out;
}

TEST(ForeignLauncher, PmiLauncherWithoutBootstrapIsAnError) {
  auto env = clean_env();
  env["PMI_SIZE"] = "2";
  env["PMI_RANK"] = "1";
  const launch::Result r = launch::run({args().program}, env);
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_NE(r.exit_status, 0) << r.describe();
  EXPECT_NE(r.err.find("one of 2 processes"), std::string::npos) << r.err;
}

TEST(ForeignLauncher, ExplicitSingleIsHonouredWithAWarning) {
  auto env = clean_env();
  env["SLURM_STEP_NUM_TASKS"] = "2";
  env["SLURM_PROCID"] = "0";
  env["CAUSEWAY_BOOTSTRAP"] = "single";
  const launch::Result r = launch::run({args().program}, env);
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_EQ(r.exit_status, 0) << r.describe();
  EXPECT_NE(r.err.find("CAUSEWAY_BOOTSTRAP=single"), std::string::npos) << r.err;
}

TEST(BootstrapChoice, UnknownValueIsAnError) {
  auto env = clean_env();
  env["CAUSEWAY_BOOTSTRAP"] = "carrier-pigeon";
  const launch::Result r = launch::run({args().program}, env);
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_NE(r.exit_status, 0) << r.describe();
  EXPECT_NE(r.err.find("CAUSEWAY_BOOTSTRAP=carrier-pigeon"), std::string::npos) << r.err;
}

TEST(BootstrapChoice, NoLauncherIsOnePe) {
  const launch::Result r = launch::run({args().program}, clean_env());
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_EQ(r.exit_status, 0) << r.describe();
}

class UnderMpirun : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (args().mpirun.empty()) GTEST_SKIP() << "mpirun not installed";
    if (("," + args().plugins + ",").find("," + GetParam() + ",") == std::string::npos)
      GTEST_SKIP() << "the " << GetParam() << " bootstrap was not built";
  }
  launch::Result run_fault(const char* mode) {
    auto env = clean_env();
    env["CAUSEWAY_BOOTSTRAP"] = GetParam();
    // timeout(1) bounds a hang: the test then fails on status 124 instead of blocking.
    return launch::run({"/usr/bin/timeout", "60", args().mpirun, "-np", "4", args().fault_prog, mode, "m"},
                       env);
  }
};

TEST_P(UnderMpirun, PeExitingWithoutFinalizeEndsTheJob) {
  const launch::Result r = run_fault("exit0");
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_NE(r.exit_status, 0) << r.describe();
  EXPECT_NE(r.exit_status, 124) << "the job hung: " << r.describe();
  EXPECT_EQ(r.out.find("left the barrier"), std::string::npos) << r.out;
}

TEST_P(UnderMpirun, KilledPeEndsTheJob) {
  const launch::Result r = run_fault("kill");
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_NE(r.exit_status, 0) << r.describe();
  EXPECT_NE(r.exit_status, 124) << "the job hung: " << r.describe();
  EXPECT_EQ(r.out.find("left the barrier"), std::string::npos) << r.out;
}

TEST_P(UnderMpirun, CleanRun) {
  const launch::Result r = run_fault("ok");
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_EQ(r.exit_status, 0) << r.describe();
}

INSTANTIATE_TEST_SUITE_P(Bootstraps, UnderMpirun, ::testing::Values("pmix", "mpi"));

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc >= 3) {
    args().program = argv[1];
    args().fault_prog = argv[2];
  }
  if (argc >= 5) {
    args().mpirun = argv[3];
    args().plugins = argv[4];
  }
  return RUN_ALL_TESTS();
}
