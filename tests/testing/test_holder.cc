// test_holder: a test binary as users write it (gtest_port_main registers
// the PortEnvironment) whose tests hold, fail with and leak reservations,
// for the diagnostics tests (leak_report_test, port_users_test,
// gtest_port_cli_test). Pick tests with --gtest_filter; each prints
// "PORT <p>" for every port it reserves.
//
//   TestHolder.HoldsUntilStdinCloses  two ports through the fixture, then
//                                     "READY", held until stdin closes
//   TestHolder.PassesHoldingPorts     two ports through the fixture
//   TestHolder.FailsHoldingPorts      a port and a block of two, then fails
//   TestHolder.ReservesOnePort        one port through the fixture
//   TestHolderPlain.ReleasesInTime    a Reserve() that ends with the test
//   TestHolderPlain.LeaksIntoStatic   a Reserve() kept in a static
//   TestHolderPlain.LeaksBlockByMovingItOut
//                                     a ReserveBlock(2) moved out of the
//                                     test into an object never destroyed

#include <unistd.h>

#include <cstdio>
#include <utility>

#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"

namespace {

void Print(uint16_t port) {
  std::printf("PORT %d\n", port);
  std::fflush(stdout);
}

class TestHolder : public gtest_port::PortFixture {};

TEST_F(TestHolder, HoldsUntilStdinCloses) {
  Print(ReservePort());
  Print(ReservePort());
  std::printf("READY\n");
  std::fflush(stdout);
  char c;
  while (::read(0, &c, 1) > 0) {
  }
}

TEST_F(TestHolder, PassesHoldingPorts) {
  Print(ReservePort());
  Print(ReservePort());
}

TEST_F(TestHolder, FailsHoldingPorts) {
  Print(ReservePort());
  const uint16_t block = ReserveBlock(2);
  Print(block);
  Print(static_cast<uint16_t>(block + 1));
  ADD_FAILURE() << "failing on purpose while holding ports";
}

TEST_F(TestHolder, ReservesOnePort) { Print(ReservePort()); }

TEST(TestHolderPlain, ReleasesInTime) {
  absl::StatusOr<gtest_port::PortReservation> r = gtest_port::Reserve();
  ASSERT_TRUE(r.ok()) << r.status();
  Print(r->port());
}

TEST(TestHolderPlain, LeaksIntoStatic) {
  static absl::StatusOr<gtest_port::PortReservation>* const kept =
      new absl::StatusOr<gtest_port::PortReservation>(gtest_port::Reserve());
  ASSERT_TRUE(kept->ok()) << kept->status();
  Print((*kept)->port());
}

TEST(TestHolderPlain, LeaksBlockByMovingItOut) {
  absl::StatusOr<gtest_port::PortReservation> r = gtest_port::ReserveBlock(2);
  ASSERT_TRUE(r.ok()) << r.status();
  Print(r->port());
  Print((*r)[1]);
  new gtest_port::PortReservation(*std::move(r));  // Never destroyed.
}

}  // namespace
