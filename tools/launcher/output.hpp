// SPDX-License-Identifier: BSD-3-Clause
// --tag-output: each PE's stdout and stderr go through a pipe to the launcher, which writes every
// line to its own stdout/stderr as "[pe N] line" with one write(), so lines never mix mid-line.
#pragma once
#include <poll.h>

#include <string>
#include <vector>

namespace causeway::launcher {

class TaggedOutput {
 public:
  TaggedOutput() = default;
  TaggedOutput(const TaggedOutput&) = delete;
  TaggedOutput& operator=(const TaggedOutput&) = delete;
  ~TaggedOutput();

  // Makes the 2 * np pipes; lines are tagged with first_rank + the PE's index. Returns false (errno
  // set) on failure.
  bool create(int np, int first_rank = 0);
  bool active() const { return !streams_.empty(); }

  // Parent, right after forking PE `pe`: drop the write ends it now owns.
  void close_write_ends(int pe);
  // Child of PE `pe`, before exec: its pipes become fds 1 and 2; every other pipe end is closed.
  void become_child(int pe);

  // Adds the open read ends to `fds`; `owner` receives the matching stream index for each.
  void add_poll_fds(std::vector<pollfd>* fds, std::vector<int>* owner) const;
  // Reads what stream `index` has (it polled readable or hung up) and prints complete lines.
  void on_readable(int index);
  // PE `pe` has exited: print the complete lines it left in its pipes (before reporting its exit).
  void drain(int pe);
  // After every PE is gone: reads what is left in the pipes, prints partial last lines, closes all.
  void finish();

 private:
  struct Stream {
    int pe = 0;
    int target = 1;  // launcher fd the lines go to
    int read_fd = -1;
    int write_fd = -1;
    std::string pending;  // bytes after the last newline
  };
  enum class ReadResult { data, empty, closed };  // closed: end of file or a hard error
  ReadResult read_some(Stream& s);
  void emit_lines(Stream& s, bool flush_partial);
  void close_read(Stream& s);

  std::vector<Stream> streams_;  // stream 2*pe is stdout, 2*pe+1 is stderr
};

}  // namespace causeway::launcher
