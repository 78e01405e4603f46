// The suite's Redis replica-set tests: a primary and two replicas per test,
// each on a port of its own. The wait is Redis's own: a replica connects to
// its primary on its next replication tick and syncs, and the test waits
// until both replicas report "master_link_status:up".

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmarks/suite/suite_ports.h"
#include "benchmarks/suite/suite_servers.h"
#include "gtest/gtest.h"

namespace gtest_port_suite {
namespace {

constexpr uint16_t kFixedPrimaryPort = 16380;
constexpr uint16_t kFixedReplicaPorts[] = {16381, 16382};

class RedisReplicaSetTest : public SuiteFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SuiteFixture::SetUp());
    ASSERT_NO_FATAL_FAILURE(primary_port_ = ServerPort(kFixedPrimaryPort));
    // Sync each replica as soon as it asks, rather than after the default
    // 5 s wait for more replicas, as test setups do.
    ASSERT_NO_FATAL_FAILURE(
        StartRedis(primary_port_, {"--repl-diskless-sync-delay", "0"}));
    for (uint16_t fixed : kFixedReplicaPorts) {
      uint16_t port = 0;
      ASSERT_NO_FATAL_FAILURE(port = ServerPort(fixed));
      ASSERT_NO_FATAL_FAILURE(StartRedis(
          port, {"--replicaof", "127.0.0.1", absl::StrCat(primary_port_)}));
      replica_ports_.push_back(port);
    }
    for (uint16_t port : replica_ports_) {
      const absl::Status up = WaitForRedisReply(
          port, {"INFO", "replication"}, "master_link_status:up");
      ASSERT_TRUE(up.ok()) << up;
    }
    const absl::Status both = WaitForRedisReply(
        primary_port_, {"INFO", "replication"}, "connected_slaves:2");
    ASSERT_TRUE(both.ok()) << both;
  }

  void TearDown() override {
    // Replicas first, so none is left retrying a stopped primary.
    for (auto it = servers_.rbegin(); it != servers_.rend(); ++it) {
      const absl::Status stopped = (*it)->Stop();
      EXPECT_TRUE(stopped.ok()) << stopped;
    }
    SuiteFixture::TearDown();
  }

  void StartRedis(uint16_t port, const std::vector<std::string>& extra) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::StartRedis(port, extra);
    ASSERT_TRUE(server.ok()) << server.status();
    servers_.push_back(*std::move(server));
  }

  std::string On(uint16_t port, const std::vector<std::string>& args) {
    absl::StatusOr<RespConnection> connection = RespConnection::Connect(port);
    EXPECT_TRUE(connection.ok()) << connection.status();
    if (!connection.ok()) return "";
    absl::StatusOr<std::string> reply = connection->Command(args);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : "";
  }

  // Writes on the primary, then WAITs until both replicas acknowledged it.
  void WriteAndWait(const std::vector<std::string>& args, const std::string& want) {
    absl::StatusOr<RespConnection> connection =
        RespConnection::Connect(primary_port_);
    ASSERT_TRUE(connection.ok()) << connection.status();
    absl::StatusOr<std::string> reply = connection->Command(args);
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(*reply, want);
    absl::StatusOr<std::string> acked = connection->Command({"WAIT", "2", "5000"});
    ASSERT_TRUE(acked.ok()) << acked.status();
    ASSERT_EQ(*acked, ":2");
  }

  uint16_t primary_port_ = 0;
  std::vector<uint16_t> replica_ports_;
  std::vector<std::unique_ptr<ServerProcess>> servers_;
};

TEST_F(RedisReplicaSetTest, ReplicasSeeWrites) {
  ASSERT_NO_FATAL_FAILURE(WriteAndWait({"SET", "k", "v"}, "+OK"));
  for (uint16_t port : replica_ports_) EXPECT_EQ(On(port, {"GET", "k"}), "$v");
}

TEST_F(RedisReplicaSetTest, ReplicasRefuseWrites) {
  for (uint16_t port : replica_ports_) {
    const std::string reply = On(port, {"SET", "k", "v"});
    EXPECT_EQ(reply.rfind("-READONLY", 0), 0u) << reply;
  }
}

TEST_F(RedisReplicaSetTest, DeletesReplicate) {
  ASSERT_NO_FATAL_FAILURE(WriteAndWait({"MSET", "a", "1", "b", "2"}, "+OK"));
  ASSERT_NO_FATAL_FAILURE(WriteAndWait({"DEL", "a"}, ":1"));
  for (uint16_t port : replica_ports_) {
    EXPECT_EQ(On(port, {"DBSIZE"}), ":1");
    EXPECT_EQ(On(port, {"GET", "a"}), "nil");
  }
}

TEST_F(RedisReplicaSetTest, CountersReplicate) {
  for (int i = 1; i <= 5; ++i) {
    ASSERT_NO_FATAL_FAILURE(WriteAndWait({"INCR", "n"}, absl::StrCat(":", i)));
  }
  for (uint16_t port : replica_ports_) EXPECT_EQ(On(port, {"GET", "n"}), "$5");
}

TEST_F(RedisReplicaSetTest, ReplicasNameTheirPrimary) {
  for (uint16_t port : replica_ports_) {
    const std::string info = On(port, {"INFO", "replication"});
    EXPECT_NE(info.find(absl::StrCat("master_port:", primary_port_)),
              std::string::npos)
        << info;
  }
}

TEST_F(RedisReplicaSetTest, PromotedReplicaTakesWrites) {
  ASSERT_NO_FATAL_FAILURE(WriteAndWait({"SET", "before", "1"}, "+OK"));
  const uint16_t promoted = replica_ports_[0];
  EXPECT_EQ(On(promoted, {"REPLICAOF", "NO", "ONE"}), "+OK");
  EXPECT_EQ(On(promoted, {"SET", "after", "2"}), "+OK");
  EXPECT_EQ(On(promoted, {"GET", "before"}), "$1");
  EXPECT_EQ(On(primary_port_, {"GET", "after"}), "nil");
}

}  // namespace
}  // namespace gtest_port_suite
