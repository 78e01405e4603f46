// File: gtest_port/port_environment.h
//
// PortEnvironment is the ::testing::Environment that configures gtest_port
// for a whole test binary. Register it once, before RUN_ALL_TESTS() (or link
// gtest_port_main, which does it for you):
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
// shard owns and how ports are claimed. A bad value fails the global set-up,
// so no test runs and the binary exits non-zero with a message that names
// the variable, the value and what is accepted.
//
// SetUp() runs again on each --gtest_repeat iteration and in death-test
// children; both are fine. Reservations made under an earlier SetUp() stay
// valid. Registration is optional: without it, gtest_port uses the
// environment variables and defaults on first use.
//
// GoogleTest calls SetUp() and TearDown() from the main thread.

#ifndef GTEST_PORT_PORT_ENVIRONMENT_H_
#define GTEST_PORT_PORT_ENVIRONMENT_H_

#include "gtest/gtest.h"
#include "gtest_port/options.h"

namespace gtest_port {

class PortEnvironment : public ::testing::Environment {
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
