// SPDX-License-Identifier: BSD-3-Clause
// Runs a command (the launcher, in these tests) with extra environment variables and captures its
// exit status, stdout and stderr. posix_spawn, no shell: arguments are passed as they are.
#pragma once
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace launch {

struct Result {
  bool spawned = false;
  int exit_status = -1;  // when it exited
  int signal = 0;        // when it was killed
  std::string out, err;
  pid_t pid = -1;

  bool exited() const { return spawned && signal == 0; }
  std::string describe() const {
    std::string s =
        signal ? "killed by signal " + std::to_string(signal) : "exit status " + std::to_string(exit_status);
    return s + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
  }
};

inline std::string slurp(int fd) {
  std::string text;
  lseek(fd, 0, SEEK_SET);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  return text;
}

inline int temp_file() {
  char name[] = "/tmp/causeway-test-XXXXXX";
  int fd = mkstemp(name);
  if (fd >= 0) unlink(name);
  return fd;
}

// `env`: variables to set (a value) or remove (nullopt) on top of this process's environment.
// `input`: what the command reads on stdin (null: it reads /dev/null).
inline Result run(const std::vector<std::string>& argv,
                  const std::map<std::string, std::optional<std::string>>& env = {},
                  const std::string* input = nullptr) {
  Result result;
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    // Never pass on a launcher identity: the child must not think it is a PE of some other job.
    if (env.count(name) || name == "CAUSEWAY_RANK" || name == "CAUSEWAY_SIZE" ||
        name == "CAUSEWAY_BOOTSTRAP_FD")
      continue;
    env_strings.push_back(entry);
  }
  for (const auto& [name, value] : env)
    if (value) env_strings.push_back(name + "=" + *value);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  const int out_fd = temp_file(), err_fd = temp_file();
  if (out_fd < 0 || err_fd < 0) return result;
  int in_fd = -1;
  if (input) {
    in_fd = temp_file();
    if (in_fd < 0 || write(in_fd, input->data(), input->size()) != static_cast<ssize_t>(input->size()) ||
        lseek(in_fd, 0, SEEK_SET) != 0) {
      result.err = "cannot write the input file";
      for (int fd : {out_fd, err_fd, in_fd})
        if (fd >= 0) close(fd);
      return result;
    }
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  if (in_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, in_fd, STDIN_FILENO);
  else
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc == 0) {
    result.spawned = true;
    result.pid = pid;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    result.out = slurp(out_fd);
    result.err = slurp(err_fd);
  } else {
    result.err = std::string("posix_spawn failed: ") + std::strerror(rc);
  }
  close(out_fd);
  close(err_fd);
  if (in_fd >= 0) close(in_fd);
  return result;
}

// Paths handed over on the command line by meson (after gtest has taken its own flags).
struct Paths {
  std::string launcher, program;
};
inline Paths& paths() {
  static Paths p;
  return p;
}

}  // namespace launch
