// gtest-port: who holds which port, and ports for shell-based tests.
//
//   gtest-port list                 every gtest_port reservation held now
//   gtest-port who PORT             who uses PORT: a reservation, another
//                                   process, or nobody
//   gtest-port who 127.X.Y.Z        who holds that loopback address
//   gtest-port reserve [-n N] [--block] -- COMMAND [ARG]...
//                                   reserve ports, run COMMAND with them in
//                                   GTEST_PORT_0..., hold them until it exits
//   gtest-port --version            "gtest-port 0.2.0"
//
// Exit status: 0 success, 1 failure, 2 usage error; `reserve` exits with
// COMMAND's status (128+N when signal N killed it, 126 when it could not be
// executed, 127 when it was not found). Errors go to stderr.

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/engine/config.h"
#include "gtest_port/internal/engine/environment.h"
#include "gtest_port/internal/engine/reporter.h"
#include "gtest_port/internal/platform/platform.h"
#include "gtest_port/port_users.h"
#include "gtest_port/version.h"
#include "tools/run_holding.h"

// `gtest-port serve` is built on Linux only: its daemon needs epoll,
// signalfd, pidfds and SO_PEERCRED. Elsewhere the command says so.
#ifdef __linux__
#define GTEST_PORT_CLI_HAVE_SERVE 1
#include "tools/serve/serve_command.h"
#endif

namespace {

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;
constexpr int kMaxPorts = 1000;

constexpr absl::string_view kMainHelp =
    R"help(usage: gtest-port COMMAND [ARGS]

Diagnostics and tools for gtest_port, the GoogleTest plugin that gives every
test its own free ports.

commands:
  list                 every gtest_port reservation held in this network
                       namespace now: port, pid, test, command line
  who PORT             who uses PORT now: a gtest_port reservation (pid,
                       command line, test), another process, or nobody
  who 127.X.Y.Z        who holds that loopback address (ReserveAddress())
  reserve [-n N] [--block] -- COMMAND [ARG]...
                       reserve ports, run COMMAND with them in the
                       environment, hold them until COMMAND exits
  serve [--address=@NAME] [--range=LO-HI] [--stats]
                       a port server for every language on this host
                       (Python portpicker's protocol; Linux only)
  help [COMMAND]       this text, or a command's
  version              the version of gtest-port (also --version)

`gtest-port COMMAND --help` describes COMMAND.

exit status: 0 success, 1 failure, 2 usage error; `reserve` exits with
COMMAND's status.
)help";

constexpr absl::string_view kListHelp =
    R"help(usage: gtest-port list

Lists every gtest_port reservation held in this network namespace now, one
line per port: the port, the pid holding it, the test that reserved it (where
known; "-" for reservations made outside any test), and the command line;
then the loopback addresses held (gtest_port::ReserveAddress()), one line
per address: the address, the pid holding it and its command line.

A process of another user cannot be inspected without privileges; its pid
shows as "?" and the line says "pid unknown (not permitted)". On Windows,
where a reservation is a named object whose holder the system does not
name, every pid shows as "?".

exit status: 0 success (also when nothing is held), 1 when the reservations
cannot be read (/proc on Linux), 2 usage error.
)help";

constexpr absl::string_view kWhoHelp =
    R"help(usage: gtest-port who PORT
       gtest-port who 127.X.Y.Z

With an address, says whether a gtest_port reservation holds it now, and
the pid and command line of the holder.

Says who uses PORT (1-65535) now:
  * a gtest_port reservation: the pid and command line of the holder and the
    test that reserved it, where known;
  * another process: the pid and command line of the owner of a TCP or UDP
    socket on the port;
  * nobody.
Every TCP and UDP socket on the port is listed too.

exit status: 0 success (whoever it is), 1 when the sockets cannot be read
(/proc on Linux, the IP helper tables on Windows), 2 usage error.
)help";

