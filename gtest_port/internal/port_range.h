// File: gtest_port/internal/port_range.h
//
// The pure arithmetic of port ranges, shared by the engine and the
// platforms, with no system calls: parsing a port range, splitting it into
// one slice per test shard, and enumerating the candidate ports of a slice
// once the kernel's ephemeral range and the ports browsers refuse are taken
// out.
//
// Example:
//
//   PortRange range = *ParsePortRange("20000-32767");
//   PortRange slice = *ShardSlice(range, {/*index=*/1, /*total=*/4});
//   // slice == {23192, 26383}
//   CandidateSet candidates(slice, /*excluded=*/std::nullopt);
//   uint16_t port = candidates.port(0);  // 23192
//
// All functions are thread-safe; CandidateSet is immutable after
// construction.

#ifndef GTEST_PORT_INTERNAL_PORT_RANGE_H_
#define GTEST_PORT_INTERNAL_PORT_RANGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gtest_port/options.h"

namespace gtest_port_internal {

using gtest_port::PortRange;

// The lowest port gtest_port hands out: ports below 1024 need privileges.
inline constexpr int kMinPort = 1024;
inline constexpr int kMaxPort = 65535;

// What a valid range looks like, for error messages.
inline constexpr absl::string_view kRangeSyntax =
    "LO-HI with 1024 <= LO <= HI <= 65535, e.g. 20000-32767";

// Ports that web browsers refuse to connect to: the Fetch standard's "bad
// ports" (https://fetch.spec.whatwg.org/#port-blocking) from 1024 up, which
// Chrome reports as ERR_UNSAFE_PORT and Firefox as "This address is
// restricted"; HTTP client libraries that follow the standard refuse them
// too. A test server handed one breaks a browser-driven test in a way that
// looks like a flake, so they are not handed out unless
// Options::allow_unsafe_ports (GTEST_PORT_ALLOW_UNSAFE_PORTS=1). Ascending.
inline constexpr uint16_t kUnsafePorts[] = {
    1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000,
    6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080};

bool IsUnsafePort(int port);

// Parses "LO-HI" (inclusive). Surrounding whitespace is allowed; anything else
// is InvalidArgument with a message saying what was wrong.
absl::StatusOr<PortRange> ParsePortRange(absl::string_view text);

// Parses the kernel's "LO<whitespace>HI" format, as found in
// /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999\n").
absl::StatusOr<PortRange> ParseKernelPortRange(absl::string_view text);

// Renders a range as "LO-HI".
std::string FormatPortRange(PortRange range);

// Which shard this process is, as GoogleTest numbers them.
struct ShardSpec {
  int index = 0;
  int total = 1;
};

// Shard i of n owns [first + i*span, first + (i+1)*span), span = size / n.
// The last size % n ports are left unused so that every slice has the same
// size. InvalidArgument when the shard values are out of range or when
// span == 0 (the range is smaller than the shard count).
absl::StatusOr<PortRange> ShardSlice(PortRange range, ShardSpec shard);

// The same split of any `size` items (ports, addresses): the offsets
// [first, last] of shard i's part. The errors name `range` (e.g. "port range
// 20000-20002"), the `items` ("ports") and the `variable` that widens it.
struct ShardPart {
  int64_t first = 0;
  int64_t last = 0;
};
absl::StatusOr<ShardPart> SplitForShard(int64_t size, ShardSpec shard,
                                        absl::string_view range,
                                        absl::string_view items,
                                        absl::string_view variable);

// The ports of one slice that may be handed out: the slice minus one excluded
// interval (the kernel's ephemeral range) and minus single `unsafe` ports
// (kUnsafePorts, unless allowed), as runs of consecutive ports. Index i in
// [0, size()) names the i-th candidate in ascending order.
class CandidateSet {
 public:
  explicit CandidateSet(PortRange slice,
                        std::optional<PortRange> excluded = std::nullopt,
                        absl::Span<const uint16_t> unsafe = {});

  // How many ports may be handed out.
  int size() const { return size_; }
  uint16_t port(int index) const;

  // Positions at which `count` consecutive candidate ports start, without
  // crossing the excluded interval. Blocks are numbered 0..BlockCount()-1.
  int BlockCount(int count) const;
  uint16_t BlockStart(int index, int count) const;

  PortRange slice() const { return slice_; }
  // The part of the slice that was taken out as excluded, if any.
  std::optional<PortRange> skipped() const { return skipped_; }
  // The unsafe ports of the slice that were taken out, ascending.
  const std::vector<uint16_t>& skipped_unsafe() const {
    return skipped_unsafe_;
  }

 private:
  PortRange slice_;
  std::optional<PortRange> skipped_;
  std::vector<uint16_t> skipped_unsafe_;
  absl::InlinedVector<PortRange, 2> runs_;
  int size_ = 0;
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_PORT_RANGE_H_
