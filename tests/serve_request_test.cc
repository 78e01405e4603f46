// Tests for tools/serve/serve_request.h: the requests `gtest-port serve`
// accepts are exactly what Python's portserver accepts (its int() on at most
// 20 bytes), plus the documented extensions.

#include "tools/serve/serve_request.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gtest_port_serve {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(ParseServeRequestTest, AcceptsWhatPythonsIntAccepts) {
  struct Case {
    std::string text;
    int64_t pid;
  };
  for (const Case& c :
       {Case{"1234\n", 1234}, Case{"1234", 1234}, Case{" 1234 \r\n", 1234},
        Case{"\t7\n", 7}, Case{"1_000\n", 1000}, Case{"0042\n", 42},
        Case{"2147483647\n", 2147483647}}) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<ServeRequest> r = ParseServeRequest(c.text);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->kind, ServeRequest::kPort);
    EXPECT_EQ(r->pid, c.pid);
    EXPECT_EQ(r->count, 1);
    EXPECT_FALSE(r->client_claims);
  }
}

TEST(ParseServeRequestTest, PlusMeansTheClientClaimsItself) {
  absl::StatusOr<ServeRequest> r = ParseServeRequest("+1234\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->pid, 1234);
  EXPECT_TRUE(r->client_claims);
}

TEST(ParseServeRequestTest, RejectsWhatPythonRejectsSayingWhatIsAccepted) {
  for (const std::string& text :
       {std::string(""), std::string("\n"), std::string("banana\n"),
        std::string("12a\n"), std::string("1__0\n"), std::string("_1\n"),
        std::string("1_\n"), std::string("0\n"), std::string("-5\n"),
        std::string("+-5\n"), std::string("1 2\n"), std::string("0x10\n"),
        std::string("123456789012345678901\n"),  // 22 bytes.
        std::string("99999999999\n"), std::string("12\0003\n", 5),
        std::string(101, '1')}) {
    SCOPED_TRACE(testing::PrintToString(text));
    absl::StatusOr<ServeRequest> r = ParseServeRequest(text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(r.status().message()),
                AllOf(HasSubstr("bad request \""), HasSubstr("expected")));
  }
}

TEST(ParseServeRequestTest, ExtensionRequests) {
  absl::StatusOr<ServeRequest> port = ParseServeRequest("gtest_port/1 port\n");
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_EQ(port->kind, ServeRequest::kPort);
  EXPECT_EQ(port->pid, 0);
  EXPECT_TRUE(port->client_claims);

  absl::StatusOr<ServeRequest> block =
      ParseServeRequest("gtest_port/1 block 64\n");
  ASSERT_TRUE(block.ok()) << block.status();
  EXPECT_EQ(block->kind, ServeRequest::kBlock);
  EXPECT_EQ(block->count, 64);

  absl::StatusOr<ServeRequest> stats =
      ParseServeRequest("gtest_port/1 stats\n");
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->kind, ServeRequest::kStats);

  for (const char* bad : {"gtest_port/1 block 0\n", "gtest_port/1 block 65\n",
                          "gtest_port/1 block -1\n", "gtest_port/1 block 1_0\n",
                          "gtest_port/1 block\n", "gtest_port/1 frob\n",
                          "gtest_port/2 port\n", "gtest_port/1  port\n"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(ParseServeRequest(bad).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST(ParseServeRequestTest, MessagesEscapeAndCutTheRequest) {
  const std::string request = "\x1b[31m" + std::string(60, 'x');
  absl::StatusOr<ServeRequest> r = ParseServeRequest(request);
  ASSERT_FALSE(r.ok());
  const std::string message(r.status().message());
  EXPECT_THAT(message, AllOf(HasSubstr("\\x1b[31m"), HasSubstr("...")));
  for (char c : message) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << message;
}

TEST(RequestCompleteTest, ALineEofTheCapOrAWholePid) {
  EXPECT_FALSE(RequestComplete("", false));
  EXPECT_TRUE(RequestComplete("", true));
  EXPECT_TRUE(RequestComplete("banana\n", false));
  EXPECT_TRUE(RequestComplete("12", false));  // Python answers it too.
  EXPECT_FALSE(RequestComplete("gtest_port/1 po", false));
  EXPECT_FALSE(RequestComplete("gtest_port/1 port", false));
  EXPECT_TRUE(RequestComplete("gtest_port/1 port", true));
  EXPECT_FALSE(RequestComplete("banana", false));
  EXPECT_TRUE(RequestComplete(std::string(kMaxRequestBytes, 'x'), false));
}

}  // namespace
}  // namespace gtest_port_serve