constexpr absl::string_view kReserveHelp =
    R"help(usage: gtest-port reserve [-n N] [--block] [--] COMMAND [ARG]...

Reserves N ports (default 1) the way a gtest_port test would, runs COMMAND
with them in its environment, holds them until COMMAND exits, then releases
them. For shell-based integration tests:

  gtest-port reserve -n 2 -- sh -c './server --port=$GTEST_PORT_0 & ...'

options:
  -n N, --count=N   reserve N ports, 1-1000
  --block           make them N consecutive ports (GTEST_PORT_1 is
                    GTEST_PORT_0 + 1, ...)

environment of COMMAND: GTEST_PORT_0, GTEST_PORT_1, ... (one per port) and
GTEST_PORT (the first). The range and shard come from the usual variables
(GTEST_PORT_RANGE, GTEST_SHARD_INDEX, GTEST_TOTAL_SHARDS, ...). COMMAND does
not inherit the claims: if gtest-port itself is killed, the ports are free
again. SIGTERM and SIGHUP (and SIGINT and SIGQUIT not from the terminal) are
passed on to COMMAND.

exit status: COMMAND's; 128+N when signal N killed it; 126 when it could not
be executed, 127 when it was not found; 1 when no ports could be reserved;
2 usage error.
)help";

int Usage(absl::string_view command, absl::string_view message) {
  std::fprintf(stderr, "gtest-port%s%s: %s\n", command.empty() ? "" : " ",
               std::string(command).c_str(), std::string(message).c_str());
  std::fprintf(stderr, "Try 'gtest-port %s%s--help'.\n",
               std::string(command).c_str(), command.empty() ? "" : " ");
  return kUsage;
}

int Fail(absl::string_view command, absl::string_view message) {
  std::fprintf(stderr, "gtest-port %s: %s\n", std::string(command).c_str(),
               std::string(message).c_str());
  return kFailure;
}

int PrintHelp(absl::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kOk;
}

// --- serve -----------------------------------------------------------------

#ifdef GTEST_PORT_CLI_HAVE_SERVE
int Serve(const std::vector<std::string>& args) {
  return gtest_port_serve::ServeCommand(args);
}
int ServeHelp() { return PrintHelp(gtest_port_serve::kServeHelp); }
#else
int ServeUnsupported() {
  return Fail("serve",
              "not supported on this OS: the port server needs Linux "
              "(epoll, signalfd, pidfds, SO_PEERCRED); here tests reserve "
              "their ports without one");
}
int Serve(const std::vector<std::string>&) { return ServeUnsupported(); }
int ServeHelp() { return ServeUnsupported(); }
#endif

bool IsHelp(absl::string_view arg) { return arg == "--help" || arg == "-h"; }

// --- list ------------------------------------------------------------------

// The held loopback addresses: ADDRESS, PID, COMMAND.
int ListAddresses(const std::vector<gtest_port::AddressUser>& addresses) {
  size_t pid_width = 3;
  for (const gtest_port::AddressUser& u : addresses) {
    pid_width = std::max(pid_width, absl::StrCat(u.pid).size());
  }
  const auto line = [&](absl::string_view address, absl::string_view pid,
                        absl::string_view command) {
    std::printf("%s\n", absl::StrFormat("%-15s  %*s  %s", address,
                                        static_cast<int>(pid_width), pid,
                                        command)
                            .c_str());
  };
  line("ADDRESS", "PID", "COMMAND");
  for (const gtest_port::AddressUser& u : addresses) {
    line(u.address, u.pid == 0 ? "?" : absl::StrCat(u.pid),
         u.pid == 0 ? absl::StrCat("pid unknown (", u.pid_unknown_reason, ")")
                    : u.command_line);
  }
  return kOk;
}

