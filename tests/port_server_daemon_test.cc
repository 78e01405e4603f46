// Tests for tools/serve/port_server_daemon.h: the real `gtest-port serve`
// as a child process, with real clients -- Python's portpicker (Debian's
// python3-portpicker), gtest_port processes (port_holder) and raw sockets
// that misbehave.

#include "tools/serve/port_server_daemon.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/portserver_client.h"
#include "gtest_port/internal/platform/unique_fd.h"
#include "tests/testing/portserver.h"
#include "tests/testing/private_range.h"
#include "tests/testing/subprocess.h"

namespace gtest_port_serve {
namespace {

using gtest_port_internal::PortServerClient;
using gtest_port_internal::UniqueFd;
using gtest_port_testing::ExitInfo;
using gtest_port_testing::GtestPortCliPath;
using gtest_port_testing::HelperPath;
using gtest_port_testing::HolderOutput;
using gtest_port_testing::PrivateRange;
using gtest_port_testing::Subprocess;
using gtest_port_testing::UniquePortServerAddress;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Seconds(30);
constexpr char kPython[] = "/usr/bin/python3";

// A running `gtest-port serve`; killed and reaped with the Subprocess.
struct Server {
  Subprocess process;
  std::string address;
  std::string EnvEntry() const { return "PORTSERVER_ADDRESS=" + address; }
};

absl::StatusOr<Server> StartServe(const PrivateRange& pool,
                                  std::vector<std::string> flags = {},
                                  std::string address = "") {
  if (address.empty()) address = UniquePortServerAddress("serve");
  std::vector<std::string> argv = {
      GtestPortCliPath(), "serve", "--address=" + address,
      absl::StrCat("--range=", pool.range().first, "-", pool.range().last)};
  argv.insert(argv.end(), flags.begin(), flags.end());
  absl::StatusOr<Subprocess> process = Subprocess::Start(argv, {});
  if (!process.ok()) return process.status();
  absl::StatusOr<std::string> line =
      process->ReadLineStartingWith("Serving on ", kTimeout);
  if (!line.ok()) return line.status();
  if (*line != "Serving on " + address) {
    return absl::InternalError(absl::StrCat("unexpected: ", *line));
  }
  return Server{*std::move(process), std::move(address)};
}

// A Python process that asks the server for `count` ports with
// portpicker.pick_unused_port() (PORTSERVER_ADDRESS), prints "PORT n" for
// each and "READY", then holds them until its stdin closes.
Subprocess StartPythonClient(const Server& server, int count,
                             std::vector<std::string> prefix = {}) {
  const std::string script = absl::StrCat(
      "import sys, portpicker\n"
      "for _ in range(",
      count,
      "):\n"
      "    print('PORT', portpicker.pick_unused_port(), flush=True)\n"
      "print('READY', flush=True)\n"
      "sys.stdin.read()\n");
  prefix.insert(prefix.end(), {kPython, "-c", script});
  absl::StatusOr<Subprocess> p = Subprocess::Start(prefix, {server.EnvEntry()});
  EXPECT_TRUE(p.ok()) << p.status();
  return *std::move(p);
}

// A gtest_port process (port_holder) reserving `count` single ports.
Subprocess StartHolder(int count, std::vector<std::string> env) {
  env.insert(env.end(), {"GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS"});
  absl::StatusOr<Subprocess> p = Subprocess::Start(
      {HelperPath("port_holder"), absl::StrCat("--count=", count)}, env);
  EXPECT_TRUE(p.ok()) << p.status();
  return *std::move(p);
}

HolderOutput Read(Subprocess& holder) {
  absl::StatusOr<HolderOutput> out =
      gtest_port_testing::ReadHolderOutput(holder, kTimeout);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *std::move(out) : HolderOutput();
}

// One raw request; the reply as received up to the server's close.
std::string RawRequest(const std::string& address, const std::string& bytes) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address.data(), address.size());
  addr.sun_path[0] = '\0';
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr),
                offsetof(sockaddr_un, sun_path) + address.size()) != 0) {
    return "CONNECT FAILED";
  }
  (void)::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string reply;
  char buf[256];
  timeval tv{10, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  for (;;) {
    const ssize_t got = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (got <= 0) break;
    reply.append(buf, static_cast<size_t>(got));
  }
  return reply;
}

