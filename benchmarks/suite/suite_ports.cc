// File: benchmarks/suite/suite_ports.cc

#include "benchmarks/suite/suite_ports.h"

#include <fcntl.h>
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

std::atomic<int64_t> gtest_port_ns{0};
std::atomic<int> counter_next{0};

// Adds the wall time of its lifetime to gtest_port_ns.
class ScopedTimer {
 public:
  ScopedTimer() : start_(std::chrono::steady_clock::now()) {}
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;
  ~ScopedTimer() {
    gtest_port_ns.fetch_add(
        std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::steady_clock::now() - start_)
            .count(),
        std::memory_order_relaxed);
  }

 private:
  const std::chrono::steady_clock::time_point start_;
};

int ShardIndex() {
  const char* text = std::getenv("GTEST_SHARD_INDEX");
  int shard = 0;
  if (text == nullptr || !absl::SimpleAtoi(text, &shard) || shard < 0) {
    return 0;
  }
  return shard;
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

int64_t GtestPortNanoseconds() {
  return gtest_port_ns.load(std::memory_order_relaxed);
}

void SuiteEnvironment::SetUp() {
  ScopedTimer timer;
  gtest_port::PortEnvironment::SetUp();
}

void SuiteEnvironment::TearDown() {
  {
    ScopedTimer timer;
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
  const std::string line =
      absl::StrCat("gtest_port_ns ", GtestPortNanoseconds(), "\n");
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
  ScopedTimer timer;  // Only gtest_port mode holds anything to release.
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
  ScopedTimer timer;
  return ReservePort();
}

}  // namespace gtest_port_suite
