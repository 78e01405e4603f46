// File: gtest_port/internal/allocator.h
//
// PortAllocator is the allocation engine. For each reservation it
//
//   1. takes candidates from this shard's slice with an atomic counter (the
//      start offset mixes the pid and the clock, so that one-process-per-test
//      runs do not all start on the same port),
//   2. claims each candidate machine-wide (PortClaimer), skipping ports other
//      gtest_port users hold, and
//   3. verifies a claimed candidate by binding it (PortProber), skipping
//      ports a foreign process uses.
//
// It knows nothing of GoogleTest; the glue in port_environment.cc and
// port_fixture.cc decides which allocator tests use (see Default()).
//
// Example:
//
//   auto allocator = std::make_shared<PortAllocator>(*config, System::Real());
//   absl::StatusOr<gtest_port::PortReservation> r = allocator->Reserve(1);
//
// This class is thread-safe.

#ifndef GTEST_PORT_INTERNAL_ALLOCATOR_H_
#define GTEST_PORT_INTERNAL_ALLOCATOR_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gtest_port/internal/claim.h"
#include "gtest_port/internal/config.h"
#include "gtest_port/internal/held_port.h"
#include "gtest_port/internal/probe.h"
#include "gtest_port/internal/system.h"
#include "gtest_port/options.h"
#include "gtest_port/port_reservation.h"

namespace gtest_port_internal {

class PortAllocator : public std::enable_shared_from_this<PortAllocator> {
 public:
  struct Stats {
    int64_t reservations = 0;    // Successful Reserve() calls.
    int64_t busy_claimed = 0;    // Candidates another gtest_port user held.
    int64_t busy_in_use = 0;     // Candidates a foreign socket was bound to.
    int64_t live = 0;            // Reservations held now.
    int64_t peak_live = 0;       // Most reservations held at once.
  };

  // `system` must outlive the allocator. Must be owned by a shared_ptr.
  PortAllocator(Config config, System& system);
  PortAllocator(const PortAllocator&) = delete;
  PortAllocator& operator=(const PortAllocator&) = delete;

  // Reserves `count` consecutive ports of the slice (see ReserveBlock()).
  absl::StatusOr<gtest_port::PortReservation> Reserve(int count);

  const Config& config() const { return config_; }
  Stats stats() const;

  // One line for humans: shard, slice, range, claim and probe mechanisms.
  std::string Describe() const;

  // The allocator Reserve()/PortFixture use: the one the last
  // InstallDefault() made or, before any, one configured from the
  // environment variables (made on first use; its warnings go to stderr).
  // A bad configuration is returned as an error every time.
  static absl::StatusOr<std::shared_ptr<PortAllocator>> Default();

  // Makes an allocator from `options` (and the environment) and installs it
  // as Default(). Reservations made by an earlier default stay valid.
  static absl::StatusOr<std::shared_ptr<PortAllocator>> InstallDefault(
      const gtest_port::Options& options);

 private:
  friend class gtest_port::PortReservation;
  void OnRelease() noexcept;

  absl::Status NoFreePort(int count, int attempts, int64_t claimed,
                          int64_t in_use) const;

  const Config config_;
  const PortClaimer claimer_;
  const PortProber prober_;
  const uint64_t start_;
  std::atomic<uint64_t> next_{0};

  std::atomic<int64_t> reservations_{0};
  std::atomic<int64_t> busy_claimed_{0};
  std::atomic<int64_t> busy_in_use_{0};
  std::atomic<int64_t> live_{0};
  std::atomic<int64_t> peak_live_{0};
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_ALLOCATOR_H_
