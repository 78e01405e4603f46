// The suite's Redis tests: one redis-server per test, started on the test's
// port, waited for by connecting, asked a few things, stopped.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmarks/suite/suite_ports.h"
#include "benchmarks/suite/suite_servers.h"
#include "gtest/gtest.h"

namespace gtest_port_suite {
namespace {

// The port a suite with hard-coded ports gives every Redis test.
constexpr uint16_t kFixedRedisPort = 16379;

class RedisTest : public SuiteFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SuiteFixture::SetUp());
    ASSERT_NO_FATAL_FAILURE(port_ = ServerPort(kFixedRedisPort));
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::StartRedis(port_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    absl::StatusOr<RespConnection> connection = RespConnection::Connect(port_);
    ASSERT_TRUE(connection.ok()) << connection.status();
    redis_ = std::make_unique<RespConnection>(*std::move(connection));
    // A fresh server holds nothing: anything else means another test's.
    ASSERT_EQ(Redis({"DBSIZE"}), ":0") << "port " << port_;
  }

  void TearDown() override {
    redis_.reset();
    if (server_ != nullptr) {
      const absl::Status stopped = server_->Stop();
      EXPECT_TRUE(stopped.ok()) << stopped;
    }
    SuiteFixture::TearDown();
  }

  std::string Redis(const std::vector<std::string>& args) {
    absl::StatusOr<std::string> reply = redis_->Command(args);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : "";
  }

  uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<RespConnection> redis_;
};

TEST_F(RedisTest, AnswersPingOnItsPort) {
  EXPECT_EQ(Redis({"PING"}), "+PONG");
  EXPECT_EQ(Redis({"CONFIG", "GET", "port"}), absl::StrCat("*$port,$", port_));
}

TEST_F(RedisTest, SetThenGet) {
  EXPECT_EQ(Redis({"SET", "greeting", "hello"}), "+OK");
  EXPECT_EQ(Redis({"GET", "greeting"}), "$hello");
  EXPECT_EQ(Redis({"GET", "missing"}), "nil");
}

TEST_F(RedisTest, IncrCountsUp) {
  EXPECT_EQ(Redis({"INCR", "visits"}), ":1");
  EXPECT_EQ(Redis({"INCRBY", "visits", "41"}), ":42");
}

TEST_F(RedisTest, ExpiringKeyHasTtl) {
  EXPECT_EQ(Redis({"SET", "session", "x", "EX", "100"}), "+OK");
  const std::string ttl = Redis({"TTL", "session"});
  EXPECT_TRUE(ttl == ":100" || ttl == ":99") << ttl;
  EXPECT_EQ(Redis({"PERSIST", "session"}), ":1");
  EXPECT_EQ(Redis({"TTL", "session"}), ":-1");
}

TEST_F(RedisTest, ListIsAQueue) {
  EXPECT_EQ(Redis({"RPUSH", "jobs", "a", "b", "c"}), ":3");
  EXPECT_EQ(Redis({"LPOP", "jobs"}), "$a");
  EXPECT_EQ(Redis({"LRANGE", "jobs", "0", "-1"}), "*$b,$c");
}

TEST_F(RedisTest, HashHoldsFields) {
  EXPECT_EQ(Redis({"HSET", "user:1", "name", "ada", "lang", "c++"}), ":2");
  EXPECT_EQ(Redis({"HGET", "user:1", "lang"}), "$c++");
  EXPECT_EQ(Redis({"HLEN", "user:1"}), ":2");
}

TEST_F(RedisTest, SetKeepsMembersOnce) {
  EXPECT_EQ(Redis({"SADD", "tags", "x", "y", "x"}), ":2");
  EXPECT_EQ(Redis({"SISMEMBER", "tags", "y"}), ":1");
  EXPECT_EQ(Redis({"SCARD", "tags"}), ":2");
}

TEST_F(RedisTest, SortedSetRanksByScore) {
  EXPECT_EQ(Redis({"ZADD", "board", "30", "c", "10", "a", "20", "b"}), ":3");
  EXPECT_EQ(Redis({"ZRANGE", "board", "0", "-1"}), "*$a,$b,$c");
  EXPECT_EQ(Redis({"ZRANK", "board", "c"}), ":2");
}

TEST_F(RedisTest, PipelinedWritesAllLand) {
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 200; ++i) {
    commands.push_back({"SET", absl::StrCat("key:", i), absl::StrCat(i)});
  }
  absl::StatusOr<std::vector<std::string>> replies = redis_->Pipeline(commands);
  ASSERT_TRUE(replies.ok()) << replies.status();
  for (const std::string& reply : *replies) EXPECT_EQ(reply, "+OK");
  EXPECT_EQ(Redis({"DBSIZE"}), ":200");
  EXPECT_EQ(Redis({"GET", "key:199"}), "$199");
}

TEST_F(RedisTest, TransactionIsAtomic) {
  EXPECT_EQ(Redis({"MULTI"}), "+OK");
  EXPECT_EQ(Redis({"SET", "a", "1"}), "+QUEUED");
  EXPECT_EQ(Redis({"INCR", "a"}), "+QUEUED");
  EXPECT_EQ(Redis({"EXEC"}), "*+OK,:2");
}

TEST_F(RedisTest, PublishReachesSubscriber) {
  absl::StatusOr<RespConnection> subscriber = RespConnection::Connect(port_);
  ASSERT_TRUE(subscriber.ok()) << subscriber.status();
  absl::StatusOr<std::string> subscribed =
      subscriber->Command({"SUBSCRIBE", "news"});
  ASSERT_TRUE(subscribed.ok()) << subscribed.status();
  EXPECT_EQ(*subscribed, "*$subscribe,$news,:1");
  EXPECT_EQ(Redis({"PUBLISH", "news", "hello"}), ":1");
  absl::StatusOr<std::string> message = subscriber->ReadReply();
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(*message, "*$message,$news,$hello");
}

TEST_F(RedisTest, FlushEmptiesTheServer) {
  EXPECT_EQ(Redis({"MSET", "a", "1", "b", "2"}), "+OK");
  EXPECT_EQ(Redis({"DBSIZE"}), ":2");
  EXPECT_EQ(Redis({"FLUSHALL"}), "+OK");
  EXPECT_EQ(Redis({"DBSIZE"}), ":0");
}

}  // namespace
}  // namespace gtest_port_suite
