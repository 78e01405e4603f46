// File: tests/testing/portserver.h
//
// Port servers for gtest_port's own tests.
//
// PortServer runs a real one for one test: Debian's /usr/bin/portserver,
// from python3-portpicker, the server CI hosts run behind PORTSERVER_ADDRESS,
// or gtest_port's own `gtest-port serve`, chosen by the environment variable
// GTEST_PORT_TEST_PORTSERVER ("python", the default, or "gtest-port"; the
// binary is GTEST_PORT_CLI if set, else ../tools/gtest-port beside the test
// binary), so the same tests run against both servers. It runs at an
// abstract address of its own,
// "@gtest_port_test_portserver_<pid>_<n>_<random>", handing out a pool of its
// own (take it from a PrivateRange). Start() returns once the server's socket
// accepts connections; the destructor kills and reaps it. Its log goes to a
// file, so a chatty server can never block on a full pipe; Log() reads it for
// failure messages.
//
// FakePortServer listens at an address of its own and answers every request
// with a canned reply ("banana\n", "" for a refusal) or, with no reply
// given, accepts and never answers: the failure paths a real server does not
// show on demand. It records each request as received by one read, the way
// the real server reads it.
//
// Example:
//
//   PrivateRange pool(2);
//   absl::StatusOr<std::unique_ptr<PortServer>> server =
//       PortServer::Start(pool.range());
//   ASSERT_TRUE(server.ok()) << server.status();
//   env.push_back((*server)->EnvEntry());  // "PORTSERVER_ADDRESS=@..."
//
//   FakePortServer silent(std::nullopt);      // accepts, never answers
//   FakePortServer garbage("banana\n");
//
// PortServer is thread-compatible. FakePortServer is thread-safe.

#ifndef GTEST_PORT_TESTS_TESTING_PORTSERVER_H_
#define GTEST_PORT_TESTS_TESTING_PORTSERVER_H_

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest_port/internal/platform/unique_fd.h"
#include "gtest_port/options.h"
#include "tests/testing/subprocess.h"

namespace gtest_port_testing {

// Where Debian's python3-portpicker installs the server.
inline constexpr char kPortServerPath[] = "/usr/bin/portserver";

// Which server PortServer::Start() runs.
enum class PortServerKind { kPython, kGtestPort };

// From GTEST_PORT_TEST_PORTSERVER: "python" or unset is kPython,
// "gtest-port" kGtestPort; anything else is InvalidArgument.
absl::StatusOr<PortServerKind> PortServerKindFromEnvironment();

// The gtest-port binary: GTEST_PORT_CLI, else ../tools/gtest-port beside the
// running test binary.
std::string GtestPortCliPath();

// A fresh abstract address "@gtest_port_test_<tag>_<pid>_<n>_<random>",
// unique on this host: the random part keeps apart tests whose pids are
// equal in PID namespaces of their own (Bazel's sandbox).
std::string UniquePortServerAddress(const std::string& tag);

// True when something accepts connections at `address` ("@name" or "/path").
bool Accepts(const std::string& address);

class PortServer {
 public:
  // Starts the server GTEST_PORT_TEST_PORTSERVER names for `pool` and waits
  // (up to 30 s) until it accepts. FailedPrecondition when the server's
  // program is not installed (or built).
  static absl::StatusOr<std::unique_ptr<PortServer>> Start(
      gtest_port::PortRange pool);
  static absl::StatusOr<std::unique_ptr<PortServer>> Start(
      gtest_port::PortRange pool, PortServerKind kind);

  PortServer(const PortServer&) = delete;
  PortServer& operator=(const PortServer&) = delete;
  ~PortServer();  // Kills and reaps the server, removes its log.

  const std::string& address() const { return address_; }
  std::string EnvEntry() const { return "PORTSERVER_ADDRESS=" + address_; }
  gtest_port::PortRange pool() const { return pool_; }
  PortServerKind kind() const { return kind_; }
  pid_t pid() const { return process_.pid(); }

  // What the server has logged so far.
  std::string Log() const;

 private:
  PortServer(std::string address, gtest_port::PortRange pool,
             PortServerKind kind, std::string log_path, Subprocess process)
      : address_(std::move(address)),
        pool_(pool),
        kind_(kind),
        log_path_(std::move(log_path)),
        process_(std::move(process)) {}

  const std::string address_;
  const gtest_port::PortRange pool_;
  const PortServerKind kind_;
  const std::string log_path_;
  Subprocess process_;
};

class FakePortServer {
 public:
  // Listens at a fresh abstract address. `reply` is written to every
  // connection after its request is read, and the connection closed;
  // std::nullopt keeps every connection open and silent until destruction.
  // `delay`: how long each answer is held back (a slow server).
  explicit FakePortServer(std::optional<std::string> reply,
                          absl::Duration delay = absl::ZeroDuration());
  FakePortServer(const FakePortServer&) = delete;
  FakePortServer& operator=(const FakePortServer&) = delete;
  ~FakePortServer();

  const std::string& address() const { return address_; }

  // Each request as one read returned it, in arrival order.
  std::vector<std::string> requests() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Serve();

  const std::optional<std::string> reply_;
  const absl::Duration delay_;
  const std::string address_;
  gtest_port_internal::UniqueFd listener_;
  gtest_port_internal::UniqueFd stop_read_;
  gtest_port_internal::UniqueFd stop_write_;
  mutable absl::Mutex mu_;
  std::vector<std::string> requests_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace gtest_port_testing

#endif  // GTEST_PORT_TESTS_TESTING_PORTSERVER_H_
