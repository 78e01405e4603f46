// Tests of gtest_port/internal/platform/windows/run_command.h with real programs:
// socket_holder.exe (next to this test) and the system's cmd.exe.

#include "gtest_port/internal/platform/windows/run_command.h"

#include <windows.h>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/windows/testing/child_process.h"

namespace gtest_port_internal::windows {
namespace {

using ::gtest_port_testing_windows::ExecutableDirectory;
using ::testing::EndsWith;
using ::testing::HasSubstr;

std::wstring Helper() {
  return L"\"" + ExecutableDirectory() + L"socket_holder.exe\"";
}

TEST(RunCommandTest, CapturesOutputAndExitCode) {
  // Bad arguments: usage on stderr, exit code 2.
  absl::StatusOr<CommandResult> result =
      RunCommand(Helper() + L" nonsense", absl::Seconds(60));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 2u);
  EXPECT_THAT(result->output, HasSubstr("usage: socket_holder"));
  EXPECT_FALSE(result->truncated);
}

TEST(RunCommandTest, ChildSeesEndOfInputAtOnce) {
  // socket_holder holds its port until stdin closes; stdin is NUL.
  absl::StatusOr<CommandResult> result =
      RunCommand(Helper() + L" tcp4 0", absl::Seconds(60));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 0u);
  EXPECT_THAT(result->output, HasSubstr("READY"));
}

TEST(RunCommandTest, KillsAProgramThatRunsTooLong) {
  const absl::Time start = absl::Now();
  absl::StatusOr<CommandResult> result =
      RunCommand(Helper() + L" tcp4 0 forever", absl::Seconds(3));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("killed"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(60));
}

TEST(RunCommandTest, MissingProgramIsAnError) {
  absl::StatusOr<CommandResult> result = RunCommand(
      L"\"" + ExecutableDirectory() + L"no_such_program.exe\"", absl::Seconds(10));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound)
      << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("no_such_program.exe"));
}

TEST(RunCommandTest, KeepsAtMostMaxOutputBytes) {
  absl::StatusOr<CommandResult> result =
      RunCommand(Helper() + L" tcp4 0", absl::Seconds(60), /*max_output=*/4);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->output, "PORT");
  EXPECT_TRUE(result->truncated);
  EXPECT_EQ(result->exit_code, 0u) << "the rest was not drained";
}

TEST(SystemProgramPathTest, IsInTheSystemDirectory) {
  wchar_t directory[MAX_PATH];
  const UINT length = ::GetSystemDirectoryW(directory, MAX_PATH);
  ASSERT_GT(length, 0u);
  EXPECT_EQ(SystemProgramPath(L"netsh.exe"),
            std::wstring(directory, length) + L"\\netsh.exe");
}

}  // namespace
}  // namespace gtest_port_internal::windows
