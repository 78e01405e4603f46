// docs/migrating.md, "A global port computed at static-initialisation time":
// the "after" code, compiled and run. The START/END region is quoted in the
// guide (check_guide.py).

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
// was: const uint16_t kServerPort = PickUnusedPort();  (before main)
//
// Four ports held from static initialisation until the process exits. The
// value is never destroyed, so no test can outlive it.
const absl::StatusOr<gtest_port::PortReservation>& ProcessPorts() {
  static const auto* const ports =
      new absl::StatusOr<gtest_port::PortReservation>(
          gtest_port::ReserveBlock(4));
  return *ports;
}
const uint16_t kServerPort = ProcessPorts().ok() ? (*ProcessPorts())[0] : 0;
const uint16_t kAdminPort = ProcessPorts().ok() ? (*ProcessPorts())[1] : 0;

TEST(GlobalPortTest, ServerOnTheGlobalPort) {
  ASSERT_TRUE(ProcessPorts().ok()) << ProcessPorts().status();
  absl::StatusOr<std::unique_ptr<EchoServer>> server =
      EchoServer::Start(kServerPort, EchoServer::Protocol::kTcp);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(*Echo(kServerPort, EchoServer::Protocol::kTcp, "g"), "g");
}
// [END after]

TEST(GlobalPortTest, TheBlockIsConsecutiveAndHeld) {
  ASSERT_TRUE(ProcessPorts().ok()) << ProcessPorts().status();
  EXPECT_EQ(ProcessPorts()->size(), 4);
  EXPECT_EQ(kAdminPort, kServerPort + 1);
  // Held by this process: a reservation made now gets none of them.
  absl::StatusOr<gtest_port::PortReservation> other = gtest_port::Reserve();
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_TRUE(other->port() < kServerPort || other->port() > kServerPort + 3)
      << other->port();
}

}  // namespace