int List(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (IsHelp(arg)) return PrintHelp(kListHelp);
    return Usage("list", absl::StrCat("unexpected argument \"", arg,
                                      "\"; list takes none"));
  }
  absl::StatusOr<std::vector<gtest_port::PortUser>> users =
      gtest_port::ListPortReservations();
  if (!users.ok()) return Fail("list", users.status().ToString());
  absl::StatusOr<std::vector<gtest_port::AddressUser>> addresses =
      gtest_port::ListAddressReservations();
  if (!addresses.ok()) return Fail("list", addresses.status().ToString());
  if (users->empty() && addresses->empty()) {
    std::printf(
        "no gtest_port reservations are held in this network "
        "namespace\n");
    return kOk;
  }
  if (users->empty()) return ListAddresses(*addresses);
  size_t pid_width = 3;
  size_t test_width = 4;
  for (const gtest_port::PortUser& u : *users) {
    pid_width = std::max(pid_width, absl::StrCat(u.pid).size());
    test_width = std::max(test_width, u.test_name.size());
  }
  const auto line = [&](absl::string_view port, absl::string_view pid,
                        absl::string_view test, absl::string_view command) {
    std::printf("%s\n",
                absl::StrFormat("%-5s  %*s  %-*s  %s", port,
                                static_cast<int>(pid_width), pid,
                                static_cast<int>(test_width), test, command)
                    .c_str());
  };
  line("PORT", "PID", "TEST", "COMMAND");
  for (const gtest_port::PortUser& u : *users) {
    line(absl::StrCat(u.port), u.pid == 0 ? "?" : absl::StrCat(u.pid),
         u.test_name.empty() ? "-" : u.test_name,
         u.pid == 0 ? absl::StrCat("pid unknown (", u.pid_unknown_reason, ")")
                    : u.command_line);
  }
  if (!addresses->empty()) {
    std::printf("\n");
    return ListAddresses(*addresses);
  }
  return kOk;
}

// --- who -------------------------------------------------------------------

int Who(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (IsHelp(arg)) return PrintHelp(kWhoHelp);
  }
  if (args.size() != 1) {
    return Usage("who",
                 args.empty() ? "missing PORT" : "expected exactly one PORT");
  }
  if (args[0].find('.') != std::string::npos) {
    absl::StatusOr<gtest_port::AddressUser> user =
        gtest_port::DescribeAddressUser(args[0]);
    if (absl::IsInvalidArgument(user.status())) {
      return Usage("who", std::string(user.status().message()));
    }
    if (!user.ok()) return Fail("who", user.status().ToString());
    std::printf("%s\n", user->ToString().c_str());
    return kOk;
  }
  int port = 0;
  if (!absl::SimpleAtoi(args[0], &port) || port < 1 || port > 65535) {
    return Usage("who", absl::StrCat("invalid PORT \"", args[0],
                                     "\": expected a number from 1 to 65535 "
                                     "or a loopback address 127.x.y.z"));
  }
  absl::StatusOr<gtest_port::PortUser> user =
      gtest_port::DescribePortUser(static_cast<uint16_t>(port));
  if (!user.ok()) return Fail("who", user.status().ToString());
  std::printf("%s\n", user->ToString().c_str());
  return kOk;
}

// --- reserve ---------------------------------------------------------------

// Parses the N of -n/--count.
bool ParseCount(absl::string_view text, int* count, std::string* error) {
  if (!absl::SimpleAtoi(text, count) || *count < 1 || *count > kMaxPorts) {
    *error = absl::StrCat("invalid number of ports \"", text,
                          "\": expected a number from 1 to ", kMaxPorts);
    return false;
  }
  return true;
}

