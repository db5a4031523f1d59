// SPDX-License-Identifier: BSD-3-Clause
// causeway-run's command line as mpirun users write it (accepted forms, refusals, --report-bindings,
// stdin going to one PE) and the oshcc / oshc++ wrappers (-showme: forms, compiler variables, the
// C++20 flag). Every test runs a few short jobs or wrapper calls; none depends on timing.
// Usage: launcher_tests [gtest flags] LAUNCHER LAUNCH_PROG OSHCC OSHCXX
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "process.hpp"

namespace {

struct Paths {
  std::string launcher, program, oshcc, oshcxx;
};
Paths& paths() {
  static Paths p;
  return p;
}

// A scratch directory for hostfiles, sources and fake compilers, removed at exit. The path is never
// destroyed: the exit handler that removes the directory runs after static destructors would.
const std::string& scratch() {
  static const std::string& dir = *[] {
    char name[] = "/tmp/causeway-launcher-tests-XXXXXX";
    const char* made = mkdtemp(name);
    auto* path = new std::string(made ? made : "/tmp");
    if (made) std::atexit([] { launch::run({"/bin/rm", "-rf", scratch()}); });
    return path;
  }();
  return dir;
}

std::string write_file(const std::string& name, const std::string& text, mode_t mode = 0644) {
  const std::string path = scratch() + "/" + name;
  std::ofstream(path) << text;
  chmod(path.c_str(), mode);
  return path;
}

// causeway-run OPTIONS... LAUNCH_PROG, with a timeout that only a hang would reach.
launch::Result run_job(std::vector<std::string> options, const std::string* input = nullptr) {
  std::vector<std::string> argv{paths().launcher, "--timeout", "60"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back(paths().program);
  return launch::run(argv, {}, input);
}

// The lines launch_prog printed, by PE.
struct PeLine {
  int npes = -1;
  long bytes = -1;
  std::string cpus;
};
std::map<int, PeLine> pe_lines(const std::string& out) {
  std::map<int, PeLine> lines;
  static const std::regex line_re(R"(PE (\d+) of (\d+) read (\d+) bytes; cpus ([0-9,-]+))");
  std::istringstream in(out);
  std::smatch m;
  for (std::string line; std::getline(in, line);)
    if (std::regex_match(line, m, line_re))
      lines[std::stoi(m[1])] = PeLine{std::stoi(m[2]), std::stol(m[3]), m[4]};
  return lines;
}

bool have_hwloc() {
  static const bool found =
      launch::run({paths().launcher, "--version"}).out.find("binding: hwloc") != std::string::npos;
  return found;
}

std::string this_host() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

class Launcher : public ::testing::Test {
 protected:
  void SetUp() override {
    if (paths().launcher.empty()) GTEST_SKIP() << "usage: launcher_tests LAUNCHER LAUNCH_PROG OSHCC OSHCXX";
  }
};

void expect_job_of(const launch::Result& r, int npes) {
  ASSERT_TRUE(r.exited()) << r.describe();
  ASSERT_EQ(r.exit_status, 0) << r.describe();
  const auto lines = pe_lines(r.out);
  EXPECT_EQ(static_cast<int>(lines.size()), npes) << r.describe();
  for (const auto& [pe, line] : lines) EXPECT_EQ(line.npes, npes) << r.describe();
}

TEST_F(Launcher, HelpListsTheMpirunOptions) {
  const auto r = launch::run({paths().launcher, "--help"});
  ASSERT_EQ(r.exit_status, 0) << r.describe();
  for (const char* option : {"--map-by", "--bind-to", "--report-bindings", "--npernode", "--oversubscribe",
                             "--hostfile", "--host", "--stdin"})
    EXPECT_NE(r.out.find(option), std::string::npos) << option << " missing from --help:\n" << r.out;
}

TEST_F(Launcher, BadFormsExitWithStatus2) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"-n", "2", "--bind-to", "bogus"}, "invalid --bind-to 'bogus'"},
      {{"-n", "2", "--bind-to", "core:sideways"}, "invalid --bind-to modifier"},
      {{"-n", "2", "--map-by", "bogus"}, "invalid --map-by 'bogus'"},
      {{"-n", "2", "--map-by", "core:PE=0"}, "PE=n"},
      {{"-n", "2", "--map-by", "core:FOO"}, "invalid --map-by modifier"},
      {{"-n", "2", "--map-by", "seq"}, "not supported"},
      {{"-n", "2", "--map-by", "ppr:2:socket"}, "only ppr:N:node"},
      {{"-n", "2", "-N", "0"}, "invalid PEs per node"},
      {{"-n", "2", "--oversubscribe=yes"}, "unknown option"},
      {{"-n", "2", "--report-bindings=1"}, "unknown option"},
      {{"-n", "2", "--stdin", "all"}, "invalid --stdin"},
      {{"-n", "2", "--stdin", "2"}, "no such PE"},
      {{"-n", "2", "--hostfile", "/nonexistent/hostfile"}, "cannot read hostfile"},
      {{"-n", "2", "-H", "localhost:x"}, "invalid slot count"},
      {{"--map-by", "core"}, "missing the number of PEs"},
  };
  for (const auto& [options, message] : cases) {
    const auto r = run_job(options);
    ASSERT_TRUE(r.exited()) << r.describe();
    EXPECT_EQ(r.exit_status, 2) << ::testing::PrintToString(options) << ": " << r.describe();
    EXPECT_NE(r.err.find(message), std::string::npos) << "want '" << message << "': " << r.describe();
    EXPECT_EQ(r.out, "") << "no PE should have run: " << r.describe();
  }
  const std::string bad_hostfile = write_file("bad-hostfile", "localhost slots=two\n");
  const auto r = run_job({"--hostfile", bad_hostfile, "-n", "1"});
  EXPECT_EQ(r.exit_status, 2) << r.describe();
  EXPECT_NE(r.err.find("bad-hostfile:1: cannot parse 'slots=two'"), std::string::npos) << r.describe();
}

