// File: tests/testing/fake_env.h
//
// A fake environment for tests of configuration: ResolveConfig() takes a
// GetEnvFunction (a plain function pointer), and FakeGetEnv reads FakeEnv(),
// a map the test fills, instead of the process's real environment.
//
// Example:
//
//   FakeEnv() = {{"GTEST_PORT_RANGE", "lots"}};
//   absl::StatusOr<Config> c = ResolveConfig({}, system, &FakeGetEnv);
//
// Not thread-safe: tests that use it run single-threaded.

#ifndef GTEST_PORT_TESTS_TESTING_FAKE_ENV_H_
#define GTEST_PORT_TESTS_TESTING_FAKE_ENV_H_

#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace gtest_port_testing {

// The file ResolveConfig reads the kernel's ephemeral range from.
inline constexpr absl::string_view kEphemeralFile =
    "/proc/sys/net/ipv4/ip_local_port_range";

inline std::map<std::string, std::string>& FakeEnv() {
  static auto* env = new std::map<std::string, std::string>();
  return *env;
}

inline const char* FakeGetEnv(const char* name) {
  auto it = FakeEnv().find(name);
  return it == FakeEnv().end() ? nullptr : it->second.c_str();
}

}  // namespace gtest_port_testing

#endif  // GTEST_PORT_TESTS_TESTING_FAKE_ENV_H_
