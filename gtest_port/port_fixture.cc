#include "gtest_port/port_fixture.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest_port/internal/engine/reporter.h"
#include "gtest_port/internal/engine/reservation.h"
#include "gtest_port/internal/glue/default_allocator.h"
#include "gtest_port/internal/glue/lingering_listeners.h"
#include "gtest_port/internal/glue/test_registry.h"

namespace gtest_port {

uint16_t PortFixture::ReservePort(const char* file, int line) {
  return Keep(Reserve(), file, line);
}

uint16_t PortFixture::ReserveBlock(int count, const char* file, int line) {
  return Keep(gtest_port::ReserveBlock(count), file, line);
}

std::string PortFixture::ReserveAddress(const std::vector<uint16_t>& ports,
                                        const char* file, int line) {
  std::vector<std::string> one =
      ReserveAddresses(1, ports, file, line);
  return one.empty() ? std::string() : one[0];
}

std::vector<std::string> PortFixture::ReserveAddresses(
    int count, const std::vector<uint16_t>& ports, const char* file,
    int line) {
  absl::StatusOr<AddressReservation> reservation =
      gtest_port::ReserveAddresses(count, ports);
  if (!reservation.ok()) {
    GTEST_MESSAGE_AT_(
        file, line,
        absl::StrCat("gtest_port could not reserve ",
                     count == 1 ? std::string("a loopback address")
                                : absl::StrCat(count, " loopback addresses"),
                     ": ", reservation.status().ToString())
            .c_str(),
        ::testing::TestPartResult::kFatalFailure);
    return {};
  }
  std::vector<std::string> addresses = reservation->addresses();
  absl::MutexLock lock(&mu_);
  address_reservations_.push_back(*std::move(reservation));
  return addresses;
}

std::vector<std::string> PortFixture::ReservedAddresses() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> addresses;
  for (const AddressReservation& r : address_reservations_) {
    for (int i = 0; i < r.size(); ++i) addresses.push_back(r[i]);
  }
  return addresses;
}

uint16_t PortFixture::Keep(absl::StatusOr<PortReservation> reservation,
                           const char* file, int line) {
  if (!reservation.ok()) {
    GTEST_MESSAGE_AT_(file, line,
                      absl::StrCat("gtest_port could not reserve a port: ",
                                   reservation.status().ToString())
                          .c_str(),
                      ::testing::TestPartResult::kFatalFailure);
    return 0;
  }
  const uint16_t port = reservation->port();
  absl::MutexLock lock(&mu_);
  reservations_.push_back(*std::move(reservation));
  return port;
}

#ifndef _WIN32
ListeningSocket& PortFixture::ReserveListeningSocket(const char* file,
                                                     int line) {
  return KeepSocket(gtest_port::ReserveListeningSocket(), file, line);
}

ListeningSocket& PortFixture::ReserveBoundDatagramSocket(const char* file,
                                                         int line) {
  return KeepSocket(gtest_port::ReserveBoundDatagramSocket(), file, line);
}

ListeningSocket& PortFixture::KeepSocket(
    absl::StatusOr<ListeningSocket> socket, const char* file, int line) {
  auto kept = std::make_unique<ListeningSocket>();
  if (socket.ok()) {
    *kept = *std::move(socket);
  } else {
    GTEST_MESSAGE_AT_(file, line,
                      absl::StrCat("gtest_port could not reserve a bound "
                                   "socket: ",
                                   socket.status().ToString())
                          .c_str(),
                      ::testing::TestPartResult::kFatalFailure);
  }
  ListeningSocket& ref = *kept;
  absl::MutexLock lock(&mu_);
  sockets_.push_back(std::move(kept));
  return ref;
}
#endif

