// File: benchmarks/reserve_benchmark.cc
//
// What a gtest_port reservation costs, measured against what it cannot avoid
// and against what users would otherwise do. One binary, one run, so every
// number shares the same host, kernel and load:
//
//   gtest_port      Reserve() + release on 1, 2, 4 and 8 threads; 4 processes
//                   x 4 threads contending for one slice (per-call latency
//                   p50/p99); Reserve() while another process holds 10, 100
//                   or 1000 ports; PortEnvironment::SetUp(); ReserveBlock(4).
//   syscall floor   exactly the system calls one reservation makes (claim,
//                   TCP probe, UDP probe, release), done by hand with no
//                   library logic, plus each of them alone.
//   peers           bind(0) (let the kernel pick), and the naive atomic
//                   counter counting up from 9090 with no checks at all.
//
// Python portpicker and its portserver are measured by portpicker_baseline.py
// (per call, inside the interpreter); compare.sh runs both and writes
// docs/benchmarks.md.
//
// The baselines never take a port from under a gtest_port user running on the
// same host: a probe is only ever made on a port claimed first, under the
// same abstract name the library uses, exactly as the library does.
//
// Example:
//
//   reserve_benchmark --benchmark_filter='Reserve$|SyscallFloor$'
//   reserve_benchmark --benchmark_repetitions=5
//                     --benchmark_enable_random_interleaving=true
//
// Every benchmark here runs on the benchmark's main thread (or on threads
// that Google Benchmark starts for ->Threads()); the child processes are
// forked before any extra thread exists.

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "benchmark/benchmark.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/glue/default_allocator.h"
#include "gtest_port/internal/platform/unique_fd.h"
#include "gtest_port/options.h"
#include "gtest_port/port_environment.h"
#include "gtest_port/port_reservation.h"

namespace {

using gtest_port_internal::UniqueFd;

// ---------------------------------------------------------------------------
// Helpers: child processes and pipes.
// ---------------------------------------------------------------------------

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

absl::StatusOr<Pipe> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe2");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Blocks until `fd` reaches end of file (its last writer closed it).
void WaitForEof(int fd) {
  char c;
  for (;;) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n == 0 || (n < 0 && errno != EINTR)) return;
  }
}

bool WriteByte(int fd, char c) {
  for (;;) {
    const ssize_t n = ::write(fd, &c, 1);
    if (n == 1) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

// Reads exactly one byte; '\0' at end of file or on error.
char ReadByte(int fd) {
  char c;
  for (;;) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n == 1) return c;
    if (n < 0 && errno == EINTR) continue;
    return '\0';
  }
}

// Waits for `pid`; OK when it exited 0.
absl::Status Reap(pid_t pid, absl::string_view what) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::ErrnoToStatus(errno, "waitpid");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      what, " (pid ", pid, ") failed: ",
      WIFEXITED(status) ? absl::StrCat("exit code ", WEXITSTATUS(status))
                        : absl::StrCat("signal ", WTERMSIG(status))));
}

// A forked child starts as a copy of this process, allocator state included.
// A real test process would start with its own allocator (its own start
// offset from its pid), so the child makes one, exactly as a fresh process
// does on first use.
bool StartFreshAllocator() {
  return gtest_port_internal::InstallDefaultAllocator(
             gtest_port::Options())
      .ok();
}

// A real child process that reserves `count` ports through the public API and
// holds them until the HolderProcess is destroyed.
class HolderProcess {
 public:
  static absl::StatusOr<HolderProcess> Start(int count) {
    absl::StatusOr<Pipe> ready = MakePipe();
    if (!ready.ok()) return ready.status();
    absl::StatusOr<Pipe> hold = MakePipe();
    if (!hold.ok()) return hold.status();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return absl::ErrnoToStatus(errno, "fork");
    if (pid == 0) {
      hold->write.reset();
      char verdict = 'R';
      std::vector<gtest_port::PortReservation> held;
      if (!StartFreshAllocator()) verdict = 'E';
      for (int i = 0; verdict == 'R' && i < count; ++i) {
        absl::StatusOr<gtest_port::PortReservation> r = gtest_port::Reserve();
        if (!r.ok()) {
          verdict = 'E';
          break;
        }
        held.push_back(*std::move(r));
      }
      WriteByte(ready->write.get(), verdict);
      if (verdict == 'R') WaitForEof(hold->read.get());
      ::_exit(verdict == 'R' ? 0 : 3);
    }
    HolderProcess holder(pid, std::move(hold->write));
    ready->write.reset();
    if (ReadByte(ready->read.get()) != 'R') {
      holder.hold_.reset();
      absl::Status status = Reap(pid, "port-holding child");
      holder.pid_ = -1;
      return status.ok() ? absl::InternalError("port-holding child failed")
                         : status;
    }
    return holder;
  }

