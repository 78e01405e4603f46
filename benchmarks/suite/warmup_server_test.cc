// The suite's slow-start tests: warmup_server builds its index before it
// listens (a few hundred ms of CPU here), so every test waits for it -- by
// connecting -- the way tests of servers that load data must.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "benchmarks/suite/suite_ports.h"
#include "benchmarks/suite/suite_servers.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"

namespace gtest_port_suite {
namespace {

constexpr uint16_t kFixedWarmupPort = 17000;
constexpr int kRecords = 262144;

class WarmupServerTest : public SuiteFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SuiteFixture::SetUp());
    ASSERT_NO_FATAL_FAILURE(port_ = ServerPort(kFixedWarmupPort));
    ASSERT_NO_FATAL_FAILURE(Start());
  }

  void Start() {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(
        {gtest_port_testing::HelperPath("warmup_server"),
         absl::StrCat("--port=", port_), absl::StrCat("--records=", kRecords)},
        port_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void Stop() {
    if (server_ == nullptr) return;
    const absl::Status stopped = server_->Stop();
    EXPECT_TRUE(stopped.ok()) << stopped;
    server_.reset();
  }

  void TearDown() override {
    Stop();
    SuiteFixture::TearDown();
  }

  std::string Ask(const std::string& lines) {
    absl::StatusOr<std::string> reply = TcpExchange(port_, lines);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : "";
  }

  uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(WarmupServerTest, CountsItsRecords) {
  EXPECT_EQ(Ask("COUNT\n"), absl::StrCat(kRecords, "\n"));
}

TEST_F(WarmupServerTest, AnswersLookups) {
  const std::string reply = Ask("GET 0\nGET 1\nGET 262143\n");
  EXPECT_EQ(std::count(reply.begin(), reply.end(), '\n'), 3) << reply;
  EXPECT_FALSE(absl::StrContains(reply, "ERR")) << reply;
  EXPECT_EQ(Ask("GET 1\n"), Ask("GET 1\n"));  // The same index every time.
}

TEST_F(WarmupServerTest, RejectsBadRequests) {
  EXPECT_TRUE(absl::StartsWith(Ask("GET 262144\n"), "ERR no record"));
  EXPECT_TRUE(absl::StartsWith(Ask("PUT 1\n"), "ERR unknown request"));
}

TEST_F(WarmupServerTest, RestartRebuildsTheSameIndex) {
  const std::string before = Ask("GET 4242\n");
  ASSERT_NO_FATAL_FAILURE(Stop());
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Ask("GET 4242\n"), before);
}

}  // namespace
}  // namespace gtest_port_suite
