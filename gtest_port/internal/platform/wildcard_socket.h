// File: gtest_port/internal/platform/wildcard_socket.h
//
// OpenWildcardSocket() makes the socket behind gtest_port::ListeningSocket: a
// TCP listener or a UDP socket bound to a port on every address of the host,
// close-on-exec. It is the POSIX half of ReserveListeningSocket(); the port
// comes from the engine (claimed and probed) before it is called.
//
// Where the host has IPv6 the socket is one dual-stack socket on "[::]" with
// IPV6_V6ONLY cleared, so IPv4 clients reach it too (as ::ffff:a.b.c.d);
// where it has none (socket(AF_INET6) fails with EAFNOSUPPORT) it is bound
// to 0.0.0.0.
//
// Example:
//
//   absl::StatusOr<UniqueFd> fd =
//       OpenWildcardSocket(System::Real(), WildcardSocketType::kTcpListener, port);
//   if (!fd.ok()) return fd.status();   // e.g. EMFILE, naming the call
//   if (!fd->valid()) { /* a process outside gtest_port took the port */ }
//
// POSIX only (Windows has no ListeningSocket yet). Thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_WILDCARD_SOCKET_H_
#define GTEST_PORT_INTERNAL_PLATFORM_WILDCARD_SOCKET_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "gtest_port/internal/platform/system.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_internal {

enum class WildcardSocketType {
  kTcpListener,  // SOCK_STREAM, bound and listen()ing (backlog SOMAXCONN).
  kUdp,          // SOCK_DGRAM, bound.
};

// A socket of `type` bound to `port` on the wildcard address, close-on-exec.
// An empty UniqueFd when bind(2) fails with EADDRINUSE (another socket holds
// the port: the caller tries another port); an error naming the call
// ("socket", "setsockopt", "bind", "listen") for anything else.
absl::StatusOr<UniqueFd> OpenWildcardSocket(System& system,
                                            WildcardSocketType type,
                                            uint16_t port);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_PLATFORM_WILDCARD_SOCKET_H_
