// gtest_corner_cases_child: a test binary as users write it (gtest_port_main
// registers the PortEnvironment) whose tests hit GoogleTest's corner cases,
// for gtest_corner_cases_test to run and watch from outside:
//
//   * CornerCases.*, SkipInSetUp.*, ThrowInSetUp.*: tests that reserve ports
//     and then skip (GTEST_SKIP, in the body or in SetUp) or throw. Each
//     prints "HELD <port>" for every port it holds. CornerCasesCheck.*, which
//     runs after them, prints "RELEASED <port>" for each of those ports that
//     no claim holds any more, "STILL_HELD <port>" (and fails) otherwise.
//   * Repeat.*: under --gtest_repeat, prints
//     "ITERATION <i> port=<p> fds=<n>" while holding a port and
//     "AFTER <i> fds=<n>" once it is released, and fails when the port of
//     the previous iteration is still claimed.
//
// Some of these tests fail on purpose (the throwing ones); run them only
// through gtest_corner_cases_test.

#include <cstdio>
#include <stdexcept>
#include <vector>

#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "tests/testing/descriptor_hygiene.h"

namespace {

using ::gtest_port_testing::DescriptorCount;
using ::gtest_port_testing::IsClaimed;

// Ports the skipping and throwing tests held, in order.
std::vector<uint16_t>& HeldByEarlierTests() {
  static auto* ports = new std::vector<uint16_t>();
  return *ports;
}

void Held(uint16_t port) {
  HeldByEarlierTests().push_back(port);
  std::printf("HELD %d\n", port);
  std::fflush(stdout);
}

class CornerCases : public gtest_port::PortFixture {};

TEST_F(CornerCases, ReservesThenSkips) {
  const uint16_t fixture_port = ReservePort();
  ASSERT_NE(fixture_port, 0);
  absl::StatusOr<gtest_port::PortReservation> own = gtest_port::Reserve();
  ASSERT_TRUE(own.ok()) << own.status();
  Held(fixture_port);
  Held(own->port());
  GTEST_SKIP() << "skipped after reserving";
}

TEST_F(CornerCases, ReservesThenThrows) {
  const uint16_t fixture_port = ReservePort();
  ASSERT_NE(fixture_port, 0);
  absl::StatusOr<gtest_port::PortReservation> own = gtest_port::ReserveBlock(2);
  ASSERT_TRUE(own.ok()) << own.status();
  Held(fixture_port);
  Held((*own)[0]);
  Held((*own)[1]);
  throw std::runtime_error("thrown after reserving");
}

class SkipInSetUp : public gtest_port::PortFixture {
 protected:
  void SetUp() override {
    const uint16_t port = ReservePort();
    ASSERT_NE(port, 0);
    Held(port);
    GTEST_SKIP() << "skipped in SetUp after reserving";
  }
};

TEST_F(SkipInSetUp, BodyNeverRuns) { ADD_FAILURE() << "ran after a skip"; }

class ThrowInSetUp : public gtest_port::PortFixture {
 protected:
  void SetUp() override {
    const uint16_t port = ReservePort();
    ASSERT_NE(port, 0);
    Held(port);
    throw std::runtime_error("thrown in SetUp after reserving");
  }
};

TEST_F(ThrowInSetUp, BodyNeverRuns) { ADD_FAILURE() << "ran after a throw"; }

TEST(CornerCasesCheck, PortsOfEarlierTestsWereReleased) {
  ASSERT_FALSE(HeldByEarlierTests().empty()) << "run with the other tests";
  for (uint16_t port : HeldByEarlierTests()) {
    const bool claimed = IsClaimed(port);
    std::printf("%s %d\n", claimed ? "STILL_HELD" : "RELEASED", port);
    EXPECT_FALSE(claimed) << "port " << port << " outlived its test";
  }
  std::fflush(stdout);
}

int iteration = 0;
uint16_t previous_port = 0;

class Repeat : public gtest_port::PortFixture {};

TEST_F(Repeat, HoldsAPort) {
  ++iteration;
  if (previous_port != 0) {
    EXPECT_FALSE(IsClaimed(previous_port))
        << "the port of the previous iteration is still claimed";
  }
  const uint16_t port = ReservePort();
  ASSERT_NE(port, 0);
  previous_port = port;
  std::printf("ITERATION %d port=%d fds=%d\n", iteration, port,
              DescriptorCount());
  std::fflush(stdout);
}

TEST(RepeatAfter, PortIsReleased) {
  EXPECT_FALSE(IsClaimed(previous_port));
  std::printf("AFTER %d fds=%d\n", iteration, DescriptorCount());
  std::fflush(stdout);
}

}  // namespace
