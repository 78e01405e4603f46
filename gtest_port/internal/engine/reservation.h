// File: gtest_port/internal/engine/reservation.h
//
// Reservation is what the engine hands back: ports that are held -- each by
// its machine-wide claim -- and that release themselves when the value is
// destroyed. It is a self-contained value, like absl::Cleanup: the public
// gtest_port::PortReservation wraps one, and the engine never builds the
// public type.
//
// ReservationObserver is told of every reservation made and released; the
// GoogleTest glue installs one to record which test holds which port
// (glue/test_registry.h), so that the engine needs no GoogleTest.
//
// Example:
//
//   absl::StatusOr<Reservation> r = allocator->Reserve(1);
//   if (r.ok()) StartServer(r->port());   // released when `r` is destroyed
//
// Reservation is thread-compatible; a ReleaseSink and a ReservationObserver
// must be thread-safe.

#ifndef GTEST_PORT_INTERNAL_ENGINE_RESERVATION_H_
#define GTEST_PORT_INTERNAL_ENGINE_RESERVATION_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/inlined_vector.h"
#include "gtest_port/export.h"
#include "gtest_port/internal/platform/platform.h"

namespace gtest_port_internal {

// One reserved port and the claim that holds it.
struct HeldPort {
  uint16_t port = 0;
  PortClaim claim;
  // Handed out by the port server: goes back to this process's free list of
  // server ports when released.
  bool from_port_server = false;
};

// A single port needs no heap allocation.
using HeldPorts = absl::InlinedVector<HeldPort, 1>;

// Takes held ports back when their Reservation ends (the allocator that
// made them: it updates its statistics and keeps port-server ports).
class ReleaseSink {
 public:
  // Called once per reservation with its id and ports, before their claims
  // close; `ports` is cleared afterwards, which releases the claims.
  virtual void Release(uint64_t id, HeldPorts& ports) noexcept = 0;

 protected:
  ~ReleaseSink() = default;
};

// Exported by a shared gtest_port (gtest_port/export.h): the inline members
// of gtest_port::PortReservation call it from users' code.
class GTEST_PORT_EXPORT [[nodiscard]] Reservation final {
 public:
  // An empty reservation: port() == 0, size() == 0.
  Reservation() noexcept = default;
  // `id` is unique among the reservations of this process (NextId()).
  Reservation(std::shared_ptr<ReleaseSink> owner, HeldPorts ports,
              uint64_t id) noexcept;
  Reservation(Reservation&& other) noexcept;
  Reservation& operator=(Reservation&& other) noexcept;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  ~Reservation() { Release(); }

  uint16_t port() const { return ports_.empty() ? 0 : ports_[0].port; }
  int size() const { return static_cast<int>(ports_.size()); }
  uint16_t operator[](int i) const { return ports_[i].port; }
  // Unique among this process's reservations; 0 when empty.
  uint64_t id() const { return id_; }

  // "port 20005" or "ports 20005-20007"; "no port" when empty.
  std::string DescribePorts() const;

  // Releases the ports now; the reservation is empty afterwards.
  void Release() noexcept;

  // A fresh id for a new reservation.
  static uint64_t NextId();

 private:
  std::shared_ptr<ReleaseSink> owner_;
  HeldPorts ports_;
  uint64_t id_ = 0;
};

// "port 20005" or "ports 20005-20007".
std::string DescribePorts(uint16_t first_port, int count);

class ReservationObserver {
 public:
  virtual ~ReservationObserver() = default;
  // Right after `r` was made, on the thread that made it.
  virtual void OnReserved(const Reservation& r) noexcept = 0;
  // When the reservation `id` is released, before its claims close.
  virtual void OnReleased(uint64_t id) noexcept = 0;
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_ENGINE_RESERVATION_H_
