// File: tools/serve/serve_command.h
//
// The `gtest-port serve` command line: parses its flags, then either runs a
// PortServerDaemon until SIGTERM or, with --stats, asks a running server for
// its statistics. Kept apart from tools/gtest_port_cli.cc, which only
// dispatches to ServeCommand().
//
// Example:
//
//   // gtest-port serve --address=@unittest-portserver --range=15000-24999
//   return gtest_port_serve::ServeCommand({"--range=15000-24999"});
//
// ServeCommand() is meant for a single-threaded process's main thread.

#ifndef GTEST_PORT_TOOLS_SERVE_SERVE_COMMAND_H_
#define GTEST_PORT_TOOLS_SERVE_SERVE_COMMAND_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace gtest_port_serve {

// `gtest-port serve --help`.
extern const absl::string_view kServeHelp;

// Runs `gtest-port serve ARGS...`; returns the exit status: 0 after a clean
// shutdown (or stats printed), 1 on failure, 2 on a usage error.
int ServeCommand(const std::vector<std::string>& args);

}  // namespace gtest_port_serve

#endif  // GTEST_PORT_TOOLS_SERVE_SERVE_COMMAND_H_
