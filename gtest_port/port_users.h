// File: gtest_port/port_users.h
//
// DescribePortUser() answers "who has port N right now?" on this host (this
// network namespace): a gtest_port reservation -- which process holds it,
// its command line and, where known, the test that reserved it -- or a
// foreign process with a TCP or UDP socket on the port, or nobody. It is what
// `gtest-port who N` prints, and what to call from a test that just got
// "Address already in use":
//
//   absl::StatusOr<gtest_port::PortUser> user =
//       gtest_port::DescribePortUser(port);
//   ADD_FAILURE() << (user.ok() ? user->ToString()
//                               : user.status().ToString());
//   // port 20001: reserved by gtest_port in pid 4242 (./echo_test), test
//   //   EchoTest.Roundtrip; sockets: tcp 127.0.0.1:20001 LISTEN (pid 977 ...)
//
// ListPortReservations() lists every gtest_port reservation held right now
// (`gtest-port list`).
//
// How it knows (Linux): a reservation is the abstract socket
// "@gtest_port/v1/<port>" in /proc/net/unix; its inode leads, through
// /proc/<pid>/fd, to the holding process. The test name comes from the
// small table each gtest_port process publishes (a memfd, read through the
// holder's /proc/<pid>/fd; see internal/platform/published_table.h), read
// as untrusted input. Foreign
// sockets come from /proc/net/{tcp,tcp6,udp,udp6}. A process of another
// user cannot be inspected without privileges: its pid is then reported as
// unknown ("not permitted") instead of failing.
//
// Lock-file claims (GTEST_PORT_LOCK_DIR, and the portable POSIX back-end,
// e.g. macOS, whose default is /var/tmp/gtest_port): a held, i.e. locked,
// "<port>.lock" in that directory is a reservation, and its holder wrote its
// pid into it (read as untrusted input; see
// internal/diagnostics/lock_file_reader.h). The portable back-end reads no
// /proc for claims; where the OS has no /proc (macOS) a foreign socket's
// process cannot be named and the answer says so.
//
// Windows: a reservation is the named object "Global\gtest_port/v1/<port>"
// (or "Local\..."), which the system does not attribute to a process, so a
// reservation's pid is always unknown; ListPortReservations() looks up each
// port's object by name (65535 lookups per namespace: about 8 s under Wine).
// Sockets and their owning pids come from GetExtendedTcpTable/UdpTable.
//
// Both functions are thread-safe.

#ifndef GTEST_PORT_PORT_USERS_H_
#define GTEST_PORT_PORT_USERS_H_

#include <sys/types.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest_port/export.h"

namespace gtest_port {

struct GTEST_PORT_EXPORT PortUser {
  enum class Kind {
    kNobody,     // No reservation and no TCP/UDP socket: free.
    kGtestPort,  // Held by a gtest_port reservation.
    kForeign,    // Not reserved, but a TCP or UDP socket uses it.
  };

  uint16_t port = 0;
  Kind kind = Kind::kNobody;
  // The process holding the reservation (kGtestPort) or the most telling
  // socket, a listener first (kForeign). 0 when unknown, and then
  // `pid_unknown_reason` says why, e.g. "not permitted".
  pid_t pid = 0;
  std::string pid_unknown_reason;
  std::string command_line;  // Of `pid`, quoted like a shell would need.
  // kGtestPort: "Suite.Name" of the test that reserved the port; empty when
  // unknown or when it was reserved outside any test (e.g. `gtest-port
  // reserve`, or a static).
  std::string test_name;
  // Every TCP/UDP socket on the port, e.g.
  // "tcp 127.0.0.1:20001 LISTEN (pid 977)". DescribePortUser() only.
  std::vector<std::string> sockets;

  // One line for humans, e.g. "port 20001: reserved by gtest_port in pid
  // 4242 (./echo_test), test EchoTest.Roundtrip".
  std::string ToString() const;

  // ToString(): what GoogleTest prints for a PortUser (operator<<, as
  // Debian's Abseil 20220623 has no AbslStringify).
  friend std::ostream& operator<<(std::ostream& os, const PortUser& user) {
    return os << user.ToString();
  }
};

// Who uses `port` now. InvalidArgument for port 0; on Linux, an error when
// /proc cannot be read at all (no /proc mounted).
GTEST_PORT_EXPORT absl::StatusOr<PortUser> DescribePortUser(uint16_t port);

// Every gtest_port reservation in this network namespace now, one entry per
// port, by port (kind kGtestPort; `sockets` is left empty). One pass over
// /proc/net/unix and one over /proc/*/fd.
GTEST_PORT_EXPORT absl::StatusOr<std::vector<PortUser>> ListPortReservations();

// Who holds a loopback address reserved by gtest_port::ReserveAddress(), for
// `gtest-port who 127.1.0.7` and `gtest-port list`.
//
// How it knows: on Linux the claim is the abstract socket
// "@gtest_port/v1/addr/127.1.0.7" in /proc/net/unix, whose inode leads
// through /proc/<pid>/fd to the holder; with lock-file claims
// (GTEST_PORT_LOCK_DIR, the portable back-end) it is a locked
// "addr-127.1.0.7.lock" in the lock directory, into which the holder wrote
// its pid. The test that reserved an address is not recorded yet.
// Windows: Unimplemented (`who` does not look addresses up there yet).
struct GTEST_PORT_EXPORT AddressUser {
  std::string address;     // Dotted, e.g. "127.1.0.7".
  bool reserved = false;   // Held by a gtest_port reservation now.
  // The holder; 0 when unknown, and then `pid_unknown_reason` says why.
  pid_t pid = 0;
  std::string pid_unknown_reason;
  std::string command_line;  // Of `pid`, quoted like a shell would need.

  // "address 127.1.0.7: reserved by gtest_port in pid 4242 (./test)" or
  // "address 127.1.0.7: not reserved through gtest_port".
  std::string ToString() const;
  friend std::ostream& operator<<(std::ostream& os, const AddressUser& user) {
    return os << user.ToString();
  }
};

// Whether `address` ("127.x.y.z") is reserved now, and by whom.
// InvalidArgument for anything but a dotted address in 127.0.0.0/8.
GTEST_PORT_EXPORT absl::StatusOr<AddressUser> DescribeAddressUser(
    const std::string& address);

// Every loopback address reserved through gtest_port now, by address.
GTEST_PORT_EXPORT absl::StatusOr<std::vector<AddressUser>>
ListAddressReservations();

}  // namespace gtest_port

#endif  // GTEST_PORT_PORT_USERS_H_
