// File: tools/serve/serve_engine.h
//
// The one place where `gtest-port serve` uses gtest_port's allocation
// engine: the machine-wide claim (the platform's Claimer), the probe
// (PortProber), the operating system seam (System), the lock directory and
// the range parser. Everything else in
// tools/serve/ talks to PortChecker, so re-pointing the server at a
// different engine layout touches this file only.
//
// A port the server may hand out must be claimable in gtest_port's name
// space (no gtest_port process holds it, with or without a port server) and
// free (no socket of any process holds it, TCP or UDP). CheckAndClaim() does
// both and returns the claim, which the server holds for as long as the
// port's owner lives, or closes at once when the client claims it itself.
//
// Example:
//
//   absl::StatusOr<PortRange> range = ParseServeRange("15000-24999");
//   absl::StatusOr<std::string> lock_dir = ResolveServeLockDir();
//   PortChecker checker(/*ipv6=*/true, *lock_dir);
//   absl::StatusOr<UniqueFd> claim = checker.CheckAndClaim(15000);
//   if (claim.ok() && claim->valid()) { /* 15000 is ours to hand out */ }
//
// This class is thread-safe.

#ifndef GTEST_PORT_TOOLS_SERVE_SERVE_ENGINE_H_
#define GTEST_PORT_TOOLS_SERVE_SERVE_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest_port/internal/platform/unique_fd.h"
#include "gtest_port/options.h"

namespace gtest_port_serve {

using gtest_port::PortRange;
using gtest_port_internal::UniqueFd;

// "LO-HI" as gtest_port parses GTEST_PORT_RANGE (1024 <= LO <= HI <= 65535);
// InvalidArgument naming what was wrong and what is accepted.
absl::StatusOr<PortRange> ParseServeRange(absl::string_view text);

// OK when `address` is "@name" (abstract) or "/path", as PORTSERVER_ADDRESS
// is checked; InvalidArgument saying what is wrong and what is accepted.
absl::Status ValidateServeAddress(absl::string_view address);

// Where the server claims ports: where the gtest_port test processes on
// this host claim them, resolved as they resolve it -- GTEST_PORT_LOCK_DIR,
// else the platform's default lock directory (created and checked), else ""
// for the platform's own claims (Linux's abstract sockets). InvalidArgument
// naming the setting and the fix when the directory is unusable.
absl::StatusOr<std::string> ResolveServeLockDir();

class PortChecker {
 public:
  // `ipv6` false probes IPv4 only, as on a host without IPv6. Claims by lock
  // files in `lock_dir`, or by the platform's own mechanism when it is ""
  // (see ResolveServeLockDir()).
  PortChecker(bool ipv6, const std::string& lock_dir);
  ~PortChecker();
  PortChecker(const PortChecker&) = delete;
  PortChecker& operator=(const PortChecker&) = delete;

  // A valid descriptor holding gtest_port's claim on `port` when the claim
  // was free and the port is free for TCP and UDP; an empty UniqueFd when a
  // gtest_port process holds the claim or a socket holds the port; an error
  // when the check itself failed (e.g. EMFILE).
  absl::StatusOr<UniqueFd> CheckAndClaim(uint16_t port) const;

  // E.g. "claims: abstract sockets @gtest_port/v1/<port>; probe: TCP+UDP on
  // [::] (dual-stack)".
  std::string Describe() const;

 private:
  struct Engine;
  std::unique_ptr<Engine> engine_;
};

}  // namespace gtest_port_serve

#endif  // GTEST_PORT_TOOLS_SERVE_SERVE_ENGINE_H_
