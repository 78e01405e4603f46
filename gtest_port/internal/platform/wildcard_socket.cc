#include "gtest_port/internal/platform/wildcard_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gtest_port_internal {

absl::StatusOr<UniqueFd> OpenWildcardSocket(System& system,
                                            WildcardSocketType type,
                                            uint16_t port) {
  const bool tcp = type == WildcardSocketType::kTcpListener;
  const int sock_type = (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC;
  const char* what = tcp ? "TCP" : "UDP";

  bool ipv6 = true;
  UniqueFd fd(system.Socket(AF_INET6, sock_type, 0));
  if (!fd.valid()) {
    if (errno != EAFNOSUPPORT && errno != EPROTONOSUPPORT) {
      return SyscallError(errno, absl::StrCat("socket(AF_INET6, ", what,
                                              ") for port ", port));
    }
    ipv6 = false;  // No IPv6 on this host: IPv4 alone.
    fd.reset(system.Socket(AF_INET, sock_type, 0));
    if (!fd.valid()) {
      return SyscallError(errno, absl::StrCat("socket(AF_INET, ", what,
                                              ") for port ", port));
    }
  }

  if (tcp) {
    // SO_REUSEADDR, as servers set it. On Linux it costs no exclusivity:
    // the kernel refuses every other bind to a port on which a socket
    // listens, with or without the option (and gtest_port users are kept
    // off the port by its claim anyway). What it buys: connections
    // accepted on this socket inherit it, so when they close first and
    // linger in TIME_WAIT, a server the test restarts on the same port
    // (with SO_REUSEADDR, as servers do) binds at once instead of failing
    // for a minute, and PortFixture's check for servers that outlive their
    // test (a bind with SO_REUSEADDR) does not mistake those connections
    // for a listener. UDP gets no SO_REUSEADDR: there it would let another
    // socket with the option share the port.
    const int on = 1;
    if (system.SetSockOpt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on,
                          sizeof(on)) != 0) {
      return SyscallError(errno, absl::StrCat("setsockopt(SO_REUSEADDR, 1) on "
                                              "the TCP socket for port ",
                                              port));
    }
  }

  if (ipv6) {
    // Dual-stack whatever net.ipv6.bindv6only says: IPv4 clients too.
    const int off = 0;
    if (system.SetSockOpt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off,
                          sizeof(off)) != 0) {
      return SyscallError(errno, absl::StrCat("setsockopt(IPV6_V6ONLY, 0) on "
                                              "the ", what, " socket for port ",
                                              port));
    }
  }
  if (BindWildcard(system, fd.get(), ipv6, port) != 0) {
    if (errno == EADDRINUSE) return UniqueFd();
    return SyscallError(errno, absl::StrCat("bind(", what, ", ",
                                            ipv6 ? "[::]:" : "0.0.0.0:", port,
                                            ")"));
  }
  if (tcp && system.Listen(fd.get(), SOMAXCONN) != 0) {
    // EADDRINUSE here too means another socket took the port first.
    if (errno == EADDRINUSE) return UniqueFd();
    return SyscallError(errno, absl::StrCat("listen(TCP port ", port, ")"));
  }
  return fd;
}

}  // namespace gtest_port_internal