std::vector<uint16_t> PortFixture::ReservedPorts() const {
  absl::MutexLock lock(&mu_);
  std::vector<uint16_t> ports;
  for (const PortReservation& r : reservations_) {
    for (int i = 0; i < r.size(); ++i) ports.push_back(r[i]);
  }
#ifndef _WIN32
  for (const std::unique_ptr<ListeningSocket>& s : sockets_) {
    if (s->port() != 0) ports.push_back(s->port());
  }
#endif
  return ports;
}

void PortFixture::TearDown() {
  // The ports this test holds -- through this fixture or a Reserve() of its
  // own still alive -- go into its XML output and, if it failed, next to its
  // failure messages.
  const ::testing::TestInfo* test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  std::vector<uint16_t> held;
  for (const gtest_port_internal::TestReservation& r :
       gtest_port_internal::TestRegistry::Global().MadeBy(test)) {
    for (int i = 0; i < r.count; ++i) {
      held.push_back(static_cast<uint16_t>(r.first_port + i));
    }
  }
  if (test != nullptr && !held.empty()) {
    RecordProperty("gtest_port_ports", absl::StrJoin(held, ","));
    if (HasFailure()) {
      gtest_port_internal::Report(
          gtest_port_internal::Severity::kNote,
          absl::StrCat(gtest_port_internal::TestNameOf(test), " held ",
                       held.size() == 1 ? "port " : "ports ",
                       absl::StrJoin(held, ", ")));
    }
  }
  const std::vector<std::string> addresses = ReservedAddresses();
  if (test != nullptr && !addresses.empty()) {
    RecordProperty("gtest_port_addresses", absl::StrJoin(addresses, ","));
    if (HasFailure()) {
      gtest_port_internal::Report(
          gtest_port_internal::Severity::kNote,
          absl::StrCat(gtest_port_internal::TestNameOf(test), " held ",
                       addresses.size() == 1 ? "address " : "addresses ",
                       absl::StrJoin(addresses, ", ")));
    }
  }
  std::vector<uint16_t> released_ports;
  {
    std::vector<PortReservation> released;
    std::vector<AddressReservation> released_addresses;
#ifndef _WIN32
    std::vector<std::unique_ptr<ListeningSocket>> closed;
#endif
    {
      absl::MutexLock lock(&mu_);
      released.swap(reservations_);
      released_addresses.swap(address_reservations_);
#ifndef _WIN32
      closed.swap(sockets_);
#endif
    }
    for (const PortReservation& r : released) {
      for (int i = 0; i < r.size(); ++i) released_ports.push_back(r[i]);
    }
#ifndef _WIN32
    // Each socket is closed (unless the test released its descriptor),
    // then its port released; a released descriptor still listening is a
    // server that outlived its test, reported below.
    for (const std::unique_ptr<ListeningSocket>& s : closed) {
      if (s->port() != 0) released_ports.push_back(s->port());
    }
#endif
  }  // Closed and released here.

  // A server still listening on a port the test has just released outlived
  // its test: it keeps the port from the next test handed it, and a child
  // process may keep ctest waiting on its output. One bind(2) per port;
  // /proc is read only when one is found (lingering_listeners.h).
  if (test == nullptr) return;
  const std::vector<std::string> lingering =
      gtest_port_internal::LingeringListeners(
          gtest_port_internal::TestNameOf(test), released_ports);
  if (lingering.empty()) return;
  absl::StatusOr<std::shared_ptr<gtest_port_internal::PortAllocator>>
      allocator = gtest_port_internal::DefaultAllocator();
  const bool fail = allocator.ok() && (*allocator)->config().fail_on_leak;
  for (const std::string& line : lingering) {
    if (fail) {
      GTEST_MESSAGE_AT_("GTEST_PORT_FAIL_ON_LEAK", -1,
                        absl::StrCat("gtest_port: ", line).c_str(),
                        ::testing::TestPartResult::kNonFatalFailure);
    } else {
      gtest_port_internal::Report(gtest_port_internal::Severity::kWarning,
                                  line);
    }
  }
}

}  // namespace gtest_port
