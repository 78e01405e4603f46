// The suite's UDP client/server tests: a server (the samples' UDP
// EchoServer) and a client that binds a port of its own -- as clients of
// protocols with a configured source port do (syslog relays, statsd
// sidecars, game and media peers) -- both on the test's ports.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmarks/suite/suite_ports.h"
#include "benchmarks/suite/suite_servers.h"
#include "gtest/gtest.h"
#include "samples/echo_server.h"

namespace gtest_port_suite {
namespace {

using ::gtest_port_samples::EchoServer;

constexpr uint16_t kFixedServerPort = 19100;
constexpr uint16_t kFixedClientPort = 19101;

class UdpPairTest : public SuiteFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SuiteFixture::SetUp());
    ASSERT_NO_FATAL_FAILURE(server_port_ = ServerPort(kFixedServerPort));
    ASSERT_NO_FATAL_FAILURE(client_port_ = ServerPort(kFixedClientPort));
    absl::StatusOr<std::unique_ptr<EchoServer>> server =
        EchoServer::Start(server_port_, EchoServer::Protocol::kUdp);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    absl::StatusOr<Fd> client = BindUdp(client_port_);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  void TearDown() override {
    server_.reset();
    client_ = Fd();
    SuiteFixture::TearDown();
  }

  // Sends `message` from the client's port and returns the reply.
  Datagram Exchange(const std::string& message) {
    const absl::Status sent = SendUdp(client_.get(), server_port_, message);
    EXPECT_TRUE(sent.ok()) << sent;
    absl::StatusOr<Datagram> reply = ReceiveUdp(client_.get());
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : Datagram{};
  }

  uint16_t server_port_ = 0;
  uint16_t client_port_ = 0;
  std::unique_ptr<EchoServer> server_;
  Fd client_;
};

TEST_F(UdpPairTest, ClientGetsTheReply) {
  EXPECT_EQ(Exchange("ping").payload, "ping");
}

TEST_F(UdpPairTest, ReplyComesFromTheServerPort) {
  EXPECT_EQ(Exchange("who").from_port, server_port_);
}

TEST_F(UdpPairTest, RepliesComeInOrder) {
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(Exchange(absl::StrCat("seq ", i)).payload, absl::StrCat("seq ", i));
  }
}

TEST_F(UdpPairTest, LargeDatagramSurvives) {
  const std::string big(8000, 'u');
  EXPECT_EQ(Exchange(big).payload.size(), big.size());
}

}  // namespace
}  // namespace gtest_port_suite
