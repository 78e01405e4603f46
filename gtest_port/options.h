// File: gtest_port/options.h
//
// Options configure where gtest_port looks for ports and how it claims them.
// Every field is optional: a field left unset is taken from the environment
// variable named beside it, and from the built-in default when that is unset
// too. Options passed in code win over the environment.
//
// Example:
//
//   gtest_port::Options options;
//   options.range = gtest_port::PortRange{40000, 40999};
//   ::testing::AddGlobalTestEnvironment(
//       new gtest_port::PortEnvironment(options));
//
// Ownership: PortEnvironment copies the Options it is given, and applies
// them in its SetUp(); changing an Options afterwards has no effect.
//
// These are plain values: thread-compatible.

#ifndef GTEST_PORT_OPTIONS_H_
#define GTEST_PORT_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "absl/time/time.h"

namespace gtest_port {

// An inclusive range of TCP/UDP port numbers, [first, last].
struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;

  int size() const { return int{last} - int{first} + 1; }
  bool contains(int port) const { return port >= first && port <= last; }
  friend bool operator==(const PortRange& a, const PortRange& b) {
    return a.first == b.first && a.last == b.last;
  }
  // "20000-32767", as GTEST_PORT_RANGE spells it; what GoogleTest prints.
  // (operator<<, not AbslStringify: Debian's Abseil 20220623 has none.)
  friend std::ostream& operator<<(std::ostream& os, const PortRange& r) {
    return os << r.first << "-" << r.last;
  }
};

// The range used when neither Options::range nor GTEST_PORT_RANGE is set. It
// lies below Linux's default ephemeral range (32768-60999), so the kernel does
// not hand these ports to outgoing connections.
inline constexpr PortRange kDefaultPortRange = {20000, 32767};

// gtest_port's configuration, field by field; see the file comment.
struct Options {
  // Ports to hand out, split evenly across test shards. Environment:
  // GTEST_PORT_RANGE=LO-HI (inclusive, 1024 <= LO <= HI <= 65535).
  std::optional<PortRange> range;

  // Where per-port lock files live. When set, ports are claimed by flock(2)
  // on `<lock_dir>/<port>.lock` instead of by abstract Unix sockets (the
  // Linux default). Every process that must not clash has to use the same
  // directory. Environment: GTEST_PORT_LOCK_DIR.
  std::optional<std::string> lock_dir;

  // Loopback addresses gtest_port::ReserveAddress() hands out, split evenly
  // across test shards like `range`: "FIRST-LAST", two IPv4 addresses in
  // 127.0.0.0/8 with FIRST <= LAST, leaving out 127.0.0.0, 127.0.0.1 and
  // 127.255.255.255. Default "127.1.0.1-127.1.255.254" (Linux routes all of
  // 127.0.0.0/8 to loopback; macOS needs an lo0 alias per address, so set a
  // small pool there). A bad value fails the run like a bad `range`.
  // Environment: GTEST_PORT_ADDRESS_RANGE.
  std::optional<std::string> address_range;

  // This shard and the shard count. Default: what GoogleTest itself uses,
  // GTEST_SHARD_INDEX and GTEST_TOTAL_SHARDS (unset means one shard).
  std::optional<int> shard_index;
  std::optional<int> total_shards;

  // The port server single ports come from first, as Python portpicker's
  // `portserver` hands them out: "@name" (abstract Unix socket) or "/path".
  // Blocks (ReserveBlock(count > 1)) always use the local mechanism: the
  // protocol has no block request. When the server is unreachable, refuses,
  // does not answer in time or runs in another PID namespace, gtest_port
  // warns once on stderr and reserves locally. Set to "" to ignore
  // PORTSERVER_ADDRESS. Environment: PORTSERVER_ADDRESS.
  std::optional<std::string> portserver_address;

  // How long one request to the port server may take -- connect, send and
  // reply together -- before gtest_port gives up on the server. Default 2 s.
  std::optional<absl::Duration> portserver_timeout;

  // Print one line per reservation to stderr. Environment:
  // GTEST_PORT_VERBOSE=1.
  std::optional<bool> verbose;

  // Make leaks fail the run (for CI) instead of only being reported: a
  // reservation that outlives the test that made it, and a server still
  // listening on a port its test has just released (PortFixture), then
  // fail instead of printing a note or a warning. Off by default.
  // Environment: GTEST_PORT_FAIL_ON_LEAK=1.
  std::optional<bool> fail_on_leak;

  // Hand out the ports web browsers refuse to connect to as well: the Fetch
  // standard's "bad ports" from 1024 up (1719, 1720, 1723, 2049, 3659, 4045,
  // 4190, 5060, 5061, 6000, 6566, 6665-6669, 6679, 6697, 10080), which are
  // skipped by default because a test server on one of them breaks a
  // browser-driven test as if it were a flake. From the port server too.
  // Environment: GTEST_PORT_ALLOW_UNSAFE_PORTS=1.
  std::optional<bool> allow_unsafe_ports;
};

}  // namespace gtest_port

#endif  // GTEST_PORT_OPTIONS_H_
