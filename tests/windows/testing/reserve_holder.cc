// reserve_holder: a real child process for the Windows multi-process tests
// of gtest_port's public API.
//
//   reserve_holder COUNT
//   reserve_holder --addresses COUNT
//
// Reserves COUNT single ports with gtest_port::Reserve() (or COUNT loopback
// addresses with gtest_port::ReserveAddress()), configured only by the
// environment (GTEST_PORT_RANGE, GTEST_PORT_ADDRESS_RANGE, ...), prints
// "PORT <p>" per port ("ADDRESS <a.b.c.d>" per address), or "EXHAUSTED
// <message>" when nothing free is left, then "READY", and holds everything
// until its standard input closes. Any other failure prints "ERROR
// <message>" and exits 3.

#include <windows.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "gtest_port/address_reservation.h"
#include "gtest_port/port_reservation.h"

namespace {

// Reserves `count` with `reserve`, printing each with `print`; false after
// an ERROR line.
template <typename Reservation, typename Print>
bool HoldAll(int count, absl::StatusOr<Reservation> (*reserve)(),
             Print print, std::vector<Reservation>& held) {
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<Reservation> r = reserve();
    if (absl::IsResourceExhausted(r.status())) {
      std::printf("EXHAUSTED %s\n", std::string(r.status().message()).c_str());
      break;
    }
    if (!r.ok()) {
      std::printf("ERROR %s\n", r.status().ToString().c_str());
      std::fflush(stdout);
      return false;
    }
    print(*r);
    held.push_back(*std::move(r));
  }
  return true;
}

absl::StatusOr<gtest_port::PortReservation> OnePort() {
  return gtest_port::Reserve();
}

absl::StatusOr<gtest_port::AddressReservation> OneAddress() {
  return gtest_port::ReserveAddress();
}

}  // namespace

int main(int argc, char** argv) {
  const bool addresses = argc == 3 && std::string(argv[1]) == "--addresses";
  int count = 0;
  if ((argc != 2 && !addresses) ||
      !absl::SimpleAtoi(argv[argc - 1], &count) || count < 1 ||
      count > 1000) {
    std::fprintf(stderr,
                 "usage: reserve_holder [--addresses] COUNT (1-1000)\n");
    return 2;
  }
  std::vector<gtest_port::PortReservation> ports;
  std::vector<gtest_port::AddressReservation> held_addresses;
  const bool ok =
      addresses
          ? HoldAll(count, &OneAddress,
                    [](const gtest_port::AddressReservation& r) {
                      std::printf("ADDRESS %s\n", r.address().c_str());
                    },
                    held_addresses)
          : HoldAll(count, &OnePort,
                    [](const gtest_port::PortReservation& r) {
                      std::printf("PORT %d\n", r.port());
                    },
                    ports);
  if (!ok) return 3;
  std::printf("READY\n");
  std::fflush(stdout);
  char buffer[64];
  DWORD got = 0;
  while (::ReadFile(::GetStdHandle(STD_INPUT_HANDLE), buffer, sizeof(buffer),
                    &got, nullptr) &&
         got > 0) {
  }
  return 0;
}
