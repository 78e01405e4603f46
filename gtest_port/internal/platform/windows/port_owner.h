// File: gtest_port/internal/platform/windows/port_owner.h
//
// Who holds a port on Windows: the processes with a TCP or UDP socket on a
// local port, from the system's own socket tables (GetExtendedTcpTable /
// GetExtendedUdpTable with the owning process id, IPv4 and IPv6), and a
// process's image name where the caller may query it. The Windows
// counterpart of reading /proc/net/tcp and /proc/<pid>/fd: it is how a
// "port is busy" message names the culprit.
//
// The owner tables cost far more than the plain ones where the system has to
// search for each socket's process (Wine scans every process's descriptors:
// seconds on a host with a thousand sockets), so the plain table is read
// first and the owner table only when the port is in it. The result is a
// snapshot: sockets come and go while it is taken.
//
// FindTcpListeners() is the narrower question "does a server listen on this
// port?": only LISTEN sockets, from the listener tables
// (TCP_TABLE_BASIC_LISTENER, then TCP_TABLE_OWNER_PID_LISTENER for the pid
// only when the port is in it). A connection still closing (TIME_WAIT,
// FIN_WAIT, ...) or a socket bound but not listening is not in them, though
// either makes a SO_EXCLUSIVEADDRUSE bind fail.
//
// Example:
//
//   absl::StatusOr<std::vector<PortOwner>> owners =
//       FindPortOwners(Protocol::kTcp, 20123);
//   for (const PortOwner& owner : *owners) {
//     absl::StatusOr<std::string> image = ProcessImageName(owner.pid);
//     std::cerr << owner.pid << " " << (image.ok() ? *image : "?") << "\n";
//   }
//
// All functions are thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PORT_OWNER_H_
#define GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PORT_OWNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest_port/internal/platform/windows/protocol.h"

namespace gtest_port_internal::windows {

struct PortOwner {
  uint32_t pid = 0;
  bool ipv6 = false;
  // TCP: "LISTEN", "ESTABLISHED", "TIME_WAIT", ... (pid 0 for TIME_WAIT);
  // UDP: "".
  std::string state;
};

// Every socket on local port `port` of `protocol`, IPv4 then IPv6 (IPv6 is
// skipped when the host has none). Port 0 is InvalidArgument.
absl::StatusOr<std::vector<PortOwner>> FindPortOwners(Protocol protocol,
                                                      uint16_t port);

// The TCP sockets listening on local port `port`, IPv4 then IPv6 (IPv6
// skipped when the host has none); every row's state is "LISTEN". Rows are
// validated against the size of the table the system returned. Port 0 is
// InvalidArgument.
absl::StatusOr<std::vector<PortOwner>> FindTcpListeners(uint16_t port);

// The full path of `pid`'s executable, UTF-8 (QueryFullProcessImageNameW
// with PROCESS_QUERY_LIMITED_INFORMATION). NotFound when no such process;
// PermissionDenied for processes this user may not query (system services
// of other sessions); InvalidArgument for pid 0 (the idle process) and 4
// (System), which have no image file.
absl::StatusOr<std::string> ProcessImageName(uint32_t pid);

}  // namespace gtest_port_internal::windows

#endif  // GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PORT_OWNER_H_
