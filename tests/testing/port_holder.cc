// port_holder: a real child process for gtest_port's multi-process tests.
//
//   port_holder [--count=N] [--block=K] [--bind] [--warm-up]
//   port_holder --addresses=N --fixed-port=P [--bind]
//
// Reserves N single ports (or one block of K consecutive ports) through the
// public API, configured only by the environment (GTEST_PORT_RANGE,
// GTEST_SHARD_INDEX, ...), optionally binds a TCP listener and a UDP socket
// on each, prints "PORT <p>" per port and then "READY", and holds everything
// until its stdin closes. On failure it prints "ERROR <status>" and exits 3.
//
// With --addresses=N it reserves N loopback addresses instead
// (gtest_port::ReserveAddresses(N, {P})), prints "ADDRESS <a>" per address,
// and with --bind binds a TCP listener and a UDP socket on <a>:P -- the SAME
// fixed port on every address, without SO_REUSEADDR, so that two holders
// handed one address cannot both bind it: "ERROR bind ..." and exit 4. It
// also prints "HELD <ns>" once it holds them and "RELEASED <ns>" (both
// CLOCK_MONOTONIC) just before it lets them go, so that a checker can tell
// whether two holds of one address overlapped (tests/stress).
//
// --warm-up makes and releases one reservation first, while descriptors are
// still to be had: under UndefinedBehaviorSanitizer the first virtual call
// on a type opens a pipe, which a process started with a tiny `ulimit -n`
// could no longer do at its first release.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "gtest_port/address_reservation.h"
#include "gtest_port/port_reservation.h"

namespace {

int BindOrDie(int type, uint16_t port) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      (type == SOCK_STREAM && ::listen(fd, 8) != 0)) {
    std::printf("ERROR bind %d: %s\n", port, std::strerror(errno));
    std::exit(4);
  }
  return fd;
}

// Binds `type` on address:port exactly as a fixed-port server would, with
// no SO_REUSEADDR: a clash cannot go unnoticed.
int BindAddressOrDie(int type, const std::string& address, uint16_t port) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (fd < 0 || ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      (type == SOCK_STREAM && ::listen(fd, 8) != 0)) {
    std::printf("ERROR bind %s:%d: %s\n", address.c_str(), port,
                std::strerror(errno));
    std::exit(4);
  }
  return fd;
}

long long MonotonicNs() {
  timespec now;
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

int HoldAddresses(int count, int fixed_port, bool bind) {
  absl::StatusOr<gtest_port::AddressReservation> held =
      gtest_port::ReserveAddresses(count,
                                   {static_cast<uint16_t>(fixed_port)});
  if (!held.ok()) {
    std::printf("ERROR %s\n", held.status().ToString().c_str());
    return 3;
  }
  std::vector<int> sockets;
  for (const std::string& address : held->addresses()) {
    if (bind) {
      sockets.push_back(BindAddressOrDie(SOCK_STREAM, address,
                                         static_cast<uint16_t>(fixed_port)));
      sockets.push_back(BindAddressOrDie(SOCK_DGRAM, address,
                                         static_cast<uint16_t>(fixed_port)));
    }
    std::printf("ADDRESS %s\n", address.c_str());
  }
  std::printf("HELD %lld\nREADY\n", MonotonicNs());
  std::fflush(stdout);
  char c;
  while (::read(0, &c, 1) > 0) {
  }
  std::printf("RELEASED %lld\n", MonotonicNs());
  std::fflush(stdout);
  for (int fd : sockets) ::close(fd);
  return 0;  // `held` is released on the way out.
}

}  // namespace

int main(int argc, char** argv) {
  int count = 1;
  int block = 0;
  bool bind = false;
  bool warm_up = false;
  int addresses = 0;
  int fixed_port = 0;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (absl::StartsWith(arg, "--addresses=") &&
        absl::SimpleAtoi(arg.substr(12), &addresses)) {
      continue;
    }
    if (absl::StartsWith(arg, "--fixed-port=") &&
        absl::SimpleAtoi(arg.substr(13), &fixed_port)) {
      continue;
    }
    if (absl::StartsWith(arg, "--count=") &&
        absl::SimpleAtoi(arg.substr(8), &count)) {
      continue;
    }
    if (absl::StartsWith(arg, "--block=") &&
        absl::SimpleAtoi(arg.substr(8), &block)) {
      continue;
    }
    if (arg == "--bind") {
      bind = true;
      continue;
    }
    if (arg == "--warm-up") {
      warm_up = true;
      continue;
    }
    std::fprintf(stderr,
                 "usage: port_holder [--count=N] [--block=K] [--bind] "
                 "[--warm-up]\n"
                 "       port_holder --addresses=N --fixed-port=P [--bind]\n");
    return 2;
  }
  if (addresses > 0) return HoldAddresses(addresses, fixed_port, bind);
  if (warm_up) (void)gtest_port::Reserve();  // Released at once.
  std::vector<gtest_port::PortReservation> held;
  for (int i = 0; i < (block > 0 ? 1 : count); ++i) {
    absl::StatusOr<gtest_port::PortReservation> r =
        block > 0 ? gtest_port::ReserveBlock(block) : gtest_port::Reserve();
    if (!r.ok()) {
      std::printf("ERROR %s\n", r.status().ToString().c_str());
      return 3;
    }
    held.push_back(*std::move(r));
  }
  std::vector<int> sockets;
  for (const gtest_port::PortReservation& r : held) {
    for (int i = 0; i < r.size(); ++i) {
      if (bind) {
        sockets.push_back(BindOrDie(SOCK_STREAM, r[i]));
        sockets.push_back(BindOrDie(SOCK_DGRAM, r[i]));
      }
      std::printf("PORT %d\n", r[i]);
    }
  }
  std::printf("READY\n");
  std::fflush(stdout);
  char c;
  while (::read(0, &c, 1) > 0) {
  }
  for (int fd : sockets) ::close(fd);
  return 0;
}
