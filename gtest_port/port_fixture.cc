#include "gtest_port/port_fixture.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace gtest_port {

uint16_t PortFixture::ReservePort(const char* file, int line) {
  return Keep(Reserve(), file, line);
}

uint16_t PortFixture::ReserveBlock(int count, const char* file, int line) {
  return Keep(gtest_port::ReserveBlock(count), file, line);
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

std::vector<uint16_t> PortFixture::ReservedPorts() const {
  absl::MutexLock lock(&mu_);
  std::vector<uint16_t> ports;
  for (const PortReservation& r : reservations_) {
    for (int i = 0; i < r.size(); ++i) ports.push_back(r[i]);
  }
  return ports;
}

void PortFixture::TearDown() {
  std::vector<PortReservation> released;
  {
    absl::MutexLock lock(&mu_);
    released.swap(reservations_);
  }
}

}  // namespace gtest_port
