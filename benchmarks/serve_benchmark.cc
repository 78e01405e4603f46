// File: benchmarks/serve_benchmark.cc
//
// `gtest-port serve` next to Python portpicker's /usr/bin/portserver, in one
// run: the same client code sends the same plain "PID\n" requests (what
// portpicker sends) to each server over its Unix socket and times each
// round trip, connect to reply.
//
//   BM_PortServer/python/threads:N       Debian's /usr/bin/portserver
//   BM_PortServer/gtest-port/threads:N   gtest-port serve
//   BM_PortServer/floor/threads:N        the floor: this binary as a server
//                                        that accepts, reads the request and
//                                        answers the next port of the pool at
//                                        once -- no claim, no probe, no
//                                        owner; no port server can be faster
//                                        on this host with this client
//
// N client threads (1 and 4) issue requests back to back. Each benchmark run
// starts a fresh server with a fresh pool of kPool ports (63000-64999: clear
// of gtest_port's default range, of its tests' ranges and of Linux's
// ephemeral range) and makes exactly kPool requests, so that no request is
// refused; a refusal is reported as an error. Counters: requests per second
// (items_per_second), the p50/p99 latency of one request in microseconds and
// server_cpu_us, the server's own CPU time per request, start-up
// included (wait4's rusage): what a request costs the host, whatever else
// runs on it. serve_compare.sh runs this and prints the ratios.
//
// Example:
//
//   serve_benchmark --gtest_port=build/tools/gtest-port
//                   --benchmark_repetitions=3 --benchmark_format=json
//
// The servers are child processes started from the benchmark's first thread
// and killed and reaped after each run.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"

extern char** environ;

namespace {

constexpr int kPool = 2000;
constexpr int kPoolFirst = 63000;
constexpr char kPythonServer[] = "/usr/bin/portserver";

std::string g_gtest_port;  // --gtest_port=PATH
std::string g_self;        // This binary, which serves the floor.

enum class Kind { kPython, kGtestPort, kFloor };

constexpr char kFloorFlag[] = "--floor_server=";

socklen_t Sockaddr(const std::string& address, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address.data(), address.size());
  addr.sun_path[0] = '\0';
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                address.size());
}

// One request as portpicker makes it; the port, or 0 on a refusal or error.
int Request(const std::string& address, const std::string& request) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_un addr;
  const socklen_t len = Sockaddr(address, addr);
  int port = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buf[64];
    size_t got = 0;
    for (;;) {
      const ssize_t n = ::recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
      if (std::memchr(buf, '\n', got) != nullptr || got >= sizeof(buf) - 1) {
        break;
      }
    }
    buf[got] = '\0';
    absl::string_view reply(buf, got);
    if (absl::EndsWith(reply, "\n")) reply.remove_suffix(1);
    if (!absl::SimpleAtoi(reply, &port)) port = 0;
  }
  ::close(fd);
  return port;
}

// The floor server (--floor_server=ADDRESS): one request per connection,
// answered with the next port of the pool as soon as its newline arrives.
// Runs until killed.
int ServeFloor(const std::string& address) {
  const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr;
  const socklen_t len = Sockaddr(address, addr);
  if (listener < 0 ||
      ::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listener, SOMAXCONN) != 0) {
    std::perror("floor server");
    return 1;
  }
  for (int next = 0;; next = (next + 1) % kPool) {
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    char buf[64];
    size_t got = 0;
    while (got < sizeof(buf)) {
      const ssize_t n = ::recv(fd, buf + got, sizeof(buf) - got, 0);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
      if (std::memchr(buf, '\n', got) != nullptr) break;
    }
    const std::string reply = absl::StrCat(kPoolFirst + next, "\n");
    (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(fd);
  }
}

struct Server {
  pid_t pid = -1;
  std::string address;
};

Server Start(Kind kind) {
  static std::atomic<int> counter{0};
  Server server;
  server.address = absl::StrCat("@gtest_port_serve_benchmark_", ::getpid(), "_",
                                counter.fetch_add(1));
  const std::string range =
      absl::StrCat(kPoolFirst, "-", kPoolFirst + kPool - 1);
  std::vector<std::string> argv;
  if (kind == Kind::kPython) {
    argv = {kPythonServer, "--portserver_address=" + server.address,
            "--portserver_static_pool=" + range};
  } else if (kind == Kind::kFloor) {
    argv = {g_self, kFloorFlag + server.address};
  } else {
    // One benchmark process asks for the whole pool: lift the per-client
    // bound (1024 by default), which the Python server does not have.
    argv = {g_gtest_port, "serve", "--address=" + server.address,
            "--range=" + range, absl::StrCat("--max-ports-per-client=", kPool)};
  }
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // Each server logs as it does by default; the log goes nowhere.
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  if (posix_spawn(&server.pid, args[0], &actions, nullptr, args.data(),
                  environ) != 0) {
    server.pid = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  // Ready once it accepts.
  for (int i = 0; i < 3000 && server.pid > 0; ++i) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr;
    const socklen_t len = Sockaddr(server.address, addr);
    const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0;
    ::close(fd);
    if (up) return server;
    ::poll(nullptr, 0, 10);
  }
  if (server.pid > 0) {
    ::kill(server.pid, SIGKILL);
    ::waitpid(server.pid, nullptr, 0);
  }
  server.pid = -1;
  return server;
}

