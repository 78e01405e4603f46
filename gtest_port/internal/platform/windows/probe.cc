#include "gtest_port/internal/platform/windows/probe.h"

#include <winsock2.h>
#include <ws2tcpip.h>

#include "absl/strings/str_cat.h"
#include "gtest_port/internal/platform/windows/unique_handle.h"
#include "gtest_port/internal/platform/windows/win32_error.h"
#include "gtest_port/internal/platform/windows/winsock.h"

namespace gtest_port_internal::windows {
namespace {

struct Bind {
  int family;
  int type;
  int protocol;
  const char* label;
};

constexpr Bind kTcp4{AF_INET, SOCK_STREAM, IPPROTO_TCP, "TCP 0.0.0.0"};
constexpr Bind kTcp6{AF_INET6, SOCK_STREAM, IPPROTO_TCP, "TCP [::]"};
constexpr Bind kUdp4{AF_INET, SOCK_DGRAM, IPPROTO_UDP, "UDP 0.0.0.0"};
constexpr Bind kUdp6{AF_INET6, SOCK_DGRAM, IPPROTO_UDP, "UDP [::]"};

absl::StatusOr<UniqueSocket> NewSocket(const Bind& bind) {
  UniqueSocket socket(::WSASocketW(bind.family, bind.type, bind.protocol,
                                   nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT));
  if (!socket.valid()) {
    return Win32ErrorToStatus(::WSAGetLastError(),
                              absl::StrCat("WSASocketW(", bind.label, ")"));
  }
  return socket;
}

// OK("") when the bind worked, OK(reason) when the port is busy.
absl::StatusOr<std::string> TryBind(const Bind& bind, uint16_t port) {
  absl::StatusOr<UniqueSocket> socket = NewSocket(bind);
  if (!socket.ok()) return socket.status();
  const BOOL on = TRUE;
  if (::setsockopt(socket->get(), SOL_SOCKET, SO_EXCLUSIVEADDRUSE,
                   reinterpret_cast<const char*>(&on), sizeof(on)) != 0) {
    return Win32ErrorToStatus(
        ::WSAGetLastError(),
        absl::StrCat("setsockopt(", bind.label, ", SO_EXCLUSIVEADDRUSE)"));
  }
  int result;
  if (bind.family == AF_INET6) {
    if (::setsockopt(socket->get(), IPPROTO_IPV6, IPV6_V6ONLY,
                     reinterpret_cast<const char*>(&on), sizeof(on)) != 0) {
      return Win32ErrorToStatus(
          ::WSAGetLastError(),
          absl::StrCat("setsockopt(", bind.label, ", IPV6_V6ONLY)"));
    }
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_any;
    address.sin6_port = ::htons(port);
    result = ::bind(socket->get(), reinterpret_cast<const sockaddr*>(&address),
                    sizeof(address));
  } else {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = ::htonl(INADDR_ANY);
    address.sin_port = ::htons(port);
    result = ::bind(socket->get(), reinterpret_cast<const sockaddr*>(&address),
                    sizeof(address));
  }
  if (result == 0) return std::string();
  const int error = ::WSAGetLastError();
  if (error == WSAEADDRINUSE) {
    return absl::StrCat(bind.label, ": WSAEADDRINUSE (a socket has the port)");
  }
  if (error == WSAEACCES) {
    return absl::StrCat(bind.label,
                        ": WSAEACCES (an exclusive socket has the port, or "
                        "the system reserved it)");
  }
  return Win32ErrorToStatus(
      error, absl::StrCat("bind(", bind.label, ":", port, ")"));
}

}  // namespace

bool HostHasIpv6() {
  static const bool has_ipv6 = [] {
    if (!EnsureWinsock().ok()) return false;
    UniqueSocket socket(::WSASocketW(AF_INET6, SOCK_DGRAM, IPPROTO_UDP,
                                     nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT));
    return socket.valid();
  }();
  return has_ipv6;
}

absl::StatusOr<PortProbe> ProbePort(uint16_t port) {
  if (port == 0) {
    return absl::InvalidArgumentError(
        "ProbePort: port 0 is not a port to probe (it binds an ephemeral "
        "port); pass 1-65535");
  }
  if (absl::Status started = EnsureWinsock(); !started.ok()) return started;
  const bool ipv6 = HostHasIpv6();
  for (const Bind* bind : {&kTcp4, &kTcp6, &kUdp4, &kUdp6}) {
    if (bind->family == AF_INET6 && !ipv6) continue;
    absl::StatusOr<std::string> busy = TryBind(*bind, port);
    if (!busy.ok()) return busy.status();
    if (!busy->empty()) return PortProbe{false, *std::move(busy)};
  }
  return PortProbe{true, ""};
}

std::string DescribeProbe() {
  return absl::StrCat("TCP+UDP on 0.0.0.0",
                      HostHasIpv6() ? " and [::]" : " (no IPv6 on this host)",
                      ", SO_EXCLUSIVEADDRUSE");
}

}  // namespace gtest_port_internal::windows
