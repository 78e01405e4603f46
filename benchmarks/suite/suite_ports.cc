// File: benchmarks/suite/suite_ports.cc

#include "benchmarks/suite/suite_ports.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace gtest_port_suite {
namespace {

constexpr char kModeVariable[] = "SUITE_PORT_MODE";
constexpr char kOverheadFileVariable[] = "SUITE_OVERHEAD_FILE";

// The per-shard base port and counter, as suites write it by hand.
constexpr int kCounterBase = 11234;
constexpr int kCounterShardStride = 100;

// Where the time inside gtest_port went, by kind of call.
enum Part { kReserve, kRelease, kEnvironment, kParts };
std::atomic<int64_t> part_ns[kParts] = {};      // wall time
std::atomic<int64_t> part_cpu_ns[kParts] = {};  // the calling thread's CPU

int64_t ThreadCpuNanoseconds() {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}
std::atomic<int> counter_next{0};
std::atomic<int64_t> reservations{0};

// Adds the wall time of its lifetime to part_ns[part], and the CPU time its
// thread used meanwhile to part_cpu_ns[part].
class ScopedTimer {
 public:
  explicit ScopedTimer(Part part)
      : part_(part),
        start_(std::chrono::steady_clock::now()),
        start_cpu_(ThreadCpuNanoseconds()) {}
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;
  ~ScopedTimer() {
    part_cpu_ns[part_].fetch_add(ThreadCpuNanoseconds() - start_cpu_,
                                 std::memory_order_relaxed);
    part_ns[part_].fetch_add(
        std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::steady_clock::now() - start_)
            .count(),
        std::memory_order_relaxed);
  }

 private:
  const Part part_;
  const std::chrono::steady_clock::time_point start_;
  const int64_t start_cpu_;
};

int ShardIndex() {
  const char* text = std::getenv("GTEST_SHARD_INDEX");
  int shard = 0;
  if (text == nullptr || !absl::SimpleAtoi(text, &shard) || shard < 0) {
    return 0;
  }
  return shard;
}

int64_t Sum(const std::atomic<int64_t> (&parts)[kParts]) {
  int64_t total = 0;
  for (const std::atomic<int64_t>& ns : parts) {
    total += ns.load(std::memory_order_relaxed);
  }
  return total;
}

}  // namespace

absl::StatusOr<PortMode> ParsePortMode(absl::string_view value) {
  if (value.empty() || value == "gtest_port") return PortMode::kGtestPort;
  if (value == "fixed") return PortMode::kFixed;
  if (value == "counter") return PortMode::kCounter;
  return absl::InvalidArgumentError(
      absl::StrCat(kModeVariable, "=\"", absl::CHexEscape(value),
                   "\": expected gtest_port (the default), fixed or counter"));
}

absl::StatusOr<PortMode> PortModeFromEnvironment() {
  const char* value = std::getenv(kModeVariable);
  return ParsePortMode(value == nullptr ? "" : value);
}

int64_t GtestPortNanoseconds() { return Sum(part_ns); }
int64_t GtestPortCpuNanoseconds() { return Sum(part_cpu_ns); }

void SuiteEnvironment::SetUp() {
  ScopedTimer timer(kEnvironment);
  gtest_port::PortEnvironment::SetUp();
}

void SuiteEnvironment::TearDown() {
  {
    ScopedTimer timer(kEnvironment);
    gtest_port::PortEnvironment::TearDown();
  }
  const char* path = std::getenv(kOverheadFileVariable);
  if (path == nullptr || *path == '\0') return;
  const int fd =
      ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    ADD_FAILURE() << "cannot open " << kOverheadFileVariable << "=" << path;
    return;
  }
  // One short write with O_APPEND: lines from concurrent processes never
  // interleave.
  const std::string line = absl::StrCat(
      "gtest_port_ns ", GtestPortNanoseconds(), " cpu_ns ",
      GtestPortCpuNanoseconds(), " reserve_cpu_ns ",
      part_cpu_ns[kReserve].load(), " release_cpu_ns ",
      part_cpu_ns[kRelease].load(), " environment_cpu_ns ",
      part_cpu_ns[kEnvironment].load(), " reservations ",
      reservations.load(), "\n");
  const ssize_t written = ::write(fd, line.data(), line.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    ADD_FAILURE() << "cannot write " << path;
  }
}

void SuiteFixture::SetUp() {
  absl::StatusOr<PortMode> mode = PortModeFromEnvironment();
  ASSERT_TRUE(mode.ok()) << mode.status().message();
  mode_ = *mode;
}

void SuiteFixture::TearDown() {
  ScopedTimer timer(kRelease);  // Only gtest_port mode holds anything.
  gtest_port::PortFixture::TearDown();
}

uint16_t SuiteFixture::ServerPort(uint16_t fixed_port) {
  switch (mode_) {
    case PortMode::kFixed:
      return fixed_port;
    case PortMode::kCounter:
      return static_cast<uint16_t>(kCounterBase +
                                   ShardIndex() * kCounterShardStride +
                                   counter_next.fetch_add(1));
    case PortMode::kGtestPort:
      break;
  }
  reservations.fetch_add(1, std::memory_order_relaxed);
  ScopedTimer timer(kReserve);
  return ReservePort();
}

}  // namespace gtest_port_suite