// More PEs per node than one node takes, with no hosts named: nowhere to put the rest.
TEST_F(Launcher, NodeCountsWithoutHostsAreRefused) {
  const std::vector<std::vector<std::string>> cases = {
      {"-n", "2", "-N", "1"},
      {"-n", "4", "--npernode=2"},
      {"-n", "4", "-npernode", "3"},
      {"-n", "2", "--map-by", "ppr:1:node"},
  };
  for (const auto& options : cases) {
    const auto r = run_job(options);
    ASSERT_TRUE(r.exited()) << r.describe();
    EXPECT_EQ(r.exit_status, 2) << ::testing::PrintToString(options) << ": " << r.describe();
    EXPECT_NE(r.err.find("name the hosts with -H"), std::string::npos) << r.describe();
    EXPECT_EQ(r.out, "") << r.describe();
  }
  const auto nolocal = run_job({"-n", "2", "--map-by", "core:NOLOCAL"});
  EXPECT_EQ(nolocal.exit_status, 2) << nolocal.describe();
  EXPECT_NE(nolocal.err.find("NOLOCAL is not supported"), std::string::npos) << nolocal.describe();
}

// ---- Several hosts, each "host" started on this machine by an agent that drops the host name ----

std::string local_agent() {
  static const std::string path = write_file("local-agent", "#!/bin/sh\nshift\nexec \"$@\"\n", 0755);
  return path;
}

// causeway-run through the local agent, every host connecting back to 127.0.0.1.
launch::Result run_hosts(std::vector<std::string> options) {
  options.insert(options.begin(), {"--launch-agent", local_agent(), "--head-address", "127.0.0.1"});
  return run_job(options);
}

