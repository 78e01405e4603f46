// Sample 7: a cluster whose nodes all listen on ONE fixed port.
//
// The lesson: some servers cannot be told "use port N+i". Every node of a
// Cassandra or ScyllaDB cluster listens on 9042, every node of a Redis
// cluster on 6379, and peers find each other by address, not by port. On
// one test host they can still run side by side: give each node its own
// loopback address (Linux routes all of 127.0.0.0/8 to loopback) and let
// every node bind the same port there.
//
// PortFixture::ReserveAddresses(n, {port}) hands the test n distinct
// addresses, each checked free for TCP and UDP on that port and held for
// this test alone until it ends -- so this sample runs sharded, under
// `ctest -j`, and beside copies of itself without two nodes ever meeting on
// one address:port. 127.0.0.1 is never handed out: it is everyone's.
//
// macOS routes only 127.0.0.1: add aliases once (`sudo ifconfig lo0 alias
// 127.1.0.1 up`, ...) and set GTEST_PORT_ADDRESS_RANGE to them; without
// them ReserveAddresses() fails saying exactly that.

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "samples/echo_server.h"

namespace {

using gtest_port_samples::Echo;
using gtest_port_samples::EchoServer;

// The port every node listens on, as a real cluster's configuration file
// would fix it. Not reserved: the addresses are.
constexpr uint16_t kClusterPort = 6390;

class FixedPortClusterTest : public gtest_port::PortFixture {
 protected:
  static constexpr int kNodes = 3;

  void SetUp() override {
    // One call for the whole cluster: all three addresses or a failure at
    // this line saying why (pool, slice, how many were busy).
    ASSERT_NO_FATAL_FAILURE(addresses_ =
                                ReserveAddresses(kNodes, {kClusterPort}));
    ASSERT_EQ(addresses_.size(), static_cast<size_t>(kNodes));
    for (int i = 0; i < kNodes; ++i) ASSERT_NO_FATAL_FAILURE(StartNode(i));
  }

  // Nodes first, addresses second, as with ports (sample 3).
  void TearDown() override {
    nodes_.clear();
    PortFixture::TearDown();
  }

  void StartNode(int i) {
    absl::StatusOr<std::unique_ptr<EchoServer>> node = EchoServer::Start(
        kClusterPort, EchoServer::Protocol::kTcp, addresses_[i]);
    ASSERT_TRUE(node.ok()) << "node " << i << ": " << node.status();
    if (static_cast<int>(nodes_.size()) <= i) nodes_.resize(i + 1);
    nodes_[i] = *std::move(node);
  }

  std::vector<std::string> addresses_;
  std::vector<std::unique_ptr<EchoServer>> nodes_;
};

TEST_F(FixedPortClusterTest, EveryNodeAnswersOnTheSamePortAtItsOwnAddress) {
  std::set<std::string> distinct(addresses_.begin(), addresses_.end());
  EXPECT_EQ(distinct.size(), addresses_.size());
  EXPECT_EQ(distinct.count("127.0.0.1"), 0u);
  for (int i = 0; i < kNodes; ++i) {
    const std::string message = absl::StrCat("hello node ", i);
    auto reply =
        Echo(kClusterPort, EchoServer::Protocol::kTcp, message, addresses_[i]);
    ASSERT_TRUE(reply.ok()) << addresses_[i] << ": " << reply.status();
    EXPECT_EQ(*reply, message);
  }
}

TEST_F(FixedPortClusterTest, ARestartedNodeComesBackOnItsAddress) {
  // The address stays this test's while the node is down, so it can come
  // back where its peers expect it.
  nodes_[2]->Stop();
  EXPECT_FALSE(
      Echo(kClusterPort, EchoServer::Protocol::kTcp, "anyone?", addresses_[2])
          .ok());
  ASSERT_NO_FATAL_FAILURE(StartNode(2));
  auto reply = Echo(kClusterPort, EchoServer::Protocol::kTcp, "welcome back",
                    addresses_[2]);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "welcome back");
}

TEST_F(FixedPortClusterTest, AClientNodeOnAnotherAddressBesideTheCluster) {
  // One more address for a fourth server on the same port: it never is one
  // of the cluster's, because those are held.
  std::string extra;
  ASSERT_NO_FATAL_FAILURE(extra = ReserveAddress({kClusterPort}));
  for (const std::string& node : addresses_) EXPECT_NE(extra, node);
  auto server = EchoServer::Start(kClusterPort, EchoServer::Protocol::kTcp, extra);
  ASSERT_TRUE(server.ok()) << server.status();
  auto reply = Echo(kClusterPort, EchoServer::Protocol::kTcp, "status", extra);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "status");
  EXPECT_EQ(ReservedAddresses().size(), static_cast<size_t>(kNodes + 1));
}

}  // namespace
