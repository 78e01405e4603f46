// File: gtest_port/gtest_port.h
//
// gtest_port gives every GoogleTest test its own free network ports, so that
// integration tests that start real servers can run in parallel -- threads,
// processes, shards, concurrent test targets -- and never clash.
//
// This umbrella header is all a test needs.
//
// Example:
//
//   #include "gtest_port/gtest_port.h"
//
//   class EchoTest : public gtest_port::PortFixture {};
//
//   TEST_F(EchoTest, Roundtrip) {
//     uint16_t port = ReservePort();   // held until this test ends
//     ...
//   }
//
// and, once per binary (or link gtest_port_main):
//
//   ::testing::AddGlobalTestEnvironment(new gtest_port::PortEnvironment());
//
// Outside a fixture, the RAII API:
//
//   absl::StatusOr<gtest_port::PortReservation> r = gtest_port::Reserve();
//   uint16_t p = r->port();            // released when r is destroyed
//
// What each piece is for:
//
//   PortFixture       a test base class: ReservePort(), ReserveBlock(n), held
//                     until the test ends (port_fixture.h)
//   PortReservation   the RAII value from Reserve()/ReserveBlock(n), for
//                     ports outside a fixture (port_reservation.h)
//   ListeningSocket   a reserved port with its socket already bound (TCP
//                     listening, or UDP), for servers that adopt a
//                     descriptor; POSIX only (listening_socket.h)
//   PortEnvironment   reads and validates the configuration once per binary
//                     (port_environment.h); gtest_port_main registers it
//   Options           the configuration in code (options.h)
//   Version()         this release, also as GTEST_PORT_VERSION_* macros
//                     (version.h)
//   matchers.h        GoogleMock matchers, IsFreeToBind() and
//                     IsOkAndHoldsPortIn(); not included here (testonly)
//   port_users.h      who holds a port: DescribePortUser(port),
//                     ListPortReservations(); not included here
//
// Link gtest_port::gtest_port (Bazel //gtest_port), or
// gtest_port::gtest_port_main (//gtest_port:gtest_port_main) for a main()
// that registers the environment; pkg-config: gtest_port, gtest_port_main.
//
// Ownership: a port is held by exactly one owner -- a PortReservation, or
// the PortFixture of the test that reserved it -- and released when that
// owner lets go or the process dies. Reserving is thread-safe everywhere;
// each header says what holds for its class.

#ifndef GTEST_PORT_GTEST_PORT_H_
#define GTEST_PORT_GTEST_PORT_H_

#include "gtest_port/address_reservation.h"  // IWYU pragma: export
#include "gtest_port/listening_socket.h"     // IWYU pragma: export
#include "gtest_port/options.h"           // IWYU pragma: export
#include "gtest_port/port_environment.h"  // IWYU pragma: export
#include "gtest_port/port_fixture.h"      // IWYU pragma: export
#include "gtest_port/port_reservation.h"  // IWYU pragma: export
#include "gtest_port/version.h"           // IWYU pragma: export

#endif  // GTEST_PORT_GTEST_PORT_H_