TEST_F(Launcher, SeveralHostsRunThroughTheAgent) {
  expect_job_of(run_hosts({"-H", "localhost:1,127.0.0.1:2"}), 3);
  expect_job_of(run_hosts({"-n", "2", "-H", "node-a.invalid:2,node-b.invalid:2"}), 2);
  // Without --head-address, the address is the route's source: loopback for this machine.
  expect_job_of(run_job({"--launch-agent", local_agent(), "-H", "localhost:2,127.0.0.1:2"}), 4);

  // Each daemon tags its own PEs' lines, with their global ranks.
  const auto tagged = run_hosts({"-H", "node-a.invalid,node-b.invalid", "--tag-output"});
  EXPECT_EQ(tagged.exit_status, 0) << tagged.describe();
  EXPECT_NE(tagged.out.find("[pe 0] PE 0 of 2 read"), std::string::npos) << tagged.describe();
  EXPECT_NE(tagged.out.find("[pe 1] PE 1 of 2 read"), std::string::npos) << tagged.describe();
}

TEST_F(Launcher, HostfileFormsAndTheMap) {
  const std::string hostfile = write_file("several-hosts",
                                          "# three hosts\n"
                                          "node-a.invalid slots=2   # two here\n"
                                          "\n"
                                          "node-b.invalid:1\n"
                                          "  node-c.invalid\n"
                                          "node-a.invalid max_slots=8\n");  // named again: one more slot
  const auto r = run_hosts({"--hostfile", hostfile, "--display-map"});
  expect_job_of(r, 5);
  for (const char* line : {"host node-a.invalid: ranks 0-2 ", "host node-b.invalid: ranks 3-3 ",
                           "host node-c.invalid: ranks 4-4 "})
    EXPECT_NE(r.err.find(line), std::string::npos) << line << ": " << r.describe();

  const auto fewer = run_hosts({"-n", "2", "-H", "node-a.invalid:1,node-b.invalid:4", "--display-map"});
  expect_job_of(fewer, 2);
  EXPECT_NE(fewer.err.find("host node-b.invalid: ranks 1-1 "), std::string::npos) << fewer.describe();

  const auto over =
      run_hosts({"-n", "5", "-H", "node-a.invalid:1,node-b.invalid:1", "--oversubscribe", "--display-map"});
  expect_job_of(over, 5);
  EXPECT_NE(over.err.find("host node-a.invalid: ranks 0-2 "), std::string::npos) << over.describe();

  const auto per_node = run_hosts({"-N", "2", "-H", "node-a.invalid:8,node-b.invalid", "--display-map"});
  expect_job_of(per_node, 4);
  EXPECT_NE(per_node.err.find("host node-b.invalid: ranks 2-3 "), std::string::npos) << per_node.describe();
}