  HolderProcess(HolderProcess&& other) noexcept
      : pid_(std::exchange(other.pid_, -1)), hold_(std::move(other.hold_)) {}
  HolderProcess& operator=(HolderProcess&&) = delete;
  ~HolderProcess() {
    hold_.reset();  // The child exits, releasing its ports.
    if (pid_ > 0) Reap(pid_, "port-holding child").IgnoreError();
  }

 private:
  HolderProcess(pid_t pid, UniqueFd hold) : pid_(pid), hold_(std::move(hold)) {}

  pid_t pid_;
  UniqueFd hold_;
};

// Points stdout at /dev/null for its lifetime (PortEnvironment::SetUp()
// prints one line per call).
class QuietStdout {
 public:
  QuietStdout() {
    std::fflush(stdout);
    saved_ = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, STDOUT_FILENO);
      ::close(null);
    }
  }
  ~QuietStdout() {
    std::fflush(stdout);
    if (saved_ >= 0) {
      ::dup2(saved_, STDOUT_FILENO);
      ::close(saved_);
    }
  }
  QuietStdout(const QuietStdout&) = delete;
  QuietStdout& operator=(const QuietStdout&) = delete;

 private:
  int saved_ = -1;
};

// ---------------------------------------------------------------------------
// gtest_port.
// ---------------------------------------------------------------------------

// Reserve() + release of one port: what PortFixture::ReservePort() costs.
void BM_Reserve(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<gtest_port::PortReservation> r = gtest_port::Reserve();
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(r->port());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Reserve);

// The same on 1, 2, 4 and 8 threads sharing one allocator. Real time per
// iteration is wall time over all threads' calls: the inverse of throughput.
void BM_ReserveThreads(benchmark::State& state) { BM_Reserve(state); }
BENCHMARK(BM_ReserveThreads)
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->Threads(8)
    ->UseRealTime();

// ReserveBlock(4): four consecutive ports claimed and probed together.
void BM_ReserveBlock4(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<gtest_port::PortReservation> r = gtest_port::ReserveBlock(4);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(r->port());
  }
}
BENCHMARK(BM_ReserveBlock4);

// Reserve() + release while another process holds `range(0)` ports of the
// same slice: the kernel's abstract namespace grows by that many names, and
// the atomic counter has to step over the held ports when it meets them.
void BM_ReserveWhileHeld(benchmark::State& state) {
  absl::StatusOr<HolderProcess> holder =
      HolderProcess::Start(static_cast<int>(state.range(0)));
  if (!holder.ok()) {
    state.SkipWithError(holder.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<gtest_port::PortReservation> r = gtest_port::Reserve();
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(r->port());
  }
}
BENCHMARK(BM_ReserveWhileHeld)->ArgName("held")->Arg(10)->Arg(100)->Arg(1000);

// PortEnvironment::SetUp(): configuration, validation, the one-line summary
// (to /dev/null here), done once per test binary (and per --gtest_repeat).
void BM_PortEnvironmentSetUp(benchmark::State& state) {
  if (!StartFreshAllocator()) {
    state.SkipWithError("the configuration from the environment is invalid");
    return;
  }
  QuietStdout quiet;
  for (auto _ : state) {
    gtest_port::PortEnvironment environment;
    environment.SetUp();
  }
}
BENCHMARK(BM_PortEnvironmentSetUp);

// 4 processes x 4 threads reserve + release concurrently from one slice, as
// 4 test binaries of a `ctest -j4` run with 4 threads each would. Every call
// is timed on its own; p50 and p99 are over all 16 threads' calls.
constexpr int kContendProcesses = 4;
constexpr int kContendThreads = 4;
constexpr int kContendCallsPerThread = 1000;

// One process of the contended run: its threads wait for `go` to close, then
// each makes kContendCallsPerThread timed calls, writing latencies in
// nanoseconds (or -1 for a failed call) to `latencies`.
void ContendingChild(int ready_fd, int go_fd, int64_t* latencies) {
  if (!StartFreshAllocator()) ::_exit(3);
  std::vector<std::thread> threads;
  for (int t = 0; t < kContendThreads; ++t) {
    threads.emplace_back([go_fd, out = latencies + t * kContendCallsPerThread] {
      WaitForEof(go_fd);
      for (int i = 0; i < kContendCallsPerThread; ++i) {
        const auto start = std::chrono::steady_clock::now();
        bool ok;
        {
          absl::StatusOr<gtest_port::PortReservation> r = gtest_port::Reserve();
          ok = r.ok();
        }
        const auto end = std::chrono::steady_clock::now();
        out[i] = ok ? std::chrono::duration_cast<std::chrono::nanoseconds>(
                          end - start)
                          .count()
                    : -1;
      }
    });
  }
  WriteByte(ready_fd, 'R');
  for (std::thread& t : threads) t.join();
  ::_exit(0);
}

absl::Status RunContended(std::vector<int64_t>& latencies) {
  constexpr int kPerProcess = kContendThreads * kContendCallsPerThread;
  constexpr size_t kBytes = sizeof(int64_t) * kContendProcesses * kPerProcess;
  void* shared = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) return absl::ErrnoToStatus(errno, "mmap");
  auto* samples = static_cast<int64_t*>(shared);
  absl::Status status;
  std::vector<pid_t> children;
  {
    absl::StatusOr<Pipe> ready = MakePipe();
    absl::StatusOr<Pipe> go = MakePipe();
    if (!ready.ok() || !go.ok()) {
      ::munmap(shared, kBytes);
      return !ready.ok() ? ready.status() : go.status();
    }
    std::fflush(nullptr);
    for (int p = 0; p < kContendProcesses; ++p) {
      const pid_t pid = ::fork();
      if (pid < 0) {
        status = absl::ErrnoToStatus(errno, "fork");
        break;
      }
      if (pid == 0) {
        go->write.reset();
        ContendingChild(ready->write.get(), go->read.get(),
                        samples + p * kPerProcess);
      }
      children.push_back(pid);
    }
    ready->write.reset();
    for (size_t i = 0; i < children.size(); ++i) {
      if (ReadByte(ready->read.get()) != 'R') break;
    }
    // Closing `go` starts all threads of all children at once.
  }
  for (pid_t pid : children) {
    absl::Status reaped = Reap(pid, "contending child");
    if (status.ok()) status = reaped;
  }
  if (status.ok()) {
    latencies.assign(samples, samples + kContendProcesses * kPerProcess);
    if (std::count(latencies.begin(), latencies.end(), -1) > 0) {
      status = absl::ResourceExhaustedError("a contended Reserve() failed");
    }
  }
  ::munmap(shared, kBytes);
  return status;
}

