// Sample 1: a test fixture that gives each test its own port.
//
// The lesson: derive the fixture from gtest_port::PortFixture and call
// ReservePort() in the test. The port is free on this host (for TCP and UDP),
// and no other gtest_port user -- another thread, another shard, another test
// binary running at the same time -- is handed it until this test ends. So
// these tests can run sharded, with `ctest -j`, or next to other suites, and
// never fight over a port; a hard-coded port would make them flaky the
// moment two of them run at once.
//
// This binary links gtest_port_main, which registers the PortEnvironment:
// it splits the port range across GoogleTest shards and prints which slice
// this process owns.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "samples/echo_server.h"

namespace {

using gtest_port_samples::Echo;
using gtest_port_samples::EchoServer;

// The fixture adds nothing: PortFixture already holds the reservations and
// releases them in TearDown(), after the test body -- and so after the
// servers below, which live in the body, have stopped. That order matters:
// releasing a port while our server still listens on it would invite the
// next test to try it (the library would notice and skip it, but why make
// it).
class EchoTest : public gtest_port::PortFixture {};

TEST_F(EchoTest, Roundtrip) {
  uint16_t port = 0;
  // ReservePort() reports its own failure (no free port, bad configuration)
  // as a fatal failure at this line; ASSERT_NO_FATAL_FAILURE stops the test
  // here instead of starting a server on port 0.
  ASSERT_NO_FATAL_FAILURE(port = ReservePort());

  absl::StatusOr<std::unique_ptr<EchoServer>> server =
      EchoServer::Start(port, EchoServer::Protocol::kTcp);
  ASSERT_TRUE(server.ok()) << server.status();

  absl::StatusOr<std::string> reply =
      Echo(port, EchoServer::Protocol::kTcp, "hello");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "hello");

  // Stopping explicitly is optional (the destructor does it), but a test
  // that stops its server where the reader can see it documents the order:
  // server first, reservation (in TearDown) second.
  (*server)->Stop();
}

TEST_F(EchoTest, TwoServersOnTwoPorts) {
  uint16_t first = 0;
  uint16_t second = 0;
  ASSERT_NO_FATAL_FAILURE(first = ReservePort());
  ASSERT_NO_FATAL_FAILURE(second = ReservePort());
  // Two reservations held at once are always two different ports.
  ASSERT_NE(first, second);

  auto a = EchoServer::Start(first, EchoServer::Protocol::kTcp);
  auto b = EchoServer::Start(second, EchoServer::Protocol::kTcp);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();

  // Each server answers on its own port: the messages cannot cross.
  auto from_a = Echo(first, EchoServer::Protocol::kTcp, "to a");
  auto from_b = Echo(second, EchoServer::Protocol::kTcp, "to b");
  ASSERT_TRUE(from_a.ok()) << from_a.status();
  ASSERT_TRUE(from_b.ok()) << from_b.status();
  EXPECT_EQ(*from_a, "to a");
  EXPECT_EQ(*from_b, "to b");
}

TEST_F(EchoTest, UdpEcho) {
  uint16_t port = 0;
  ASSERT_NO_FATAL_FAILURE(port = ReservePort());

  // The same call serves UDP: a reserved port was checked free for UDP too.
  auto server = EchoServer::Start(port, EchoServer::Protocol::kUdp);
  ASSERT_TRUE(server.ok()) << server.status();

  auto reply = Echo(port, EchoServer::Protocol::kUdp, "datagram");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "datagram");
}

TEST_F(EchoTest, TcpAndUdpOnTheSamePort) {
  uint16_t port = 0;
  ASSERT_NO_FATAL_FAILURE(port = ReservePort());

  // TCP and UDP port numbers are separate namespaces, and a reservation
  // covers both, so a server that speaks both (DNS, QUIC with a TCP
  // fallback) needs only one port.
  auto tcp = EchoServer::Start(port, EchoServer::Protocol::kTcp);
  auto udp = EchoServer::Start(port, EchoServer::Protocol::kUdp);
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  ASSERT_TRUE(udp.ok()) << udp.status();

  auto over_tcp = Echo(port, EchoServer::Protocol::kTcp, "stream");
  auto over_udp = Echo(port, EchoServer::Protocol::kUdp, "datagram");
  ASSERT_TRUE(over_tcp.ok()) << over_tcp.status();
  ASSERT_TRUE(over_udp.ok()) << over_udp.status();
  EXPECT_EQ(*over_tcp, "stream");
  EXPECT_EQ(*over_udp, "datagram");
}

TEST_F(EchoTest, ServerOutlivesManyClients) {
  uint16_t port = 0;
  ASSERT_NO_FATAL_FAILURE(port = ReservePort());
  auto server = EchoServer::Start(port, EchoServer::Protocol::kTcp);
  ASSERT_TRUE(server.ok()) << server.status();

  // The port stays ours for the whole test, however many connections come
  // and go: the reservation is held by the fixture, not by a socket.
  for (int i = 0; i < 20; ++i) {
    const std::string message = "message " + std::to_string(i);
    auto reply = Echo(port, EchoServer::Protocol::kTcp, message);
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(*reply, message);
  }
}

}  // namespace