TEST_F(Launcher, SeveralHostsErrors) {
  const std::string twice = write_file("twice-hostfile", "node-a.invalid:2 slots=3\n");
  const std::string empty = write_file("empty-hostfile", "# nothing\n\n");
  const std::string bad = write_file("bad-slots-hostfile", "node-a.invalid\nnode-b.invalid slots=0\n");
  const std::vector<std::pair<std::vector<std::string>, std::string>> usage = {
      {{"-n", "5", "-H", "node-a.invalid:2,node-b.invalid:2"}, "5 PEs but only 4 slots on 2 hosts"},
      {{"-H", "node a"}, "invalid host name 'node a'"},
      {{"-H", "node-a.invalid:0"}, "invalid slot count"},
      {{"--hostfile", twice}, "twice-hostfile:1: 'node-a.invalid:2' and slots= both give the slots"},
      {{"--hostfile", empty}, "names no host"},
      {{"--hostfile", bad}, "bad-slots-hostfile:2: cannot parse 'slots=0'"},
      {{"-n", "2", "--launch-agent", "ssh"}, "need hosts (-H or --hostfile)"},
      {{"-H", "node-a.invalid", "--launch-agent", " "}, "--launch-agent: empty command"},
  };
  for (const auto& [options, message] : usage) {
    const auto r = run_job(options);
    ASSERT_TRUE(r.exited()) << r.describe();
    EXPECT_EQ(r.exit_status, 2) << ::testing::PrintToString(options) << ": " << r.describe();
    EXPECT_NE(r.err.find(message), std::string::npos) << "want '" << message << "': " << r.describe();
    EXPECT_EQ(r.out, "") << r.describe();
  }
  // Failures once the job starts: status 1 and the host named.
  const auto unresolved = run_job({"-H", "node-a.invalid:2"});
  EXPECT_EQ(unresolved.exit_status, 1) << unresolved.describe();
  EXPECT_NE(unresolved.err.find("cannot resolve host 'node-a.invalid'"), std::string::npos)
      << unresolved.describe();
  EXPECT_NE(unresolved.err.find("--head-address"), std::string::npos) << unresolved.describe();

  const auto agent_fails = run_job({"-H", "localhost:2", "--launch-agent", "/bin/false"});
  EXPECT_EQ(agent_fails.exit_status, 1) << agent_fails.describe();
  EXPECT_NE(agent_fails.err.find("lost host localhost (ranks 0-1): its launch agent exited with status 1 "
                                 "before its daemon connected"),
            std::string::npos)
      << agent_fails.describe();

  const auto no_agent = run_job({"-H", "localhost:1", "--launch-agent", "/nonexistent/agent"});
  EXPECT_EQ(no_agent.exit_status, 1) << no_agent.describe();
  EXPECT_NE(no_agent.err.find("cannot execute launch agent '/nonexistent/agent'"), std::string::npos)
      << no_agent.describe();

  // A daemon only starts from causeway-run itself, with the secret on stdin.
  const auto daemon = launch::run({paths().launcher, "--host-daemon", "--bogus"});
  EXPECT_EQ(daemon.exit_status, 2) << daemon.describe();
  const auto no_secret =
      launch::run({paths().launcher, "--host-daemon", "--head", "127.0.0.1", "--port", "9", "--host-index",
                   "0", "--host-name", "x", "--ranks", "0", "1", "--size", "1"});
  EXPECT_EQ(no_secret.exit_status, 1) << no_secret.describe();
  EXPECT_NE(no_secret.err.find("no valid secret on stdin"), std::string::npos) << no_secret.describe();
}

TEST_F(Launcher, SingleNodeFormsRun) {
  const std::string hostfile =
      write_file("local-hostfile", "# this machine only\nlocalhost slots=2 max_slots=8\n");
  const std::vector<std::pair<std::vector<std::string>, int>> cases = {
      {{"-n", "3", "--oversubscribe"}, 3},
      {{"-np", "2", "-oversubscribe"}, 2},
      {{"-n", "2", "-N", "2"}, 2},
      {{"-n", "2", "--npernode", "4"}, 2},
      {{"-N", "3"}, 3},  // no -n: -N PEs on the one node
      {{"-n", "2", "--map-by", "ppr:2:node"}, 2},
      {{"-H", "localhost:2"}, 2},  // no -n: the slots given
      {{"-n", "2", "-H", "127.0.0.1,localhost"}, 2},
      {{"-n", "1", "--host", this_host()}, 1},
      {{"-H", "localhost:1,127.0.0.1:1"}, 2},  // two names of this machine: one node, no agent
      {{"--hostfile", hostfile}, 2},
      {{"-n", "3", "--machinefile", hostfile}, 3},  // more PEs than slots: runs (see --oversubscribe)
      {{"-n", "2", "--map-by", "slot"}, 2},
      {{"-n", "2", "--map-by", "core:PE=1"}, 2},
      {{"-n", "2", "--map-by", "hwthread"}, 2},
      {{"-n", "2", "--map-by", "node:SPAN"}, 2},
      {{"-n", "2", "--map-by", "CORE,oversubscribe"}, 2},
      {{"-n", "2", "--bind-to", "hwthread"}, 2},
      {{"-n", "2", "-bind-to", "core:overload-allowed"}, 2},
      {{"-n", "2", "--bind-to=none"}, 2},
      {{"-n", "2", "--bind-to", "numa:if-supported"}, 2},
      {{"-n", "2", "--stdin", "none"}, 2},
  };
  for (const auto& [options, npes] : cases) {
    SCOPED_TRACE(::testing::PrintToString(options));
    expect_job_of(run_job(options), npes);
  }
  if (have_hwloc()) {
    for (const auto& options : std::vector<std::vector<std::string>>{
             {"-n", "2", "--map-by", "socket"},
             {"-n", "2", "--map-by", "numa"},
             {"-n", "2", "--bind-to", "socket"},
             {"-n", "2", "--map-by", "socket", "--bind-to", "core:overload-allowed"}}) {
      SCOPED_TRACE(::testing::PrintToString(options));
      expect_job_of(run_job(options), 2);
    }
  } else {
    const auto r = run_job({"-n", "2", "--bind-to", "socket"});
    EXPECT_EQ(r.exit_status, 2) << r.describe();
    EXPECT_NE(r.err.find("needs hwloc"), std::string::npos) << r.describe();
  }
}