// The q-quantile (0 < q <= 1) of sorted `v`, nearest rank.
double Quantile(const std::vector<int64_t>& v, double q) {
  const size_t rank = static_cast<size_t>(std::ceil(q * v.size()));
  return static_cast<double>(v[std::max<size_t>(rank, 1) - 1]);
}

void BM_ReserveContended(benchmark::State& state) {
  std::vector<int64_t> all;
  for (auto _ : state) {
    std::vector<int64_t> latencies;
    absl::Status status = RunContended(latencies);
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      return;
    }
    all.insert(all.end(), latencies.begin(), latencies.end());
  }
  std::sort(all.begin(), all.end());
  const double p50 = Quantile(all, 0.50) / 1e3;
  const double p99 = Quantile(all, 0.99) / 1e3;
  state.counters["calls"] = static_cast<double>(all.size());
  state.counters["p50_us"] = p50;
  state.counters["p99_us"] = p99;
  // The scheduler's tail: a call that spans a preemption waits for a core.
  state.counters["p999_us"] = Quantile(all, 0.999) / 1e3;
  state.counters["p99_over_p50"] = p99 / p50;
}
BENCHMARK(BM_ReserveContended)
    ->Name("BM_ReserveContended/processes:4/threads:4")
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------
// The syscall floor: the exact calls of gtest_port/internal/claim.cc
// (ClaimAbstractSocket) and probe.cc (CanBind on [::], dual-stack), by hand.
// ---------------------------------------------------------------------------

constexpr char kClaimPrefix[] = "gtest_port/v1/";  // claim.cc's name.
constexpr uint16_t kFirstPort = gtest_port::kDefaultPortRange.first;
constexpr int kPortCount = gtest_port::kDefaultPortRange.last - kFirstPort + 1;

// The abstract address "\0gtest_port/v1/<port>" and its length, as claim.cc
// builds it, with the digits written by hand.
struct ClaimAddress {
  sockaddr_un addr;
  socklen_t len;

  explicit ClaimAddress(uint16_t port) {
    std::memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    char* p = addr.sun_path + 1;
    std::memcpy(p, kClaimPrefix, sizeof(kClaimPrefix) - 1);
    p += sizeof(kClaimPrefix) - 1;
    char digits[5];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + port % 10);
      port = static_cast<uint16_t>(port / 10);
    } while (port != 0);
    while (n > 0) *p++ = digits[--n];
    len = static_cast<socklen_t>(p - reinterpret_cast<char*>(&addr));
  }
};

