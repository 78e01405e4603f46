// File: gtest_port/port_fixture.h
//
// PortFixture is a ::testing::Test base class whose ReservePort() hands the
// test a port that is free on this host and held for it alone until the test
// ends. Derive test fixtures from it (or use it directly with TEST_F).
//
// Example:
//
//   class EchoTest : public gtest_port::PortFixture {};
//
//   TEST_F(EchoTest, Roundtrip) {
//     const uint16_t port = ReservePort();   // held until this test ends
//     auto server = EchoServer::Start(port, EchoServer::Protocol::kTcp);
//     ...                                    // stop it before the test ends
//   }
//
// When no port can be reserved, ReservePort() records a fatal failure at the
// caller's line with the reason (for example the range, the slice and how
// many candidates were busy) and returns 0; wrap it in
// ASSERT_NO_FATAL_FAILURE() to stop the test right there.
//
// The fixture releases every reservation in TearDown(). A fixture that
// overrides TearDown() should call PortFixture::TearDown(); if it does not,
// the ports are released when the fixture is destroyed instead.
//
// Ownership: the fixture owns every reservation made through it; the test
// gets port numbers only. Stop the servers a test started on them before the
// ports are released -- in the test body, or in the derived fixture's
// TearDown() before it calls PortFixture::TearDown() -- so that no server
// outlives its reservation.
//
// TearDown() also says which ports the test held (through the fixture, or
// through a Reserve() of its own still alive then): as the property
// gtest_port_ports="20001,20002" of the test in --gtest_output=xml/json, and,
// when the test failed, as "[gtest_port] Suite.Test held ports 20001, 20002"
// on stderr right after its failure messages. The addresses it held through
// ReserveAddress() go into the property gtest_port_addresses="127.1.0.7".
//
// After releasing its ports, TearDown() checks that no TCP listener is left
// on them -- a server the test started and did not stop -- and warns naming
// its process ("[gtest_port] warning: Suite.Test has ended, but a server
// still listens on port 20003, ..."); with GTEST_PORT_FAIL_ON_LEAK=1
// (Options::fail_on_leak) the test fails instead.
//
// A test that needs the port bound already -- no window in which a process
// outside gtest_port could take it before the server binds -- asks for a
// socket instead (POSIX only; gtest_port/listening_socket.h):
//
//   TEST_F(EchoTest, AdoptsSocket) {
//     gtest_port::ListeningSocket& listener = ReserveListeningSocket();
//     StartServerOnFd(listener.fd());   // clients connect to listener.port()
//   }
//
// The fixture owns the socket and closes it in TearDown() (unless the test
// took the descriptor with Release()), then releases its port.
//
// Works with or without a registered PortEnvironment. ReservePort(),
// ReserveBlock(), ReserveListeningSocket(), ReserveBoundDatagramSocket(),
// ReserveAddress(), ReserveAddresses(), ReservedPorts() and
// ReservedAddresses() are thread-safe: a test may call them from its own
// threads.

#ifndef GTEST_PORT_PORT_FIXTURE_H_
#define GTEST_PORT_PORT_FIXTURE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "gtest_port/address_reservation.h"
#include "gtest_port/export.h"
#include "gtest_port/listening_socket.h"
#include "gtest_port/port_reservation.h"

namespace gtest_port {

class GTEST_PORT_EXPORT PortFixture : public ::testing::Test {
 protected:
  // Reserves one port for the rest of this test. See the file comment for
  // what happens when none is free. `file` and `line` name the caller in
  // failure messages; leave them defaulted.
  uint16_t ReservePort(const char* file = __builtin_FILE(),
                       int line = __builtin_LINE()) ABSL_LOCKS_EXCLUDED(mu_);

  // Reserves `count` consecutive ports for the rest of this test and returns
  // the first; the others are first + 1, ..., first + count - 1.
  uint16_t ReserveBlock(int count, const char* file = __builtin_FILE(),
                        int line = __builtin_LINE()) ABSL_LOCKS_EXCLUDED(mu_);

#ifndef _WIN32
  // Reserves a port with a TCP socket already bound to it and listening
  // (gtest_port::ReserveListeningSocket()), held until this test ends; the
  // reference stays valid until then. When none can be had, records a fatal
  // failure at the caller's line, like ReservePort(), and returns an empty
  // socket (port() == 0, fd() == -1). POSIX only.
  ListeningSocket& ReserveListeningSocket(const char* file = __builtin_FILE(),
                                          int line = __builtin_LINE())
      ABSL_LOCKS_EXCLUDED(mu_);

  // The same with a bound UDP socket (gtest_port::ReserveBoundDatagramSocket()).
  ListeningSocket& ReserveBoundDatagramSocket(
      const char* file = __builtin_FILE(), int line = __builtin_LINE())
      ABSL_LOCKS_EXCLUDED(mu_);
#endif

  // Reserves a loopback address (e.g. "127.1.0.7") for the rest of this
  // test, free for TCP and UDP on each of `ports`: for a server that must
  // listen on a fixed port (gtest_port/address_reservation.h says what is
  // probed). On failure, records a fatal failure at the caller's line and
  // returns "".
  std::string ReserveAddress(const std::vector<uint16_t>& ports = {},
                             const char* file = __builtin_FILE(),
                             int line = __builtin_LINE())
      ABSL_LOCKS_EXCLUDED(mu_);

  // Reserves `count` distinct loopback addresses for the rest of this test,
  // one per node of a cluster that listens on the same fixed ports; empty
  // (and a fatal failure) when they cannot all be had.
  std::vector<std::string> ReserveAddresses(
      int count, const std::vector<uint16_t>& ports = {},
      const char* file = __builtin_FILE(), int line = __builtin_LINE())
      ABSL_LOCKS_EXCLUDED(mu_);

  // The addresses this test holds, in the order they were reserved.
  std::vector<std::string> ReservedAddresses() const ABSL_LOCKS_EXCLUDED(mu_);

  // The ports this test holds: those of ReservePort() and ReserveBlock() in
  // the order they were reserved, then those of its sockets.
  std::vector<uint16_t> ReservedPorts() const ABSL_LOCKS_EXCLUDED(mu_);

  // Releases every reservation this test made.
  void TearDown() override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  uint16_t Keep(absl::StatusOr<PortReservation> reservation, const char* file,
                int line) ABSL_LOCKS_EXCLUDED(mu_);

#ifndef _WIN32
  ListeningSocket& KeepSocket(absl::StatusOr<ListeningSocket> socket,
                              const char* file, int line)
      ABSL_LOCKS_EXCLUDED(mu_);
#endif

  mutable absl::Mutex mu_;
  std::vector<PortReservation> reservations_ ABSL_GUARDED_BY(mu_);
#ifndef _WIN32
  // Each on the heap, so that the references handed out stay valid.
  std::vector<std::unique_ptr<ListeningSocket>> sockets_ ABSL_GUARDED_BY(mu_);
#endif
  std::vector<AddressReservation> address_reservations_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gtest_port

#endif  // GTEST_PORT_PORT_FIXTURE_H_
