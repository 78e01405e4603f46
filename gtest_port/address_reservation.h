// File: gtest_port/address_reservation.h
//
// AddressReservation is a loopback address (127.x.y.z), or several, held for
// its owner alone until the reservation is destroyed: for servers that must
// listen on a FIXED port. Three nodes of a cluster that all listen on 9042,
// or Redis cluster nodes that all listen on 6379, cannot share 127.0.0.1;
// each gets an address of its own and binds the same port there.
//
// While a reservation lives, no other gtest_port user on this host --
// another thread, test process, shard or test target in the same network
// namespace -- is handed the same address. Addresses come from the pool
// GTEST_PORT_ADDRESS_RANGE (Options::address_range; default
// 127.1.0.1-127.1.255.254), split across test shards like the port range,
// and never include 127.0.0.1. They are claimed machine-wide the way ports
// are, in a name space of their own (Linux: the abstract socket
// "@gtest_port/v1/addr/127.1.0.7"; elsewhere the lock file
// "<lock dir>/addr-127.1.0.7.lock"), and released at once when the
// reservation is destroyed or its process dies, even by SIGKILL.
//
// What is probed: pass the ports the servers will bind, e.g.
// ReserveAddress({9042}), and each reserved address was free for TCP and UDP
// on each of them (bound on address:port, then closed) -- a foreign program
// on 127.1.0.7:9042, or on 0.0.0.0:9042, makes the address skipped. With no
// ports, only that the address can be bound is checked: which ports other
// programs use on an address cannot be learnt cheaply, so pass the ports.
// Nothing is left bound: the owner starts its servers.
//
// Where the host does not route all of 127.0.0.0/8 to loopback (macOS routes
// 127.0.0.1 only), binding an address fails with EADDRNOTAVAIL, and
// ReserveAddress() returns FailedPrecondition saying what to run (`sudo
// ifconfig lo0 alias 127.1.0.7 up`, and a GTEST_PORT_ADDRESS_RANGE of the
// addresses added).
//
// Example:
//
//   absl::StatusOr<gtest_port::AddressReservation> nodes =
//       gtest_port::ReserveAddresses(3, {9042});
//   ASSERT_TRUE(nodes.ok()) << nodes.status();
//   for (int i = 0; i < nodes->size(); ++i) {
//     StartNode((*nodes)[i], 9042);   // "127.1.0.7", "127.1.0.8", ...
//   }                                 // released when `nodes` is destroyed
//
// Ownership: a reservation owns its claims alone; moving it hands them over
// and leaves the source empty (address() == "", size() == 0). No copy.
//
// Platforms: Linux, the portable POSIX back-end (macOS: each address of the
// pool must be an lo0 alias) and Windows (claims are named objects
// "Global\gtest_port/v1/addr/127.1.0.7"; Windows routes all of 127.0.0.0/8
// to loopback).
//
// AddressReservation is thread-compatible; ReserveAddress() and
// ReserveAddresses() are thread-safe.

#ifndef GTEST_PORT_ADDRESS_RESERVATION_H_
#define GTEST_PORT_ADDRESS_RESERVATION_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest_port/export.h"
#include "gtest_port/internal/engine/address_source.h"

namespace gtest_port {

class [[nodiscard]] AddressReservation final {
 public:
  // Wraps what the engine reserved; gtest_port's ReserveAddress() functions
  // make these.
  explicit AddressReservation(gtest_port_internal::HeldAddresses held) noexcept
      : held_(std::move(held)) {}
  AddressReservation(AddressReservation&& other) noexcept = default;
  AddressReservation& operator=(AddressReservation&& other) noexcept = default;
  AddressReservation(const AddressReservation&) = delete;
  AddressReservation& operator=(const AddressReservation&) = delete;
  ~AddressReservation() = default;

  // The (first) reserved address, dotted, e.g. "127.1.0.7"; "" once moved
  // from.
  std::string address() const {
    return held_.empty() ? std::string() : Dotted(held_[0].address);
  }

  // How many addresses are held: 1 for ReserveAddress(), `count` for
  // ReserveAddresses(count), 0 once moved from.
  int size() const { return static_cast<int>(held_.size()); }

  // The i-th address, dotted, for 0 <= i < size().
  std::string operator[](int i) const { return Dotted(held_[i].address); }

  // All of them, dotted, in the order they were reserved.
  std::vector<std::string> addresses() const {
    std::vector<std::string> all;
    for (const auto& held : held_) all.push_back(Dotted(held.address));
    return all;
  }

  // "AddressReservation(127.1.0.7)", "AddressReservation(127.1.0.7,
  // 127.1.0.9)" or "AddressReservation(no address)".
  friend std::ostream& operator<<(std::ostream& os,
                                  const AddressReservation& r) {
    os << "AddressReservation(";
    if (r.held_.empty()) os << "no address";
    for (int i = 0; i < r.size(); ++i) os << (i == 0 ? "" : ", ") << r[i];
    return os << ")";
  }

 private:
  GTEST_PORT_EXPORT static std::string Dotted(uint32_t address);

  gtest_port_internal::HeldAddresses held_;
};

// "OK: AddressReservation(127.1.0.7)" or the error status.
inline void PrintTo(const absl::StatusOr<AddressReservation>& r,
                    std::ostream* os) {
  if (r.ok()) {
    *os << "OK: " << *r;
  } else {
    *os << r.status();
  }
}

// Reserves one loopback address from this shard's slice of the address pool,
// free for TCP and UDP on each of `ports` (see the file comment for what is
// probed with none). Uses the registered PortEnvironment's configuration or,
// without one, the environment variables and defaults. Errors:
// InvalidArgument for a bad configuration (e.g. GTEST_PORT_ADDRESS_RANGE) or
// a port 0; ResourceExhausted when every candidate address is busy (the
// message names the pool, the slice and how many were busy);
// FailedPrecondition when the host does not route the pool to loopback,
// saying what to run; PermissionDenied for a port below 1024 without the
// privilege to bind it.
GTEST_PORT_EXPORT absl::StatusOr<AddressReservation> ReserveAddress(
    const std::vector<uint16_t>& ports = {});

// Reserves `count` distinct addresses at once, all held, or none: one per
// node of a cluster. InvalidArgument when `count` < 1 or exceeds this
// shard's slice.
GTEST_PORT_EXPORT absl::StatusOr<AddressReservation> ReserveAddresses(
    int count, const std::vector<uint16_t>& ports = {});

}  // namespace gtest_port

#endif  // GTEST_PORT_ADDRESS_RESERVATION_H_
