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
// On one IPv4 address; the label is completed with the address.
constexpr Bind kTcpOn{AF_INET, SOCK_STREAM, IPPROTO_TCP, "TCP"};
constexpr Bind kUdpOn{AF_INET, SOCK_DGRAM, IPPROTO_UDP, "UDP"};

absl::StatusOr<UniqueSocket> NewSocket(const Bind& bind) {
  UniqueSocket socket(::WSASocketW(bind.family, bind.type, bind.protocol,
                                   nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT));
  if (!socket.valid()) {
    return Win32ErrorToStatus(::WSAGetLastError(),
                              absl::StrCat("WSASocketW(", bind.label, ")"));
  }
  return socket;
}

// "127.1.0.7" for `address` (host byte order).
std::string Dotted(uint32_t address) {
  in_addr in{};
  in.s_addr = ::htonl(address);
  char text[INET_ADDRSTRLEN] = "";
  ::inet_ntop(AF_INET, &in, text, sizeof(text));
  return text;
}

// OK("") when the bind worked, OK(reason) when the port is busy. An IPv4
// bind is on `address` (host byte order); an IPv6 one on [::].
absl::StatusOr<std::string> TryBind(const Bind& bind, uint16_t port,
                                    uint32_t address = INADDR_ANY) {
  const std::string label =
      address == INADDR_ANY
          ? std::string(bind.label)
          : absl::StrCat(bind.label, " ", Dotted(address));
  absl::StatusOr<UniqueSocket> socket = NewSocket(bind);
  if (!socket.ok()) return socket.status();
  const BOOL on = TRUE;
  if (::setsockopt(socket->get(), SOL_SOCKET, SO_EXCLUSIVEADDRUSE,
                   reinterpret_cast<const char*>(&on), sizeof(on)) != 0) {
    return Win32ErrorToStatus(
        ::WSAGetLastError(),
        absl::StrCat("setsockopt(", label, ", SO_EXCLUSIVEADDRUSE)"));
  }
  int result;
  if (bind.family == AF_INET6) {
    if (::setsockopt(socket->get(), IPPROTO_IPV6, IPV6_V6ONLY,
                     reinterpret_cast<const char*>(&on), sizeof(on)) != 0) {
      return Win32ErrorToStatus(
          ::WSAGetLastError(),
          absl::StrCat("setsockopt(", label, ", IPV6_V6ONLY)"));
    }
    sockaddr_in6 any{};
    any.sin6_family = AF_INET6;
    any.sin6_addr = in6addr_any;
    any.sin6_port = ::htons(port);
    result = ::bind(socket->get(), reinterpret_cast<const sockaddr*>(&any),
                    sizeof(any));
  } else {
    sockaddr_in on_address{};
    on_address.sin_family = AF_INET;
    on_address.sin_addr.s_addr = ::htonl(address);
    on_address.sin_port = ::htons(port);
    result = ::bind(socket->get(),
                    reinterpret_cast<const sockaddr*>(&on_address),
                    sizeof(on_address));
  }
  if (result == 0) return std::string();
  const int error = ::WSAGetLastError();
  if (error == WSAEADDRINUSE) {
    return absl::StrCat(label, ": WSAEADDRINUSE (a socket has the port)");
  }
  if (error == WSAEACCES) {
    return absl::StrCat(label,
                        ": WSAEACCES (an exclusive socket has the port, or "
                        "the system reserved it)");
  }
  if (error == WSAEADDRNOTAVAIL && address != INADDR_ANY) {
    return absl::FailedPreconditionError(absl::StrCat(
        "bind(", label, ":", port, "): WSAEADDRNOTAVAIL: this host does not "
        "have ", Dotted(address), " on its loopback interface; set "
        "GTEST_PORT_ADDRESS_RANGE to loopback addresses (127.0.0.0/8)"));
  }
  return Win32ErrorToStatus(error,
                            absl::StrCat("bind(", label, ":", port, ")"));
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

absl::StatusOr<bool> ProbeAddress(uint32_t address,
                                  const std::vector<uint16_t>& ports) {
  if (absl::Status started = EnsureWinsock(); !started.ok()) return started;
  if (ports.empty()) {
    absl::StatusOr<std::string> busy = TryBind(kTcpOn, 0, address);
    if (!busy.ok()) return busy.status();
    return busy->empty();
  }
  for (uint16_t port : ports) {
    for (const Bind* bind : {&kTcpOn, &kUdpOn}) {
      absl::StatusOr<std::string> busy = TryBind(*bind, port, address);
      if (!busy.ok()) return busy.status();
      if (!busy->empty()) return false;
    }
  }
  return true;
}

std::string DescribeProbe() {
  return absl::StrCat("TCP+UDP on 0.0.0.0",
                      HostHasIpv6() ? " and [::]" : " (no IPv6 on this host)",
                      ", SO_EXCLUSIVEADDRUSE");
}

}  // namespace gtest_port_internal::windows
