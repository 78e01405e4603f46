// reserve_holder: a real child process for the Windows multi-process tests
// of gtest_port's public API.
//
//   reserve_holder COUNT
//
// Reserves COUNT single ports with gtest_port::Reserve(), configured only by
// the environment (GTEST_PORT_RANGE, ...), prints "PORT <p>" per port, or
// "EXHAUSTED <message>" when the range has no free port left, then "READY",
// and holds everything until its standard input closes. Any other failure
// prints "ERROR <message>" and exits 3.

#include <windows.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "gtest_port/port_reservation.h"

int main(int argc, char** argv) {
  int count = 0;
  if (argc != 2 || !absl::SimpleAtoi(argv[1], &count) || count < 1 ||
      count > 1000) {
    std::fprintf(stderr, "usage: reserve_holder COUNT (1-1000)\n");
    return 2;
  }
  std::vector<gtest_port::PortReservation> held;
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<gtest_port::PortReservation> r = gtest_port::Reserve();
    if (absl::IsResourceExhausted(r.status())) {
      std::printf("EXHAUSTED %s\n", std::string(r.status().message()).c_str());
      break;
    }
    if (!r.ok()) {
      std::printf("ERROR %s\n", r.status().ToString().c_str());
      std::fflush(stdout);
      return 3;
    }
    std::printf("PORT %d\n", r->port());
    held.push_back(*std::move(r));
  }
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
