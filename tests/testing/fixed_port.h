// File: tests/testing/fixed_port.h
//
// FixedPort stands for the one port every node of a cluster listens on in
// the address-reservation tests: a port nobody uses on any address,
// reserved through gtest_port and held for the FixedPort's life, so that
// concurrent tests never pick the same "fixed" port.
//
// Example:
//
//   FixedPort fixed;
//   ReserveAddresses(3, {fixed.port()});
//
// This class is thread-compatible.

#ifndef GTEST_PORT_TESTS_TESTING_FIXED_PORT_H_
#define GTEST_PORT_TESTS_TESTING_FIXED_PORT_H_

#include <cstdint>

#include "gtest_port/port_reservation.h"

namespace gtest_port_testing {

class FixedPort {
 public:
  FixedPort() : reservation_(*gtest_port::Reserve()) {}
  uint16_t port() const { return reservation_.port(); }

 private:
  gtest_port::PortReservation reservation_;
};

}  // namespace gtest_port_testing

#endif  // GTEST_PORT_TESTS_TESTING_FIXED_PORT_H_
