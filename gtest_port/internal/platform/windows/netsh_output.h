// File: gtest_port/internal/platform/windows/netsh_output.h
//
// Pure parsers for the two netsh reports Windows has no API for (mingw-w64's
// iphlpapi.h declares no Get*DynamicPortRange, and the excluded ranges are
// only exposed through netsh):
//
//   netsh int ipv4 show dynamicport tcp          (or udp)
//
//     Protocol tcp Dynamic Port Range
//     ---------------------------------
//     Start Port      : 49152
//     Number of Ports : 16384
//
//   netsh int ipv4 show excludedportrange protocol=tcp   (or udp)
//
//     Protocol tcp Port Exclusion Ranges
//
//     Start Port    End Port
//     ----------    --------
//           5357        5357
//          50000       50059     *
//
//     * - Administered port exclusions.
//
// netsh translates its labels ("Startport", "Anzahl der Ports") and prints
// them in the console code page, so the parsers never read a label: the
// dynamic range is the first two "label : number" lines, in that order; the
// excluded ranges are the "number number [*]" lines after the dashed rule.
// netsh's output is input from another program: it is bounded
// (kMaxNetshOutputBytes), every number is range-checked, and an error quotes
// the offending line escaped and shortened.
//
// These functions do no system calls and build on any platform, so a fuzzer
// can drive them.
//
// Example:
//
//   absl::StatusOr<gtest_port::PortRange> dynamic =
//       ParseNetshDynamicPortRange(output);   // {49152, 65535}
//   absl::StatusOr<std::vector<gtest_port::PortRange>> excluded =
//       ParseNetshExcludedPortRanges(output);  // {{5357, 5357}, {50000, 50059}}
//
// All functions are thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_NETSH_OUTPUT_H_
#define GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_NETSH_OUTPUT_H_

#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest_port/options.h"

namespace gtest_port_internal::windows {

// Longer output is refused, not truncated: netsh's real reports are well
// under 4 KiB even with hundreds of exclusions.
inline constexpr size_t kMaxNetshOutputBytes = 64 * 1024;

// "Start Port : S" and "Number of Ports : N" -> {S, S + N - 1}. S must be
// 1-65535 and N at least 1 with S + N - 1 <= 65535.
absl::StatusOr<gtest_port::PortRange> ParseNetshDynamicPortRange(
    absl::string_view text);

// Every "START END" row (an optional trailing "*" marks an administered
// exclusion) after the "----" rule, in order; empty when the table has no
// rows. 1 <= START <= END <= 65535.
absl::StatusOr<std::vector<gtest_port::PortRange>> ParseNetshExcludedPortRanges(
    absl::string_view text);

}  // namespace gtest_port_internal::windows

#endif  // GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_NETSH_OUTPUT_H_
