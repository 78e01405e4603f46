// File: gtest_port/internal/engine/portserver_client.h
//
// PortServerClient asks a port server for one port, speaking the protocol of
// Python portpicker's `portserver` (Debian: python3-portpicker), which many CI
// hosts run and name in PORTSERVER_ADDRESS:
//
//   1. connect a SOCK_STREAM AF_UNIX socket to the address; "@name" is the
//      abstract socket "\0name", "/path" a socket file;
//   2. send the decimal pid of the process the port is for and "\n", in ONE
//      send (the server reads its request with a single read);
//   3. read the reply until the server closes: a decimal port and "\n", or
//      nothing at all, which is a refusal (its pool is used up, or it does
//      not accept the pid).
//
// The server hands a port to a pid and takes it back only once that process
// has died; there is no release message. Keeping released ports for reuse is
// therefore the caller's business (PortServerSource keeps a free list).
//
// The pid only means something to the server when both processes live in the
// same PID namespace. Under Bazel's sandbox, in containers and after
// `unshare --pid`, a test's pid is not the one the server sees, so the server
// would refuse it or, worse, file the port under an unrelated process. The
// client detects this on the connected socket itself: SO_PEERCRED reports the
// server's pid translated into this process's PID namespace, and the kernel
// reports 0 when the server lives in a namespace this process cannot see
// (an outer one). That is exact, costs one getsockopt, and does not depend on
// which /proc is mounted -- unlike comparing /proc/self/ns/pid with pid 1's,
// which is equal inside a sandbox whose pid 1 shares the test's namespace. A
// server started inside the same sandbox is visible and works.
//
// `gtest-port serve` extends the protocol compatibly (docs/serve.md): the
// client sends "+PID\n" (Python's server reads "+1234" as 1234; ours learns
// that this process claims the port itself), and where the server is in a PID
// namespace this process cannot see, "gtest_port/1 port\n": ours identifies
// the client by SO_PEERCRED and answers, Python's refuses (empty reply), and
// the client reports FailedPrecondition as before. RequestBlock() asks for
// consecutive ports with "gtest_port/1 block N\n", which only ours serves.
//
// Every request is bounded by the timeout (connect, send and reply together):
// a server that accepts and never answers gives DeadlineExceeded, never a
// hang.
//
// Example:
//
//   PortServerClient client("@unittest-portserver", absl::Seconds(2));
//   absl::StatusOr<uint16_t> port = client.RequestPort(::getpid());
//   if (!port.ok()) { /* unreachable, refused, timed out: fall back */ }
//
// This class is thread-safe: it holds no state between requests.

#ifndef GTEST_PORT_INTERNAL_ENGINE_PORTSERVER_CLIENT_H_
#define GTEST_PORT_INTERNAL_ENGINE_PORTSERVER_CLIENT_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gtest_port/internal/platform/system.h"

namespace gtest_port_internal {

// How long one request may take when Options::portserver_timeout is unset.
inline constexpr absl::Duration kDefaultPortServerTimeout = absl::Seconds(2);

// The largest block RequestBlock() asks for (what `gtest-port serve` serves).
inline constexpr int kMaxPortServerBlock = 64;

// What a port server address must look like, for error messages.
inline constexpr char kPortServerAddressSyntax[] =
    "expected \"@name\" (an abstract Unix socket) or \"/path\" (a Unix socket "
    "file), at most 108 bytes with the \"@\" or 107 for a path";

// OK when `address` names an AF_UNIX socket the client can connect to:
// "@name" or "/path", short enough for sockaddr_un, no NUL byte. Otherwise
// InvalidArgument saying what is wrong (the caller adds which setting).
absl::Status ValidatePortServerAddress(absl::string_view address);

// Parses the server's reply: the decimal port 1-65535 and one optional
// trailing "\n" (or "\r\n"). Errors:
//   * ResourceExhausted for an empty reply ("" or a bare "\n"): the server
//     refused;
//   * InvalidArgument for anything else, quoting the reply (escaped, cut to
//     a readable length).
// Total and allocation-light on any input, so a fuzzer can call it.
absl::StatusOr<uint16_t> ParsePortServerReply(absl::string_view reply);

class PortServerClient {
 public:
  // `address` must pass ValidatePortServerAddress(); `timeout` > 0. Its
  // system calls go through `system`, which must outlive the client.
  PortServerClient(std::string address, absl::Duration timeout,
                   System& system = System::Real());

  // Asks the server for a port for process `pid`. Errors:
  //   * Unavailable: nothing listens at the address (or connect failed);
  //   * DeadlineExceeded: no complete reply within the timeout;
  //   * FailedPrecondition: the server runs in a PID namespace this process
  //     cannot see, so `pid` would not name this process there, and it
  //     refused the request that names no pid (Python's server does);
  //   * ResourceExhausted: the server refused (empty reply);
  //   * InvalidArgument: the reply is not a port (see ParsePortServerReply);
  //   * ResourceExhausted for EMFILE/ENFILE, and the errno status of any
  //     other failed call.
  // Every message names the address.
  absl::StatusOr<uint16_t> RequestPort(pid_t pid) const;

  // Asks for `count` (1-64) consecutive ports for this process; returns the
  // first. Only `gtest-port serve` serves blocks: another server's refusal
  // is ResourceExhausted, as is ours when no such block is free. The other
  // errors are RequestPort()'s.
  absl::StatusOr<uint16_t> RequestBlock(int count) const;

  const std::string& address() const { return address_; }
  absl::Duration timeout() const { return timeout_; }

 private:
  // One request: "+PID" (block == 0, server visible), "gtest_port/1 port"
  // (block == 0, server in a PID namespace this process cannot see) or
  // "gtest_port/1 block N" (block >= 1).
  absl::StatusOr<uint16_t> Request(pid_t pid, int block) const;

  const std::string address_;
  const absl::Duration timeout_;
  System& system_;
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_ENGINE_PORTSERVER_CLIENT_H_
