// File: tests/testing/sockets.h
//
// Real sockets for gtest_port's tests: the "foreign process" that occupies a
// port, and the server a test starts on a reserved port. Binding uses
// SO_REUSEADDR, as real servers do.

#ifndef GTEST_PORT_TESTS_TESTING_SOCKETS_H_
#define GTEST_PORT_TESTS_TESTING_SOCKETS_H_

#ifdef _WIN32

#include <winsock2.h>
#include <ws2tcpip.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest_port/internal/platform/windows/unique_handle.h"
#include "gtest_port/internal/platform/windows/win32_error.h"
#include "gtest_port/internal/platform/windows/winsock.h"

namespace gtest_port_testing {

// A socket a test owns: closed when destroyed.
using TestSocket = gtest_port_internal::windows::UniqueSocket;

enum class Address { kLoopback4, kAny4, kLoopback6, kAny6 };

// Binds a SOCK_STREAM (listening) or SOCK_DGRAM socket to `port` on
// `address`, non-inheritable, with SO_REUSEADDR as servers set it.
inline absl::StatusOr<TestSocket> BindSocket(
    int type, uint16_t port, Address address = Address::kLoopback4) {
  if (absl::Status ws = gtest_port_internal::windows::EnsureWinsock();
      !ws.ok()) {
    return ws;
  }
  const bool v6 = address == Address::kLoopback6 || address == Address::kAny6;
  TestSocket s(::WSASocketW(v6 ? AF_INET6 : AF_INET, type, 0, nullptr, 0,
                            WSA_FLAG_NO_HANDLE_INHERIT));
  if (!s.valid()) {
    return absl::UnavailableError(
        absl::StrCat("socket: WSA error ", ::WSAGetLastError()));
  }
  const BOOL one = TRUE;
  ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR,
               reinterpret_cast<const char*>(&one), sizeof(one));
  int rc;
  if (v6) {
    DWORD v6only = 1;
    ::setsockopt(s.get(), IPPROTO_IPV6, IPV6_V6ONLY,
                 reinterpret_cast<const char*>(&v6only), sizeof(v6only));
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = address == Address::kAny6 ? in6addr_any : in6addr_loopback;
    rc = ::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr =
        htonl(address == Address::kAny4 ? INADDR_ANY : INADDR_LOOPBACK);
    rc = ::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
  }
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat("bind port ", port,
                                               ": WSA error ",
                                               ::WSAGetLastError()));
  }
  if (type == SOCK_STREAM && ::listen(s.get(), 16) != 0) {
    return absl::UnavailableError(
        absl::StrCat("listen: WSA error ", ::WSAGetLastError()));
  }
  return s;
}

}  // namespace gtest_port_testing

#else  // POSIX

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_testing {

// A socket a test owns: closed when destroyed.
using TestSocket = gtest_port_internal::UniqueFd;

enum class Address { kLoopback4, kAny4, kLoopback6, kAny6 };

// Binds a SOCK_STREAM (listening) or SOCK_DGRAM socket to `port` on `address`.
inline absl::StatusOr<gtest_port_internal::UniqueFd> BindSocket(
    int type, uint16_t port, Address address = Address::kLoopback4) {
  const bool v6 = address == Address::kLoopback6 || address == Address::kAny6;
  gtest_port_internal::UniqueFd fd(
      ::socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return absl::ErrnoToStatus(errno, "socket");
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int rc;
  if (v6) {
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = address == Address::kAny6 ? in6addr_any : in6addr_loopback;
    rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr =
        htonl(address == Address::kAny4 ? INADDR_ANY : INADDR_LOOPBACK);
    rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
  }
  if (rc != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("bind port ", port));
  }
  if (type == SOCK_STREAM && ::listen(fd.get(), 16) != 0) {
    return absl::ErrnoToStatus(errno, "listen");
  }
  return fd;
}

// A port the kernel picked that is free now (bind to 0, read it back).
inline uint16_t KernelPickedPort() {
  gtest_port_internal::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return 0;
  }
  return ntohs(a.sin_port);
}

}  // namespace gtest_port_testing

#endif  // _WIN32

#endif  // GTEST_PORT_TESTS_TESTING_SOCKETS_H_
