// File: tests/testing/config_fixture.h
//
// ConfigFixture is the base of the configuration tests: ResolveConfig() over
// a local environment (`env_`, a map the test fills) and a POSIX platform
// whose system calls a test may fail (`system_`, a MockSystem that is real
// by default). The kernel's ephemeral range reads as Linux's default, so
// results do not depend on the host.
//
// Example:
//
//   class MyTest : public ConfigFixture {};
//   TEST_F(MyTest, X) {
//     env_["GTEST_PORT_RANGE"] = "lots";
//     EXPECT_FALSE(Resolve().ok());
//   }
//
// Thread-compatible.

#ifndef GTEST_PORT_TESTS_TESTING_CONFIG_FIXTURE_H_
#define GTEST_PORT_TESTS_TESTING_CONFIG_FIXTURE_H_

#include <map>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/config.h"
#include "gtest_port/internal/engine/environment.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "tests/testing/mock_system.h"

namespace gtest_port_testing {

class ConfigFixture : public ::testing::Test {
 protected:
  ConfigFixture() {
    ON_CALL(system_, ReadFile(gtest_port_internal::kLinuxEphemeralFile))
        .WillByDefault(::testing::Return(std::string("32768\t60999\n")));
  }

  absl::StatusOr<gtest_port_internal::Config> Resolve(
      const gtest_port::Options& options = {}) {
    return gtest_port_internal::ResolveConfig(
        options, *platform_, gtest_port_internal::MapEnvironment(env_));
  }

  std::map<std::string, std::string> env_;
  ::testing::NiceMock<MockSystem> system_;
  const std::unique_ptr<gtest_port_internal::Platform> platform_ =
      gtest_port_internal::MakePosixPlatform(system_);
};

}  // namespace gtest_port_testing

#endif  // GTEST_PORT_TESTS_TESTING_CONFIG_FIXTURE_H_
