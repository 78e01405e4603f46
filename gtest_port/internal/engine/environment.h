// File: gtest_port/internal/engine/environment.h
//
// Environment is how the engine reads environment variables: a callable,
// so that a test can hand it a map instead of the process's environment.
//
// Example:
//
//   Environment env = MapEnvironment({{"GTEST_PORT_RANGE", "40000-40999"}});
//   std::optional<std::string> range = env("GTEST_PORT_RANGE");
//
// ProcessEnvironment() reads getenv(3), which is thread-safe as long as
// nothing modifies the environment concurrently; MapEnvironment() is a
// plain value.

#ifndef GTEST_PORT_INTERNAL_ENGINE_ENVIRONMENT_H_
#define GTEST_PORT_INTERNAL_ENGINE_ENVIRONMENT_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace gtest_port_internal {

// The value of the variable `name`; nullopt when it is unset.
using Environment =
    std::function<std::optional<std::string>(absl::string_view name)>;

// The process's own environment.
Environment ProcessEnvironment();

// Exactly the variables in `vars`.
Environment MapEnvironment(std::map<std::string, std::string> vars);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_ENGINE_ENVIRONMENT_H_
