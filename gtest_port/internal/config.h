// File: gtest_port/internal/config.h
//
// ResolveConfig turns gtest_port::Options, the environment and the kernel's
// settings into one validated Config: the range, this shard's slice, the
// candidate ports once the ephemeral range is skipped, how ports are
// claimed, and which port server (if any) single ports come from. It is the
// only place that reads configuration, so every bad value is reported here,
// before any test runs, with the variable, the value and what is accepted.
//
// Example:
//
//   absl::StatusOr<Config> config =
//       ResolveConfig(gtest_port::Options(), System::Real(), &MyGetEnv);
//   if (!config.ok()) { /* e.g. "GTEST_PORT_RANGE=abc: ..." */ }
//
// ResolveConfig is thread-safe as long as the environment is not modified
// concurrently; Config is a plain value.

#ifndef GTEST_PORT_INTERNAL_CONFIG_H_
#define GTEST_PORT_INTERNAL_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest_port/internal/claim.h"
#include "gtest_port/internal/port_range.h"
#include "gtest_port/internal/portserver_client.h"
#include "gtest_port/internal/system.h"
#include "gtest_port/options.h"

namespace gtest_port_internal {

struct Config {
  PortRange range;
  ShardSpec shard;
  CandidateSet candidates{PortRange{0, 0}};
  // The kernel's ephemeral range, where known.
  std::optional<PortRange> ephemeral;
  ClaimMechanism mechanism = ClaimMechanism::kAbstractSocket;
  std::string lock_dir;  // Empty unless mechanism == kLockFile.
  // The port server single ports come from first; empty for none. Validated.
  std::string portserver_address;
  absl::Duration portserver_timeout = kDefaultPortServerTimeout;
  bool verbose = false;
  // Things the user should know but that do not stop the run, e.g. an
  // overlap with the ephemeral range.
  std::vector<std::string> warnings;

  PortRange slice() const { return candidates.slice(); }
};

// Reads an environment variable; nullptr when unset. Tests pass their own.
using GetEnvFunction = const char* (*)(const char*);

absl::StatusOr<Config> ResolveConfig(const gtest_port::Options& options,
                                     System& system,
                                     GetEnvFunction getenv_fn);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_CONFIG_H_
