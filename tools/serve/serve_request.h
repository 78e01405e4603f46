// File: tools/serve/serve_request.h
//
// The requests `gtest-port serve` accepts, parsed from the bytes a client
// sent, with no system calls: a pure function a fuzzer can drive.
//
// The port server protocol (Python portpicker's `portserver`) is one line,
// the decimal pid the port is for: "1234\n". The Python server reads it with
// one read of at most 100 bytes, refuses more than 20 bytes, and parses it
// with Python's int(), which allows surrounding ASCII whitespace, one sign and
// underscores between digits. ParseServeRequest() accepts exactly that, so
// every portpicker client works unchanged.
//
// Extensions, all refused by the Python server (its int() fails, so it
// closes without a reply) and so safe to try against any server:
//
//   "+PID\n"                  a port for PID; the client claims the port in
//                             gtest_port's name space itself, so the server
//                             does not hold the claim for it. Python's int()
//                             reads "+1234" as 1234: to the Python server it
//                             is a plain request.
//   "gtest_port/1 port\n"     a port for the connecting process, whatever
//                             its PID namespace (the client claims it).
//   "gtest_port/1 block N\n"  N consecutive ports (1 <= N <= 64) for the
//                             connecting process; the reply is the first.
//   "gtest_port/1 stats\n"    the server's statistics, "name value" lines.
//
// Example:
//
//   absl::StatusOr<ServeRequest> r = ParseServeRequest("1234\n");
//   // r->kind == ServeRequest::kPort, r->pid == 1234
//   if (RequestComplete(buffered, /*eof=*/false)) { ... parse it ... }
//
// All functions are thread-safe.

#ifndef GTEST_PORT_TOOLS_SERVE_SERVE_REQUEST_H_
#define GTEST_PORT_TOOLS_SERVE_SERVE_REQUEST_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gtest_port_serve {

// The most bytes a request may have; more is malformed (Python reads 100).
inline constexpr size_t kMaxRequestBytes = 100;
// The most bytes a classic "PID" request may have (Python's limit).
inline constexpr size_t kMaxClassicRequestBytes = 20;
// The largest block an extension request may ask for.
inline constexpr int kMaxBlockPorts = 64;
// What starts every extension request.
inline constexpr absl::string_view kExtensionPrefix = "gtest_port/1 ";

// What the accepted requests look like, for error messages.
inline constexpr absl::string_view kRequestSyntax =
    "expected \"PID\\n\" (at most 20 bytes), \"+PID\\n\", "
    "\"gtest_port/1 port\\n\", \"gtest_port/1 block N\\n\" (1 <= N <= 64) "
    "or \"gtest_port/1 stats\\n\"";

struct ServeRequest {
  enum Kind { kPort, kBlock, kStats };
  Kind kind = kPort;
  // The pid the client wrote; 0 for extension requests, which name no pid
  // (the server uses the connecting process).
  int64_t pid = 0;
  // Ports asked for: 1, or N for kBlock.
  int count = 1;
  // The client claims the ports in gtest_port's name space itself ("+PID" and
  // extension requests): the server checks and records them but holds no
  // claim for it.
  bool client_claims = false;
};

// Parses a whole request. InvalidArgument for anything not in the protocol,
// quoting the request (escaped, cut to 40 bytes) and saying what is accepted.
// A pid <= 0 is InvalidArgument too (Python's server refuses it).
absl::StatusOr<ServeRequest> ParseServeRequest(absl::string_view request);

// Whether `buffered`, what a connection has sent so far, is a whole request:
// it holds a newline, the client closed its side (`eof`), it reached
// kMaxRequestBytes, or it already is a valid classic "PID" request without a
// newline (the Python server answers that too, as it reads only once).
bool RequestComplete(absl::string_view buffered, bool eof);

}  // namespace gtest_port_serve

#endif  // GTEST_PORT_TOOLS_SERVE_SERVE_REQUEST_H_
