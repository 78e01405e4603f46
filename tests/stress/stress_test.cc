// The stress suite: many tests, each reserving ports through the public API
// (PortFixture::ReservePort/ReserveBlock, gtest_port::Reserve/ReserveBlock),
// starting a real server on every port (a TCP listener and a UDP socket,
// with SO_REUSEADDR), checking it answers, holding it for a random few
// milliseconds and recording the hold. tests/stress/run_stress.sh runs this
// binary under every runner at once -- ctest -j (one process per test),
// shards x concurrent copies, copies in a private /tmp, Bazel's sharded
// targets, a tiny range -- and tests/stress/check_records.py fails the run
// on any two overlapping holds of one port.
//
// Each test also checks what it can see alone: its servers bind and answer.
// A failed reservation fails the test with gtest_port's own message
// (RESOURCE_EXHAUSTED ...), which the exhausted-range runner counts as the
// expected outcome and every other runner as an error.

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "tests/stress/live_server.h"
#include "tests/stress/stress_records.h"
#include "tests/testing/private_range.h"
#include "tests/testing/subprocess.h"

namespace gtest_port_stress {
namespace {

using ::gtest_port_testing::PrivateRange;
using ::gtest_port_testing::Subprocess;

constexpr absl::Duration kChildTimeout = absl::Seconds(30);

std::string CurrentTestName() {
  const ::testing::TestInfo* info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "no_test";
  return absl::StrCat(info->test_suite_name(), ".", info->name());
}

// A random number of milliseconds in [lo, hi]. Thread-safe.
absl::Duration RandomMillis(int lo, int hi) {
  thread_local std::mt19937 random(std::random_device{}());
  return absl::Milliseconds(std::uniform_int_distribution<int>(lo, hi)(random));
}

// Serves `ports` -- one reservation's ports, reserved by the caller just
// before -- the way a test with real servers does, and records one hold per
// port spanning all of it:
//
//   reserved ... server starting ... serving (bound, answering) ... stopped ...
//   |<------------------------------- hold ------------------------------->|
//
// The caller releases the reservation only after Serve() returns, so every
// recorded hold lies inside its reservation. While a server starts and after
// it stops, the port is not bound: only gtest_port's claim keeps other
// processes off it then, so a missing or broken claim shows up as two
// overlapping holds (and, often, as a bind failure). A server that cannot
// start is recorded as a bind failure and fails the test. Thread-safe.
void Serve(const std::vector<uint16_t>& ports) {
  StressRecorder& records = StressRecorder::Get();
  const int64_t start = MonotonicNanos();
  const std::string test = CurrentTestName();
  const int64_t reservation = records.NextReservation();
  absl::SleepFor(RandomMillis(0, 5));  // Starting up.
  std::vector<LiveServer> servers;
  for (uint16_t port : ports) {
    absl::StatusOr<LiveServer> server = LiveServer::Start(port);
    if (!server.ok()) {
      records.BindFailure(test, port, server.status().ToString());
      ADD_FAILURE() << "a server could not start on reserved port " << port
                    << ": " << server.status();
      continue;
    }
    servers.push_back(*std::move(server));
  }
  for (LiveServer& server : servers) {
    const absl::Status served = server.Roundtrip(
        absl::StrCat(records.process(), "/", test, "/", server.port()));
    EXPECT_TRUE(served.ok()) << served;
  }
  // Serving: long enough for holds of different processes to interleave,
  // short enough for hundreds of tests to run in seconds.
  absl::SleepFor(RandomMillis(2, 15));
  for (LiveServer& server : servers) server.Stop();
  absl::SleepFor(RandomMillis(0, 3));  // Shutting down.
  const int64_t end = MonotonicNanos();
  for (uint16_t port : ports) {
    records.Hold(test, reservation, port, start, end);
  }
}

std::vector<uint16_t> BlockPorts(uint16_t first, int count) {
  std::vector<uint16_t> ports;
  for (int i = 0; i < count; ++i) {
    ports.push_back(static_cast<uint16_t>(first + i));
  }
  return ports;
}

std::vector<uint16_t> Ports(const gtest_port::PortReservation& r) {
  std::vector<uint16_t> ports;
  for (int i = 0; i < r.size(); ++i) ports.push_back(r[i]);
  return ports;
}

// How a test gets its ports.
enum class Shape {
  kFixturePort,   // PortFixture::ReservePort(), three rounds.
  kFixtureBlock,  // PortFixture::ReserveBlock(3), then ReservePort().
  kReserve,       // gtest_port::Reserve(), released after each of 3 rounds.
  kReserveBlock,  // gtest_port::ReserveBlock(2), released after each round.
  kThreads,       // Four threads of one test, ReservePort() twice each.
};

struct StressCase {
  Shape shape;
  int index;
};

const char* ShapeName(Shape shape) {
  switch (shape) {
    case Shape::kFixturePort:
      return "FixturePort";
    case Shape::kFixtureBlock:
      return "FixtureBlock";
    case Shape::kReserve:
      return "Reserve";
    case Shape::kReserveBlock:
      return "ReserveBlock";
    case Shape::kThreads:
      return "Threads";
  }
  return "Unknown";
}

// "FixturePort07": the shape and a two-digit index.
std::string CaseName(const ::testing::TestParamInfo<StressCase>& info) {
  return absl::StrCat(ShapeName(info.param.shape),
                      info.param.index < 10 ? "0" : "", info.param.index);
}

// 5 shapes x 13 = 65 tests: enough for ctest -j16 to keep 16 processes
// busy, and for 4 shards to hold 16 or 17 tests each.
std::vector<StressCase> AllCases() {
  std::vector<StressCase> cases;
  for (Shape shape : {Shape::kFixturePort, Shape::kFixtureBlock,
                      Shape::kReserve, Shape::kReserveBlock, Shape::kThreads}) {
    for (int i = 0; i < 13; ++i) cases.push_back({shape, i});
  }
  return cases;
}

class StressTest : public gtest_port::PortFixture,
                   public ::testing::WithParamInterface<StressCase> {};

TEST_P(StressTest, ServesOnlyOnPortsItHolds) {
  switch (GetParam().shape) {
    case Shape::kFixturePort:
      for (int round = 0; round < 3; ++round) {
        // ReservePort() reports a failure itself (with gtest_port's reason)
        // and returns 0: stop without adding a second failure.
        const uint16_t port = ReservePort();
        if (port == 0) return;
        Serve({port});
      }
      break;
    case Shape::kFixtureBlock: {
      const uint16_t first = ReserveBlock(3);
      if (first == 0) return;
      Serve(BlockPorts(first, 3));
      const uint16_t port = ReservePort();
      if (port == 0) return;
      EXPECT_TRUE(port < first || port > first + 2)
          << "port " << port << " is inside the block " << first << "-"
          << first + 2 << " this test still holds";
      Serve({port});
      break;
    }
    case Shape::kReserve:
      for (int round = 0; round < 3; ++round) {
        absl::StatusOr<gtest_port::PortReservation> r = gtest_port::Reserve();
        ASSERT_TRUE(r.ok()) << r.status();
        Serve(Ports(*r));
      }  // Each round's port goes back before the next round.
      break;
    case Shape::kReserveBlock:
      for (int round = 0; round < 2; ++round) {
        absl::StatusOr<gtest_port::PortReservation> r =
            gtest_port::ReserveBlock(2);
        ASSERT_TRUE(r.ok()) << r.status();
        ASSERT_EQ(r->size(), 2);
        EXPECT_EQ((*r)[1], (*r)[0] + 1);
        Serve(Ports(*r));
      }
      break;
    case Shape::kThreads: {
      std::vector<std::thread> threads;
      for (int t = 0; t < 4; ++t) {
        threads.emplace_back([this] {
          for (int round = 0; round < 2; ++round) {
            const uint16_t port = ReservePort();
            if (port == 0) return;
            Serve({port});
          }
        });
      }
      for (std::thread& thread : threads) thread.join();
      // Eight reservations held until TearDown: all distinct.
      std::vector<uint16_t> held = ReservedPorts();
      std::sort(held.begin(), held.end());
      EXPECT_EQ(std::adjacent_find(held.begin(), held.end()), held.end())
          << "one port was handed to two threads of this test";
      break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, StressTest, ::testing::ValuesIn(AllCases()),
                         CaseName);

// A holder killed with SIGKILL in the middle of serving: its ports must come
// back at once, with no cleanup step. The holder reserves every port of a
// private 4-port range, so the successor started right after the kill can
// only succeed if every one of those claims died with the holder.
class KilledHolderTest : public ::testing::TestWithParam<int> {
 protected:
  // The holder program: GTEST_PORT_STRESS_HOLDER when set (run_stress.sh
  // sets it for processes whose /tmp hides the build directory), otherwise
  // the stress_holder built next to this binary.
  static std::string HolderPath() {
    const char* path = std::getenv("GTEST_PORT_STRESS_HOLDER");
    if (path != nullptr && *path != '\0') return path;
    return gtest_port_testing::HelperPath("stress_holder");
  }

  struct Holder {
    std::string netns;
    std::string process;
    std::vector<std::pair<int, int64_t>> ports;  // (port, start ns)
  };

  // Reads "PROC", "PORT" lines and "READY"; fails the test on anything else.
  static Holder ReadHolder(Subprocess& child) {
    Holder holder;
    for (;;) {
      absl::StatusOr<std::string> line = child.ReadLine(kChildTimeout);
      if (!line.ok()) {
        ADD_FAILURE() << line.status();
        return holder;
      }
      if (*line == "READY") return holder;
      std::vector<std::string> f = absl::StrSplit(*line, ' ');
      int port = 0;
      int64_t start = 0;
      if (f.size() == 3 && f[0] == "PROC") {
        holder.netns = f[1];
        holder.process = f[2];
      } else if (f.size() == 3 && f[0] == "PORT" &&
                 absl::SimpleAtoi(f[1], &port) &&
                 absl::SimpleAtoi(f[2], &start)) {
        holder.ports.emplace_back(port, start);
      } else {
        ADD_FAILURE() << "holder said: " << *line;
        return holder;
      }
    }
  }

  static std::vector<int> PortsOf(const Holder& holder) {
    std::vector<int> ports;
    for (const auto& [port, start] : holder.ports) ports.push_back(port);
    std::sort(ports.begin(), ports.end());
    return ports;
  }
};

TEST_P(KilledHolderTest, SigkilledHoldersPortsComeBackAtOnce) {
  constexpr int kPorts = 4;
  PrivateRange range(kPorts);
  std::vector<int> all;
  for (int i = 0; i < kPorts; ++i) all.push_back(range.first() + i);
  // The children get this range and no shard variables: "shard 0 of 1".
  const std::vector<std::string> env = {range.EnvEntry(), "GTEST_SHARD_INDEX",
                                        "GTEST_TOTAL_SHARDS",
                                        "PORTSERVER_ADDRESS"};
  const std::string test = CurrentTestName();
  StressRecorder& records = StressRecorder::Get();

  absl::StatusOr<Subprocess> killed =
      Subprocess::Start({HolderPath(), absl::StrCat("--count=", kPorts),
                         "--label=" + test + "/killed"},
                        env);
  ASSERT_TRUE(killed.ok()) << killed.status();
  const Holder victim = ReadHolder(*killed);
  ASSERT_EQ(PortsOf(victim), all) << "the holder did not get the whole range";

  // Servers up, claims held: kill it mid-test. Its holds are recorded up to
  // the moment before the kill -- within the time it certainly held them.
  const int64_t before_kill = MonotonicNanos();
  killed->Kill(SIGKILL);
  absl::StatusOr<gtest_port_testing::ExitInfo> exit =
      killed->Wait(kChildTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->term_signal, SIGKILL) << exit->output;
  for (const auto& [port, start] : victim.ports) {
    records.HoldFor(victim.netns, victim.process, test + "/killed",
                    records.NextReservation(), static_cast<uint16_t>(port),
                    start, before_kill);
  }

  // At once -- no wait, no cleanup -- a successor gets every one of them.
  absl::StatusOr<Subprocess> successor =
      Subprocess::Start({HolderPath(), absl::StrCat("--count=", kPorts),
                         "--label=" + test + "/successor"},
                        env);
  ASSERT_TRUE(successor.ok()) << successor.status();
  const Holder heir = ReadHolder(*successor);
  EXPECT_EQ(PortsOf(heir), all)
      << "the killed holder's ports did not all come back at once";
  successor->CloseStdin();
  absl::StatusOr<gtest_port_testing::ExitInfo> done =
      successor->Wait(kChildTimeout);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->exit_code, 0) << done->output;
}

INSTANTIATE_TEST_SUITE_P(Rounds, KilledHolderTest, ::testing::Range(0, 4));

// Writes BEGIN, FAIL and END records for every test, so the checker can
// tell a test that failed clearly (with gtest_port's RESOURCE_EXHAUSTED
// message) from one that failed any other way or never finished.
//
// GoogleTest calls OnTestPartResult() with its own lock held (so the
// listener cannot ask it for the current test) and from whichever thread
// failed: the listener remembers the running test itself. Thread-safe.
class RecordingListener : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo& info) override
      ABSL_LOCKS_EXCLUDED(mu_) {
    const std::string name = Name(info);
    {
      absl::MutexLock lock(&mu_);
      current_ = name;
    }
    StressRecorder::Get().Begin(name);
  }
  void OnTestPartResult(const ::testing::TestPartResult& result) override
      ABSL_LOCKS_EXCLUDED(mu_) {
    if (!result.failed()) return;
    std::string test;
    {
      absl::MutexLock lock(&mu_);
      test = current_;
    }
    StressRecorder::Get().Failure(
        test,
        absl::StrCat(result.file_name() == nullptr ? "?" : result.file_name(),
                     ":", result.line_number(), ": ", result.message()));
  }
  void OnTestEnd(const ::testing::TestInfo& info) override
      ABSL_LOCKS_EXCLUDED(mu_) {
    const ::testing::TestResult* r = info.result();
    StressRecorder::Get().End(Name(info), r->Skipped()  ? "skipped"
                                          : r->Failed() ? "failed"
                                                        : "passed");
    absl::MutexLock lock(&mu_);
    current_ = kNoTest;
  }

 private:
  static constexpr char kNoTest[] = "no_test";

  static std::string Name(const ::testing::TestInfo& info) {
    return absl::StrCat(info.test_suite_name(), ".", info.name());
  }

  absl::Mutex mu_;
  std::string current_ ABSL_GUARDED_BY(mu_) = kNoTest;
};

}  // namespace
}  // namespace gtest_port_stress

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  gtest_port_stress::StressRecorder& records =
      gtest_port_stress::StressRecorder::Get();
  if (!records.status().ok()) {
    std::fprintf(stderr, "stress_test: cannot record: %s\n",
                 records.status().ToString().c_str());
    return 1;
  }
  ::testing::AddGlobalTestEnvironment(new gtest_port::PortEnvironment());
  ::testing::UnitTest::GetInstance()->listeners().Append(
      new gtest_port_stress::RecordingListener());
  const int result = RUN_ALL_TESTS();
  if (!records.status().ok()) {
    std::fprintf(stderr, "stress_test: records incomplete: %s\n",
                 records.status().ToString().c_str());
    return 1;
  }
  return result;
}
