// File: gtest_port/port_environment.h
//
// PortEnvironment is the ::testing::Environment that configures gtest_port
// for a whole test binary. Register it once, before RUN_ALL_TESTS() (or link
// gtest_port_main, which does it for you).
//
// Example:
//
//   int main(int argc, char** argv) {
//     ::testing::InitGoogleTest(&argc, argv);
//     ::testing::AddGlobalTestEnvironment(new gtest_port::PortEnvironment());
//     return RUN_ALL_TESTS();
//   }
//
// SetUp() reads the configuration (Options, then GTEST_PORT_RANGE,
// GTEST_PORT_LOCK_DIR, GTEST_PORT_VERBOSE and GoogleTest's shard variables),
// validates it and prints one line saying which slice of the range this
// shard owns and how ports are claimed. A bad value ends the process from
// SetUp() with exit code 1 and a message on stderr that names the variable,
// the value and what is accepted -- no test runs, and no runner can count
// the run as passed or skipped (a GTEST_FAIL() in a global set-up would make
// GoogleTest 1.12 print every test as SKIPPED, which CTest's
// gtest_discover_tests counts as a pass). --gtest_list_tests sets up no
// environment, so listing still works with a bad configuration.
//
// To configure in code instead, pass Options; they win over the environment:
//
//   gtest_port::Options options;
//   options.range = gtest_port::PortRange{40000, 40999};
//   ::testing::AddGlobalTestEnvironment(
//       new gtest_port::PortEnvironment(options));
//
// SetUp() runs again on each --gtest_repeat iteration and in death-test
// children; both are fine. Reservations made under an earlier SetUp() stay
// valid. Registration is optional: without it, gtest_port uses the
// environment variables and defaults on first use.
//
// Ownership: AddGlobalTestEnvironment() takes ownership of the environment
// (GoogleTest deletes it); do not delete it yourself. The environment keeps
// its own copy of the Options. It does not own reservations: those belong to
// their PortReservation or PortFixture.
//
// This class is thread-compatible: GoogleTest calls SetUp() and TearDown()
// from the main thread.

#ifndef GTEST_PORT_PORT_ENVIRONMENT_H_
#define GTEST_PORT_PORT_ENVIRONMENT_H_

#include "gtest/gtest.h"
#include "gtest_port/export.h"
#include "gtest_port/options.h"

namespace gtest_port {

class GTEST_PORT_EXPORT PortEnvironment : public ::testing::Environment {
 public:
  PortEnvironment() = default;
  // Options given here win over the environment variables.
  explicit PortEnvironment(Options options) : options_(std::move(options)) {}

  void SetUp() override;
  void TearDown() override;

 private:
  Options options_;
};

}  // namespace gtest_port

#endif  // GTEST_PORT_PORT_ENVIRONMENT_H_
