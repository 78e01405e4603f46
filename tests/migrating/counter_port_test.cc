// docs/migrating.md, "A process-wide counter from 9090": the "after" code,
// compiled and run. The START/END region is quoted in the guide
// (check_guide.py).

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "samples/echo_server.h"

namespace {

using ::gtest_port_samples::Echo;
using ::gtest_port_samples::EchoServer;

// [START after]
// was: uint16_t NextPort() { static std::atomic<int> next{9090}; return next++; }
absl::StatusOr<gtest_port::PortReservation> NextPort() {
  return gtest_port::Reserve();  // held until the returned value is destroyed
}

TEST(ClientServerTest, TwoServers) {
  absl::StatusOr<gtest_port::PortReservation> a = NextPort();
  absl::StatusOr<gtest_port::PortReservation> b = NextPort();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_NE(a->port(), b->port());
  // Servers are declared after the reservations, so they stop first.
  absl::StatusOr<std::unique_ptr<EchoServer>> tcp =
      EchoServer::Start(a->port(), EchoServer::Protocol::kTcp);
  absl::StatusOr<std::unique_ptr<EchoServer>> udp =
      EchoServer::Start(b->port(), EchoServer::Protocol::kUdp);
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  ASSERT_TRUE(udp.ok()) << udp.status();
  EXPECT_EQ(*Echo(a->port(), EchoServer::Protocol::kTcp, "t"), "t");
  EXPECT_EQ(*Echo(b->port(), EchoServer::Protocol::kUdp, "u"), "u");
}
// [END after]

}  // namespace
