// File: gtest_port/internal/platform/windows/run_command.h
//
// Runs a system program (netsh) and captures what it prints, for the facts
// Windows only reports that way. The program runs in a job object that kills
// it and everything it starts when the call returns, so nothing outlives the
// call, whether the program ends, times out or the call fails. Its standard
// input is NUL, standard output and error go to one pipe; at most
// `max_output` bytes are kept (the rest is read and dropped, so the program
// never blocks on a full pipe), and `truncated` says so.
//
// Only the pipe's write end is passed to the child
// (PROC_THREAD_ATTRIBUTE_HANDLE_LIST); it is inheritable only while
// CreateProcessW runs.
//
// Example:
//
//   absl::StatusOr<CommandResult> result = RunCommand(
//       SystemProgramPath(L"netsh.exe") + L" int ipv4 show dynamicport tcp",
//       absl::Seconds(10));
//   if (result.ok() && result->exit_code == 0) Parse(result->output);
//
// All functions are thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_RUN_COMMAND_H_
#define GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_RUN_COMMAND_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace gtest_port_internal::windows {

struct CommandResult {
  uint32_t exit_code = 0;
  std::string output;  // stdout and stderr, raw bytes (console code page)
  bool truncated = false;
};

// `command_line` is passed to CreateProcessW as is (quote arguments with
// spaces yourself). DeadlineExceeded when the program runs longer than
// `timeout` (it is killed); the Win32 error when it cannot be started
// (NotFound for a missing program).
absl::StatusOr<CommandResult> RunCommand(const std::wstring& command_line,
                                         absl::Duration timeout,
                                         size_t max_output = 64 * 1024);

// "<system directory>\<program>", e.g. L"C:\\Windows\\system32\\netsh.exe",
// so that a program of the same name on PATH or in the current directory is
// never run instead.
std::wstring SystemProgramPath(const std::wstring& program);

}  // namespace gtest_port_internal::windows

#endif  // GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_RUN_COMMAND_H_
