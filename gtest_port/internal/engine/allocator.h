// File: gtest_port/internal/engine/allocator.h
//
// PortAllocator is the allocation engine's front door. For each reservation
// it takes held ports from a source -- the port server's (single ports, when
// PORTSERVER_ADDRESS is set and the server can be used) or the local one
// (this shard's slice, a counter, and the claim-and-probe step) -- counts
// what happened, tells its observer, and hands back a Reservation that
// gives the ports back to it when it ends.
//
// It knows nothing of GoogleTest: the glue (glue/default_allocator.h) makes
// the process's default allocator with the real platform, the process's
// environment and GoogleTest's shard, and installs the observer that records
// which test holds which port. The `gtest-port` tool makes its own.
//
// Example:
//
//   absl::StatusOr<Config> config = ResolveConfig(
//       gtest_port::Options(), RealPlatform(), ProcessEnvironment());
//   std::shared_ptr<PortAllocator> allocator =
//       PortAllocator::Create(*config, RealPlatform());
//   absl::StatusOr<Reservation> r = allocator->Reserve(1);
//
// This class is thread-safe.

#ifndef GTEST_PORT_INTERNAL_ENGINE_ALLOCATOR_H_
#define GTEST_PORT_INTERNAL_ENGINE_ALLOCATOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest_port/internal/engine/address_source.h"
#include "gtest_port/internal/engine/config.h"
#include "gtest_port/internal/engine/local_source.h"
#ifndef _WIN32
#include "gtest_port/internal/engine/portserver_source.h"
#endif
#include "gtest_port/internal/engine/reservation.h"
#include "gtest_port/internal/engine/stats.h"
#include "gtest_port/internal/platform/platform.h"

namespace gtest_port_internal {

class PortAllocator final
    : public ReleaseSink,
      public std::enable_shared_from_this<PortAllocator> {
 public:
  // `platform` makes the claimer and prober; `observer`, if not null, is
  // told of every reservation and must outlive the allocator and every
  // reservation it makes.
  static std::shared_ptr<PortAllocator> Create(
      Config config, const Platform& platform,
      ReservationObserver* observer = nullptr);

  PortAllocator(const PortAllocator&) = delete;
  PortAllocator& operator=(const PortAllocator&) = delete;

  // Reserves `count` consecutive ports of the slice (all or none); a single
  // port from the port server when one is configured and usable.
  absl::StatusOr<Reservation> Reserve(int count);

  // `count` distinct loopback addresses of this shard's slice of the
  // address pool, each claimed and free on every one of `ports`
  // (AddressSource::Take()). The held addresses release themselves when
  // destroyed; they need no allocator.
  absl::StatusOr<HeldAddresses> ReserveAddresses(
      int count, const std::vector<uint16_t>& ports);

  const Config& config() const { return config_; }
  // The host's prober (thread-safe), for checks beyond reservations.
  const Prober& prober() const { return *prober_; }
  Stats::Values stats() const { return stats_.Snapshot(); }

  // Why the port server is not used (any more): OK while it is used or when
  // none is configured.
  absl::Status portserver_status() const;

  // One line for humans: shard, slice, range, claim and probe mechanisms,
  // and the port server single ports come from.
  std::string Describe() const;

 private:
  PortAllocator(Config config, const Platform& platform,
                ReservationObserver* observer);

  void Release(uint64_t id, HeldPorts& ports) noexcept override;

  const Config config_;
  const std::unique_ptr<const Claimer> claimer_;
  const std::unique_ptr<const Prober> prober_;
  ReservationObserver* const observer_;
  Stats stats_;
  LocalSource local_;
  AddressSource addresses_;
#ifndef _WIN32
  // Null when no port server is configured.
  const std::unique_ptr<PortServerSource> portserver_;
#endif
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_ENGINE_ALLOCATOR_H_
