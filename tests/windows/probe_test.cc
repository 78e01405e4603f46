// Tests of gtest_port/internal/platform/windows/probe.h against real sockets held the
// ways servers hold ports.

#include "gtest_port/internal/platform/windows/probe.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/windows/testing/sockets.h"

namespace gtest_port_internal::windows {
namespace {

using ::gtest_port_testing_windows::BindSocket;
using ::gtest_port_testing_windows::BoundPort;
using ::gtest_port_testing_windows::SocketKind;
using ::gtest_port_testing_windows::SocketReuse;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Binds `kind` on `address` to a port nothing else on the host uses with any
// protocol or family (so the probe's answer names this socket, not another
// process's socket on the same number), and returns the socket holding it.
UniqueSocket Hold(SocketKind kind, const char* address,
                  SocketReuse reuse = SocketReuse::kNone) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    absl::StatusOr<UniqueSocket> any = BindSocket(kind, address, 0, reuse);
    EXPECT_TRUE(any.ok()) << any.status();
    if (!any.ok()) return UniqueSocket();
    absl::StatusOr<uint16_t> port = BoundPort(any->get());
    EXPECT_TRUE(port.ok()) << port.status();
    if (!port.ok()) return UniqueSocket();
    any->reset();
    absl::StatusOr<PortProbe> probe = ProbePort(*port);
    if (!probe.ok() || !probe->free) continue;  // in use with another protocol
    absl::StatusOr<UniqueSocket> socket = BindSocket(kind, address, *port, reuse);
    if (socket.ok()) return *std::move(socket);
  }
  ADD_FAILURE() << "found no port free for TCP and UDP in 20 attempts";
  return UniqueSocket();
}

uint16_t PortOf(const UniqueSocket& socket) {
  absl::StatusOr<uint16_t> port = BoundPort(socket.get());
  EXPECT_TRUE(port.ok()) << port.status();
  return port.ok() ? *port : 0;
}

