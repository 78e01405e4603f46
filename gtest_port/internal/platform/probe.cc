#include "gtest_port/internal/platform/probe.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_internal {

PortProber::PortProber(System& system) : system_(system) {
  UniqueFd fd(system_.Socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ipv6_ = fd.valid() || (errno != EAFNOSUPPORT && errno != EPROTONOSUPPORT);
  if (!ipv6_) return;
  // A new socket starts with the host's default (net.ipv6.bindv6only on
  // Linux): one getsockopt, where reading /proc took four calls. If it
  // cannot be read, clearing IPV6_V6ONLY on each probe is always right.
  int v6only = 1;
  socklen_t len = sizeof(v6only);
  clear_v6only_ = !fd.valid() ||
                  system_.GetSockOpt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY,
                                     &v6only, &len) != 0 ||
                  v6only != 0;
}

std::string PortProber::Describe() const {
  return ipv6_ ? "TCP+UDP on [::] (dual-stack)"
               : "TCP+UDP on 0.0.0.0 (no IPv6 on this host)";
}

absl::StatusOr<bool> PortProber::IsFree(uint16_t port) const {
  absl::StatusOr<bool> free = CanBind(SOCK_STREAM, port);
  if (!free.ok() || !*free) return free;
  return CanBind(SOCK_DGRAM, port);
}

absl::StatusOr<bool> PortProber::HasListener(uint16_t port) const {
  absl::StatusOr<bool> free = CanBind(SOCK_STREAM, port, /*reuse_address=*/true);
  if (!free.ok()) return free.status();
  return !*free;
}

absl::Status PortProber::CheckRouted(uint32_t address, uint16_t port) const {
  const std::string dotted = FormatAddress(address);
  UniqueFd fd(system_.Socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return SyscallError(errno,
                        absl::StrCat("socket(AF_INET, UDP) probing ", dotted));
  }
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(address);
  // A UDP connect sends nothing: it only looks the route up.
  if (system_.Connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr),
                      sizeof(addr)) == 0) {
    return absl::OkStatus();
  }
  const int error = errno;
  if (error == ENETUNREACH || error == EHOSTUNREACH ||
      error == EADDRNOTAVAIL) {
    return absl::FailedPreconditionError(absl::StrCat(
        "connect(UDP ", dotted, ":", port, "): ", std::strerror(error),
        ": this host has no route to ", dotted,
        ", so a server bound there could not be reached. On Linux the "
        "loopback interface is down, as in a new network namespace: bring it "
        "up (`ip link set lo up`). On macOS add each address of "
        "GTEST_PORT_ADDRESS_RANGE as an alias (`sudo ifconfig lo0 alias ",
        dotted, " up`)"));
  }
  return SyscallError(error, absl::StrCat("connect(UDP ", dotted, ":", port,
                                          ") while probing"));
}

absl::StatusOr<bool> PortProber::IsAddressFree(
    uint32_t address, const std::vector<uint16_t>& ports) const {
  // Once a route was found, the loopback network is up for good.
  if (!address_routed_.load(std::memory_order_relaxed)) {
    absl::Status routed =
        CheckRouted(address, ports.empty() ? uint16_t{9} : ports.front());
    if (!routed.ok()) return routed;
    address_routed_.store(true, std::memory_order_relaxed);
  }
  if (ports.empty()) return CanBindAddress(SOCK_STREAM, address, 0);
  for (uint16_t port : ports) {
    for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
      absl::StatusOr<bool> free = CanBindAddress(type, address, port);
      if (!free.ok() || !*free) return free;
    }
  }
  return true;
}

absl::StatusOr<bool> PortProber::CanBindAddress(int type, uint32_t address,
                                                uint16_t port) const {
  const char* what = type == SOCK_STREAM ? "TCP" : "UDP";
  const std::string where = absl::StrCat(FormatAddress(address), ":", port);
  UniqueFd fd(system_.Socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return SyscallError(errno, absl::StrCat("socket(AF_INET, ", what,
                                            ") probing ", where));
  }
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(address);
  if (system_.Bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr),
                   sizeof(addr)) == 0) {
    return true;
  }
  const int error = errno;
  if (error == EADDRINUSE) return false;
  const std::string dotted = where.substr(0, where.rfind(':'));
  if (error == EADDRNOTAVAIL) {
    return absl::FailedPreconditionError(absl::StrCat(
        "bind(", what, " ", where, "): ", std::strerror(error),
        ": this host does not route ", dotted,
        " to the loopback interface. macOS routes only 127.0.0.1: add each "
        "address of GTEST_PORT_ADDRESS_RANGE as an alias first, e.g. `sudo "
        "ifconfig lo0 alias ",
        dotted,
        " up`, and set GTEST_PORT_ADDRESS_RANGE to the addresses added. On "
        "Linux, bring the loopback interface up (`ip link set lo up`; in a "
        "new network namespace it starts down)"));
  }
  if (error == EACCES) {
    return absl::PermissionDeniedError(absl::StrCat(
        "bind(", what, " ", where, "): ", std::strerror(error),
        ": ports below 1024 need privileges (root, or CAP_NET_BIND_SERVICE); "
        "pass ReserveAddress() the ports 1024-65535 the servers will use"));
  }
  return SyscallError(error,
                      absl::StrCat("bind(", what, " ", where, ") while probing"));
}

absl::StatusOr<bool> PortProber::CanBind(int type, uint16_t port,
                                         bool reuse_address) const {
  const int family = ipv6_ ? AF_INET6 : AF_INET;
  const char* what = type == SOCK_STREAM ? "TCP" : "UDP";
  UniqueFd fd(system_.Socket(family, type | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return SyscallError(errno, absl::StrCat("socket(", ipv6_ ? "AF_INET6" : "AF_INET",
                                            ", ", what, ") probing port ", port));
  }
  if (reuse_address) {
    const int on = 1;
    if (system_.SetSockOpt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on,
                           sizeof(on)) != 0) {
      return SyscallError(errno, "setsockopt(SO_REUSEADDR, 1)");
    }
  }
  if (ipv6_ && clear_v6only_) {
    const int off = 0;
    if (system_.SetSockOpt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off,
                           sizeof(off)) != 0) {
      return SyscallError(errno, "setsockopt(IPV6_V6ONLY, 0)");
    }
  }
  if (BindWildcard(system_, fd.get(), ipv6_, port) == 0) return true;
  if (errno == EADDRINUSE || errno == EACCES) return false;
  return SyscallError(
      errno, absl::StrCat("bind(", what, " port ", port, ") while probing"));
}

}  // namespace gtest_port_internal
