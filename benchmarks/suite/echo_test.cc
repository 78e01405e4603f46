// The suite's echo tests: the samples' EchoServer (samples/echo_server.h),
// TCP and UDP, in the test process on the test's port.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmarks/suite/suite_ports.h"
#include "gtest/gtest.h"
#include "samples/echo_server.h"

namespace gtest_port_suite {
namespace {

using ::gtest_port_samples::Echo;
using ::gtest_port_samples::EchoServer;

constexpr uint16_t kFixedTcpEchoPort = 19000;
constexpr uint16_t kFixedUdpEchoPort = 19001;

class EchoTest : public SuiteFixture {
 protected:
  void StartEcho(EchoServer::Protocol protocol) {
    ASSERT_NO_FATAL_FAILURE(
        port_ = ServerPort(protocol == EchoServer::Protocol::kTcp
                               ? kFixedTcpEchoPort
                               : kFixedUdpEchoPort));
    ASSERT_NO_FATAL_FAILURE(Restart(protocol));
  }

  void Restart(EchoServer::Protocol protocol) {
    server_.reset();
    absl::StatusOr<std::unique_ptr<EchoServer>> server =
        EchoServer::Start(port_, protocol);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    server_.reset();  // Stops it before the port is released.
    SuiteFixture::TearDown();
  }

  std::string Roundtrip(const std::string& message) {
    absl::StatusOr<std::string> reply =
        Echo(port_, server_->protocol(), message);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : "";
  }

  uint16_t port_ = 0;
  std::unique_ptr<EchoServer> server_;
};

TEST_F(EchoTest, TcpRoundtrip) {
  ASSERT_NO_FATAL_FAILURE(StartEcho(EchoServer::Protocol::kTcp));
  EXPECT_EQ(Roundtrip("hello"), "hello");
}

TEST_F(EchoTest, TcpLargeMessage) {
  ASSERT_NO_FATAL_FAILURE(StartEcho(EchoServer::Protocol::kTcp));
  const std::string big(256 * 1024, 'x');
  EXPECT_EQ(Roundtrip(big).size(), big.size());
}

TEST_F(EchoTest, TcpClientsInTurn) {
  ASSERT_NO_FATAL_FAILURE(StartEcho(EchoServer::Protocol::kTcp));
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(Roundtrip(absl::StrCat("client ", i)), absl::StrCat("client ", i));
  }
}

TEST_F(EchoTest, TcpServerRestartsOnItsPort) {
  ASSERT_NO_FATAL_FAILURE(StartEcho(EchoServer::Protocol::kTcp));
  EXPECT_EQ(Roundtrip("first"), "first");
  ASSERT_NO_FATAL_FAILURE(Restart(EchoServer::Protocol::kTcp));
  EXPECT_EQ(Roundtrip("second"), "second");
}

TEST_F(EchoTest, UdpRoundtrip) {
  ASSERT_NO_FATAL_FAILURE(StartEcho(EchoServer::Protocol::kUdp));
  EXPECT_EQ(Roundtrip("datagram"), "datagram");
}

TEST_F(EchoTest, UdpManyDatagrams) {
  ASSERT_NO_FATAL_FAILURE(StartEcho(EchoServer::Protocol::kUdp));
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(Roundtrip(absl::StrCat("d", i)), absl::StrCat("d", i));
  }
}

TEST_F(EchoTest, UdpServerRestartsOnItsPort) {
  ASSERT_NO_FATAL_FAILURE(StartEcho(EchoServer::Protocol::kUdp));
  EXPECT_EQ(Roundtrip("first"), "first");
  ASSERT_NO_FATAL_FAILURE(Restart(EchoServer::Protocol::kUdp));
  EXPECT_EQ(Roundtrip("second"), "second");
}

}  // namespace
}  // namespace gtest_port_suite
