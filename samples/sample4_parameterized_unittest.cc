// Sample 4: value-parameterized and typed tests with PortFixture.
//
// The lesson: parameterized suites multiply tests, and every instance is a
// test of its own -- its own ports, released when that instance ends. That
// matters most here, because these suites are exactly what gets spread over
// shards and processes: each instance may run in a different shard, or (with
// `ctest -j`, which runs one process per test) in a process of its own, and
// gtest_port keeps them apart either way.
//
// Two C++ details worth knowing:
//   * TestWithParam<T> already derives from ::testing::Test, and so does
//     PortFixture, so combine PortFixture with the mix-in
//     ::testing::WithParamInterface<T> instead.
//   * In a TYPED_TEST the fixture is a dependent base class: call
//     this->ReservePort(), or the name is not found.

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "samples/echo_server.h"

namespace {

using gtest_port_samples::Echo;
using gtest_port_samples::EchoServer;
using Protocol = EchoServer::Protocol;

// ---------------------------------------------------------------------------
// Value-parameterized: one protocol x one message size per instance.

class MessageSizeTest
    : public gtest_port::PortFixture,
      public ::testing::WithParamInterface<std::tuple<Protocol, int>> {};

TEST_P(MessageSizeTest, EchoesTheWholeMessage) {
  const auto [protocol, size] = GetParam();
  uint16_t port = 0;
  ASSERT_NO_FATAL_FAILURE(port = ReservePort());

  auto server = EchoServer::Start(port, protocol);
  ASSERT_TRUE(server.ok()) << server.status();

  std::string message(static_cast<size_t>(size), '\0');
  for (int i = 0; i < size; ++i) message[i] = static_cast<char>('a' + i % 26);
  auto reply = Echo(port, protocol, message);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, message);
}

// Readable instance names ("Tcp_1400" rather than "3") also make the verbose
// "[gtest_port] ... reserved port" lines say which instance holds a port.
std::string SizeName(
    const ::testing::TestParamInfo<std::tuple<Protocol, int>>& info) {
  return absl::StrCat(
      std::get<0>(info.param) == Protocol::kTcp ? "Tcp_" : "Udp_",
      std::get<1>(info.param));
}

// Sizes around the interesting boundaries: one byte, a typical MTU, a jumbo
// frame, and close to the largest UDP datagram (65507 bytes over IPv4).
INSTANTIATE_TEST_SUITE_P(Sizes, MessageSizeTest,
                         ::testing::Combine(::testing::Values(Protocol::kTcp,
                                                              Protocol::kUdp),
                                            ::testing::Values(1, 1400, 9000,
                                                              60000)),
                         SizeName);

// ---------------------------------------------------------------------------
// Value-parameterized: how many servers one test starts. The fixture hands
// out as many ports as asked, all held until the instance ends.

class ServerCountTest : public gtest_port::PortFixture,
                        public ::testing::WithParamInterface<int> {};

TEST_P(ServerCountTest, EachServerOnItsOwnPort) {
  const int count = GetParam();
  std::vector<std::unique_ptr<EchoServer>> servers;
  for (int i = 0; i < count; ++i) {
    uint16_t port = 0;
    ASSERT_NO_FATAL_FAILURE(port = ReservePort());
    auto server = EchoServer::Start(port, Protocol::kTcp);
    ASSERT_TRUE(server.ok()) << server.status();
    servers.push_back(*std::move(server));
  }
  for (const auto& server : servers) {
    const std::string message = absl::StrCat("port ", server->port());
    auto reply = Echo(server->port(), Protocol::kTcp, message);
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(*reply, message);
  }
  EXPECT_EQ(ReservedPorts().size(), static_cast<size_t>(count));
}

INSTANTIATE_TEST_SUITE_P(Counts, ServerCountTest,
                         ::testing::Values(1, 2, 4, 8),
                         ::testing::PrintToStringParamName());

// ---------------------------------------------------------------------------
// Typed: the same tests for each protocol, chosen at compile time.

struct Tcp {
  static constexpr Protocol kProtocol = Protocol::kTcp;
};
struct Udp {
  static constexpr Protocol kProtocol = Protocol::kUdp;
};

template <typename T>
class TypedEchoTest : public gtest_port::PortFixture {};

using Protocols = ::testing::Types<Tcp, Udp>;
TYPED_TEST_SUITE(TypedEchoTest, Protocols);

TYPED_TEST(TypedEchoTest, Roundtrip) {
  uint16_t port = 0;
  ASSERT_NO_FATAL_FAILURE(port = this->ReservePort());
  auto server = EchoServer::Start(port, TypeParam::kProtocol);
  ASSERT_TRUE(server.ok()) << server.status();
  auto reply = Echo(port, TypeParam::kProtocol, "typed");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "typed");
}

TYPED_TEST(TypedEchoTest, PrimaryAndReplicaOnABlock) {
  uint16_t base = 0;
  ASSERT_NO_FATAL_FAILURE(base = this->ReserveBlock(2));
  const uint16_t replica = static_cast<uint16_t>(base + 1);
  auto primary_server = EchoServer::Start(base, TypeParam::kProtocol);
  auto replica_server = EchoServer::Start(replica, TypeParam::kProtocol);
  ASSERT_TRUE(primary_server.ok()) << primary_server.status();
  ASSERT_TRUE(replica_server.ok()) << replica_server.status();

  auto from_primary = Echo(base, TypeParam::kProtocol, "primary");
  auto from_replica = Echo(replica, TypeParam::kProtocol, "replica");
  ASSERT_TRUE(from_primary.ok()) << from_primary.status();
  ASSERT_TRUE(from_replica.ok()) << from_replica.status();
  EXPECT_EQ(*from_primary, "primary");
  EXPECT_EQ(*from_replica, "replica");
}

}  // namespace
