// File: samples/echo_server.h
//
// EchoServer is the smallest real server the samples can start on a port that
// gtest_port reserved: it binds 127.0.0.1:<port>, sends back whatever it
// receives, and stops cleanly when told to. It exists so that the samples
// test something that really listens on a port, which is the situation
// gtest_port is for; it is not a model of a production server.
//
// Example:
//
//   absl::StatusOr<std::unique_ptr<EchoServer>> server =
//       EchoServer::Start(port, EchoServer::Protocol::kTcp);
//   ASSERT_TRUE(server.ok()) << server.status();
//   absl::StatusOr<std::string> reply =
//       Echo(port, EchoServer::Protocol::kTcp, "hi");
//   ASSERT_TRUE(reply.ok()) << reply.status();
//   EXPECT_EQ(*reply, "hi");
//   (*server)->Stop();                 // or let the destructor do it
//
// EchoServer is thread-safe: Stop() may be called from any thread, more than
// once. Echo() is thread-safe.

#ifndef GTEST_PORT_SAMPLES_ECHO_SERVER_H_
#define GTEST_PORT_SAMPLES_ECHO_SERVER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace gtest_port_samples {

class EchoServer final {
 public:
  enum class Protocol { kTcp, kUdp };

  // Binds `host`:`port` (127.0.0.1 unless given, e.g. a loopback address
  // from gtest_port::ReserveAddress()) and starts serving on a thread of its
  // own. Fails
  // (with the failing system call named) when the port cannot be bound --
  // which, for a port gtest_port reserved, means a process outside
  // gtest_port took it in between.
  static absl::StatusOr<std::unique_ptr<EchoServer>> Start(
      uint16_t port, Protocol protocol,
      const std::string& host = "127.0.0.1");

  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;
  ~EchoServer();  // Calls Stop().

  // Stops serving, joins the thread and closes every socket, so that the
  // port is free again when Stop() returns. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  uint16_t port() const { return port_; }
  Protocol protocol() const { return protocol_; }

 private:
  EchoServer(uint16_t port, Protocol protocol, int socket_fd);
  void ServeTcp() ABSL_LOCKS_EXCLUDED(mu_);
  void ServeUdp() ABSL_LOCKS_EXCLUDED(mu_);

  const uint16_t port_;
  const Protocol protocol_;
  const int socket_fd_;  // The listening (TCP) or bound (UDP) socket.
  std::thread thread_;
  std::once_flag stop_once_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int connection_fd_ ABSL_GUARDED_BY(mu_) = -1;  // The TCP client served now.
};

// Sends `message` to the echo server on `host`:`port` and returns what
// came back. Gives up with DeadlineExceeded after a few seconds, so a broken
// server fails a test instead of hanging it.
absl::StatusOr<std::string> Echo(uint16_t port, EchoServer::Protocol protocol,
                                 std::string_view message,
                                 const std::string& host = "127.0.0.1");

}  // namespace gtest_port_samples

#endif  // GTEST_PORT_SAMPLES_ECHO_SERVER_H_
