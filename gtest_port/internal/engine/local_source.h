// File: gtest_port/internal/engine/local_source.h
//
// LocalSource reserves ports from this shard's slice of the configured
// range, with no one to ask:
//
//   1. candidates come from an atomic counter (the start offset mixes the
//      pid and the clock, so that one-process-per-test runs do not all start
//      on the same port);
//   2. each candidate takes the one claim-and-probe step, HoldPort(): claim
//      it machine-wide (skipping ports other gtest_port users hold), then
//      verify it by binding (skipping ports a foreign process uses).
//
// HoldPort() is also the step PortServerSource takes for a port the server
// gave: every port gtest_port hands out is claimed and probed the same way.
//
// Example:
//
//   LocalSource local(config, *claimer, *prober, stats);
//   absl::StatusOr<HeldPorts> ports = local.Take(3);  // 3 consecutive ports
//
// This class is thread-safe.

#ifndef GTEST_PORT_INTERNAL_ENGINE_LOCAL_SOURCE_H_
#define GTEST_PORT_INTERNAL_ENGINE_LOCAL_SOURCE_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "gtest_port/internal/engine/config.h"
#include "gtest_port/internal/engine/reservation.h"
#include "gtest_port/internal/engine/stats.h"
#include "gtest_port/internal/platform/platform.h"

namespace gtest_port_internal {

// What the claim-and-probe step found for one port.
struct HoldResult {
  // kUnclaimable: this port's claim could not be tried (e.g. a lock file
  // another user made unreadable); the next candidate may do.
  enum State { kHeld, kClaimedElsewhere, kInUse, kUnclaimable } state = kHeld;
  PortClaim claim;  // Valid when kHeld.
  std::string why;  // Why, when kUnclaimable.
};

// The one claim-and-probe step of any candidate (a port, an address):
// `claim_it`, then, once claimed, `probe_it`. A claim error about this
// candidate alone (PermissionDenied, FailedPrecondition, Unavailable) is
// kUnclaimable; any other error, or a failed probe, is returned.
absl::StatusOr<HoldResult> HoldCandidate(
    absl::FunctionRef<absl::StatusOr<PortClaim>()> claim_it,
    absl::FunctionRef<absl::StatusOr<bool>()> probe_it);

// HoldCandidate() for `port` with the claimer and prober; counts a busy or
// unclaimable port in `stats`.
absl::StatusOr<HoldResult> HoldPort(const Claimer& claimer,
                                    const Prober& prober, uint16_t port,
                                    Stats& stats);

// Where a counter over candidates starts: the pid and the clock mixed over
// all 64 bits, so that one-process-per-test runs do not all start on the
// same candidate. AddressSource starts its counter the same way.
uint64_t StartOffset();

class LocalSource {
 public:
  // All references must outlive the source.
  LocalSource(const Config& config, const Claimer& claimer,
              const Prober& prober, Stats& stats);

  // `count` consecutive ports of the slice, all held, or none: InvalidArgument
  // when no such block fits in the slice, ResourceExhausted when every
  // candidate is busy (saying how many were held by whom and what to do).
  absl::StatusOr<HeldPorts> Take(int count);

 private:
  const Config& config_;
  const Claimer& claimer_;
  const Prober& prober_;
  Stats& stats_;
  const uint64_t start_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_ENGINE_LOCAL_SOURCE_H_
