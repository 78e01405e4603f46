// File: gtest_port/listening_socket.h
//
// ListeningSocket is a reserved port with the socket already bound to it: a
// TCP listener (ReserveListeningSocket()) or a bound UDP socket
// (ReserveBoundDatagramSocket()). Reserve() hands out a port that is free at
// the moment it is probed and leaves the bind to the server, so a process
// outside gtest_port can still take the port in between; a ListeningSocket
// leaves no such window -- it is bound before it is handed out. Give its
// descriptor to a server that can adopt one (most event loops can: e.g.
// boost::asio::ip::tcp::acceptor::assign, libevent's evconnlistener_new,
// grpc's AddInsecureChannelFromFd for clients, a child process; see
// samples/sample6_adopted_socket_unittest.cc).
//
// The socket is close-on-exec, bound on every address of the host -- one
// dual-stack socket on [::] (IPV6_V6ONLY cleared) where the host has IPv6,
// 0.0.0.0 where it has none -- and, for TCP, listening with SO_REUSEADDR
// set (the reason is in internal/platform/wildcard_socket.cc).
//
// Example:
//
//   absl::StatusOr<gtest_port::ListeningSocket> listener =
//       gtest_port::ReserveListeningSocket();
//   ASSERT_TRUE(listener.ok()) << listener.status();
//   StartServerOnFd(listener->fd());   // clients connect to listener->port()
//   ...                                // stop the server, then `listener` closes
//
// Ownership: a ListeningSocket owns its descriptor and the reservation of
// its port (a PortReservation, the machine-wide claim). Destroying it closes
// the descriptor, then releases the port. Release() hands the descriptor to
// the caller, who must close it; the port stays claimed until the
// ListeningSocket itself is destroyed, so keep it alive as long as the
// descriptor is in use. Moving it hands both over; there is no copy.
//
// Handing the descriptor to a child process. Being close-on-exec, the
// socket reaches no child that the test (or a library it calls) starts --
// only the child you give it to explicitly. Clear FD_CLOEXEC in that child
// alone, never on the descriptor in the parent (threads that fork at the
// same time would inherit it):
//
//   posix_spawn_file_actions_t actions;
//   posix_spawn_file_actions_init(&actions);
//   // dup2() onto another number: the copy is not close-on-exec.
//   posix_spawn_file_actions_adddup2(&actions, listener->fd(), 3);
//   posix_spawn(&pid, "/path/to/server", &actions, nullptr, argv, envp);
//   // the server accept()s on descriptor 3, e.g. `server --listen-fd=3`
//
// or, after fork(), in the child only: dup2(listener->fd(), 3) and exec.
// (dup2() onto the same number would not clear the flag.)
//
// POSIX only: on Windows this header declares nothing (a Winsock SOCKET
// would need its own type); Reserve() and a bind with SO_EXCLUSIVEADDRUSE
// are the way there.
//
// ListeningSocket is thread-compatible; ReserveListeningSocket() and
// ReserveBoundDatagramSocket() are thread-safe.

#ifndef GTEST_PORT_LISTENING_SOCKET_H_
#define GTEST_PORT_LISTENING_SOCKET_H_

#ifndef _WIN32

#include <cstdint>
#include <ostream>
#include <utility>

#include "absl/status/statusor.h"
#include "gtest_port/export.h"
#include "gtest_port/internal/platform/unique_fd.h"
#include "gtest_port/port_reservation.h"

namespace gtest_port_internal {
class System;
}  // namespace gtest_port_internal

namespace gtest_port {

class [[nodiscard]] ListeningSocket final {
 public:
  // An empty socket: port() == 0, fd() == -1 (what PortFixture returns when
  // none could be reserved).
  ListeningSocket() noexcept = default;
  // Takes ownership of `fd`, a socket bound to `reservation`'s port;
  // gtest_port's own Reserve...Socket() functions make these.
  ListeningSocket(PortReservation reservation,
                  gtest_port_internal::UniqueFd fd) noexcept
      : reservation_(std::move(reservation)), fd_(std::move(fd)) {}
  ListeningSocket(ListeningSocket&& other) noexcept = default;
  ListeningSocket& operator=(ListeningSocket&& other) noexcept {
    if (this != &other) {
      fd_ = std::move(other.fd_);  // Closes ours before our port is released.
      reservation_ = std::move(other.reservation_);
    }
    return *this;
  }
  ListeningSocket(const ListeningSocket&) = delete;
  ListeningSocket& operator=(const ListeningSocket&) = delete;
  // Closes the descriptor (unless released), then releases the port.
  ~ListeningSocket() { fd_.reset(); }

  // The bound port; 0 when empty or moved from. Still the port after
  // Release().
  uint16_t port() const { return reservation_.port(); }

  // The socket; -1 after Release(), when empty or moved from. It stays
  // owned by this object: do not close it.
  int fd() const { return fd_.get(); }

  // Hands the descriptor to the caller, who closes it from now on; this
  // object no longer does. The port stays claimed until this object is
  // destroyed. Returns -1 when there is no descriptor (already released).
  int Release() noexcept { return fd_.release(); }

  // "ListeningSocket(port 20005, fd 7)", "ListeningSocket(port 20005, fd
  // released)" or "ListeningSocket(no port)": what GoogleTest prints.
  friend std::ostream& operator<<(std::ostream& os, const ListeningSocket& s) {
    if (s.port() == 0) return os << "ListeningSocket(no port)";
    os << "ListeningSocket(port " << s.port() << ", fd ";
    if (s.fd() < 0) return os << "released)";
    return os << s.fd() << ")";
  }

 private:
  // Declared first, destroyed last: the port stays claimed until the
  // socket is closed.
  PortReservation reservation_{gtest_port_internal::Reservation()};
  gtest_port_internal::UniqueFd fd_;
};

// What GoogleTest prints for a StatusOr<ListeningSocket>.
inline void PrintTo(const absl::StatusOr<ListeningSocket>& s,
                    std::ostream* os) {
  if (s.ok()) {
    *os << "OK: " << *s;
  } else {
    *os << s.status();
  }
}

// Reserves a port like Reserve() (claimed machine-wide, probed free) and
// returns a TCP socket bound to it on the wildcard address and listening.
//
// When the bind fails with EADDRINUSE -- a process outside gtest_port took
// the port between the probe and the bind -- another port is reserved, up
// to 8 times; then Unavailable. Reserve()'s errors (InvalidArgument,
// ResourceExhausted) are returned as they are; a failing system call gives
// its status, naming the call, e.g. "socket(AF_INET6, TCP) for port 20005:
// Too many open files; ...".
GTEST_PORT_EXPORT absl::StatusOr<ListeningSocket> ReserveListeningSocket();

// The same for UDP: a datagram socket bound to a reserved port on the
// wildcard address (a ListeningSocket that does not listen()).
GTEST_PORT_EXPORT absl::StatusOr<ListeningSocket> ReserveBoundDatagramSocket();

}  // namespace gtest_port

namespace gtest_port_internal {

// How many reserved ports ReserveListeningSocket() tries before it gives up.
inline constexpr int kMaxSocketBindAttempts = 8;

// ReserveListeningSocket() (datagram = false) or
// ReserveBoundDatagramSocket() (true) with the socket calls made through
// `system`: gtest_port's tests substitute one to reach EADDRINUSE.
absl::StatusOr<gtest_port::ListeningSocket> ReserveWildcardSocket(
    System& system, bool datagram);

}  // namespace gtest_port_internal

#endif  // _WIN32

#endif  // GTEST_PORT_LISTENING_SOCKET_H_