// --report-bindings prints one line per PE on stderr before the PEs start, and each PE runs where
// its line says.
TEST_F(Launcher, ReportBindingsNamesEachPesCpus) {
  const auto r = run_job({"-n", "2", "--bind-to", "core", "--report-bindings"});
  expect_job_of(r, 2);
  const auto lines = pe_lines(r.out);
  static const std::regex report_re(R"(causeway-run: PE (\d+) bound to (core \d+): cpus ([0-9,-]+))");
  std::istringstream err(r.err);
  int reported = 0;
  for (std::string line; std::getline(err, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, report_re)) continue;
    ++reported;
    const int pe = std::stoi(m[1]);
    ASSERT_TRUE(lines.count(pe)) << r.describe();
    EXPECT_EQ(lines.at(pe).cpus, m[3].str())
        << "PE " << pe << " runs elsewhere than reported: " << r.describe();
  }
  EXPECT_EQ(reported, 2) << r.describe();

  const auto unbound = run_job({"-n", "2", "--report-bindings"});
  expect_job_of(unbound, 2);
  EXPECT_NE(unbound.err.find("causeway-run: PE 0 not bound: cpus "), std::string::npos) << unbound.describe();
  EXPECT_NE(unbound.err.find("causeway-run: PE 1 not bound: cpus "), std::string::npos) << unbound.describe();

  const auto quiet = run_job({"-n", "2", "--bind-to", "core"});
  expect_job_of(quiet, 2);
  EXPECT_EQ(quiet.err.find("bound to"), std::string::npos) << "reported without --report-bindings";
}

// Keeps this process (and so the launcher it starts) on one CPU for the test's duration.
class OneCpu {
 public:
  OneCpu() {
    sched_getaffinity(0, sizeof saved_, &saved_);
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &saved_)) {
        CPU_SET(cpu, &one);
        cpu_ = cpu;
        break;
      }
    sched_setaffinity(0, sizeof one, &one);
  }
  ~OneCpu() { sched_setaffinity(0, sizeof saved_, &saved_); }
  int cpu() const { return cpu_; }

 private:
  cpu_set_t saved_;
  int cpu_ = 0;
};

TEST_F(Launcher, PesBoundToOneCoreAreWarnedAbout) {
  OneCpu one_cpu;
  const auto r = run_job({"-n", "2", "--bind-to", "core", "--report-bindings"});
  expect_job_of(r, 2);
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(warning: PEs 0, 1 share core \d+)"))) << r.describe();
  for (const auto& [pe, line] : pe_lines(r.out)) EXPECT_EQ(line.cpus, std::to_string(one_cpu.cpu()));

  const auto hw = run_job({"-n", "3", "--bind-to", "hwthread"});
  expect_job_of(hw, 3);
  EXPECT_NE(hw.err.find("warning: PEs 0, 1, 2 share hwthread " + std::to_string(one_cpu.cpu())),
            std::string::npos)
      << hw.describe();

  for (const auto& options :
       std::vector<std::vector<std::string>>{{"-n", "2", "--bind-to", "core:overload-allowed"},
                                             {"-n", "2", "--bind-to", "none"},
                                             {"-n", "2", "--oversubscribe"}}) {
    const auto quiet = run_job(options);
    expect_job_of(quiet, 2);
    EXPECT_EQ(quiet.err.find("warning"), std::string::npos) << quiet.describe();
  }

  const auto strict = run_job({"-n", "2", "--map-by", "core:NOOVERSUBSCRIBE"});
  ASSERT_TRUE(strict.exited()) << strict.describe();
  EXPECT_NE(strict.exit_status, 0) << strict.describe();
  EXPECT_NE(strict.err.find("NOOVERSUBSCRIBE"), std::string::npos) << strict.describe();
  EXPECT_EQ(strict.out, "") << strict.describe();
}

