// File: gtest_port/matchers.h
//
// GoogleMock matchers for tests that use gtest_port. This header belongs to
// the testonly target gtest_port::gtest_port_matchers (Bazel:
// //gtest_port:matchers).
//
// Example:
//
//   EXPECT_THAT(server.port(), gtest_port::IsFreeToBind());   // after Stop()
//   EXPECT_THAT(gtest_port::Reserve(),
//               gtest_port::IsOkAndHoldsPortIn(20000, 32767));
//
// IsFreeToBind() answers "could a server bind this port right now?" -- for
// example, to check that a server released its port when stopped. It binds
// probe sockets and closes them again: it never holds the port, and what it
// saw may change the moment it returns. IsOkAndHoldsPortIn() checks a
// reservation's ports without taking ownership of them.
//
// Matchers are thread-compatible values.

#ifndef GTEST_PORT_MATCHERS_H_
#define GTEST_PORT_MATCHERS_H_

#include <cstdint>

#include "gmock/gmock.h"
#include "gtest_port/internal/platform/platform.h"
#include "gtest_port/port_reservation.h"

namespace gtest_port {

// Matches a port that TCP and UDP sockets can bind right now on every address
// family of this host (the probe gtest_port itself uses).
MATCHER(IsFreeToBind, negation ? "is in use" : "is free to bind") {
  const absl::StatusOr<bool> free =
      gtest_port_internal::RealPlatform().MakeProber()->IsFree(
          static_cast<uint16_t>(arg));
  if (!free.ok()) {
    *result_listener << "probe failed: " << free.status();
    return false;
  }
  return *free;
}

// Matches an absl::StatusOr<PortReservation> that is OK and whose ports all
// lie in [lo, hi].
MATCHER_P2(IsOkAndHoldsPortIn, lo, hi,
           absl::StrCat(negation ? "is not" : "is", " an OK reservation in ",
                        lo, "-", hi)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  *result_listener << "holds port " << arg->port() << " (size " << arg->size()
                   << ")";
  for (int i = 0; i < arg->size(); ++i) {
    if ((*arg)[i] < lo || (*arg)[i] > hi) return false;
  }
  return arg->size() > 0;
}

}  // namespace gtest_port

#endif  // GTEST_PORT_MATCHERS_H_
