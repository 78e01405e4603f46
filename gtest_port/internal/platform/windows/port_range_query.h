// File: gtest_port/internal/platform/windows/port_range_query.h
//
// The ports Windows itself hands out or keeps for itself, per protocol:
//
//   * the dynamic (ephemeral) port range, which a gtest_port range should
//     avoid as Linux's ip_local_port_range is avoided: Windows gives these
//     ports to outgoing connections and bind(0) at any time;
//   * the excluded port ranges: blocks reserved by Hyper-V, WSL, Docker or an
//     administrator, where bind fails with WSAEACCES although nothing
//     listens.
//
// Both come from netsh (see netsh_output.h); mingw-w64 declares no API for
// them. Neither query fails: when netsh cannot be run, times out, or prints
// something the parser does not accept, the dynamic range is the Windows
// default 49152-65535 and the excluded list is empty, and `warning` says
// what went wrong and what was assumed. The From* functions are the pure
// halves, for tests and for callers that obtained netsh's output elsewhere.
//
// Example:
//
//   DynamicPortRange dynamic = QueryDynamicPortRange(Protocol::kTcp);
//   if (!dynamic.warning.empty()) std::cerr << dynamic.warning << "\n";
//   ExcludedPortRanges excluded = QueryExcludedPortRanges(Protocol::kTcp);
//
// All functions are thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PORT_RANGE_QUERY_H_
#define GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PORT_RANGE_QUERY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest_port/internal/platform/windows/protocol.h"
#include "gtest_port/options.h"

namespace gtest_port_internal::windows {

// Windows' default dynamic range since Vista, for TCP and UDP.
inline constexpr gtest_port::PortRange kDefaultDynamicPortRange{49152, 65535};

struct DynamicPortRange {
  gtest_port::PortRange range;
  std::string warning;  // empty when `range` came from the system
};

struct ExcludedPortRanges {
  std::vector<gtest_port::PortRange> ranges;
  std::string warning;  // empty when `ranges` came from the system
};

DynamicPortRange QueryDynamicPortRange(Protocol protocol);
ExcludedPortRanges QueryExcludedPortRanges(Protocol protocol);

// `netsh_output` is what netsh printed (exit code 0), or why it could not be
// run.
DynamicPortRange DynamicPortRangeFrom(
    Protocol protocol, const absl::StatusOr<std::string>& netsh_output);
ExcludedPortRanges ExcludedPortRangesFrom(
    Protocol protocol, const absl::StatusOr<std::string>& netsh_output);

}  // namespace gtest_port_internal::windows

#endif  // GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PORT_RANGE_QUERY_H_
