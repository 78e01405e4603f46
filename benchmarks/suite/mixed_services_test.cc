// The suite's multi-server tests: one test starts several kinds of server
// at once, as a test of a service and its dependencies does.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmarks/suite/suite_ports.h"
#include "benchmarks/suite/suite_servers.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"

namespace gtest_port_suite {
namespace {

constexpr uint16_t kFixedRedisPort = 16379;
constexpr uint16_t kFixedHttpPort = 18080;
constexpr uint16_t kFixedWarmupPort = 17000;

class MixedServicesTest : public SuiteFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SuiteFixture::SetUp());
    absl::StatusOr<std::string> dir = MakeTempDir("mixed");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
    ASSERT_NO_FATAL_FAILURE(redis_port_ = ServerPort(kFixedRedisPort));
    absl::StatusOr<std::unique_ptr<ServerProcess>> redis =
        ServerProcess::StartRedis(redis_port_);
    ASSERT_TRUE(redis.ok()) << redis.status();
    servers_.push_back(*std::move(redis));
  }

  void TearDown() override {
    for (auto it = servers_.rbegin(); it != servers_.rend(); ++it) {
      const absl::Status stopped = (*it)->Stop();
      EXPECT_TRUE(stopped.ok()) << stopped;
    }
    RemoveTree(dir_);
    SuiteFixture::TearDown();
  }

  void Start(const std::vector<std::string>& argv, uint16_t port) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start(argv, port);
    ASSERT_TRUE(server.ok()) << server.status();
    servers_.push_back(*std::move(server));
  }

  std::string Redis(const std::vector<std::string>& args) {
    absl::StatusOr<RespConnection> connection =
        RespConnection::Connect(redis_port_);
    EXPECT_TRUE(connection.ok()) << connection.status();
    if (!connection.ok()) return "";
    absl::StatusOr<std::string> reply = connection->Command(args);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : "";
  }

  uint16_t redis_port_ = 0;
  std::string dir_;
  std::vector<std::unique_ptr<ServerProcess>> servers_;
};

TEST_F(MixedServicesTest, CachesAWebPageInRedis) {
  uint16_t http_port = 0;
  ASSERT_NO_FATAL_FAILURE(http_port = ServerPort(kFixedHttpPort));
  ASSERT_TRUE(WriteFile(dir_ + "/index.html", "<h1>cached</h1>").ok());
  ASSERT_NO_FATAL_FAILURE(Start({kPython, "-m", "http.server",
                                 absl::StrCat(http_port), "--bind", "127.0.0.1",
                                 "--directory", dir_},
                                http_port));
  EXPECT_EQ(Redis({"GET", "page:/"}), "nil");  // a cold cache
  absl::StatusOr<HttpResponse> page = HttpRequest(http_port, "GET", "/index.html");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->status, 200);
  EXPECT_EQ(Redis({"SET", "page:/", page->body}), "+OK");
  EXPECT_EQ(Redis({"GET", "page:/"}), "$<h1>cached</h1>");
}

TEST_F(MixedServicesTest, StoresLookupsFromASlowService) {
  uint16_t warmup_port = 0;
  ASSERT_NO_FATAL_FAILURE(warmup_port = ServerPort(kFixedWarmupPort));
  ASSERT_NO_FATAL_FAILURE(Start({gtest_port_testing::HelperPath("warmup_server"),
                                 absl::StrCat("--port=", warmup_port)},
                                warmup_port));
  absl::StatusOr<std::string> record = TcpExchange(warmup_port, "GET 7\n");
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_EQ(record->size(), 17u) << *record;  // 16 hex digits and '\n'
  EXPECT_EQ(Redis({"SET", "record:7", *record}), "+OK");
  EXPECT_EQ(Redis({"STRLEN", "record:7"}), ":17");
}

}  // namespace
}  // namespace gtest_port_suite
