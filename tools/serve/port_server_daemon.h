// File: tools/serve/port_server_daemon.h
//
// PortServerDaemon is `gtest-port serve`: a port server that speaks Python
// portpicker's protocol (see serve_request.h) on an AF_UNIX stream socket,
// hands out ports from its range through a PortAuthority, and takes them
// back when their owner dies.
//
// One thread, one epoll loop, no blocking call on a client's behalf:
//   * the listening socket (bound here, or inherited through systemd's
//     socket activation: LISTEN_PID/LISTEN_FDS, descriptor 3);
//   * every connection, non-blocking, with a deadline (request_timeout) and
//     a request size cap (kMaxRequestBytes): a slow or silent client is cut
//     off at its deadline, a flooding one after kMaxRequestBytes, and neither
//     delays anybody else;
//   * at most max_connections at once; one more is closed unanswered;
//   * one pidfd per owner, readable when the owner exits;
//   * as many descriptors as RLIMIT_NOFILE's hard limit allows (each port
//     held for a portpicker client is a claim descriptor); out of them, the
//     listener rests for 50 ms instead of spinning;
//   * a signalfd for SIGTERM/SIGINT (clean shutdown: stop accepting, close
//     every connection, drop every claim, remove a socket file it created)
//     and SIGUSR1 (statistics to stderr, as the Python server logs them).
//
// Replies are the Python server's: "PORT\n" in one write, or the connection
// closed with nothing written on any failure.
//
// Example:
//
//   ServeOptions options;
//   options.address = "@unittest-portserver";
//   absl::StatusOr<std::unique_ptr<PortServerDaemon>> daemon =
//       PortServerDaemon::Create(options);
//   if (!daemon.ok()) { /* bad address, address in use, ... */ }
//   absl::Status done = (*daemon)->Run();  // Until SIGTERM.
//
// This class is thread-compatible; Run() blocks SIGTERM, SIGINT and SIGUSR1
// in the calling thread, so call it from a single-threaded process.

#ifndef GTEST_PORT_TOOLS_SERVE_PORT_SERVER_DAEMON_H_
#define GTEST_PORT_TOOLS_SERVE_PORT_SERVER_DAEMON_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/serve/port_authority.h"
#include "tools/serve/serve_engine.h"
#include "tools/serve/serve_request.h"

namespace gtest_port_serve {

// The address portpicker's documentation and the Python server use.
inline constexpr char kDefaultServeAddress[] = "@unittest-portserver";
// The Python server's default pool.
inline constexpr PortRange kDefaultServeRange = {15000, 24999};

struct ServeOptions {
  std::string address = kDefaultServeAddress;
  PortRange range = kDefaultServeRange;
  bool ipv6 = true;
  // Where ports are claimed: ResolveServeLockDir(), as gtest_port test
  // processes on this host claim.
  std::string lock_dir;
  int max_connections = 256;
  int max_ports_per_client = 1024;
  absl::Duration request_timeout = absl::Seconds(2);
  // Use a listening socket passed by systemd (LISTEN_FDS) when there is one.
  bool socket_activation = true;
};

struct ServeStats {
  int64_t connections = 0;
  int64_t requests = 0;
  int64_t malformed = 0;
  int64_t timed_out = 0;
  int64_t overloaded = 0;  // Connections closed at max_connections.
  int64_t refused = 0;     // Valid requests answered with nothing.
  int64_t stats_requests = 0;
  PortAuthority::Stats authority;
};

// "name value" lines, one per statistic.
std::string FormatServeStats(const ServeStats& stats);

class PortServerDaemon {
 public:
  // Binds (or inherits) the socket. InvalidArgument for a bad address or
  // options, Unavailable when the address is taken.
  static absl::StatusOr<std::unique_ptr<PortServerDaemon>> Create(
      ServeOptions options);
  ~PortServerDaemon();
  PortServerDaemon(const PortServerDaemon&) = delete;
  PortServerDaemon& operator=(const PortServerDaemon&) = delete;

  // Serves until SIGTERM or SIGINT; OK after a clean shutdown.
  absl::Status Run();

  ServeStats stats() const;
  // E.g. "@unittest-portserver (socket activation)".
  std::string Describe() const;

 private:
  struct Connection {
    UniqueFd fd;
    std::string buffer;
    absl::Time deadline;
  };

  explicit PortServerDaemon(ServeOptions options);
  absl::Status Listen();
  void Accept();
  void OnReadable(int fd);
  // Reads what `conn` has sent; once the request is whole, answers it.
  // True when the connection is done with (the caller closes it).
  bool ReadAndAnswer(Connection& conn);
  void Answer(Connection& conn, bool eof);
  // Identifies the owner of `request`'s ports and asks the authority.
  absl::StatusOr<PortAuthority::Granted> Grant(const Connection& conn,
                                               const ServeRequest& request);
  void Close(int fd);
  void ExpireConnections(absl::Time now);
  int NextTimeoutMillis(absl::Time now) const;

  const ServeOptions options_;
  PortChecker checker_;
  PortAuthority authority_;
  UniqueFd listener_;
  bool activated_ = false;   // The listener came from systemd.
  std::string unlink_path_;  // A socket file to remove on shutdown.
  UniqueFd epoll_;
  std::map<int, Connection> connections_;
  std::deque<std::pair<absl::Time, int>> deadlines_;  // In arrival order.
  // While out of descriptors, the listener is not watched until then.
  absl::Time accept_paused_until_ = absl::InfinitePast();
  ServeStats stats_;
};

}  // namespace gtest_port_serve

#endif  // GTEST_PORT_TOOLS_SERVE_PORT_SERVER_DAEMON_H_
