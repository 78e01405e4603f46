#include "tools/serve/serve_command.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/serve/port_server_daemon.h"
#include "tools/serve/serve_engine.h"

namespace gtest_port_serve {

const absl::string_view kServeHelp =
    R"help(usage: gtest-port serve [--address=@NAME|/PATH] [--range=LO-HI]
                        [--ipv6|--no-ipv6] [--max-connections=N]
                        [--max-ports-per-client=N] [--request-timeout=DURATION]
       gtest-port serve --stats [--address=@NAME|/PATH]

A port server for every language on this host. It speaks the protocol of
Python portpicker's `portserver` -- a client sends its pid and a newline and
gets a free port and a newline, or nothing -- so portpicker
(PORTSERVER_ADDRESS), gtest_port and any other client of that protocol share
it. Each port it hands out is also claimed in gtest_port's own name space and
probed free, so gtest_port processes that do not use the server never get it.
A port comes back when the process that holds it exits (tracked by pidfd).
The claims are made where the tests' are: GTEST_PORT_LOCK_DIR when set.

  --address=ADDR          where to listen: "@name" (abstract socket) or
                          "/path" (socket file); default @unittest-portserver,
                          the address portpicker's tools use
  --range=LO-HI           the ports to hand out (1024 <= LO <= HI <= 65535);
                          default 15000-24999, the Python server's
  --ipv6, --no-ipv6       probe IPv6 and IPv4 (default, where the host has
                          IPv6) or IPv4 only
  --max-connections=N     connections served at once (default 256); when
                          full, the oldest unanswered one is closed
  --max-ports-per-client=N
                          ports one process may hold (default 1024)
  --request-timeout=D     how long a client may take to send its request,
                          e.g. 2s (default), 500ms
  --stats                 print the statistics of the server at --address
                          and exit (a running server also prints them to
                          stderr on SIGUSR1)

Under systemd with socket activation (LISTEN_FDS), the socket passed is used
and --address is ignored. SIGTERM or SIGINT stops the server cleanly.

exit status: 0 after a clean shutdown (or statistics printed), 1 on failure,
2 usage error.
)help";

namespace {

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;

// `text` with every byte that is not printable text escaped, so that
// whatever a user or a server passed cannot drive the terminal.
std::string Printable(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || (c >= 0x20 && c < 0x7f)) {
      out.push_back(c);
    } else {
      absl::StrAppend(
          &out, "\\x",
          absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  return out;
}

int Usage(absl::string_view message) {
  std::fprintf(stderr, "gtest-port serve: %s\n", Printable(message).c_str());
  std::fprintf(stderr, "Try 'gtest-port serve --help'.\n");
  return kUsage;
}

int Fail(absl::string_view message) {
  std::fprintf(stderr, "gtest-port serve: %s\n", Printable(message).c_str());
  return kFailure;
}

bool ParsePositive(absl::string_view text, int* out) {
  return absl::SimpleAtoi(text, out) && *out >= 1 &&
         std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
}

// Asks the server at `address` for its statistics and prints them, with
// any byte that is not printable text escaped.
int PrintStats(const std::string& address) {
  absl::Status valid = ValidateServeAddress(address);
  if (!valid.ok()) {
    return Usage(
        absl::StrCat("--address \"", address, "\": ", valid.message()));
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_un addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address.data(), address.size());
  if (address[0] == '@') addr.sun_path[0] = '\0';
  const auto len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() +
                             (address[0] == '@' ? 0 : 1));
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    const int error = errno;
    ::close(fd);
    return Fail(absl::StrCat("no port server at ", address,
                             ": connect: ", std::strerror(error)));
  }
  const char request[] = "gtest_port/1 stats\n";
  (void)::send(fd, request, sizeof(request) - 1, MSG_NOSIGNAL);
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  char buf[4096];
  while (reply.size() < 64 * 1024) {
    pollfd p{fd, POLLIN, 0};
    const int ms =
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (ms <= 0 || ::poll(&p, 1, ms) <= 0) break;
    const ssize_t got = ::recv(fd, buf, sizeof(buf), 0);
    if (got <= 0) break;
    reply.append(buf, static_cast<size_t>(got));
  }
  ::close(fd);
  if (reply.empty()) {
    return Fail(absl::StrCat(
        "the port server at ", address,
        " sent no statistics (it is not `gtest-port serve`: Python's "
        "portserver logs them on SIGUSR1 instead)"));
  }
  const std::string out = Printable(reply);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kOk;
}

}  // namespace

int ServeCommand(const std::vector<std::string>& args) {
  ServeOptions options;
  bool stats = false;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::fwrite(kServeHelp.data(), 1, kServeHelp.size(), stdout);
      return kOk;
    }
    if (arg == "--stats") {
      stats = true;
      continue;
    }
    if (arg == "--ipv6" || arg == "--no-ipv6") {
      options.ipv6 = arg == "--ipv6";
      continue;
    }
    // --flag=VALUE or --flag VALUE.
    std::string name(arg);
    std::string value;
    const size_t eq = arg.find('=');
    if (eq != absl::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
    } else if (absl::StartsWith(arg, "--") && i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Usage(absl::StrCat(
          "unexpected argument \"", arg,
          "\"; expected --address, --range, --ipv6, --no-ipv6, "
          "--max-connections, --max-ports-per-client, --request-timeout or "
          "--stats"));
    }
    if (name == "--address") {
      absl::Status valid = ValidateServeAddress(value);
      if (!valid.ok()) {
        return Usage(
            absl::StrCat("--address \"", value, "\": ", valid.message()));
      }
      options.address = value;
    } else if (name == "--range") {
      absl::StatusOr<PortRange> range = ParseServeRange(value);
      if (!range.ok()) {
        return Usage(absl::StrCat("--range: ", range.status().message()));
      }
      options.range = *range;
    } else if (name == "--max-connections") {
      if (!ParsePositive(value, &options.max_connections)) {
        return Usage(absl::StrCat("--max-connections \"", value,
                                  "\": expected a whole number >= 1"));
      }
    } else if (name == "--max-ports-per-client") {
      if (!ParsePositive(value, &options.max_ports_per_client)) {
        return Usage(absl::StrCat("--max-ports-per-client \"", value,
                                  "\": expected a whole number >= 1"));
      }
    } else if (name == "--request-timeout") {
      absl::Duration d;
      if (!absl::ParseDuration(value, &d) || d <= absl::ZeroDuration() ||
          d > absl::Hours(1)) {
        return Usage(absl::StrCat("--request-timeout \"", value,
                                  "\": expected a duration such as 2s or "
                                  "500ms, more than 0 and at most 1h"));
      }
      options.request_timeout = d;
    } else {
      return Usage(absl::StrCat("unknown option \"", name, "\""));
    }
  }
  if (stats) return PrintStats(options.address);
  absl::StatusOr<std::string> lock_dir = ResolveServeLockDir();
  if (!lock_dir.ok()) return Fail(lock_dir.status().ToString());
  options.lock_dir = *std::move(lock_dir);

  absl::StatusOr<std::unique_ptr<PortServerDaemon>> daemon =
      PortServerDaemon::Create(options);
  if (!daemon.ok()) return Fail(daemon.status().ToString());
  absl::Status done = (*daemon)->Run();
  if (!done.ok()) return Fail(done.ToString());
  return kOk;
}

}  // namespace gtest_port_serve
