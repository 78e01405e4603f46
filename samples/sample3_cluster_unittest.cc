// Sample 3: a small cluster on a contiguous block of ports.
//
// The lesson: when servers find each other by arithmetic -- node i listens
// on base + i, as in many replicated databases and test harnesses -- reserve
// the ports as ONE block with PortFixture::ReserveBlock(n). n separate
// ReservePort() calls would return n unrelated ports, and "base + 1" might
// belong to someone else. A block is claimed and verified as a whole or not
// at all.
//
// It also shows the fixture pattern for servers that every test needs:
// start them in SetUp(), stop them in TearDown() BEFORE PortFixture releases
// the ports.

#include <cstdint>
#include <memory>
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

class ClusterTest : public gtest_port::PortFixture {
 protected:
  static constexpr int kNodes = 3;

  void SetUp() override {
    // ReserveBlock() reports a failure itself; without the ASSERT the nodes
    // would start on port 0, 1 and 2.
    ASSERT_NO_FATAL_FAILURE(base_ = ReserveBlock(kNodes));
    for (int i = 0; i < kNodes; ++i) {
      ASSERT_NO_FATAL_FAILURE(StartNode(i));
    }
  }

  // Servers first, ports second: PortFixture::TearDown() releases the block,
  // and a port must not go back to the pool while a node still listens on
  // it. A fixture that overrides TearDown() must call the base's.
  void TearDown() override {
    nodes_.clear();
    PortFixture::TearDown();
  }

  uint16_t NodePort(int i) const { return static_cast<uint16_t>(base_ + i); }

  void StartNode(int i) {
    absl::StatusOr<std::unique_ptr<EchoServer>> node =
        EchoServer::Start(NodePort(i), EchoServer::Protocol::kTcp);
    ASSERT_TRUE(node.ok()) << node.status();
    if (static_cast<int>(nodes_.size()) <= i) nodes_.resize(i + 1);
    nodes_[i] = *std::move(node);
  }

  uint16_t base_ = 0;
  std::vector<std::unique_ptr<EchoServer>> nodes_;
};

TEST_F(ClusterTest, EveryNodeAnswersOnBasePlusIndex) {
  for (int i = 0; i < kNodes; ++i) {
    const std::string message = absl::StrCat("hello node ", i);
    auto reply = Echo(NodePort(i), EchoServer::Protocol::kTcp, message);
    ASSERT_TRUE(reply.ok()) << "node " << i << ": " << reply.status();
    EXPECT_EQ(*reply, message);
  }
}

TEST_F(ClusterTest, EveryNodeReachesItsPeersFromTheBase) {
  // A node is configured with the base and its own index; where its peers
  // listen follows by arithmetic. That only works because the ports are
  // consecutive -- and only safely because the block is reserved at once.
  for (int self = 0; self < kNodes; ++self) {
    for (int peer = 0; peer < kNodes; ++peer) {
      if (peer == self) continue;
      const std::string message = absl::StrCat(self, " -> ", peer);
      auto reply = Echo(static_cast<uint16_t>(base_ + peer),
                        EchoServer::Protocol::kTcp, message);
      ASSERT_TRUE(reply.ok()) << message << ": " << reply.status();
      EXPECT_EQ(*reply, message);
    }
  }
  // ReservedPorts() lists what the fixture holds: exactly the block.
  EXPECT_EQ(ReservedPorts(),
            (std::vector<uint16_t>{NodePort(0), NodePort(1), NodePort(2)}));
}

TEST_F(ClusterTest, RestartedNodeGetsItsPortBack) {
  // Stopping a node does not give its port away: the block is held by the
  // fixture until the test ends, so the node can come back on the same port
  // -- which a real cluster's peers expect.
  nodes_[1]->Stop();
  EXPECT_FALSE(Echo(NodePort(1), EchoServer::Protocol::kTcp, "anyone?").ok());

  ASSERT_NO_FATAL_FAILURE(StartNode(1));
  auto reply = Echo(NodePort(1), EchoServer::Protocol::kTcp, "welcome back");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "welcome back");
}

TEST_F(ClusterTest, AdminPortBesideTheBlock) {
  // A port that nothing derives from needs no block: reserve it alone. It
  // never falls inside the block, because the block is held.
  uint16_t admin = 0;
  ASSERT_NO_FATAL_FAILURE(admin = ReservePort());
  EXPECT_TRUE(admin < NodePort(0) || admin > NodePort(kNodes - 1))
      << "admin port " << admin << " inside the block starting at " << base_;

  auto server = EchoServer::Start(admin, EchoServer::Protocol::kTcp);
  ASSERT_TRUE(server.ok()) << server.status();
  auto reply = Echo(admin, EchoServer::Protocol::kTcp, "status");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "status");
}

}  // namespace
