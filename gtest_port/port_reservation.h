// File: gtest_port/port_reservation.h
//
// PortReservation is a port (or a block of consecutive ports) that is free on
// this host and held for its owner alone until the reservation is destroyed.
// It is the RAII half of gtest_port: use it directly outside a test fixture,
// or let gtest_port::PortFixture own reservations for a test.
//
// While a reservation lives, no other gtest_port user on this host -- another
// thread, another test process, another shard or another test target in the
// same network namespace -- is handed the same port, and the port was
// verified free for TCP and UDP when it was reserved. The port itself is NOT
// bound: the owner starts its server on it. Destroying the reservation (or
// the death of the process, even by SIGKILL) releases the port at once.
//
// Example:
//
//   absl::StatusOr<gtest_port::PortReservation> r = gtest_port::Reserve();
//   ASSERT_TRUE(r.ok()) << r.status();
//   StartServer(r->port());           // released when `r` is destroyed
//
//   absl::StatusOr<gtest_port::PortReservation> block =
//       gtest_port::ReserveBlock(3);  // (*block)[0], [1], [2] are consecutive
//
// Ownership: a reservation owns its claims alone. Moving it hands them over
// and leaves the source empty (port() == 0, size() == 0); there is no copy.
// It keeps what it needs alive itself: a later PortEnvironment::SetUp()
// does not invalidate it, and one that outlives the test that made it still
// holds its ports (PortEnvironment reports it as a leak at the end of the
// run). The port numbers it returns are plain values: once the reservation
// is destroyed, gtest_port may hand them to someone else.
//
// PortReservation is thread-compatible; Reserve() and ReserveBlock() are
// thread-safe.

#ifndef GTEST_PORT_PORT_RESERVATION_H_
#define GTEST_PORT_PORT_RESERVATION_H_

#include <cstdint>
#include <ostream>
#include <utility>

#include "absl/status/statusor.h"
#include "gtest_port/export.h"
#include "gtest_port/internal/engine/reservation.h"

namespace gtest_port {

class [[nodiscard]] PortReservation final {
 public:
  // Wraps what the engine reserved; gtest_port's own Reserve() functions
  // make these.
  explicit PortReservation(gtest_port_internal::Reservation held) noexcept
      : held_(std::move(held)) {}
  PortReservation(PortReservation&& other) noexcept = default;
  PortReservation& operator=(PortReservation&& other) noexcept = default;
  PortReservation(const PortReservation&) = delete;
  PortReservation& operator=(const PortReservation&) = delete;
  ~PortReservation() = default;

  // The (first) reserved port; 0 for a moved-from reservation.
  uint16_t port() const { return held_.port(); }

  // How many consecutive ports are held: 1 for Reserve(), `count` for
  // ReserveBlock(count), 0 once moved from.
  int size() const { return held_.size(); }

  // The i-th port of the block, port() + i, for 0 <= i < size().
  uint16_t operator[](int i) const { return held_[i]; }

  // "PortReservation(port 20005)", "PortReservation(ports 20005-20007)" or
  // "PortReservation(no port)": what GoogleTest prints for it (and for a
  // StatusOr<PortReservation>) in a failure, instead of its bytes. An
  // operator<< rather than AbslStringify: Debian's Abseil 20220623 predates
  // AbslStringify, and GoogleTest 1.12 prints through operator<<.
  friend std::ostream& operator<<(std::ostream& os, const PortReservation& r) {
    return os << "PortReservation(" << r.held_.DescribePorts() << ")";
  }

 private:
  gtest_port_internal::Reservation held_;
};

// What GoogleTest prints for the result of Reserve() or ReserveBlock(), e.g.
// in a failing EXPECT_THAT(Reserve(), IsOkAndHoldsPortIn(...)): "OK:
// PortReservation(port 20005)" or the error status. Found by argument-
// dependent lookup; Debian's Abseil 20220623 prints no StatusOr itself.
inline void PrintTo(const absl::StatusOr<PortReservation>& r,
                    std::ostream* os) {
  if (r.ok()) {
    *os << "OK: " << *r;
  } else {
    *os << r.status();
  }
}

// Reserves one free port from this shard's slice of the configured range.
//
// Uses the configuration of the registered PortEnvironment or, without one,
// the environment variables and defaults. Errors: InvalidArgument for a bad
// configuration, ResourceExhausted when every candidate port is busy (the
// message names the range, the slice and how many candidates were busy) or
// when the process is out of file descriptors.
GTEST_PORT_EXPORT absl::StatusOr<PortReservation> Reserve();

// Reserves `count` consecutive ports, all claimed and verified together or
// none at all. InvalidArgument when `count` < 1 or the block cannot fit in
// this shard's slice.
GTEST_PORT_EXPORT absl::StatusOr<PortReservation> ReserveBlock(int count);

}  // namespace gtest_port

#endif  // GTEST_PORT_PORT_RESERVATION_H_
