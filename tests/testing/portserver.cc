#include "tests/testing/portserver.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace gtest_port_testing {

using gtest_port_internal::UniqueFd;

namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(30);

// sockaddr_un for "@name" (abstract) or "/path".
socklen_t ToSockaddr(const std::string& address, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address.data(),
              std::min(address.size(), sizeof(addr.sun_path) - 1));
  if (address[0] == '@') {
    addr.sun_path[0] = '\0';
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                  address.size());
  }
  return sizeof(addr);
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string UniquePortServerAddress(const std::string& tag) {
  // The pid alone is not unique: under Bazel every test runs in a PID
  // namespace of its own (and is often pid 14), yet shares the host's
  // network namespace, where abstract names live.
  static std::atomic<int> counter{0};
  std::random_device random;
  const uint64_t nonce = (uint64_t{random()} << 32) | random();
  return absl::StrCat("@gtest_port_test_", tag, "_", ::getpid(), "_",
                      counter.fetch_add(1), "_", absl::Hex(nonce));
}

bool Accepts(const std::string& address) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr;
  const socklen_t len = ToSockaddr(address, addr);
  return fd.valid() &&
         ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0;
}

absl::StatusOr<PortServerKind> PortServerKindFromEnvironment() {
  const char* kind = std::getenv("GTEST_PORT_TEST_PORTSERVER");
  if (kind == nullptr || *kind == '\0' || std::string(kind) == "python") {
    return PortServerKind::kPython;
  }
  if (std::string(kind) == "gtest-port") return PortServerKind::kGtestPort;
  return absl::InvalidArgumentError(
      absl::StrCat("GTEST_PORT_TEST_PORTSERVER=\"", absl::CHexEscape(kind),
                   "\": expected \"python\" (/usr/bin/portserver) or "
                   "\"gtest-port\" (gtest-port serve)"));
}

std::string GtestPortCliPath() {
  const char* path = std::getenv("GTEST_PORT_CLI");
  if (path != nullptr && *path != '\0') return path;
  return HelperPath("../tools/gtest-port");
}

absl::StatusOr<std::unique_ptr<PortServer>> PortServer::Start(
    gtest_port::PortRange pool) {
  absl::StatusOr<PortServerKind> kind = PortServerKindFromEnvironment();
  if (!kind.ok()) return kind.status();
  return Start(pool, *kind);
}

absl::StatusOr<std::unique_ptr<PortServer>> PortServer::Start(
    gtest_port::PortRange pool, PortServerKind kind) {
  const std::string program = kind == PortServerKind::kPython
                                  ? std::string(kPortServerPath)
                                  : GtestPortCliPath();
  if (::access(program.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        program, kind == PortServerKind::kPython
                     ? " is missing: install Debian's python3-portpicker "
                       "(scripts/setup.sh does)"
                     : " is missing: build the gtest-port tool (tools/) or set "
                       "GTEST_PORT_CLI"));
  }
  std::string address = UniquePortServerAddress("portserver");
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string log_path =
      absl::StrCat(tmp != nullptr && *tmp == '/' ? tmp : "/tmp", "/",
                   address.substr(1), ".log");
  // The shell only redirects the log; `exec` makes the server the child
  // itself, so killing the child kills the server, and setpriv's death
  // signal kills it too should this process die without its destructors.
  const std::string arguments =
      kind == PortServerKind::kPython
          ? absl::StrCat("--portserver_address='", address,
                         "' --portserver_static_pool=", pool.first, "-",
                         pool.last)
          : absl::StrCat("serve --address='", address, "' --range=", pool.first,
                         "-", pool.last);
  const std::string command =
      absl::StrCat("exec /usr/bin/setpriv --pdeathsig KILL '", program, "' ",
                   arguments, " >'", log_path, "' 2>&1");
  absl::StatusOr<Subprocess> process =
      Subprocess::Start({"/bin/sh", "-c", command}, {});
  if (!process.ok()) return process.status();
  std::unique_ptr<PortServer> server(new PortServer(std::move(address), pool,
                                                    kind, std::move(log_path),
                                                    *std::move(process)));

  // Serving, and serving at that address itself: its log says so.
  const absl::Time deadline = absl::Now() + kStartTimeout;
  const std::string serving = absl::StrCat("Serving on ", server->address());
  while (!Accepts(server->address()) ||
         !absl::StrContains(server->Log(), serving)) {
    const std::string log = server->Log();
    // Exited (not reaped: the destructor does that) or a Python traceback.
    siginfo_t info{};
    const bool exited = ::waitid(P_PID, static_cast<id_t>(server->pid()), &info,
                                 WEXITED | WNOHANG | WNOWAIT) == 0 &&
                        info.si_pid == server->pid();
    if (exited || absl::StrContains(log, "Traceback") ||
        absl::Now() > deadline) {
      return absl::UnavailableError(
          absl::StrCat(program, " did not start serving at ", server->address(),
                       "; its log:\n", log));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return server;
}

PortServer::~PortServer() {
  process_.Kill(SIGKILL);
  (void)process_.Wait(absl::Seconds(10));
  ::unlink(log_path_.c_str());
}

std::string PortServer::Log() const { return ReadFileOrEmpty(log_path_); }

FakePortServer::FakePortServer(std::optional<std::string> reply,
                               absl::Duration delay)
    : reply_(std::move(reply)),
      delay_(delay),
      address_(UniquePortServerAddress("fake")) {
  listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr;
  const socklen_t len = ToSockaddr(address_, addr);
  if (!listener_.valid() ||
      ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listener_.get(), 64) != 0) {
    std::abort();  // The address is unique: this cannot happen on Linux.
  }
  int stop[2];
  if (::pipe2(stop, O_CLOEXEC) != 0) std::abort();
  stop_read_.reset(stop[0]);
  stop_write_.reset(stop[1]);
  thread_ = std::thread([this] { Serve(); });
}

FakePortServer::~FakePortServer() {
  stop_write_.reset();  // Wakes Serve(), which sees POLLHUP and returns.
  thread_.join();
}

std::vector<std::string> FakePortServer::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

void FakePortServer::Serve() {
  std::vector<UniqueFd> silent;  // Held open, never answered.
  for (;;) {
    pollfd p[2] = {{listener_.get(), POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[1].revents != 0) return;
    if ((p[0].revents & POLLIN) == 0) continue;
    UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn.valid()) continue;
    if (!reply_.has_value()) {
      silent.push_back(std::move(conn));
      continue;
    }
    // Like the real server: one read of at most 100 bytes is the request.
    pollfd in = {conn.get(), POLLIN, 0};
    char buf[100];
    ssize_t got = 0;
    if (::poll(&in, 1, 10000) == 1) got = ::read(conn.get(), buf, sizeof(buf));
    {
      absl::MutexLock lock(&mu_);
      requests_.emplace_back(buf, got > 0 ? static_cast<size_t>(got) : 0);
    }
    if (delay_ > absl::ZeroDuration()) absl::SleepFor(delay_);
    if (!reply_->empty()) {
      (void)::send(conn.get(), reply_->data(), reply_->size(), MSG_NOSIGNAL);
    }
  }
}

}  // namespace gtest_port_testing