// Whether the prober must clear IPV6_V6ONLY (probe.cc reads the same file).
bool NeedsV6OnlyCleared() {
  const int fd = ::open("/proc/sys/net/ipv6/bindv6only", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char c = '0';
  const bool read_one = ::read(fd, &c, 1) == 1;
  ::close(fd);
  return read_one && c != '0';
}

// socket + bind + close, as PortProber::CanBind does on a dual-stack host.
// True when the port was free.
bool ProbeBind(int type, uint16_t port, bool clear_v6only) {
  const int fd = ::socket(AF_INET6, type | SOCK_CLOEXEC, 0);
  if (clear_v6only) {
    const int off = 0;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
  }
  sockaddr_in6 addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sin6_family = AF_INET6;
  addr.sin6_port = htons(port);
  addr.sin6_addr = in6addr_any;
  const bool free =
      ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return free;
}

// Candidates walk the default range from a per-process offset, like the
// allocator's counter, so that repeated runs touch different ports.
uint16_t NextFloorPort() {
  static std::atomic<uint32_t> next{static_cast<uint32_t>(::getpid()) * 7919u};
  return static_cast<uint16_t>(
      kFirstPort + next.fetch_add(1, std::memory_order_relaxed) % kPortCount);
}

// One reservation's system calls: claim, probe TCP, probe UDP, release.
void BM_SyscallFloor(benchmark::State& state) {
  const bool clear_v6only = NeedsV6OnlyCleared();
  for (auto _ : state) {
    const uint16_t port = NextFloorPort();
    const ClaimAddress claim_address(port);
    const int claim = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::bind(claim, reinterpret_cast<const sockaddr*>(&claim_address.addr),
               claim_address.len) == 0 &&
        ProbeBind(SOCK_STREAM, port, clear_v6only)) {
      ProbeBind(SOCK_DGRAM, port, clear_v6only);
    }
    ::close(claim);
  }
}
BENCHMARK(BM_SyscallFloor);

// The parts of the floor on their own: the claim (socket + bind abstract +
// close) ...
void BM_SyscallFloorClaim(benchmark::State& state) {
  for (auto _ : state) {
    const ClaimAddress claim_address(NextFloorPort());
    const int claim = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    benchmark::DoNotOptimize(
        ::bind(claim, reinterpret_cast<const sockaddr*>(&claim_address.addr),
               claim_address.len));
    ::close(claim);
  }
}
BENCHMARK(BM_SyscallFloorClaim);

// ... and each probe, made on a port claimed once for the whole loop, so
// that the probe never binds a port another gtest_port user holds.
void ProbeUnderClaim(benchmark::State& state, int type) {
  const bool clear_v6only = NeedsV6OnlyCleared();
  absl::StatusOr<gtest_port::PortReservation> held = gtest_port::Reserve();
  if (!held.ok()) {
    state.SkipWithError(held.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(ProbeBind(type, held->port(), clear_v6only));
  }
}
void BM_SyscallFloorProbeTcp6(benchmark::State& state) {
  ProbeUnderClaim(state, SOCK_STREAM);
}
BENCHMARK(BM_SyscallFloorProbeTcp6);
void BM_SyscallFloorProbeUdp6(benchmark::State& state) {
  ProbeUnderClaim(state, SOCK_DGRAM);
}
BENCHMARK(BM_SyscallFloorProbeUdp6);

// ---------------------------------------------------------------------------
// Peers.
// ---------------------------------------------------------------------------

// bind(0): the kernel picks a free port (socket + bind port 0 + getsockname +
// close). Fast, but nothing holds the port afterwards, and it comes from the
// ephemeral range that outgoing connections draw from too.
void BM_BindZero(benchmark::State& state) {
  for (auto _ : state) {
    const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 addr;
    std::memset(&addr, 0, sizeof(addr));
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_any;
    socklen_t len = sizeof(addr);
    ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    benchmark::DoNotOptimize(addr.sin6_port);
  }
}
BENCHMARK(BM_BindZero);

// The naive helper: an atomic counter from 9090, no checks at all. Correct
// only inside one process, and only if nothing else on the host uses 9090+.
void BM_NaiveCounter(benchmark::State& state) {
  static std::atomic<uint32_t> next{9090};
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        static_cast<uint16_t>(next.fetch_add(1, std::memory_order_relaxed)));
  }
}
BENCHMARK(BM_NaiveCounter);

// Prints like the default console reporter (without colour) and counts the
// benchmarks that reported an error, so that main() can fail on them.
class ErrorCountingReporter final : public benchmark::ConsoleReporter {
 public:
  ErrorCountingReporter() : ConsoleReporter(OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) errors_ += run.error_occurred ? 1 : 0;
    ConsoleReporter::ReportRuns(runs);
  }
  int errors() const { return errors_; }

 private:
  int errors_ = 0;
};

}  // namespace

// Like BENCHMARK_MAIN(), but exits 1 when any benchmark reported an error.
int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ErrorCountingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (reporter.errors() > 0) {
    std::fprintf(stderr, "reserve_benchmark: %d benchmark(s) failed\n",
                 reporter.errors());
    return 1;
  }
  return 0;
}
