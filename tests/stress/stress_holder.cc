// stress_holder: a real child process for the stress suite -- a process that
// holds ports the way a test with running servers does, and that the suite
// can kill or run in another network namespace.
//
//   stress_holder [--count=N] [--hold-ms=MS] [--label=NAME]
//
// Reserves N ports (default 1) through the public API, configured only by the
// environment (GTEST_PORT_RANGE, shard variables, ...), starts a LiveServer
// (TCP listener + UDP socket) on each and checks it answers. Then it prints
//
//   PROC <netns> <proc>
//   PORT <port> <start-ns>        (one per port)
//   READY
//
// and holds everything until its stdin closes or MS milliseconds have passed.
// On a normal end it stops the servers and appends one HOLD record per port
// to GTEST_PORT_STRESS_RECORDS (as test NAME, default "stress_holder"). A
// holder that is SIGKILLed writes nothing: whoever killed it records the
// holds from the lines above. Exit codes: 2 usage, 3 no reservation ("ERROR
// <status>"), 4 a server could not start ("ERROR <status>", and a BINDFAIL
// record).

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest_port/port_reservation.h"
#include "tests/stress/live_server.h"
#include "tests/stress/stress_records.h"

namespace {

using gtest_port_stress::LiveServer;
using gtest_port_stress::MonotonicNanos;
using gtest_port_stress::StressRecorder;

struct Held {
  gtest_port::PortReservation reservation;
  int64_t id;
  int64_t start_ns;
  LiveServer server;
};

// Waits until stdin reaches end of file or `hold_ms` (when >= 0) passes.
void WaitForRelease(int hold_ms) {
  const int64_t deadline =
      hold_ms >= 0 ? MonotonicNanos() + int64_t{hold_ms} * 1000000 : -1;
  for (;;) {
    int timeout = -1;
    if (deadline >= 0) {
      const int64_t left = deadline - MonotonicNanos();
      if (left <= 0) return;
      timeout = static_cast<int>(left / 1000000) + 1;
    }
    pollfd p{0, POLLIN, 0};
    const int n = ::poll(&p, 1, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;  // Timed out: the deadline check above ends it.
    char c;
    const ssize_t got = ::read(0, &c, 1);
    if (got == 0 || (got < 0 && errno != EINTR)) return;
  }
}

int Usage() {
  std::fprintf(stderr,
               "usage: stress_holder [--count=N] [--hold-ms=MS] "
               "[--label=NAME]\n  N >= 1, MS >= 0, NAME without spaces\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 1;
  int hold_ms = -1;
  std::string label = "stress_holder";
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (absl::StartsWith(arg, "--count=") &&
        absl::SimpleAtoi(arg.substr(8), &count) && count >= 1) {
      continue;
    }
    if (absl::StartsWith(arg, "--hold-ms=") &&
        absl::SimpleAtoi(arg.substr(10), &hold_ms) && hold_ms >= 0) {
      continue;
    }
    if (absl::StartsWith(arg, "--label=") && arg.size() > 8 &&
        !absl::StrContains(arg, ' ')) {
      label = std::string(arg.substr(8));
      continue;
    }
    std::fprintf(stderr, "stress_holder: bad argument \"%s\"\n", argv[i]);
    return Usage();
  }

  StressRecorder& records = StressRecorder::Get();
  if (!records.status().ok()) {
    std::printf("ERROR %s\n", records.status().ToString().c_str());
    return 3;
  }
  std::printf("PROC %s %s\n", records.netns().c_str(),
              records.process().c_str());
  std::fflush(stdout);

  std::vector<Held> held;
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<gtest_port::PortReservation> r = gtest_port::Reserve();
    if (!r.ok()) {
      std::printf("ERROR %s\n", r.status().ToString().c_str());
      return 3;
    }
    const uint16_t port = r->port();
    const int64_t start = MonotonicNanos();
    absl::StatusOr<LiveServer> server = LiveServer::Start(port);
    absl::Status served =
        server.ok() ? server->Roundtrip(absl::StrCat(label, "/", port))
                    : server.status();
    if (!served.ok()) {
      records.BindFailure(label, port, served.ToString());
      std::printf("ERROR %s\n", served.ToString().c_str());
      return 4;
    }
    held.push_back(Held{*std::move(r), records.NextReservation(), start,
                        *std::move(server)});
  }
  for (const Held& h : held) {
    std::printf("PORT %d %lld\n", h.reservation.port(),
                static_cast<long long>(h.start_ns));
  }
  std::printf("READY\n");
  std::fflush(stdout);

  WaitForRelease(hold_ms);

  // Servers stop, then the hold ends, then (when `held` goes) the
  // reservations are released: each recorded hold lies inside its
  // reservation.
  for (Held& h : held) {
    h.server.Stop();
    records.Hold(label, h.id, h.reservation.port(), h.start_ns,
                 MonotonicNanos());
  }
  if (!records.status().ok()) {
    std::fprintf(stderr, "stress_holder: %s\n",
                 records.status().ToString().c_str());
    return 5;
  }
  return 0;
}
