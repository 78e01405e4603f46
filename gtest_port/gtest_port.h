// File: gtest_port/gtest_port.h
//
// gtest_port gives every GoogleTest test its own free network ports, so that
// integration tests that start real servers can run in parallel -- threads,
// processes, shards, concurrent test targets -- and never clash.
//
// This umbrella header is all a test needs:
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

#ifndef GTEST_PORT_GTEST_PORT_H_
#define GTEST_PORT_GTEST_PORT_H_

#include "gtest_port/options.h"           // IWYU pragma: export
#include "gtest_port/port_environment.h"  // IWYU pragma: export
#include "gtest_port/port_fixture.h"      // IWYU pragma: export
#include "gtest_port/port_reservation.h"  // IWYU pragma: export

#endif  // GTEST_PORT_GTEST_PORT_H_