TEST_F(Launcher, StdinGoesToPe0Only) {
  const std::string input = "line one\nline two\n";
  const auto r = run_job({"-n", "3"}, &input);
  expect_job_of(r, 3);
  auto lines = pe_lines(r.out);
  EXPECT_EQ(lines[0].bytes, static_cast<long>(input.size())) << r.describe();
  EXPECT_EQ(lines[1].bytes, 0) << r.describe();
  EXPECT_EQ(lines[2].bytes, 0) << r.describe();

  const auto to_pe1 = run_job({"-n", "2", "--stdin", "1"}, &input);
  expect_job_of(to_pe1, 2);
  lines = pe_lines(to_pe1.out);
  EXPECT_EQ(lines[0].bytes, 0) << to_pe1.describe();
  EXPECT_EQ(lines[1].bytes, static_cast<long>(input.size())) << to_pe1.describe();

  const auto to_none = run_job({"-n", "2", "--stdin", "none"}, &input);
  expect_job_of(to_none, 2);
  lines = pe_lines(to_none.out);
  EXPECT_EQ(lines[0].bytes, 0) << to_none.describe();
  EXPECT_EQ(lines[1].bytes, 0) << to_none.describe();
}

// ---- The wrappers ----

// The wrappers with no compiler variables from the environment of whoever runs the tests.
launch::Result wrapper(const std::string& which, std::vector<std::string> args,
                       std::map<std::string, std::optional<std::string>> env = {}) {
  for (const char* var : {"OSHCC_CC", "OSHCXX_CXX", "SHMEM_CC", "SHMEM_CXX"})
    if (!env.count(var)) env[var] = std::nullopt;
  args.insert(args.begin(), which);
  return launch::run(args, env);
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

class Wrappers : public ::testing::Test {
 protected:
  void SetUp() override {
    if (paths().oshcxx.empty()) GTEST_SKIP() << "usage: launcher_tests LAUNCHER LAUNCH_PROG OSHCC OSHCXX";
  }
};

TEST_F(Wrappers, ShowmeForms) {
  auto r = wrapper(paths().oshcc, {"-showme:libs"});
  EXPECT_EQ(r.exit_status, 0) << r.describe();
  EXPECT_EQ(r.out, "causeway\n");

  r = wrapper(paths().oshcc, {"--showme:libdirs"});
  EXPECT_EQ(r.exit_status, 0) << r.describe();
  EXPECT_TRUE(exists(first_line(r.out) + "/libcauseway.so")) << r.describe();
  const std::string lib_dir = first_line(r.out);

  r = wrapper(paths().oshcc, {"-showme:incdirs"});
  EXPECT_EQ(r.exit_status, 0) << r.describe();
  const std::string include_dir = first_line(r.out).substr(0, r.out.find(' '));
  EXPECT_TRUE(exists(include_dir + "/shmem.h")) << r.describe();

  r = wrapper(paths().oshcc, {"-showme:compile"});
  EXPECT_EQ(first_line(r.out).rfind("-I" + include_dir, 0), 0u) << r.describe();

  r = wrapper(paths().oshcc, {"-showme:link"});
  EXPECT_EQ(first_line(r.out), "-L" + lib_dir + " -lcauseway -Wl,-rpath," + lib_dir) << r.describe();

  r = wrapper(paths().oshcc, {"-showme:command"});
  EXPECT_EQ(r.out, "cc\n") << r.describe();
  r = wrapper(paths().oshcxx, {"-showme:command"});
  EXPECT_EQ(r.out, "c++\n") << r.describe();

  r = wrapper(paths().oshcc, {"-showme:version"});
  EXPECT_EQ(r.exit_status, 0) << r.describe();
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(^oshcc: Causeway \d+\.\d+\.\d+)"))) << r.describe();

  r = wrapper(paths().oshcc, {"-showme:help"});
  EXPECT_EQ(r.exit_status, 0) << r.describe();
  for (const char* form : {"-showme:compile", "-showme:link", "-showme:command", "-showme:incdirs",
                           "-showme:libdirs", "-showme:libs", "-showme:version", "-showme:help"})
    EXPECT_NE(r.out.find(form), std::string::npos) << form;

  r = wrapper(paths().oshcc, {"-showme:everything"});
  EXPECT_EQ(r.exit_status, 2) << r.describe();
  EXPECT_NE(r.err.find("unknown option -showme:everything"), std::string::npos) << r.describe();
  r = wrapper(paths().oshcc, {"-showme:", "prog.c"});
  EXPECT_EQ(r.exit_status, 2) << "an empty -showme: form must not run the compiler: " << r.describe();

  // The whole command: compiler, include directories, the user's arguments, link flags.
  r = wrapper(paths().oshcc, {"-showme", "-O2", "prog.c", "-o", "prog"});
  EXPECT_EQ(first_line(r.out).rfind("cc -I" + include_dir, 0), 0u) << r.describe();
  EXPECT_NE(r.out.find(" -O2 prog.c -o prog -L" + lib_dir + " -lcauseway"), std::string::npos)
      << r.describe();
  r = wrapper(paths().oshcc, {"--showme", "-c", "prog.c"});
  EXPECT_EQ(r.out.find("-lcauseway"), std::string::npos) << "-c links nothing: " << r.describe();
}

TEST_F(Wrappers, CompilerVariables) {
  // Sandia OpenSHMEM's names are honoured; the wrapper's own variables win over them.
  auto r = wrapper(paths().oshcc, {"-showme:command"}, {{"SHMEM_CC", "gcc-from-shmem-cc"}});
  EXPECT_EQ(r.out, "gcc-from-shmem-cc\n") << r.describe();
  r = wrapper(paths().oshcc, {"-showme:command"},
              {{"SHMEM_CC", "from-shmem-cc"}, {"OSHCC_CC", "from-oshcc-cc"}});
  EXPECT_EQ(r.out, "from-oshcc-cc\n") << r.describe();
  r = wrapper(paths().oshcxx, {"-showme:command"}, {{"SHMEM_CXX", "ccache g++"}});
  EXPECT_EQ(r.out, "ccache g++\n") << r.describe();
  r = wrapper(paths().oshcxx, {"-showme:command"}, {{"SHMEM_CXX", "a++"}, {"OSHCXX_CXX", "b++"}});
  EXPECT_EQ(r.out, "b++\n") << r.describe();
  // The C wrapper does not read the C++ variables.
  r = wrapper(paths().oshcc, {"-showme:command"}, {{"SHMEM_CXX", "g++"}});
  EXPECT_EQ(r.out, "cc\n") << r.describe();
}

// A stand-in compiler whose preprocessor reports `cplusplus` (and __STRICT_ANSI__ when `strict`).
std::string fake_cxx(const std::string& name, const std::string& cplusplus, bool strict) {
  return write_file(name,
                    "#!/bin/sh\n"
                    "echo '#define __GNUC__ 12'\n" +
                        std::string(strict ? "echo '#define __STRICT_ANSI__ 1'\n" : "") +
                        "echo '#define __cplusplus " + cplusplus + "'\n",
                    0755);
}

TEST_F(Wrappers, OshcxxAddsCxx20WhereTheDefaultIsOlder) {
  const std::string gnu17 = fake_cxx("gnu17-c++", "201703L", false);
  const std::string iso17 = fake_cxx("iso17-c++", "201703L", true);
  const std::string gnu20 = fake_cxx("gnu20-c++", "202002L", false);

  auto r = wrapper(paths().oshcxx, {"-showme", "-c", "x.cpp"}, {{"SHMEM_CXX", gnu17}});
  EXPECT_EQ(first_line(r.out).rfind(gnu17 + " -std=gnu++20 -I", 0), 0u) << r.describe();
  r = wrapper(paths().oshcxx, {"-showme:compile"}, {{"SHMEM_CXX", gnu17}});
  EXPECT_EQ(first_line(r.out).rfind("-std=gnu++20 -I", 0), 0u) << r.describe();
  r = wrapper(paths().oshcxx, {"-showme", "-c", "x.cpp"}, {{"SHMEM_CXX", iso17}});
  EXPECT_NE(r.out.find(" -std=c++20 "), std::string::npos) << r.describe();
  r = wrapper(paths().oshcxx, {"-showme", "-c", "x.cpp"}, {{"SHMEM_CXX", gnu20}});
  EXPECT_EQ(r.out.find("-std="), std::string::npos) << "the default is C++20 already: " << r.describe();

  // A -std= of the user's, on the command line or in the compiler variable, is left alone.
  r = wrapper(paths().oshcxx, {"-showme", "-std=c++17", "-c", "x.cpp"}, {{"SHMEM_CXX", gnu17}});
  EXPECT_EQ(r.out.find("++20"), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find(" -std=c++17 "), std::string::npos) << r.describe();
  r = wrapper(paths().oshcxx, {"-showme", "-c", "x.cpp"}, {{"SHMEM_CXX", gnu17 + " -std=c++17"}});
  EXPECT_EQ(r.out.find("++20"), std::string::npos) << r.describe();
  r = wrapper(paths().oshcxx, {"-showme", "--std=c++17", "-c", "x.cpp"}, {{"SHMEM_CXX", gnu17}});
  EXPECT_EQ(r.out.find("++20"), std::string::npos) << r.describe();

  // oshcc never adds one.
  r = wrapper(paths().oshcc, {"-showme", "-c", "x.c"}, {{"SHMEM_CC", gnu17}});
  EXPECT_EQ(r.out.find("-std="), std::string::npos) << r.describe();
}

const char* kCxx20Program = R"(#include <causeway/causeway.hpp>
#include <concepts>
#include <span>
template <std::integral T> T twice(T x) { return 2 * x; }
int main() {
  int values[2] = {1, 2};
  std::span<int> s(values);
  return twice(static_cast<int>(s.size())) == 4 ? 0 : 1;
}
)";

// With the system compiler, whatever its default standard: a C++20 program using the C++ API
// compiles and links with plain oshc++, and an explicit older -std= gets the API's own message.
TEST_F(Wrappers, OshcxxBuildsCxx20ProgramsAndTheApiRefusesOlderStandards) {
  const std::string source = write_file("cxx20.cpp", kCxx20Program);
  const std::string binary = scratch() + "/cxx20";
  auto r = wrapper(paths().oshcxx, {source, "-o", binary});
  ASSERT_EQ(r.exit_status, 0) << r.describe();
  EXPECT_TRUE(exists(binary));

  r = wrapper(paths().oshcxx, {"-std=c++17", "-fsyntax-only", source});
  EXPECT_NE(r.exit_status, 0) << r.describe();
  EXPECT_NE(r.err.find("Causeway's C++ API needs C++20 (compile with -std=c++20)"), std::string::npos)
      << r.describe();
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc >= 5) {
    paths().launcher = argv[1];
    paths().program = argv[2];
    paths().oshcc = argv[3];
    paths().oshcxx = argv[4];
  }
  return RUN_ALL_TESTS();
}