// Kills and reaps the server; returns the CPU time it used, in µs.
double Stop(Server& server) {
  if (server.pid <= 0) return 0;
  ::kill(server.pid, SIGKILL);
  rusage usage{};
  int status = 0;
  ::wait4(server.pid, &status, 0, &usage);
  server.pid = -1;
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

// Shared by the threads of one run; set by thread 0 before the first
// iteration (the start of the timed loop is a barrier for all threads).
Server g_server;
std::mutex g_mu;
std::vector<double> g_latencies_us;
std::atomic<int> g_refused{0};

void BM_PortServer(benchmark::State& state, Kind kind) {
  if (state.thread_index() == 0) {
    if (kind == Kind::kGtestPort && ::access(g_gtest_port.c_str(), X_OK) != 0) {
      state.SkipWithError("gtest-port not found: pass --gtest_port=PATH");
    } else if (kind == Kind::kFloor && g_self.empty()) {
      state.SkipWithError("cannot find this binary in /proc/self/exe");
    } else if (kind == Kind::kPython && ::access(kPythonServer, X_OK) != 0) {
      state.SkipWithError("/usr/bin/portserver missing (python3-portpicker)");
    }
    g_server = Start(kind);
    g_latencies_us.clear();
    g_refused = 0;
    if (g_server.pid <= 0) state.SkipWithError("the server did not start");
  }
  const std::string request = absl::StrCat(::getpid(), "\n");
  std::vector<double> mine;
  for (auto _ : state) {
    const auto begin = std::chrono::steady_clock::now();
    const int port = Request(g_server.address, request);
    const auto end = std::chrono::steady_clock::now();
    if (port == 0) g_refused.fetch_add(1);
    mine.push_back(
        std::chrono::duration<double, std::micro>(end - begin).count());
  }
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_latencies_us.insert(g_latencies_us.end(), mine.begin(), mine.end());
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    // The end of the timed loop is a barrier too: every thread has merged.
    std::vector<double> all;
    {
      std::lock_guard<std::mutex> lock(g_mu);
      all = g_latencies_us;
    }
    const double cpu_us = Stop(g_server);
    // The server's own CPU time per request (start-up included): what a
    // request costs the host, whatever else runs on it.
    state.counters["server_cpu_us"] =
        all.empty() ? 0 : cpu_us / static_cast<double>(all.size());
    if (g_refused > 0) {
      state.SkipWithError(
          absl::StrCat(g_refused.load(), " requests refused").c_str());
    }
    if (!all.empty()) {
      std::sort(all.begin(), all.end());
      auto at = [&all](double q) {
        return all[std::min(all.size() - 1,
                            static_cast<size_t>(q * all.size()))];
      };
      state.counters["p50_us"] = at(0.50);
      state.counters["p99_us"] = at(0.99);
    }
  }
}

void Register() {
  for (const auto& [name, kind] :
       {std::pair<const char*, Kind>{"python", Kind::kPython},
        std::pair<const char*, Kind>{"gtest-port", Kind::kGtestPort},
        std::pair<const char*, Kind>{"floor", Kind::kFloor}}) {
    for (int threads : {1, 4}) {
      benchmark::RegisterBenchmark(
          absl::StrCat("BM_PortServer/", name).c_str(),
          [kind = kind](benchmark::State& s) { BM_PortServer(s, kind); })
          ->Threads(threads)
          ->Iterations(kPool / threads)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // --gtest_port=PATH, default ../tools/gtest-port beside this binary.
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    g_self.assign(self, static_cast<size_t>(n));
    g_gtest_port = g_self.substr(0, g_self.rfind('/')) + "/../tools/gtest-port";
  }
  if (argc == 2 && absl::StartsWith(argv[1], kFloorFlag)) {
    return ServeFloor(argv[1] + std::strlen(kFloorFlag));
  }
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (absl::StartsWith(argv[i], "--gtest_port=")) {
      g_gtest_port = argv[i] + std::strlen("--gtest_port=");
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;
  Register();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