// The server's statistics through `gtest-port serve --stats`.
std::map<std::string, int64_t> Stats(const Server& server) {
  absl::StatusOr<ExitInfo> run = gtest_port_testing::Run(
      {GtestPortCliPath(), "serve", "--stats", "--address=" + server.address},
      {}, kTimeout);
  EXPECT_TRUE(run.ok() && run->exit_code == 0)
      << (run.ok() ? run->output : run.status().ToString());
  std::map<std::string, int64_t> stats;
  if (!run.ok()) return stats;
  for (absl::string_view line : absl::StrSplit(run->output, '\n')) {
    std::vector<std::string> kv = absl::StrSplit(line, ' ');
    int64_t v = 0;
    if (kv.size() == 2 && absl::SimpleAtoi(kv[1], &v)) stats[kv[0]] = v;
  }
  return stats;
}

TEST(PortServerDaemonTest, PortpickerAndGtestPortClientsNeverShare) {
  // 12 ports: 2 held by a gtest_port process that does not use the server,
  // 10 handed out by the server to Python and gtest_port clients at once.
  PrivateRange pool(12);
  absl::StatusOr<Server> server = StartServe(pool);
  ASSERT_TRUE(server.ok()) << server.status();
  Subprocess local = StartHolder(2, {pool.EnvEntry(), "PORTSERVER_ADDRESS"});
  HolderOutput local_out = Read(local);
  ASSERT_EQ(local_out.ports.size(), 2u) << local_out.other;

  std::vector<Subprocess> clients;
  for (int i = 0; i < 2; ++i) clients.push_back(StartPythonClient(*server, 3));
  PrivateRange fallback(10);
  for (int i = 0; i < 2; ++i) {
    clients.push_back(
        StartHolder(2, {server->EnvEntry(), fallback.EnvEntry()}));
  }
  std::set<int> seen(local_out.ports.begin(), local_out.ports.end());
  for (Subprocess& client : clients) {
    HolderOutput out = Read(client);
    EXPECT_EQ(out.other, "");
    for (int port : out.ports) {
      EXPECT_TRUE(pool.range().contains(port)) << port << " not from the pool";
      EXPECT_TRUE(seen.insert(port).second) << "port " << port << " shared";
    }
  }
  EXPECT_EQ(seen.size(), 12u);

  // Every port is now held: by gtest_port processes or, for the Python
  // clients, by the server's claims on their behalf. A gtest_port process
  // without the server finds none free.
  Subprocess late = StartHolder(1, {pool.EnvEntry(), "PORTSERVER_ADDRESS"});
  absl::StatusOr<std::string> line = late.ReadLine(kTimeout);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_THAT(*line, HasSubstr("ERROR"));
}

TEST(PortServerDaemonTest, KilledClientsPortsComeBack) {
  PrivateRange pool(3);
  absl::StatusOr<Server> server = StartServe(pool);
  ASSERT_TRUE(server.ok()) << server.status();
  Subprocess python = StartPythonClient(*server, 2);
  PrivateRange fallback(10);
  Subprocess holder = StartHolder(1, {server->EnvEntry(), fallback.EnvEntry()});
  HolderOutput py = Read(python);
  HolderOutput gp = Read(holder);
  ASSERT_EQ(py.ports.size(), 2u);
  ASSERT_EQ(gp.ports.size(), 1u);
  PortServerClient client(server->address, absl::Seconds(10));
  EXPECT_EQ(client.RequestPort(::getpid()).status().code(),
            absl::StatusCode::kResourceExhausted);

  python.Kill(SIGKILL);
  holder.Kill(SIGKILL);
  ASSERT_TRUE(python.Wait(kTimeout).ok());
  ASSERT_TRUE(holder.Wait(kTimeout).ok());
  std::set<int> back;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<uint16_t> port = client.RequestPort(::getpid());
    ASSERT_TRUE(port.ok()) << port.status();
    back.insert(*port);
  }
  EXPECT_EQ(back.size(), 3u);
  EXPECT_EQ(Stats(*server)["ports-reclaimed"], 3);
}

