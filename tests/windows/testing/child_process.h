// File: tests/windows/testing/child_process.h
//
// ChildProcess starts one of the test helper programs (claim_holder.exe,
// socket_holder.exe, found next to the test executable) with pipes on its
// standard input and output, reads the lines it prints, and ends it. The
// child runs in a job object that kills it when the ChildProcess goes away,
// so a failing test leaves nothing running; the destructor also reaps it.
//
// The child is created with bInheritHandles = TRUE and no handle list, as
// most programs start servers: only handles marked inheritable reach it,
// which is what the claim tests check about claim handles.
//
// Example:
//
//   absl::StatusOr<ChildProcess> holder =
//       ChildProcess::Start(L"claim_holder.exe", {"global", "40001"});
//   EXPECT_THAT(holder->ReadLine(absl::Seconds(30)), IsOkAndHolds("CLAIMED 40001"));
//   ASSERT_TRUE(holder->Terminate().ok());
//
// This class is thread-compatible.

#ifndef GTEST_PORT_TESTS_WINDOWS_TESTING_CHILD_PROCESS_H_
#define GTEST_PORT_TESTS_WINDOWS_TESTING_CHILD_PROCESS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest_port/internal/platform/windows/unique_handle.h"

namespace gtest_port_testing_windows {

// The directory of the running executable, with a trailing backslash.
std::wstring ExecutableDirectory();

class ChildProcess final {
 public:
  // Starts ExecutableDirectory() + `program` with `args` (quoted as needed).
  static absl::StatusOr<ChildProcess> Start(const std::wstring& program,
                                            const std::vector<std::string>& args);

  ChildProcess(ChildProcess&&) noexcept = default;
  ChildProcess& operator=(ChildProcess&&) noexcept = default;
  ~ChildProcess();

  // The next line of output without "\r\n". DeadlineExceeded after
  // `timeout`; OutOfRange when the child closed its output first; lines
  // longer than 4096 bytes are an error.
  absl::StatusOr<std::string> ReadLine(absl::Duration timeout);

  // Closes the child's standard input: the helpers exit on EOF.
  void CloseStdin() { stdin_.reset(); }

  // TerminateProcess, then waits until the process is gone.
  absl::Status Terminate();

  // Waits for the process to exit; its exit code.
  absl::StatusOr<uint32_t> Wait(absl::Duration timeout);

  uint32_t pid() const { return pid_; }

 private:
  ChildProcess() = default;

  gtest_port_internal::windows::UniqueHandle job_;
  gtest_port_internal::windows::UniqueHandle process_;
  gtest_port_internal::windows::UniqueHandle stdin_;
  gtest_port_internal::windows::UniqueHandle stdout_;
  uint32_t pid_ = 0;
  std::string buffered_;
};

}  // namespace gtest_port_testing_windows

#endif  // GTEST_PORT_TESTS_WINDOWS_TESTING_CHILD_PROCESS_H_
