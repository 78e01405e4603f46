// docs/migrating.md, "A hard-coded port": the "after" code, compiled and run.
// The region between the START and END lines is quoted in the guide, which
// tests/migrating/check_guide.py keeps identical.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "samples/echo_server.h"

namespace {

using ::gtest_port_samples::Echo;
using ::gtest_port_samples::EchoServer;

// [START after]
class EchoTest : public gtest_port::PortFixture {};

TEST_F(EchoTest, Roundtrip) {
  uint16_t port = 0;
  ASSERT_NO_FATAL_FAILURE(port = ReservePort());  // was: 8080
  absl::StatusOr<std::unique_ptr<EchoServer>> server =
      EchoServer::Start(port, EchoServer::Protocol::kTcp);
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::string> reply =
      Echo(port, EchoServer::Protocol::kTcp, "hi");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "hi");
}
// [END after]

}  // namespace
