// OpenWildcardSocket() (internal/platform/wildcard_socket.h): the socket
// behind ListeningSocket, on real sockets; a MockSystem only for what the
// host cannot be made to do (no IPv6, a failing setsockopt).

#include "gtest_port/internal/platform/wildcard_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/port_reservation.h"
#include "tests/testing/mock_system.h"
#include "tests/testing/sockets.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::Address;
using ::gtest_port_testing::BindSocket;
using ::gtest_port_testing::MockSystem;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::NiceMock;

int SockOpt(int fd, int level, int name) {
  int value = -1;
  socklen_t len = sizeof(value);
  if (::getsockopt(fd, level, name, &value, &len) != 0) return -1;
  return value;
}

int FamilyOf(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return -1;
  }
  return addr.ss_family;
}

TEST(WildcardSocketTest, TcpListensWithReuseAddressUdpDoesNot) {
  absl::StatusOr<gtest_port::PortReservation> tcp_port = gtest_port::Reserve();
  absl::StatusOr<gtest_port::PortReservation> udp_port = gtest_port::Reserve();
  ASSERT_TRUE(tcp_port.ok() && udp_port.ok());
  absl::StatusOr<UniqueFd> tcp = OpenWildcardSocket(
      System::Real(), WildcardSocketType::kTcpListener, tcp_port->port());
  absl::StatusOr<UniqueFd> udp = OpenWildcardSocket(
      System::Real(), WildcardSocketType::kUdp, udp_port->port());
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  ASSERT_TRUE(udp.ok()) << udp.status();
  ASSERT_TRUE(tcp->valid() && udp->valid());
  EXPECT_EQ(SockOpt(tcp->get(), SOL_SOCKET, SO_ACCEPTCONN), 1);
  EXPECT_EQ(SockOpt(tcp->get(), SOL_SOCKET, SO_REUSEADDR), 1);
  EXPECT_EQ(SockOpt(udp->get(), SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
  EXPECT_EQ(SockOpt(udp->get(), SOL_SOCKET, SO_REUSEADDR), 0)
      << "SO_REUSEADDR on UDP would let another socket share the port";
}

TEST(WildcardSocketTest, PortAnotherSocketHoldsGivesAnEmptySocket) {
  absl::StatusOr<gtest_port::PortReservation> port = gtest_port::Reserve();
  ASSERT_TRUE(port.ok()) << port.status();
  for (const int type : {SOCK_STREAM, SOCK_DGRAM}) {
    absl::StatusOr<UniqueFd> foreign =
        BindSocket(type, port->port(), Address::kLoopback4);
    ASSERT_TRUE(foreign.ok()) << foreign.status();
    absl::StatusOr<UniqueFd> fd = OpenWildcardSocket(
        System::Real(),
        type == SOCK_STREAM ? WildcardSocketType::kTcpListener
                            : WildcardSocketType::kUdp,
        port->port());
    ASSERT_TRUE(fd.ok()) << fd.status();
    EXPECT_FALSE(fd->valid()) << "bound over a foreign socket";
  }
}

TEST(WildcardSocketTest, HostWithoutIpv6GetsAnIpv4Socket) {
  absl::StatusOr<gtest_port::PortReservation> port = gtest_port::Reserve();
  ASSERT_TRUE(port.ok()) << port.status();
  NiceMock<MockSystem> system;
  ON_CALL(system, Socket(AF_INET6, _, _)).WillByDefault([](int, int, int) {
    errno = EAFNOSUPPORT;
    return -1;
  });
  absl::StatusOr<UniqueFd> fd = OpenWildcardSocket(
      system, WildcardSocketType::kTcpListener, port->port());
  ASSERT_TRUE(fd.ok()) << fd.status();
  ASSERT_TRUE(fd->valid());
  EXPECT_EQ(FamilyOf(fd->get()), AF_INET);
  EXPECT_EQ(SockOpt(fd->get(), SOL_SOCKET, SO_ACCEPTCONN), 1);
}

TEST(WildcardSocketTest, FailingCallsAreNamed) {
  absl::StatusOr<gtest_port::PortReservation> port = gtest_port::Reserve();
  ASSERT_TRUE(port.ok()) << port.status();
  NiceMock<MockSystem> system;
  ON_CALL(system, SetSockOpt(_, IPPROTO_IPV6, IPV6_V6ONLY, _, _))
      .WillByDefault([](int, int, int, const void*, socklen_t) {
        errno = ENOPROTOOPT;
        return -1;
      });
  absl::StatusOr<UniqueFd> fd =
      OpenWildcardSocket(system, WildcardSocketType::kUdp, port->port());
  ASSERT_FALSE(fd.ok());
  EXPECT_THAT(fd.status().message(),
              HasSubstr("setsockopt(IPV6_V6ONLY, 0) on the UDP socket for port"));

  NiceMock<MockSystem> no_sockets;
  ON_CALL(no_sockets, Socket(_, _, _)).WillByDefault([](int, int, int) {
    errno = EMFILE;
    return -1;
  });
  fd = OpenWildcardSocket(no_sockets, WildcardSocketType::kTcpListener,
                          port->port());
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(fd.status().message(), HasSubstr("socket(AF_INET6, TCP)"));
}

}  // namespace
}  // namespace gtest_port_internal
