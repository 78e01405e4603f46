// File: gtest_port/internal/address_range.h
//
// The pure arithmetic of loopback address pools, the address twin of
// port_range.h: parsing GTEST_PORT_ADDRESS_RANGE, formatting an IPv4
// address, and splitting the pool into one slice per test shard exactly as
// ShardSlice() splits a port range. No system calls.
//
// Addresses are IPv4 addresses in host byte order (127.1.0.7 is 0x7f010007).
// A pool lies inside 127.0.0.0/8 and never includes 127.0.0.0 (the network),
// 127.0.0.1 (everyone's localhost) or 127.255.255.255 (the broadcast).
//
// Example:
//
//   AddressRange pool = *ParseAddressRange("127.1.0.1-127.1.0.100");
//   AddressRange slice = *ShardAddressSlice(pool, {/*index=*/1, /*total=*/4});
//   // slice == 127.1.0.26-127.1.0.50
//   std::string text = FormatAddress(slice.first);   // "127.1.0.26"
//
// All functions are thread-safe.

#ifndef GTEST_PORT_INTERNAL_ADDRESS_RANGE_H_
#define GTEST_PORT_INTERNAL_ADDRESS_RANGE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest_port/internal/port_range.h"

namespace gtest_port_internal {

// An inclusive range of IPv4 addresses in host byte order, [first, last].
struct AddressRange {
  uint32_t first = 0;
  uint32_t last = 0;

  int64_t size() const { return int64_t{last} - int64_t{first} + 1; }
  bool contains(uint32_t address) const {
    return address >= first && address <= last;
  }
  friend bool operator==(const AddressRange& a, const AddressRange& b) {
    return a.first == b.first && a.last == b.last;
  }
};

inline constexpr uint32_t kLoopbackNetwork = 0x7f000000;    // 127.0.0.0
inline constexpr uint32_t kLocalhost = 0x7f000001;          // 127.0.0.1
inline constexpr uint32_t kLoopbackBroadcast = 0x7fffffff;  // 127.255.255.255

// The pool used when neither Options::address_range nor
// GTEST_PORT_ADDRESS_RANGE is set: 127.1.0.1-127.1.255.254, 65534 addresses
// away from 127.0.0.0/24 (localhost, systemd-resolved's 127.0.0.53) and from
// 127.0.1.1 (the host name's address on Debian and Ubuntu).
inline constexpr AddressRange kDefaultAddressRange = {0x7f010001, 0x7f01fffe};

// What a valid pool looks like, for error messages.
inline constexpr absl::string_view kAddressRangeSyntax =
    "FIRST-LAST, two IPv4 addresses in 127.0.0.0/8 with FIRST <= LAST that "
    "leave out 127.0.0.0, 127.0.0.1 and 127.255.255.255, e.g. "
    "127.1.0.1-127.1.255.254 (the default)";

// "127.1.0.7".
std::string FormatAddress(uint32_t address);

// "127.1.0.1-127.1.255.254".
std::string FormatAddressRange(AddressRange range);

// Parses one dotted-quad IPv4 address: four decimal numbers 0-255 joined by
// '.', no leading zeros beyond "0" itself (so "010" is never octal), no
// spaces. InvalidArgument otherwise.
absl::StatusOr<uint32_t> ParseAddress(absl::string_view text);

// Parses "FIRST-LAST" (inclusive; surrounding whitespace allowed) and checks
// it is a pool gtest_port may hand out (kAddressRangeSyntax); a single
// address "A" is the pool A-A. InvalidArgument naming what was wrong.
absl::StatusOr<AddressRange> ParseAddressRange(absl::string_view text);

// Checks a pool given in code the way ParseAddressRange() checks text.
absl::Status ValidateAddressRange(AddressRange range);

// Shard i of n owns [first + i*span, first + (i+1)*span), span = size / n,
// as ShardSlice() does for ports. InvalidArgument when the shard values are
// out of range or the pool has fewer addresses than shards.
absl::StatusOr<AddressRange> ShardAddressSlice(AddressRange range,
                                               ShardSpec shard);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_ADDRESS_RANGE_H_