TEST(PortServerDaemonTest, PythonClientInItsOwnPidNamespace) {
  absl::StatusOr<ExitInfo> probe = gtest_port_testing::Run(
      {"/usr/bin/unshare", "--pid", "--fork", "/bin/true"}, {}, kTimeout);
  if (!probe.ok() || probe->exit_code != 0) {
    GTEST_SKIP() << "unshare --pid is not permitted here";
  }
  PrivateRange pool(1);
  absl::StatusOr<Server> server = StartServe(pool);
  ASSERT_TRUE(server.ok()) << server.status();
  // The Python process is pid 1 in its namespace and says so; the server
  // goes by SO_PEERCRED instead (Python's server refuses pid 1).
  Subprocess inside = StartPythonClient(
      *server, 1, {"/usr/bin/unshare", "--pid", "--fork", "--kill-child"});
  HolderOutput out = Read(inside);
  ASSERT_EQ(out.ports.size(), 1u);
  EXPECT_EQ(out.ports[0], pool.first());
  inside.CloseStdin();
  ASSERT_TRUE(inside.Wait(kTimeout).ok());
  // Its port came back when it exited.
  PortServerClient client(server->address, absl::Seconds(10));
  absl::StatusOr<uint16_t> again = client.RequestPort(::getpid());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, pool.first());
}

TEST(PortServerDaemonTest, MalformedSlowAndFloodingClientsBlockNobody) {
  PrivateRange pool(4);
  absl::StatusOr<Server> server =
      StartServe(pool, {"--request-timeout=300ms", "--max-connections=8"});
  ASSERT_TRUE(server.ok()) << server.status();
  PortServerClient client(server->address, absl::Seconds(10));

  // Malformed: nothing back, as from Python's server.
  for (const std::string& bad :
       {std::string("banana\n"), std::string("-1\n"), std::string("0\n"),
        std::string("\x1b[2J\n"), std::string(500, '7')}) {
    EXPECT_EQ(RawRequest(server->address, bad), "") << bad;
  }

  // Silent connections, more than --max-connections of them.
  std::vector<UniqueFd> silent;
  for (int i = 0; i < 20; ++i) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, server->address.data(), server->address.size());
    addr.sun_path[0] = '\0';
    ASSERT_EQ(
        ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr),
                  offsetof(sockaddr_un, sun_path) + server->address.size()),
        0);
    silent.push_back(std::move(fd));
  }
  // A flood: far more than a request may be.
  UniqueFd flood(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, server->address.data(), server->address.size());
    addr.sun_path[0] = '\0';
    ASSERT_EQ(
        ::connect(flood.get(), reinterpret_cast<sockaddr*>(&addr),
                  offsetof(sockaddr_un, sun_path) + server->address.size()),
        0);
    const std::string junk(4096, '9');
    timeval tv{10, 0};
    ::setsockopt(flood.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int sent_total = 0;
    for (int i = 0; i < 256; ++i) {
      const ssize_t sent =
          ::send(flood.get(), junk.data(), junk.size(), MSG_NOSIGNAL);
      if (sent <= 0) break;  // The server cut it off.
      sent_total += static_cast<int>(sent);
    }
    EXPECT_LT(sent_total, 256 * 4096) << "the server never cut the flood off";
  }

  // Meanwhile a well-behaved client is served.
  absl::StatusOr<uint16_t> port = client.RequestPort(::getpid());
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_TRUE(pool.range().contains(*port));

  // Every silent connection is closed by the server (at its deadline, or
  // earlier to make room), never answered.
  for (UniqueFd& fd : silent) {
    timeval tv{10, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char c;
    EXPECT_EQ(::recv(fd.get(), &c, 1, 0), 0);
  }
  std::map<std::string, int64_t> stats = Stats(*server);
  EXPECT_EQ(stats["malformed-requests"], 6);  // 5 bad + the flood.
  EXPECT_GE(stats["overloaded-connections"], 12);
  EXPECT_GE(stats["timed-out-requests"], 1);
  EXPECT_EQ(stats["ports-granted"], 1);
}

TEST(PortServerDaemonTest, BlocksFromOursRefusedByPythons) {
  PrivateRange pool(8);
  absl::StatusOr<Server> server = StartServe(pool);
  ASSERT_TRUE(server.ok()) << server.status();
  PortServerClient client(server->address, absl::Seconds(10));
  absl::StatusOr<uint16_t> first = client.RequestBlock(4);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(pool.range().contains(*first));
  EXPECT_TRUE(pool.range().contains(*first + 3));
  absl::StatusOr<uint16_t> second = client.RequestBlock(4);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(*second >= *first + 4 || *second + 4 <= *first);
  EXPECT_EQ(client.RequestBlock(1).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(client.RequestBlock(65).status().code(),
            absl::StatusCode::kInvalidArgument);

  PrivateRange python_pool(8);
  absl::StatusOr<std::unique_ptr<gtest_port_testing::PortServer>> python =
      gtest_port_testing::PortServer::Start(
          python_pool.range(), gtest_port_testing::PortServerKind::kPython);
  ASSERT_TRUE(python.ok()) << python.status();
  PortServerClient python_client((*python)->address(), absl::Seconds(10));
  absl::StatusOr<uint16_t> refused = python_client.RequestBlock(4);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("does not serve blocks"));
  // The Python server still serves the same client's plain requests.
  absl::StatusOr<uint16_t> single = python_client.RequestPort(::getpid());
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_TRUE(python_pool.range().contains(*single));
}

