// The suite's HTTP tests: Python's http.server (python3 -m http.server)
// serving a directory of the test's own, one server per test. Each test's
// directory holds a token file naming the test, so a test answered by
// another test's server fails in SetUp instead of passing by accident.

#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "benchmarks/suite/suite_ports.h"
#include "benchmarks/suite/suite_servers.h"
#include "gtest/gtest.h"

namespace gtest_port_suite {
namespace {

constexpr uint16_t kFixedHttpPort = 18080;

class HttpTest : public SuiteFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SuiteFixture::SetUp());
    absl::StatusOr<std::string> dir = MakeTempDir("http");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
    const ::testing::TestInfo* test =
        ::testing::UnitTest::GetInstance()->current_test_info();
    token_ = absl::StrCat(test->name(), " in pid ", ::getpid());
    ASSERT_TRUE(WriteFile(dir_ + "/token", token_).ok());
    ASSERT_NO_FATAL_FAILURE(port_ = ServerPort(kFixedHttpPort));
    absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(
        {kPython, "-m", "http.server", absl::StrCat(port_), "--bind",
         "127.0.0.1", "--directory", dir_},
        port_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    absl::StatusOr<HttpResponse> token = HttpRequest(port_, "GET", "/token");
    ASSERT_TRUE(token.ok()) << token.status();
    ASSERT_EQ(token->body, token_) << "port " << port_ << " is not our server";
  }

  void TearDown() override {
    if (server_ != nullptr) {
      const absl::Status stopped = server_->Stop();
      EXPECT_TRUE(stopped.ok()) << stopped;
    }
    RemoveTree(dir_);
    SuiteFixture::TearDown();
  }

  HttpResponse Get(const std::string& path, const char* method = "GET") {
    absl::StatusOr<HttpResponse> response = HttpRequest(port_, method, path);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : HttpResponse{};
  }

  uint16_t port_ = 0;
  std::string dir_;
  std::string token_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(HttpTest, ServesAFile) {
  ASSERT_TRUE(WriteFile(dir_ + "/hello.txt", "hello, world\n").ok());
  const HttpResponse response = Get("/hello.txt");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello, world\n");
}

TEST_F(HttpTest, MissingFileIs404) {
  EXPECT_EQ(Get("/nothing-here").status, 404);
}

TEST_F(HttpTest, ListsADirectory) {
  ASSERT_TRUE(WriteFile(dir_ + "/a.json", "{}").ok());
  const HttpResponse response = Get("/");
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(absl::StrContains(response.body, "a.json")) << response.body;
}

TEST_F(HttpTest, HeadHasNoBody) {
  ASSERT_TRUE(WriteFile(dir_ + "/page.html", "<p>hi</p>").ok());
  const HttpResponse response = Get("/page.html", "HEAD");
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(absl::StrContains(response.headers, "Content-Length: 9"))
      << response.headers;
  EXPECT_EQ(response.body, "");
}

TEST_F(HttpTest, ServesALargeFile) {
  std::string big;
  for (int i = 0; big.size() < (1 << 20); ++i) absl::StrAppend(&big, i, "\n");
  ASSERT_TRUE(WriteFile(dir_ + "/big.txt", big).ok());
  const HttpResponse response = Get("/big.txt");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body.size(), big.size());
  EXPECT_TRUE(response.body == big);
}

TEST_F(HttpTest, ServesNestedPaths) {
  ASSERT_EQ(::mkdir((dir_ + "/static").c_str(), 0755), 0);
  ASSERT_TRUE(WriteFile(dir_ + "/static/app.js", "run();").ok());
  EXPECT_EQ(Get("/static/app.js").body, "run();");
  EXPECT_EQ(Get("/static/").status, 200);
}

TEST_F(HttpTest, AnswersManyRequests) {
  ASSERT_TRUE(WriteFile(dir_ + "/n.txt", "n").ok());
  for (int i = 0; i < 25; ++i) {
    const HttpResponse response = Get("/n.txt");
    ASSERT_EQ(response.status, 200) << "request " << i;
    ASSERT_EQ(response.body, "n");
  }
}

TEST_F(HttpTest, RejectsUnsupportedMethod) {
  EXPECT_EQ(Get("/token", "POST").status, 501);
}

}  // namespace
}  // namespace gtest_port_suite
