// main() for test binaries that use gtest_port: like gtest_main (and
// gmock_main), and it registers gtest_port::PortEnvironment. It also lets
// PortFixture name the process of a server that outlived its test
// (gtest_port_diagnostics' DescribePortUser), which gtest_port alone does
// not link.

#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/glue/lingering_listeners.h"
#include "gtest_port/port_environment.h"
#include "gtest_port/port_users.h"

namespace {

// Who listens on `port`; false when /proc shows no listener on it.
bool DescribeListener(uint16_t port, std::string* who) {
  absl::StatusOr<gtest_port::PortUser> user = gtest_port::DescribePortUser(port);
  if (!user.ok()) return true;  // Cannot tell: report the bind's finding.
  bool listening = false;
  for (const std::string& socket : user->sockets) {
    listening = listening || absl::StrContains(socket, " LISTEN");
  }
  if (!listening) return false;
  *who = user->ToString();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  gtest_port_internal::SetPortUserDescriber(&DescribeListener);
  ::testing::InitGoogleMock(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new gtest_port::PortEnvironment());
  return RUN_ALL_TESTS();
}
