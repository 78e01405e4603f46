// Tests of the probe against real foreign sockets: every TCP or UDP socket on
// a port, on any address of either family, makes it busy.

#include "gtest_port/internal/platform/probe.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/mock_system.h"
#include "tests/testing/sockets.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::Address;
using ::gtest_port_testing::BindSocket;
using ::gtest_port_testing::FailWith;
using ::gtest_port_testing::KernelPickedPort;
using ::gtest_port_testing::MockSystem;
using ::testing::_;
using ::testing::HasSubstr;

bool HostHasIpv6() {
  UniqueFd fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  return fd.valid();
}

TEST(ProbeTest, FreePortIsFree) {
  const uint16_t port = KernelPickedPort();
  ASSERT_NE(port, 0);
  PortProber prober(System::Real());
  absl::StatusOr<bool> free = prober.IsFree(port);
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_TRUE(*free);
}

struct ForeignCase {
  int type;
  Address address;
  const char* name;
};

class ForeignSocketTest : public ::testing::TestWithParam<ForeignCase> {};

TEST_P(ForeignSocketTest, MakesPortBusy) {
  const ForeignCase& c = GetParam();
  if ((c.address == Address::kLoopback6 || c.address == Address::kAny6) &&
      !HostHasIpv6()) {
    GTEST_SKIP() << "this host has no IPv6";
  }
  const uint16_t port = KernelPickedPort();
  absl::StatusOr<UniqueFd> foreign = BindSocket(c.type, port, c.address);
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  PortProber prober(System::Real());
  absl::StatusOr<bool> free = prober.IsFree(port);
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_FALSE(*free) << c.name << " on port " << port << " went unnoticed";
}

INSTANTIATE_TEST_SUITE_P(
    EveryFamilyAndProtocol, ForeignSocketTest,
    ::testing::Values(
        ForeignCase{SOCK_STREAM, Address::kLoopback4, "TcpListenerOn127001"},
        ForeignCase{SOCK_STREAM, Address::kAny4, "TcpListenerOn0000"},
        ForeignCase{SOCK_STREAM, Address::kLoopback6, "TcpListenerOnV6Loopback"},
        ForeignCase{SOCK_STREAM, Address::kAny6, "TcpListenerOnV6Any"},
        ForeignCase{SOCK_DGRAM, Address::kLoopback4, "UdpSocketOn127001"},
        ForeignCase{SOCK_DGRAM, Address::kAny4, "UdpSocketOn0000"},
        ForeignCase{SOCK_DGRAM, Address::kLoopback6, "UdpSocketOnV6Loopback"},
        ForeignCase{SOCK_DGRAM, Address::kAny6, "UdpSocketOnV6Any"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_P(ForeignSocketTest, HasListenerSeesTcpListenersOnly) {
  const ForeignCase& c = GetParam();
  if ((c.address == Address::kLoopback6 || c.address == Address::kAny6) &&
      !HostHasIpv6()) {
    GTEST_SKIP() << "this host has no IPv6";
  }
  const uint16_t port = KernelPickedPort();
  PortProber prober(System::Real());
  absl::StatusOr<bool> before = prober.HasListener(port);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_FALSE(*before) << "nothing on port " << port << " yet";
  absl::StatusOr<UniqueFd> foreign = BindSocket(c.type, port, c.address);
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  absl::StatusOr<bool> listened = prober.HasListener(port);
  ASSERT_TRUE(listened.ok()) << listened.status();
  EXPECT_EQ(*listened, c.type == SOCK_STREAM) << c.name << " on port " << port;
}

TEST(ProbeTest, HostWithoutIpv6ProbesIpv4) {
  ::testing::NiceMock<MockSystem> system;
  ON_CALL(system, Socket(AF_INET6, _, _)).WillByDefault(FailWith(EAFNOSUPPORT));
  PortProber prober(system);
  EXPECT_THAT(prober.Describe(), HasSubstr("no IPv6"));

  const uint16_t port = KernelPickedPort();
  absl::StatusOr<bool> free = prober.IsFree(port);
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_TRUE(*free);
  absl::StatusOr<UniqueFd> foreign = BindSocket(SOCK_DGRAM, port);
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  free = prober.IsFree(port);
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_FALSE(*free);
}

// Probes a free port on a host whose new IPv6 sockets start with
// IPV6_V6ONLY = `host_default`, expecting `clears` setsockopt calls that
// clear it (one per protocol).
void ProbeWhereNewSocketsStartV6Only(int host_default, int clears) {
  ::testing::NiceMock<MockSystem> system;
  ON_CALL(system, GetSockOpt(_, IPPROTO_IPV6, IPV6_V6ONLY, _, _))
      .WillByDefault([host_default](int, int, int, void* value,
                                    socklen_t* len) {
        std::memcpy(value, &host_default, sizeof(host_default));
        *len = sizeof(host_default);
        return 0;
      });
  EXPECT_CALL(system, SetSockOpt(_, IPPROTO_IPV6, IPV6_V6ONLY, _, _))
      .Times(clears);
  PortProber prober(system);
  absl::StatusOr<bool> free = prober.IsFree(KernelPickedPort());
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_TRUE(*free);
}

TEST(ProbeTest, ClearsV6OnlyWhereTheHostSetsIt) {
  if (!HostHasIpv6()) GTEST_SKIP() << "this host has no IPv6";
  // net.ipv6.bindv6only=1: a new IPv6 socket starts IPv6-only.
  ProbeWhereNewSocketsStartV6Only(1, /*clears=*/2);  // TCP and UDP.
}

TEST(ProbeTest, LeavesV6OnlyAloneWhereTheHostClearsIt) {
  if (!HostHasIpv6()) GTEST_SKIP() << "this host has no IPv6";
  // net.ipv6.bindv6only=0 (Linux's default): sockets start dual-stack.
  ProbeWhereNewSocketsStartV6Only(0, /*clears=*/0);
}

TEST(ProbeTest, ExcludedPortIsBusyNotAnError) {
  ::testing::NiceMock<MockSystem> system;
  ON_CALL(system, Bind).WillByDefault(FailWith(EACCES));
  PortProber prober(system);
  absl::StatusOr<bool> free = prober.IsFree(20000);
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_FALSE(*free);
}

TEST(ProbeTest, OutOfDescriptorsIsAnErrorThatSaysSo) {
  ::testing::NiceMock<MockSystem> system;
  PortProber prober(system);
  ON_CALL(system, Socket).WillByDefault(FailWith(EMFILE));
  absl::StatusOr<bool> free = prober.IsFree(20000);
  ASSERT_FALSE(free.ok());
  EXPECT_EQ(free.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(free.status().message(), HasSubstr("out of file descriptors"));
}

}  // namespace
}  // namespace gtest_port_internal
