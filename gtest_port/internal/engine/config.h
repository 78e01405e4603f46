// File: gtest_port/internal/engine/config.h
//
// ResolveConfig turns gtest_port::Options, the environment and the
// platform's settings into one validated Config: the range, this shard's slice, the
// candidate ports once the ephemeral range is skipped, how ports are
// claimed, and which port server (if any) single ports come from. It is the
// only place that reads configuration, so every bad value is reported here,
// before any test runs, with the variable, the value and what is accepted.
//
// Example:
//
//   absl::StatusOr<Config> config = ResolveConfig(
//       gtest_port::Options(), RealPlatform(), ProcessEnvironment());
//   if (!config.ok()) { /* e.g. "GTEST_PORT_RANGE=abc: ..." */ }
//
// ResolveConfig is thread-safe as long as the environment is not modified
// concurrently; Config is a plain value.
//
// Shards. The shard values come from Options when set (the GoogleTest glue
// always sets them, from GoogleTest's own view: glue/googletest_shard.h),
// otherwise from GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS read exactly as
// GoogleTest reads them: -1 or unset means "not sharded", one without the
// other is an error, and one shard of one is no sharding.

#ifndef GTEST_PORT_INTERNAL_ENGINE_CONFIG_H_
#define GTEST_PORT_INTERNAL_ENGINE_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest_port/internal/engine/environment.h"
#ifdef _WIN32
// No port-server client on Windows (config.cc warns about one configured).
namespace gtest_port_internal {
inline constexpr absl::Duration kDefaultPortServerTimeout = absl::Seconds(2);
}  // namespace gtest_port_internal
#else
#include "gtest_port/internal/engine/portserver_client.h"
#endif
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/platform/platform.h"
#include "gtest_port/internal/port_range.h"
#include "gtest_port/options.h"

namespace gtest_port_internal {

struct Config {
  PortRange range;
  ShardSpec shard;
  CandidateSet candidates{PortRange{0, 0}};
  // The loopback address pool (GTEST_PORT_ADDRESS_RANGE) and this shard's
  // slice of it, sliced like the ports.
  AddressRange address_range = kDefaultAddressRange;
  AddressRange address_slice = kDefaultAddressRange;
  // The kernel's ephemeral range, where known.
  std::optional<PortRange> ephemeral;
  // Claims are lock files in this directory; empty for the platform's own
  // claim (Linux: abstract sockets). Checked by Platform::PrepareLockDir().
  std::string lock_dir;
  // The port server single ports come from first; empty for none. Validated.
  // Always empty on Windows.
  std::string portserver_address;
  absl::Duration portserver_timeout = kDefaultPortServerTimeout;
  bool verbose = false;
  // Leaks and lingering servers are failures, not notes (Options::fail_on_leak).
  bool fail_on_leak = false;
  // The ports browsers refuse (kUnsafePorts) may be handed out
  // (Options::allow_unsafe_ports).
  bool allow_unsafe_ports = false;
  // Things the user should know but that do not stop the run, e.g. an
  // overlap with the ephemeral range.
  std::vector<std::string> warnings;

  PortRange slice() const { return candidates.slice(); }
};

// Where claims are made: Options::lock_dir (`option`), else
// GTEST_PORT_LOCK_DIR, else the platform's default lock directory, created
// and checked by Platform::PrepareLockDir(); "" when none applies and the
// platform claims by its own mechanism (Linux's abstract sockets).
// InvalidArgument naming the setting and the fix for an unusable directory.
// ResolveConfig() uses it; so does `gtest-port serve`, which must claim
// where the test processes it serves claim.
absl::StatusOr<std::string> ResolveLockDir(
    const std::optional<std::string>& option, const Platform& platform,
    const Environment& env);

absl::StatusOr<Config> ResolveConfig(const gtest_port::Options& options,
                                     const Platform& platform,
                                     const Environment& env);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_ENGINE_CONFIG_H_
