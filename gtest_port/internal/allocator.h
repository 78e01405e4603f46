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
// With a port server configured (PORTSERVER_ADDRESS), a single port comes
// from the server instead: first from this process's free list of server
// ports released earlier (the protocol has no release message, and the
// server keeps a port with its process until that process dies), then by
// asking the server. A server port is still claimed and probed like any
// candidate, so port-server users and local users on one host never clash;
// one that is claimed or busy is put aside on the free list and another is
// asked for, at most kMaxPortServerAsks times per reservation. When the
// server cannot be used -- unreachable, refusing, not answering within the
// timeout, answering garbage, or in another PID namespace -- gtest_port
// warns once on stderr and reserves locally from then on. The free list and
// that verdict belong to the process (PortServerState), not to one
// allocator: the server gives ports to a process, and PortEnvironment makes
// a new allocator on every --gtest_repeat iteration. A block (2-64 ports)
// is asked of the server with the block extension, which only `gtest-port
// serve` serves; the first refusal makes this process's blocks local from
// then on (singles keep using the server), as larger blocks always are.
// Without a port server the local path costs what it did: one pointer test.
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
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gtest_port/internal/claim.h"
#include "gtest_port/internal/config.h"
#include "gtest_port/internal/held_port.h"
#include "gtest_port/internal/portserver_client.h"
#include "gtest_port/internal/probe.h"
#include "gtest_port/internal/system.h"
#include "gtest_port/options.h"
#include "gtest_port/port_reservation.h"

namespace gtest_port_internal {

// What this process knows of the port server at one address, shared by every
// allocator that uses it. This struct is thread-safe.
struct PortServerState {
  absl::Mutex mu;
  // Ports the server gave this process that it holds no claim on now:
  // released ones and ones put aside. The server hands them to nobody else
  // while this process lives.
  std::deque<uint16_t> free_ports ABSL_GUARDED_BY(mu);
  // Why this process stopped asking the server; OK while it asks.
  absl::Status error ABSL_GUARDED_BY(mu);
  // The server refused a block once (Python's portserver always does).
  bool blocks_refused ABSL_GUARDED_BY(mu) = false;
};

class PortAllocator : public std::enable_shared_from_this<PortAllocator> {
 public:
  struct Stats {
    int64_t reservations = 0;    // Successful Reserve() calls.
    int64_t busy_claimed = 0;    // Candidates another gtest_port user held.
    int64_t busy_in_use = 0;     // Candidates a foreign socket was bound to.
    int64_t live = 0;            // Reservations held now.
    int64_t peak_live = 0;       // Most reservations held at once.
    // With a port server only:
    int64_t portserver_requests = 0;   // Ports asked of the server.
    int64_t portserver_reused = 0;     // Taken from the free list instead.
    int64_t portserver_set_aside = 0;  // Server ports found claimed or busy.
    int64_t portserver_local = 0;      // Single ports reserved locally.
  };

  // How many ports one reservation asks the port server for, at most, when
  // the ports it gets are claimed or busy.
  static constexpr int kMaxPortServerAsks = 8;

  // `system` must outlive the allocator. Must be owned by a shared_ptr.
  PortAllocator(Config config, System& system);
  PortAllocator(const PortAllocator&) = delete;
  PortAllocator& operator=(const PortAllocator&) = delete;

  // Reserves `count` consecutive ports of the slice (see ReserveBlock()); a
  // single port from the port server when one is configured and usable.
  absl::StatusOr<gtest_port::PortReservation> Reserve(int count);

  const Config& config() const { return config_; }
  Stats stats() const;

  // Why the port server is not used (any more): OK while it is used or when
  // none is configured, else the error that made the allocator give it up.
  absl::Status portserver_status() const;

  // One line for humans: shard, slice, range, claim and probe mechanisms,
  // and the port server single ports come from.
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
  // Closes the claims of `ports`; port-server ports go to the free list.
  void OnRelease(HeldPorts& ports) noexcept;

  absl::StatusOr<gtest_port::PortReservation> ReserveLocal(int count);
  absl::StatusOr<gtest_port::PortReservation> ReserveFromPortServer();
  // A block of `count` consecutive ports from the server, claimed and
  // probed; std::nullopt when the server cannot give one (then the caller
  // reserves locally).
  std::optional<absl::StatusOr<gtest_port::PortReservation>>
  ReserveBlockFromPortServer(int count);
  // Claims and probes `port`, a port from the server: a HeldPort with a
  // valid claim when it is ours, one with an empty claim when it is busy.
  absl::StatusOr<HeldPort> HoldPortServerPort(uint16_t port);
  // Stops asking the server, warning once on stderr with `why`.
  void GiveUpPortServer(const absl::Status& why);
  gtest_port::PortReservation Hand(HeldPorts held);

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

  // The port server and this process's state for it; both null when none
  // is configured.
  const std::unique_ptr<const PortServerClient> portserver_;
  const std::shared_ptr<PortServerState> portserver_state_;
  std::atomic<int64_t> portserver_requests_{0};
  std::atomic<int64_t> portserver_reused_{0};
  std::atomic<int64_t> portserver_set_aside_{0};
  std::atomic<int64_t> portserver_local_{0};
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_ALLOCATOR_H_