int Reserve(const std::vector<std::string>& args) {
  int count = 1;
  bool block = false;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const absl::string_view arg = args[i];
    std::string error;
    if (arg == "--") {
      ++i;
      break;
    }
    if (IsHelp(arg)) return PrintHelp(kReserveHelp);
    if (arg == "--block") {
      block = true;
    } else if (arg == "-n" || arg == "--count") {
      if (i + 1 == args.size()) {
        return Usage("reserve", absl::StrCat(arg, " needs a number of ports"));
      }
      if (!ParseCount(args[++i], &count, &error))
        return Usage("reserve", error);
    } else if (absl::StartsWith(arg, "--count=")) {
      if (!ParseCount(arg.substr(8), &count, &error)) {
        return Usage("reserve", error);
      }
    } else if (absl::StartsWith(arg, "-n")) {
      if (!ParseCount(arg.substr(2), &count, &error)) {
        return Usage("reserve", error);
      }
    } else if (absl::StartsWith(arg, "-")) {
      return Usage("reserve", absl::StrCat("unknown option \"", arg,
                                           "\"; expected -n N, --block or --"));
    } else {
      break;  // COMMAND starts here.
    }
  }
  const std::vector<std::string> command(args.begin() + i, args.end());
  if (command.empty()) {
    return Usage("reserve", "missing COMMAND to run with the ports");
  }

  // The engine alone, configured as a test would be (GTEST_PORT_RANGE, the
  // shard variables, PORTSERVER_ADDRESS, ...): no GoogleTest in this tool.
  using gtest_port_internal::Reservation;
  const gtest_port_internal::Platform& platform =
      gtest_port_internal::RealPlatform();
  absl::StatusOr<gtest_port_internal::Config> config =
      gtest_port_internal::ResolveConfig(
          gtest_port::Options(), platform,
          gtest_port_internal::ProcessEnvironment());
  if (!config.ok()) return Fail("reserve", config.status().ToString());
  for (const std::string& warning : config->warnings) {
    gtest_port_internal::Report(gtest_port_internal::Severity::kWarning,
                                warning);
  }
  std::shared_ptr<gtest_port_internal::PortAllocator> allocator =
      gtest_port_internal::PortAllocator::Create(*std::move(config), platform);
  std::vector<Reservation> held;
  for (int n = 0; n < (block ? 1 : count); ++n) {
    absl::StatusOr<Reservation> r = allocator->Reserve(block ? count : 1);
    if (!r.ok()) return Fail("reserve", r.status().ToString());
    held.push_back(*std::move(r));
  }
  std::vector<std::string> env;
  for (const Reservation& r : held) {
    for (int p = 0; p < r.size(); ++p) {
      env.push_back(absl::StrCat("GTEST_PORT_", env.size(), "=", r[p]));
    }
  }
  env.push_back(absl::StrCat("GTEST_PORT=", held.front().port()));
  // `held` is released after.
  return gtest_port_cli::RunHolding(command, env);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return Usage("", "missing COMMAND");
  const std::string command = args.front();
  args.erase(args.begin());
  if (IsHelp(command)) return PrintHelp(kMainHelp);
  if (command == "--version" || command == "version") {
    if (!args.empty()) {
      return Usage("", absl::StrCat(command, ": unexpected argument \"", args[0],
                                         "\"; it takes none"));
    }
    std::printf("gtest-port %s\n", GTEST_PORT_VERSION_STRING);
    return kOk;
  }
  if (command == "help") {
    if (args.empty()) return PrintHelp(kMainHelp);
    if (args[0] == "list") return PrintHelp(kListHelp);
    if (args[0] == "who") return PrintHelp(kWhoHelp);
    if (args[0] == "reserve") return PrintHelp(kReserveHelp);
    if (args[0] == "serve") return ServeHelp();
    return Usage("help", absl::StrCat("unknown command \"", args[0],
                                      "\"; expected list, who, reserve or "
                                      "serve"));
  }
  if (command == "list") return List(args);
  if (command == "who") return Who(args);
  if (command == "reserve") return Reserve(args);
  if (command == "serve") return Serve(args);
  return Usage("", absl::StrCat("unknown command \"", command,
                                "\"; expected list, who, reserve, serve or "
                                "help"));
}
