// File: benchmarks/suite/suite_ports.h
//
// Where the suite's tests get their ports, switched at run time so that the
// same binaries measure the three ways a suite can do it:
//
//   SUITE_PORT_MODE=gtest_port  (default) PortFixture::ReservePort()
//   SUITE_PORT_MODE=fixed       the hard-coded port each call site names, as
//                               a suite run with RUN_SERIAL / `exclusive` has
//   SUITE_PORT_MODE=counter     11234 + shard * 100 + a process-wide counter,
//                               the per-shard base port most suites grow
//
// Any other value fails every test, naming the variable, the value and the
// accepted ones.
//
// In gtest_port mode the time spent inside gtest_port is measured: every
// ReservePort(), the fixture's release of the ports in TearDown(), and
// PortEnvironment::SetUp()/TearDown() (SuiteEnvironment times those). The
// sums, in nanoseconds of wall time and of the calling thread's CPU time,
// are appended as one line to the file named by SUITE_OVERHEAD_FILE, if
// set, when the test program ends:
//
//   gtest_port_ns W cpu_ns C reserve_cpu_ns R release_cpu_ns L
//   environment_cpu_ns E reservations N
//
// (wall, CPU, the CPU time's three parts, the number of ReservePort()
// calls); benchmarks/suite/run_suite.py adds up the lines and divides by
// the CPU time of the whole run.
//
// Example:
//
//   class RedisTest : public gtest_port_suite::SuiteFixture {};
//
//   TEST_F(RedisTest, Ping) {
//     uint16_t port;
//     ASSERT_NO_FATAL_FAILURE(port = ServerPort(16379));
//     ...
//   }
//
// and main() registers a SuiteEnvironment instead of a PortEnvironment.
//
// SuiteFixture is thread-compatible, like a test; the counters behind it are
// thread-safe.

#ifndef GTEST_PORT_BENCHMARKS_SUITE_SUITE_PORTS_H_
#define GTEST_PORT_BENCHMARKS_SUITE_SUITE_PORTS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"

namespace gtest_port_suite {

enum class PortMode { kGtestPort, kFixed, kCounter };

// The mode named by `value` (the text of SUITE_PORT_MODE; empty means the
// default, gtest_port).
absl::StatusOr<PortMode> ParsePortMode(absl::string_view value);

// The mode of this process, from SUITE_PORT_MODE.
absl::StatusOr<PortMode> PortModeFromEnvironment();

// Nanoseconds spent inside gtest_port by this process so far: wall time,
// and the CPU time of the calling threads.
int64_t GtestPortNanoseconds();
int64_t GtestPortCpuNanoseconds();

// A PortEnvironment whose SetUp() and TearDown() are timed, and which
// writes this process's total to SUITE_OVERHEAD_FILE at the end. This class
// is thread-compatible, as GoogleTest environments are.
class SuiteEnvironment : public gtest_port::PortEnvironment {
 public:
  void SetUp() override;
  void TearDown() override;
};

class SuiteFixture : public gtest_port::PortFixture {
 protected:
  // Fails the test when SUITE_PORT_MODE is bad.
  void SetUp() override;
  // Releases the ports (timed in gtest_port mode). A test's fixture stops
  // its servers first, then calls this.
  void TearDown() override;

  // A port for one server of this test: `fixed_port` in fixed mode, the
  // next counter port in counter mode, a reservation held until the test
  // ends in gtest_port mode. Fails the test (and returns 0) when there is
  // none; call it as ASSERT_NO_FATAL_FAILURE(port = ServerPort(...)).
  uint16_t ServerPort(uint16_t fixed_port);

  PortMode mode() const { return mode_; }

 private:
  PortMode mode_ = PortMode::kGtestPort;
};

}  // namespace gtest_port_suite

#endif  // GTEST_PORT_BENCHMARKS_SUITE_SUITE_PORTS_H_
