// docs/migrating.md, "bind(0) and read the port back": the "after" code,
// compiled and run. The START/END region is quoted in the guide
// (check_guide.py).

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "gtest_port/matchers.h"
#include "samples/echo_server.h"

namespace {

using ::gtest_port_samples::Echo;
using ::gtest_port_samples::EchoServer;

// [START after]
class RestartTest : public gtest_port::PortFixture {};

TEST_F(RestartTest, ServerComesBackOnItsPort) {
  // was: socket(); bind(port 0); getsockname(); close(); -- from the close()
  // on, the kernel may hand that port to anyone.
  uint16_t port = 0;
  ASSERT_NO_FATAL_FAILURE(port = ReservePort());
  for (int run = 0; run < 2; ++run) {  // the port stays ours between runs
    absl::StatusOr<std::unique_ptr<EchoServer>> server =
        EchoServer::Start(port, EchoServer::Protocol::kTcp);
    ASSERT_TRUE(server.ok()) << server.status();
    EXPECT_EQ(*Echo(port, EchoServer::Protocol::kTcp, "up"), "up");
  }
  EXPECT_THAT(port, gtest_port::IsFreeToBind());  // the server is gone
}
// [END after]

}  // namespace
