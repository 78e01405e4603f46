// File: tests/testing/subprocess.h
//
// Child processes for gtest_port's own tests: start a real program with extra
// environment variables, read its output line by line, signal it, wait for
// it. Everything is bounded by a timeout, so a test that goes wrong fails
// instead of hanging, and the destructor kills and reaps a child that is
// still running, so nothing is left behind.
//
// Example:
//
//   absl::StatusOr<Subprocess> child = Subprocess::Start(
//       {HelperPath("port_holder"), "--count=2"}, {"GTEST_PORT_RANGE=20000-20001"});
//   absl::StatusOr<std::string> line = child->ReadLine(absl::Seconds(10));
//
// This class is thread-compatible.

#ifndef GTEST_PORT_TESTS_TESTING_SUBPROCESS_H_
#define GTEST_PORT_TESTS_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_testing {

// How a child ended.
struct ExitInfo {
  int exit_code = -1;     // When it exited.
  int term_signal = 0;    // When a signal killed it.
  std::string output;     // Everything it wrote to stdout and stderr.
};

class Subprocess {
 public:
  // Starts argv[0] (a path) with stdout and stderr on one pipe and stdin on
  // another. `env` entries "NAME=VALUE" are added to (or replace) this
  // process's environment; "NAME" alone removes NAME.
  //
  // Each {parent_fd, child_fd} of `pass_fds` is dup2()ed onto child_fd in
  // the child alone (posix_spawn's file actions), which leaves the copy
  // without FD_CLOEXEC: the child gets exactly these descriptors, every
  // other close-on-exec one stays behind. child_fd must be 3 or more.
  static absl::StatusOr<Subprocess> Start(
      const std::vector<std::string>& argv, const std::vector<std::string>& env,
      const std::vector<std::pair<int, int>>& pass_fds = {});

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&&) = delete;
  ~Subprocess();

  pid_t pid() const { return pid_; }

  // The next line of output, without the newline; DeadlineExceeded on
  // timeout, OutOfRange at end of output.
  absl::StatusOr<std::string> ReadLine(absl::Duration timeout);

  // Reads lines until one starts with `prefix`, returning it.
  absl::StatusOr<std::string> ReadLineStartingWith(const std::string& prefix,
                                                   absl::Duration timeout);

  // Closes the child's stdin (the helpers exit when it closes).
  void CloseStdin() { stdin_.reset(); }

  void Kill(int sig);

  // Waits for the child to end and collects its remaining output.
  absl::StatusOr<ExitInfo> Wait(absl::Duration timeout);

 private:
  Subprocess(pid_t pid, gtest_port_internal::UniqueFd out,
             gtest_port_internal::UniqueFd in)
      : pid_(pid), out_(std::move(out)), stdin_(std::move(in)) {}
  // Appends available output to buffer_; false at EOF.
  absl::StatusOr<bool> Fill(absl::Time deadline);

  pid_t pid_ = -1;
  gtest_port_internal::UniqueFd out_;
  gtest_port_internal::UniqueFd stdin_;
  std::string buffer_;   // Output read but not yet returned as lines.
  std::string all_;      // Everything read.
  bool eof_ = false;
};

// What a port-holding helper (port_holder, test_holder) printed before
// "READY": its "PORT p" lines, and every other line (warnings, "ERROR ...").
struct HolderOutput {
  std::vector<int> ports;
  std::string other;
};

// Reads `holder`'s output up to its "READY" line. An error when the output
// ends or times out first (the status carries the output so far).
absl::StatusOr<HolderOutput> ReadHolderOutput(Subprocess& holder,
                                              absl::Duration timeout);

// Runs a program to completion.
absl::StatusOr<ExitInfo> Run(const std::vector<std::string>& argv,
                             const std::vector<std::string>& env,
                             absl::Duration timeout);

// The path of a helper program built next to the running test binary.
std::string HelperPath(const std::string& name);

}  // namespace gtest_port_testing

#endif  // GTEST_PORT_TESTS_TESTING_SUBPROCESS_H_