TEST(PortServerDaemonTest, StatsOnSignalAndCleanShutdownOnSigterm) {
  PrivateRange pool(2);
  // In /tmp, not TEST_TMPDIR: a socket path has at most 107 bytes, and
  // Bazel's TEST_TMPDIR is longer. The name is unique on the host.
  const std::string path =
      absl::StrCat("/tmp/", UniquePortServerAddress("sock").substr(1), ".sock");
  absl::StatusOr<Server> server = StartServe(pool, {}, path);
  ASSERT_TRUE(server.ok()) << server.status();
  struct stat st;
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  PortServerClient client(path, absl::Seconds(10));
  ASSERT_TRUE(client.RequestPort(::getpid()).ok());

  // A second server at the same address is refused, naming it.
  absl::StatusOr<ExitInfo> second = gtest_port_testing::Run(
      {GtestPortCliPath(), "serve", "--address=" + path}, {}, kTimeout);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->exit_code, 1);
  EXPECT_THAT(second->output, AllOf(HasSubstr(path), HasSubstr("in use")));

  ::kill(server->process.pid(), SIGUSR1);
  absl::StatusOr<std::string> granted =
      server->process.ReadLineStartingWith("ports-granted ", kTimeout);
  ASSERT_TRUE(granted.ok()) << granted.status();
  EXPECT_EQ(*granted, "ports-granted 1");

  ::kill(server->process.pid(), SIGTERM);
  absl::StatusOr<ExitInfo> done = server->process.Wait(kTimeout);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->exit_code, 0) << done->output;
  EXPECT_THAT(done->output, HasSubstr("stopping"));
  EXPECT_NE(::lstat(path.c_str(), &st), 0) << path << " left behind";
}

TEST(PortServerDaemonTest, SocketActivation) {
  constexpr char kActivate[] = "/usr/bin/systemd-socket-activate";
  if (::access(kActivate, X_OK) != 0) {
    GTEST_SKIP() << kActivate << " is missing (Debian package systemd)";
  }
  PrivateRange pool(1);
  const std::string address = UniquePortServerAddress("activated");
  absl::StatusOr<Subprocess> activator = Subprocess::Start(
      {kActivate, "-l", address, GtestPortCliPath(), "serve",
       absl::StrCat("--range=", pool.first(), "-", pool.first()),
       "--address=@ignored_under_socket_activation"},
      {});
  ASSERT_TRUE(activator.ok()) << activator.status();
  ASSERT_TRUE(activator->ReadLineStartingWith("Listening on", kTimeout).ok());
  PortServerClient client(address, absl::Seconds(20));
  absl::StatusOr<uint16_t> port = client.RequestPort(::getpid());
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_EQ(*port, pool.first());
  absl::StatusOr<std::string> serving =
      activator->ReadLineStartingWith("Serving on ", kTimeout);
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_THAT(*serving, HasSubstr("(socket activation)"));
}

TEST(PortServerDaemonTest, BadFlagsAreUsageErrorsSayingWhatIsAccepted) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"--range=80-90"}, "--range: "},
           {{"--range=banana"}, "--range: "},
           {{"--address=unittest"}, "--address \"unittest\": expected"},
           {{"--max-connections=0"}, "expected a whole number >= 1"},
           {{"--request-timeout=forever"}, "expected a duration"},
           {{"--frob=1"}, "unknown option \"--frob\""},
           {{"extra"}, "unexpected argument \"extra\""},
           {{"--range=\x1b[2J"}, "\\x1b"}}) {
    std::vector<std::string> argv = {GtestPortCliPath(), "serve"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    absl::StatusOr<ExitInfo> run = gtest_port_testing::Run(argv, {}, kTimeout);
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->exit_code, 2) << c.args[0] << ": " << run->output;
    EXPECT_THAT(run->output, HasSubstr(c.message)) << c.args[0];
    EXPECT_THAT(run->output, ::testing::Not(HasSubstr("\x1b")));
  }
}

}  // namespace
}  // namespace gtest_port_serve
