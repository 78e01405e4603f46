#include "tests/windows/testing/sockets.h"

#include <winsock2.h>
#include <ws2tcpip.h>

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest_port/internal/platform/windows/win32_error.h"
#include "gtest_port/internal/platform/windows/winsock.h"

namespace gtest_port_testing_windows {

using gtest_port_internal::windows::EnsureWinsock;
using gtest_port_internal::windows::UniqueSocket;
using gtest_port_internal::windows::Win32ErrorToStatus;

absl::StatusOr<UniqueSocket> BindSocket(SocketKind kind,
                                        absl::string_view address,
                                        uint16_t port, SocketReuse reuse) {
  if (absl::Status s = EnsureWinsock(); !s.ok()) return s;
  sockaddr_storage storage{};
  int length = sizeof(storage);
  const std::string text(address);
  const bool ipv6 = text.find(':') != std::string::npos;
  storage.ss_family = ipv6 ? AF_INET6 : AF_INET;
  if (::WSAStringToAddressA(const_cast<char*>(text.c_str()), storage.ss_family,
                            nullptr, reinterpret_cast<sockaddr*>(&storage),
                            &length) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("BindSocket: \"", text, "\" is not a numeric address"));
  }
  if (ipv6) {
    reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = ::htons(port);
  } else {
    reinterpret_cast<sockaddr_in*>(&storage)->sin_port = ::htons(port);
  }
  const bool tcp = kind == SocketKind::kTcp;
  UniqueSocket socket(::WSASocketW(storage.ss_family,
                                   tcp ? SOCK_STREAM : SOCK_DGRAM,
                                   tcp ? IPPROTO_TCP : IPPROTO_UDP, nullptr, 0,
                                   WSA_FLAG_NO_HANDLE_INHERIT));
  if (!socket.valid()) {
    return Win32ErrorToStatus(::WSAGetLastError(), "WSASocketW");
  }
  const BOOL on = TRUE;
  if (reuse != SocketReuse::kNone) {
    const int option =
        reuse == SocketReuse::kReuseAddr ? SO_REUSEADDR : SO_EXCLUSIVEADDRUSE;
    if (::setsockopt(socket.get(), SOL_SOCKET, option,
                     reinterpret_cast<const char*>(&on), sizeof(on)) != 0) {
      return Win32ErrorToStatus(::WSAGetLastError(), "setsockopt(reuse)");
    }
  }
  if (ipv6 && ::setsockopt(socket.get(), IPPROTO_IPV6, IPV6_V6ONLY,
                           reinterpret_cast<const char*>(&on), sizeof(on)) != 0) {
    return Win32ErrorToStatus(::WSAGetLastError(), "setsockopt(IPV6_V6ONLY)");
  }
  if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&storage),
             ipv6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in)) != 0) {
    return Win32ErrorToStatus(::WSAGetLastError(),
                              absl::StrCat("bind(", text, ":", port, ")"));
  }
  if (tcp && ::listen(socket.get(), 16) != 0) {
    return Win32ErrorToStatus(::WSAGetLastError(), "listen");
  }
  return socket;
}

absl::StatusOr<uint16_t> BoundPort(SOCKET socket) {
  sockaddr_storage storage{};
  int length = sizeof(storage);
  if (::getsockname(socket, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    return Win32ErrorToStatus(::WSAGetLastError(), "getsockname");
  }
  return storage.ss_family == AF_INET6
             ? ::ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port)
             : ::ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

absl::StatusOr<SocketSpec> ParseSocketSpec(absl::string_view text) {
  if (text == "tcp4") return SocketSpec{SocketKind::kTcp, "0.0.0.0"};
  if (text == "tcp6") return SocketSpec{SocketKind::kTcp, "::"};
  if (text == "udp4") return SocketSpec{SocketKind::kUdp, "0.0.0.0"};
  if (text == "udp6") return SocketSpec{SocketKind::kUdp, "::"};
  return absl::InvalidArgumentError(absl::StrCat(
      "socket kind \"", absl::CHexEscape(text),
      "\" is not one of tcp4, tcp6, udp4, udp6"));
}

}  // namespace gtest_port_testing_windows
