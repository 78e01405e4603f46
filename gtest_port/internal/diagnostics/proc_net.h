// File: gtest_port/internal/diagnostics/proc_net.h
//
// What Linux's /proc says about who uses a port, for DescribePortUser() and
// `gtest-port`:
//
//   * /proc/net/unix lists the gtest_port claims of this network namespace:
//     an abstract socket "@gtest_port/v1/<port>" and its inode;
//   * /proc/net/{tcp,tcp6,udp,udp6} list the TCP and UDP sockets, with their
//     local address, state, owner's uid and inode;
//   * /proc/<pid>/fd links to "socket:[<inode>]" for each socket a process
//     holds, and to "/memfd:gtest_port/v1/reservations" for the table in
//     which a gtest_port process publishes the test behind each reservation
//     (see platform/published_table.h);
//   * /proc/<pid>/cmdline is the command line.
//
// The tables are scoped to the reader's network namespace, exactly like
// ports and claims. Another user's /proc/<pid>/fd is not readable without
// privileges; a scan counts such processes instead of failing, so callers can
// say "pid unknown (not permitted)".
//
// Every function takes the /proc root ("/proc" in production) so that the
// parsers and the scan can also be run over a directory tree a test made.
//
// Example:
//
//   absl::StatusOr<std::vector<ClaimSocket>> claims =
//       ReadClaimSockets("/proc");
//   absl::flat_hash_set<uint64_t> inodes;
//   for (const ClaimSocket& c : *claims) inodes.insert(c.inode);
//   absl::StatusOr<DescriptorScan> scan = ScanDescriptors("/proc", inodes);
//   // scan->socket_owners[c.inode] are the pids holding port c.port's claim.
//
// These are free functions without shared state: thread-safe.

#ifndef GTEST_PORT_INTERNAL_DIAGNOSTICS_PROC_NET_H_
#define GTEST_PORT_INTERNAL_DIAGNOSTICS_PROC_NET_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gtest_port_internal {

// A gtest_port claim: the abstract socket "@gtest_port/v1/<port>".
struct ClaimSocket {
  uint16_t port = 0;
  uint64_t inode = 0;
};

// Parses the text of /proc/net/unix and returns its gtest_port claims.
// InvalidArgument, naming the line, when the text is not in that format.
absl::StatusOr<std::vector<ClaimSocket>> ParseClaimSockets(
    absl::string_view proc_net_unix);

// Reads <proc_root>/net/unix.
absl::StatusOr<std::vector<ClaimSocket>> ReadClaimSockets(
    absl::string_view proc_root);

// A loopback address claim: the abstract socket
// "@gtest_port/v1/addr/127.1.0.7".
struct AddressClaimSocket {
  uint32_t address = 0;  // IPv4, host byte order.
  uint64_t inode = 0;
};

// Parses the text of /proc/net/unix and returns its address claims; the
// same errors as ParseClaimSockets().
absl::StatusOr<std::vector<AddressClaimSocket>> ParseAddressClaimSockets(
    absl::string_view proc_net_unix);

// Reads <proc_root>/net/unix for address claims.
absl::StatusOr<std::vector<AddressClaimSocket>> ReadAddressClaimSockets(
    absl::string_view proc_root);

// One line of /proc/net/{tcp,tcp6,udp,udp6}.
struct InetSocket {
  std::string protocol;       // "tcp", "tcp6", "udp" or "udp6".
  std::string local_address;  // "127.0.0.1", "::", "::ffff:127.0.0.1".
  uint16_t local_port = 0;
  std::string state;  // "LISTEN", "ESTABLISHED", "TIME_WAIT", ...;
                      // "" for an unconnected UDP socket.
  uid_t uid = 0;
  uint64_t inode = 0;  // 0: no process owns it (e.g. TIME_WAIT).

  // "tcp 127.0.0.1:20001 LISTEN", "udp6 [::]:20001".
  std::string ToString() const;
};

// Parses the text of one of those tables; `protocol` names it.
absl::StatusOr<std::vector<InetSocket>> ParseInetSockets(
    absl::string_view text, absl::string_view protocol);

// The sockets of all four tables whose local port is `port`. A table the
// host does not have (no IPv6) is skipped.
absl::StatusOr<std::vector<InetSocket>> ReadInetSocketsOnPort(
    absl::string_view proc_root, uint16_t port);

// The result of one pass over <proc_root>/<pid>/fd for every process.
struct DescriptorScan {
  // For each wanted socket inode, the pids holding it (ascending; several
  // after fork). Inodes no visible process holds are absent.
  absl::flat_hash_map<uint64_t, std::vector<pid_t>> socket_owners;
  // Paths "<proc_root>/<pid>/fd/<n>" of published reservation tables.
  absl::flat_hash_map<pid_t, std::vector<std::string>> tables;
  // Processes whose descriptors could not be read (another user's).
  int unreadable_processes = 0;
};

// Scans every process once; `socket_inodes` are the sockets to look for.
absl::StatusOr<DescriptorScan> ScanDescriptors(
    absl::string_view proc_root,
    const absl::flat_hash_set<uint64_t>& socket_inodes);

// The most of a command line ReadCommandLine() reads.
inline constexpr size_t kMaxCommandLine = 4096;

// The command line of `pid` (its first kMaxCommandLine bytes; the NUL bytes
// a process that rewrote it leaves at its end are dropped), arguments joined
// by spaces and quoted for a POSIX shell where needed, escaped where a
// terminal could act on them; "[name]" for a kernel thread. NotFound when the
// process is gone, PermissionDenied when it may not be read.
absl::StatusOr<std::string> ReadCommandLine(absl::string_view proc_root,
                                            pid_t pid);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_DIAGNOSTICS_PROC_NET_H_
