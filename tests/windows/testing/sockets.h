// File: tests/windows/testing/sockets.h
//
// Real sockets for the Windows tests: a TCP listener or UDP socket bound to
// an address and port with the reuse option under test, the way servers
// hold ports.
//
// Example:
//
//   absl::StatusOr<UniqueSocket> server =
//       BindSocket(SocketKind::kTcp, "127.0.0.1", 0, SocketReuse::kNone);
//   uint16_t port = *BoundPort(server->get());
//
// All functions are thread-safe.

#ifndef GTEST_PORT_TESTS_WINDOWS_TESTING_SOCKETS_H_
#define GTEST_PORT_TESTS_WINDOWS_TESTING_SOCKETS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest_port/internal/platform/windows/unique_handle.h"

namespace gtest_port_testing_windows {

enum class SocketKind { kTcp, kUdp };
enum class SocketReuse { kNone, kReuseAddr, kExclusive };

// `address` is a numeric IPv4 or IPv6 address ("0.0.0.0", "::1"); port 0
// picks a free one. TCP sockets listen.
absl::StatusOr<gtest_port_internal::windows::UniqueSocket> BindSocket(
    SocketKind kind, absl::string_view address, uint16_t port,
    SocketReuse reuse);

absl::StatusOr<uint16_t> BoundPort(SOCKET socket);

// "tcp4" -> {kTcp, "0.0.0.0"}, "udp6" -> {kUdp, "::"}, ... InvalidArgument
// for anything else.
struct SocketSpec {
  SocketKind kind;
  const char* address;
};
absl::StatusOr<SocketSpec> ParseSocketSpec(absl::string_view text);

}  // namespace gtest_port_testing_windows

#endif  // GTEST_PORT_TESTS_WINDOWS_TESTING_SOCKETS_H_
