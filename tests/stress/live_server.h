// File: tests/stress/live_server.h
//
// LiveServer is the smallest real server a stress test can run on a reserved
// port: a listening TCP socket and a bound UDP socket on 127.0.0.1:<port>,
// both with SO_REUSEADDR as real servers set it. If two tests were ever
// handed the same port at once, the second listener's bind would fail
// (SO_REUSEADDR does not let two listeners share an address), and
// Roundtrip() proves the sockets answer and that what answers is this
// server: a message sent to the port comes back on this server's sockets.
//
// Example:
//
//   absl::StatusOr<LiveServer> server = LiveServer::Start(port);
//   if (!server.ok()) { /* record a bind failure */ }
//   absl::Status served = server->Roundtrip("token");
//
// This class is thread-compatible.

#ifndef GTEST_PORT_TESTS_STRESS_LIVE_SERVER_H_
#define GTEST_PORT_TESTS_STRESS_LIVE_SERVER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_stress {

class LiveServer {
 public:
  // Binds TCP (and listens) and UDP on 127.0.0.1:`port`. The error names the
  // protocol, the address and the system message, e.g.
  // "bind TCP 127.0.0.1:20123: Address already in use".
  static absl::StatusOr<LiveServer> Start(uint16_t port);

  LiveServer(LiveServer&&) noexcept = default;
  LiveServer& operator=(LiveServer&&) noexcept = default;

  uint16_t port() const { return port_; }

  // Connects to the TCP listener and sends `token`, accepts and reads it back
  // on the server side; then sends `token` as a datagram to the UDP socket
  // and receives it there. Fails unless both arrive intact.
  absl::Status Roundtrip(absl::string_view token);

  // Closes both sockets (TCP first, then UDP), as a server stops.
  void Stop();

 private:
  LiveServer(uint16_t port, gtest_port_internal::UniqueFd tcp,
             gtest_port_internal::UniqueFd udp)
      : port_(port), tcp_(std::move(tcp)), udp_(std::move(udp)) {}

  uint16_t port_ = 0;
  gtest_port_internal::UniqueFd tcp_;
  gtest_port_internal::UniqueFd udp_;
};

}  // namespace gtest_port_stress

#endif  // GTEST_PORT_TESTS_STRESS_LIVE_SERVER_H_
