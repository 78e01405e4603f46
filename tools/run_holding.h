// File: tools/run_holding.h
//
// How `gtest-port reserve` runs COMMAND while it holds the ports: the
// process's environment without what an enclosing `gtest-port reserve` set
// (GTEST_PORT, GTEST_PORT_<n>), plus the new port variables; the command's
// exit status as a shell reports it. One implementation per OS:
// run_holding_posix.cc (posix_spawnp; SIGTERM, SIGHUP, SIGINT and SIGQUIT
// passed on) and run_holding_windows.cc (CreateProcessW; Ctrl+C and
// Ctrl+Break reach the command through the shared console). The claims are
// never inherited: they are close-on-exec descriptors / non-inheritable
// handles.
//
// Example:
//
//   return gtest_port_cli::RunHolding({"sh", "-c", "./server $GTEST_PORT"},
//                                     {"GTEST_PORT_0=20001", "GTEST_PORT=20001"});
//
// Thread-compatible: one call at a time per process (the POSIX version
// installs signal handlers).

#ifndef GTEST_PORT_TOOLS_RUN_HOLDING_H_
#define GTEST_PORT_TOOLS_RUN_HOLDING_H_

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace gtest_port_cli {

// What `reserve` exits with when COMMAND did not run.
inline constexpr int kCannotExecute = 126;
inline constexpr int kNotFound = 127;

// Runs `argv` (argv[0] looked up on PATH) with `env` ("NAME=value") added
// to this process's environment; returns COMMAND's exit status (POSIX:
// 128+N when signal N killed it), kNotFound / kCannotExecute with a line on
// stderr when it could not be started, 1 when waiting for it failed.
int RunHolding(const std::vector<std::string>& argv,
               const std::vector<std::string>& env);

// GTEST_PORT=... or GTEST_PORT_<digits>=...: what an enclosing `gtest-port
// reserve` set, replaced as a whole.
inline bool IsPortVariable(absl::string_view entry) {
  if (!absl::ConsumePrefix(&entry, "GTEST_PORT")) return false;
  if (absl::StartsWith(entry, "=")) return true;
  if (!absl::ConsumePrefix(&entry, "_")) return false;
  const size_t digits = entry.find_first_not_of("0123456789");
  return digits != 0 && digits != absl::string_view::npos &&
         entry[digits] == '=';
}

}  // namespace gtest_port_cli

#endif  // GTEST_PORT_TOOLS_RUN_HOLDING_H_