TEST(ProbePortTest, PortZeroIsInvalidArgument) {
  absl::StatusOr<PortProbe> probe = ProbePort(0);
  EXPECT_EQ(probe.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ProbePortTest, PortNobodyHoldsIsFree) {
  UniqueSocket socket = Hold(SocketKind::kTcp, "0.0.0.0");
  const uint16_t port = PortOf(socket);
  socket.reset();
  absl::StatusOr<PortProbe> probe = ProbePort(port);
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_TRUE(probe->free) << probe->busy_on;
  EXPECT_EQ(probe->busy_on, "");
}

TEST(ProbePortTest, ProbeClosesItsSockets) {
  UniqueSocket socket = Hold(SocketKind::kTcp, "0.0.0.0");
  const uint16_t port = PortOf(socket);
  socket.reset();
  ASSERT_TRUE(ProbePort(port).ok());
  // A server can take the port right after the probe.
  for (SocketKind kind : {SocketKind::kTcp, SocketKind::kUdp}) {
    absl::StatusOr<UniqueSocket> server =
        BindSocket(kind, "0.0.0.0", port, SocketReuse::kNone);
    EXPECT_TRUE(server.ok()) << server.status();
  }
}

TEST(ProbePortTest, TcpListenerOnWildcardMakesThePortBusy) {
  UniqueSocket socket = Hold(SocketKind::kTcp, "0.0.0.0");
  absl::StatusOr<PortProbe> probe = ProbePort(PortOf(socket));
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_FALSE(probe->free);
  EXPECT_THAT(probe->busy_on, StartsWith("TCP 0.0.0.0: "));
}

TEST(ProbePortTest, TcpListenerOnLoopbackMakesThePortBusy) {
  UniqueSocket socket = Hold(SocketKind::kTcp, "127.0.0.1");
  absl::StatusOr<PortProbe> probe = ProbePort(PortOf(socket));
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_FALSE(probe->free);
  EXPECT_THAT(probe->busy_on, StartsWith("TCP 0.0.0.0: "));
}

TEST(ProbePortTest, UdpSocketMakesThePortBusy) {
  UniqueSocket socket = Hold(SocketKind::kUdp, "0.0.0.0");
  absl::StatusOr<PortProbe> probe = ProbePort(PortOf(socket));
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_FALSE(probe->free);
  EXPECT_THAT(probe->busy_on, StartsWith("UDP 0.0.0.0: "));
}

TEST(ProbePortTest, Ipv6OnlyListenerMakesThePortBusy) {
  if (!HostHasIpv6()) GTEST_SKIP() << "this host has no IPv6";
  UniqueSocket socket = Hold(SocketKind::kTcp, "::");
  absl::StatusOr<PortProbe> probe = ProbePort(PortOf(socket));
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_FALSE(probe->free);
  EXPECT_THAT(probe->busy_on, StartsWith("TCP [::]: "));
}

TEST(ProbePortTest, Ipv6UdpSocketMakesThePortBusy) {
  if (!HostHasIpv6()) GTEST_SKIP() << "this host has no IPv6";
  UniqueSocket socket = Hold(SocketKind::kUdp, "::1");
  absl::StatusOr<PortProbe> probe = ProbePort(PortOf(socket));
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_FALSE(probe->free);
  EXPECT_THAT(probe->busy_on, StartsWith("UDP [::]: "));
}

TEST(ProbePortTest, ListenerThatAllowsReuseStillMakesThePortBusy) {
  // On Windows a plain bind could share a port with an SO_REUSEADDR socket;
  // the probe's SO_EXCLUSIVEADDRUSE bind must not.
  UniqueSocket socket =
      Hold(SocketKind::kTcp, "0.0.0.0", SocketReuse::kReuseAddr);
  absl::StatusOr<PortProbe> probe = ProbePort(PortOf(socket));
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_FALSE(probe->free);
}

TEST(ProbePortTest, UdpSocketThatAllowsReuseStillMakesThePortBusy) {
  // Windows (and Wine) let a second SO_REUSEADDR socket share this UDP port;
  // the probe's SO_EXCLUSIVEADDRUSE bind must be refused.
  UniqueSocket socket =
      Hold(SocketKind::kUdp, "0.0.0.0", SocketReuse::kReuseAddr);
  absl::StatusOr<UniqueSocket> sharer = BindSocket(
      SocketKind::kUdp, "0.0.0.0", PortOf(socket), SocketReuse::kReuseAddr);
  ASSERT_TRUE(sharer.ok()) << "the port cannot be shared here, so this test "
                              "shows nothing: "
                           << sharer.status();
  absl::StatusOr<PortProbe> probe = ProbePort(PortOf(socket));
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_FALSE(probe->free);
  EXPECT_THAT(probe->busy_on, StartsWith("UDP 0.0.0.0: "));
}

TEST(ProbePortTest, ExclusiveListenerMakesThePortBusy) {
  UniqueSocket socket =
      Hold(SocketKind::kTcp, "0.0.0.0", SocketReuse::kExclusive);
  absl::StatusOr<PortProbe> probe = ProbePort(PortOf(socket));
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_FALSE(probe->free);
}

// ProbeAddress() on 127.5.0.1, an address no other test uses.
constexpr uint32_t kAddress = 0x7f050001;  // 127.5.0.1

TEST(ProbeAddressTest, AFreeAddressAndPortIsFree) {
  UniqueSocket socket = Hold(SocketKind::kTcp, "0.0.0.0");
  const uint16_t port = PortOf(socket);
  socket.reset();
  absl::StatusOr<bool> free = ProbeAddress(kAddress, {port});
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_TRUE(*free);
  absl::StatusOr<bool> address_alone = ProbeAddress(kAddress, {});
  ASSERT_TRUE(address_alone.ok()) << address_alone.status();
  EXPECT_TRUE(*address_alone);
  // The probe closed its sockets: a server binds the port there at once.
  for (SocketKind kind : {SocketKind::kTcp, SocketKind::kUdp}) {
    absl::StatusOr<UniqueSocket> server =
        BindSocket(kind, "127.5.0.1", port, SocketReuse::kNone);
    EXPECT_TRUE(server.ok()) << server.status();
  }
}

TEST(ProbeAddressTest, ATcpOrUdpSocketOnTheAddressMakesItBusy) {
  for (SocketKind kind : {SocketKind::kTcp, SocketKind::kUdp}) {
    UniqueSocket socket = Hold(kind, "127.5.0.1");
    absl::StatusOr<bool> free = ProbeAddress(kAddress, {PortOf(socket)});
    ASSERT_TRUE(free.ok()) << free.status();
    EXPECT_FALSE(*free) << (kind == SocketKind::kTcp ? "TCP" : "UDP");
  }
}

TEST(ProbeAddressTest, AWildcardSocketOnThePortMakesItBusy) {
  UniqueSocket socket = Hold(SocketKind::kTcp, "0.0.0.0");
  absl::StatusOr<bool> free = ProbeAddress(kAddress, {PortOf(socket)});
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_FALSE(*free);
}

TEST(ProbeAddressTest, TheSamePortOnAnotherAddressLeavesItFree) {
  UniqueSocket socket = Hold(SocketKind::kTcp, "127.5.0.2");
  absl::StatusOr<bool> free = ProbeAddress(kAddress, {PortOf(socket)});
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_TRUE(*free);
}

TEST(ProbeAddressTest, EveryPortCounts) {
  UniqueSocket first = Hold(SocketKind::kTcp, "0.0.0.0");
  const uint16_t free_port = PortOf(first);
  first.reset();
  UniqueSocket busy = Hold(SocketKind::kUdp, "127.5.0.1");
  absl::StatusOr<bool> free =
      ProbeAddress(kAddress, {free_port, PortOf(busy)});
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_FALSE(*free);
}

TEST(ProbePortTest, DescribesWhatItBinds) {
  EXPECT_THAT(DescribeProbe(), StartsWith("TCP+UDP on 0.0.0.0"));
  EXPECT_THAT(DescribeProbe(), HasSubstr("SO_EXCLUSIVEADDRUSE"));
}

}  // namespace
}  // namespace gtest_port_internal::windows
