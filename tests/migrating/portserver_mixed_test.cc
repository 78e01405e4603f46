// docs/migrating.md, "Python portpicker / portserver in a mixed repo": the
// "after" code, compiled and run against Debian's real /usr/bin/portserver
// (python3-portpicker). main() below stands in for CI: it starts a
// portserver with a private pool and exports PORTSERVER_ADDRESS, as CI does
// for the Python tests; the C++ tests then take their ports from the same
// server as portpicker does. The START/END region is quoted in the guide
// (check_guide.py).

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "samples/echo_server.h"
#include "tests/testing/portserver.h"
#include "tests/testing/private_range.h"
#include "tests/testing/subprocess.h"

namespace {

using ::gtest_port_samples::Echo;
using ::gtest_port_samples::EchoServer;

gtest_port::PortRange pool;  // the portserver's pool, set by main()

// [START after]
class MixedRepoTest : public gtest_port::PortFixture {};

TEST_F(MixedRepoTest, CppAndPythonShareThePortServer) {
  uint16_t port = 0;
  ASSERT_NO_FATAL_FAILURE(port = ReservePort());  // from $PORTSERVER_ADDRESS
  absl::StatusOr<std::unique_ptr<EchoServer>> server =
      EchoServer::Start(port, EchoServer::Protocol::kTcp);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(*Echo(port, EchoServer::Protocol::kTcp, "c++"), "c++");

  // A Python test running now asks the same server, and gets another port.
  absl::StatusOr<gtest_port_testing::ExitInfo> python = gtest_port_testing::Run(
      {"/usr/bin/python3", "-c",
       "import portpicker; print(portpicker.pick_unused_port())"},
      {}, absl::Seconds(30));
  ASSERT_TRUE(python.ok()) << python.status();
  int python_port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(python->output),
                               &python_port))
      << python->output;
  EXPECT_NE(python_port, port);
  EXPECT_TRUE(pool.contains(port) && pool.contains(python_port))
      << port << " and " << python_port << " must come from the pool "
      << pool.first << "-" << pool.last;
}
// [END after]

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (::access(gtest_port_testing::kPortServerPath, X_OK) != 0 ||
      ::access("/usr/bin/python3", X_OK) != 0) {
    std::fprintf(stderr, "portserver_mixed_test: needs %s and python3 "
                 "(Debian: python3-portpicker); scripts/setup.sh installs them\n",
                 gtest_port_testing::kPortServerPath);
    return 1;
  }
  gtest_port_testing::PrivateRange range(8);
  pool = range.range();
  absl::StatusOr<std::unique_ptr<gtest_port_testing::PortServer>> server =
      gtest_port_testing::PortServer::Start(pool);
  if (!server.ok()) {
    std::fprintf(stderr, "portserver_mixed_test: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  ::setenv("PORTSERVER_ADDRESS", (*server)->address().c_str(), 1);
  ::testing::AddGlobalTestEnvironment(new gtest_port::PortEnvironment());
  return RUN_ALL_TESTS();
}
