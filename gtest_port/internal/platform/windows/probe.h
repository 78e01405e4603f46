// File: gtest_port/internal/platform/windows/probe.h
//
// Checks that a claimed port is really free on Windows: that no process --
// gtest_port user or not -- has a TCP or UDP socket on it. It binds the port
// on the IPv4 wildcard 0.0.0.0 and, where the host has IPv6, on the IPv6
// wildcard [::] (with IPV6_V6ONLY set, the Windows default, so the two
// families are probed separately), TCP then UDP, and closes each socket at
// once (closesocket).
//
// Every probe socket sets SO_EXCLUSIVEADDRUSE before bind. Without it a
// wildcard bind on Windows can succeed next to a socket that set
// SO_REUSEADDR, i.e. the probe would call a port free that a server is
// using; with it the bind fails whenever any socket has the port, on any
// address. Sockets are created with WSA_FLAG_NO_HANDLE_INHERIT, so a child
// process started meanwhile never inherits one.
//
// Example:
//
//   absl::StatusOr<PortProbe> probe = ProbePort(20123);
//   if (!probe.ok()) return probe.status();
//   if (!probe->free) std::cerr << "20123 is busy: " << probe->busy_on << "\n";
//
// All functions are thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PROBE_H_
#define GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PROBE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gtest_port_internal::windows {

struct PortProbe {
  bool free = false;
  // When !free: the first bind that was refused and why, e.g.
  // "TCP [::]: WSAEADDRINUSE".
  std::string busy_on;
};

// Whether the host can create IPv6 sockets; asked once per process.
bool HostHasIpv6();

// `port` is free when TCP and UDP can both be bound on it on every address
// family the host has; busy when a bind fails with WSAEADDRINUSE or WSAEACCES
// (another socket, an exclusive socket, or a port the system excluded); an
// error when the probe itself failed (Winsock missing, out of sockets).
// Port 0 is InvalidArgument: it would bind an ephemeral port.
absl::StatusOr<PortProbe> ProbePort(uint16_t port);

// Whether the loopback address `address` (IPv4, host byte order) is free for
// a server on each of `ports`: TCP and UDP can both be bound on
// address:port, with SO_EXCLUSIVEADDRUSE (so a wildcard socket on the port
// makes it busy too). With no ports, whether the address itself can be
// bound (TCP on address:0). FailedPrecondition when the host does not have
// the address (WSAEADDRNOTAVAIL); another error when the probe failed.
absl::StatusOr<bool> ProbeAddress(uint32_t address,
                                  const std::vector<uint16_t>& ports);

// E.g. "TCP+UDP on 0.0.0.0 and [::], SO_EXCLUSIVEADDRUSE".
std::string DescribeProbe();

}  // namespace gtest_port_internal::windows

#endif  // GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PROBE_H_
