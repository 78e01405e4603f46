// File: gtest_port/internal/engine/portserver_source.h
//
// PortServerSource takes single ports from a port server (PORTSERVER_ADDRESS;
// portserver_client.h):
//
//   1. first from this process's free list of server ports released earlier
//      (the protocol has no release message, and the server keeps a port
//      with its process until that process dies);
//   2. then by asking the server, at most kMaxAsks times per reservation,
//      and no more once the timeout has passed since the first ask: one
//      reservation spends less than two timeouts on the server, however
//      slowly it answers.
//
// A server port is still claimed and probed (HoldPort(), local_source.h), so
// port-server users and local users on one host never clash; one that is
// claimed or busy is put aside on the free list and another is asked for.
// The free list holds each port once, whatever the server repeats.
//
// Blocks. A block of 2 to kMaxBlock ports is asked of the server with the
// block extension (docs/serve.md), which `gtest-port serve` serves and
// Python's portserver refuses; the first refusal makes this process's
// blocks local from then on (single ports keep using the server).
//
// Ports the server gives are used only when gtest_port could use them
// itself: 1024 or above, and outside the kernel's ephemeral range. The
// server's pool, not GTEST_PORT_RANGE, bounds them otherwise: the range is
// gtest_port's own, split between shards, and the server already keeps its
// ports apart.
//
// When the server cannot be used -- unreachable, refusing, not answering
// within the timeout, answering garbage, in another PID namespace, giving a
// port outside what gtest_port uses, or giving only claimed or busy ports
// (or answering too slowly) kMaxWastedReservations reservations in a row --
// the source warns once (reporter.h) and reports itself unusable from then
// on; the allocator then reserves locally. The free list and that verdict belong
// to the process, not to one source: the server gives ports to a process,
// and a new allocator is made on every --gtest_repeat iteration.
//
// Example:
//
//   PortServerSource server(config, *claimer, *prober, stats);
//   absl::StatusOr<std::optional<HeldPort>> port = server.Take();
//   // nullopt: the server cannot be used; reserve locally instead.
//
// This class is thread-safe.

#ifndef GTEST_PORT_INTERNAL_ENGINE_PORTSERVER_SOURCE_H_
#define GTEST_PORT_INTERNAL_ENGINE_PORTSERVER_SOURCE_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest_port/internal/engine/config.h"
#include "gtest_port/internal/engine/portserver_client.h"
#include "gtest_port/internal/engine/reservation.h"
#include "gtest_port/internal/engine/stats.h"
#include "gtest_port/internal/platform/platform.h"

namespace gtest_port_internal {

// This process's state for one port server address; see the file comment.
struct PortServerState;

class PortServerSource {
 public:
  // How many ports one reservation asks the server for, at most, when the
  // ports it gets are claimed or busy.
  static constexpr int kMaxAsks = 8;
  // After this many reservations in a row that asked the server and got no
  // usable port from it, the server is not asked again.
  static constexpr int kMaxWastedReservations = 3;

  // `config.portserver_address` must be set. All references must outlive
  // the source.
  PortServerSource(const Config& config, const Claimer& claimer,
                   const Prober& prober, Stats& stats,
                   System& system = System::Real());

  // A held port from the server; nullopt when the server cannot be used
  // (any more) or gave only busy ports; an error when a claim or probe could
  // not be tried.
  absl::StatusOr<std::optional<HeldPort>> Take();

  // The most ports one block request asks the server for.
  static constexpr int kMaxBlock = 64;

  // `count` consecutive held ports from the server; nullopt when the server
  // does not serve blocks (any more) or the block it gave is busy here (its
  // ports then serve later single reservations); an error when a claim or
  // probe could not be tried.
  absl::StatusOr<std::optional<HeldPorts>> TakeBlock(int count);

  // Puts a released server port back on the free list.
  void Return(uint16_t port);

  // Why the server is not used (any more); OK while it is.
  absl::Status status() const;
  const std::string& address() const { return client_.address(); }

 private:
  // Stops asking the server, warning once with `why`.
  void GiveUp(const absl::Status& why);

  const Config& config_;
  const Claimer& claimer_;
  const Prober& prober_;
  Stats& stats_;
  const PortServerClient client_;
  const std::shared_ptr<PortServerState> state_;
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_ENGINE_PORTSERVER_SOURCE_H_
