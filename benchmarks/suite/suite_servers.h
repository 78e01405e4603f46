// File: benchmarks/suite/suite_servers.h
//
// What the suite's tests do with real servers, written once: start a server
// process and wait until it accepts connections (by connecting, never by
// sleeping), stop it, and speak to it -- Redis's RESP, HTTP/1.0, UDP
// datagrams. Every wait has a deadline and every read a timeout, so a test
// whose server clashes with another test's fails with the reason instead of
// hanging.
//
// Example:
//
//   absl::StatusOr<std::unique_ptr<ServerProcess>> redis = ServerProcess::Start(
//       {"/usr/bin/redis-server", "--port", "16379", ...}, 16379);
//   ASSERT_TRUE(redis.ok()) << redis.status();
//   absl::StatusOr<RespConnection> c = RespConnection::Connect(16379);
//   EXPECT_EQ(*c->Command({"PING"}), "+PONG");
//   EXPECT_TRUE((*redis)->Stop().ok());
//
// ServerProcess and RespConnection are thread-compatible; the free
// functions are thread-safe.

#ifndef GTEST_PORT_BENCHMARKS_SUITE_SUITE_SERVERS_H_
#define GTEST_PORT_BENCHMARKS_SUITE_SUITE_SERVERS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tests/testing/subprocess.h"

namespace gtest_port_suite {

// An owned descriptor, closed on destruction; move-only.
class [[nodiscard]] Fd final {
 public:
  Fd() noexcept = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

inline constexpr char kRedisServer[] = "/usr/bin/redis-server";
inline constexpr char kPython[] = "/usr/bin/python3";


// A server child process. The destructor kills and reaps it if Stop() was
// not called.
class ServerProcess {
 public:
  // Starts `argv` (argv[0] a path) and returns once a TCP connection to
  // 127.0.0.1:`port` succeeds while the process is still running. Fails,
  // with the server's output, when it exits first or `deadline` passes.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const std::vector<std::string>& argv, uint16_t port,
      absl::Duration deadline = absl::Seconds(20));

  // Starts `argv` without waiting for anything (a UDP server, say).
  static absl::StatusOr<std::unique_ptr<ServerProcess>> StartNoWait(
      const std::vector<std::string>& argv);

  // Starts a throw-away redis-server on 127.0.0.1:`port`, with `extra`
  // arguments, and waits as Start() does. No persistence; its working
  // directory is a fresh one of its own (a replica writes the primary's
  // snapshot there, and a server loads a dump.rdb it finds at start-up),
  // removed when it stops.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> StartRedis(
      uint16_t port, const std::vector<std::string>& extra = {});

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();  // Kills and reaps it, removes its directory.

  // True once the process has exited (it is not reaped here).
  bool Exited() const;

  // SIGTERM, then waits up to 10 s (SIGKILL after that). OK when it exited
  // with status 0 or by the SIGTERM; otherwise the error carries its output.
  absl::Status Stop();

 private:
  ServerProcess(std::string name, gtest_port_testing::Subprocess child)
      : name_(std::move(name)), child_(std::move(child)) {}

  std::string name_;
  gtest_port_testing::Subprocess child_;
  bool stopped_ = false;
  std::string owned_dir_;  // Removed when the process has stopped.
};

// True when a TCP connection to 127.0.0.1:`port` succeeds now.
bool AcceptsTcp(uint16_t port);

// One TCP connection speaking RESP. Replies come back as text with their
// type byte: "+PONG", ":42", "$hello" (bulk), "nil" ($-1 or *-1), "-ERR
// ..." and "*" + the elements joined by "," for arrays.
class RespConnection {
 public:
  static absl::StatusOr<RespConnection> Connect(uint16_t port);

  RespConnection(RespConnection&&) noexcept = default;
  RespConnection& operator=(RespConnection&&) noexcept = default;

  absl::StatusOr<std::string> Command(const std::vector<std::string>& args);
  // Sends all commands in one write, then reads one reply for each.
  absl::StatusOr<std::vector<std::string>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);
  // Reads one more reply (e.g. a pub/sub message).
  absl::StatusOr<std::string> ReadReply();

 private:
  explicit RespConnection(Fd fd)
      : fd_(std::move(fd)) {}
  absl::StatusOr<std::string> ReadLine();
  absl::StatusOr<std::string> ReadBytes(size_t size);
  absl::Status Fill();

  Fd fd_;
  std::string buffer_;
};

// Polls `command` on 127.0.0.1:`port` until its reply contains `want`;
// DeadlineExceeded (with the last reply) otherwise. For readiness that a
// server reports itself, e.g. a replica's "master_link_status:up".
absl::Status WaitForRedisReply(uint16_t port,
                               const std::vector<std::string>& command,
                               absl::string_view want,
                               absl::Duration deadline = absl::Seconds(20));

struct HttpResponse {
  int status = 0;
  std::string headers;
  std::string body;
};

// One HTTP/1.0 request to 127.0.0.1:`port`; the response is read to the end
// (at most 8 MiB, 5 s without data).
absl::StatusOr<HttpResponse> HttpRequest(uint16_t port,
                                         absl::string_view method,
                                         absl::string_view path);

// A UDP socket bound to 127.0.0.1:`port` (0: any port).
absl::StatusOr<Fd> BindUdp(uint16_t port);

// Sends `message` from `fd` to 127.0.0.1:`to_port`.
absl::Status SendUdp(int fd, uint16_t to_port, absl::string_view message);

// The next datagram on `fd`, and the port it came from; DeadlineExceeded
// after `timeout`.
struct Datagram {
  std::string payload;
  uint16_t from_port = 0;
};
absl::StatusOr<Datagram> ReceiveUdp(int fd,
                                    absl::Duration timeout = absl::Seconds(5));

// Sends `message` over a new TCP connection to 127.0.0.1:`port`, half-closes
// and reads the reply to the end.
absl::StatusOr<std::string> TcpExchange(uint16_t port,
                                        absl::string_view message);

// A fresh empty directory under the test's temporary directory; the caller
// removes it with RemoveTree().
absl::StatusOr<std::string> MakeTempDir(absl::string_view tag);
absl::Status WriteFile(const std::string& path, absl::string_view contents);
void RemoveTree(const std::string& path);

}  // namespace gtest_port_suite

#endif  // GTEST_PORT_BENCHMARKS_SUITE_SUITE_SERVERS_H_
