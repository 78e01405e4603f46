// GoogleTest's corner cases with gtest_port: --gtest_repeat (with and
// without recreated environments), death tests in both styles while the
// parent holds ports, fork() inside a test, and tests that skip or throw
// after reserving.
//
// This binary links gtest_port_main, so a PortEnvironment is registered and a
// threadsafe-style death-test child sets it up again while the parent holds
// its reservations. The skipping and throwing tests live in a helper binary
// (tests/testing/gtest_corner_cases_child.cc), since they fail on purpose.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/engine/config.h"
#include "tests/testing/descriptor_hygiene.h"
#include "tests/testing/private_range.h"
#include "tests/testing/subprocess.h"

namespace gtest_port {
namespace {

using ::gtest_port_internal::PortAllocator;
using ::gtest_port_testing::ExitInfo;
using ::gtest_port_testing::HelperPath;
using ::gtest_port_testing::IsClaimed;
using ::gtest_port_testing::IsLockFileClaimed;
using ::gtest_port_testing::PrivateRange;
using ::testing::HasSubstr;
using ::testing::Not;

// Runs the helper with the library configured only by its defaults.
absl::StatusOr<ExitInfo> RunChild(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {HelperPath("gtest_corner_cases_child")};
  argv.insert(argv.end(), args.begin(), args.end());
  return gtest_port_testing::Run(
      argv,
      {"GTEST_PORT_RANGE", "GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS",
       "GTEST_PORT_LOCK_DIR", "GTEST_PORT_VERBOSE", "PORTSERVER_ADDRESS",
       "GTEST_COLOR=no"},
      absl::Seconds(60));
}

// The numbers of every output line "<tag> <n>".
std::vector<int> Tagged(const std::string& output, absl::string_view tag) {
  std::vector<int> numbers;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    int n = 0;
    if (absl::ConsumePrefix(&line, tag) && absl::ConsumePrefix(&line, " ") &&
        absl::SimpleAtoi(line, &n)) {
      numbers.push_back(n);
    }
  }
  return numbers;
}

int Count(const std::string& text, absl::string_view what) {
  int n = 0;
  for (size_t at = text.find(what.data(), 0, what.size());
       at != std::string::npos;
       at = text.find(what.data(), at + 1, what.size())) {
    ++n;
  }
  return n;
}

TEST(SkipAndThrowTest, TestsThatSkipOrThrowAfterReservingReleaseTheirPorts) {
  absl::StatusOr<ExitInfo> run =
      RunChild({"--gtest_filter=CornerCases.*:SkipInSetUp.*:ThrowInSetUp.*:"
                "CornerCasesCheck.*"});
  ASSERT_TRUE(run.ok()) << run.status();
  const std::string& out = run->output;
  EXPECT_EQ(run->term_signal, 0) << out;
  EXPECT_EQ(run->exit_code, 1) << out;  // The throwing tests fail.
  EXPECT_THAT(out, HasSubstr("[  SKIPPED ] CornerCases.ReservesThenSkips"));
  EXPECT_THAT(out, HasSubstr("[  SKIPPED ] SkipInSetUp.BodyNeverRuns"));
  EXPECT_THAT(out, HasSubstr("[  FAILED  ] CornerCases.ReservesThenThrows"));
  EXPECT_THAT(out, HasSubstr("[  FAILED  ] ThrowInSetUp.BodyNeverRuns"));
  EXPECT_THAT(out, HasSubstr("thrown after reserving"));
  EXPECT_THAT(out, HasSubstr("thrown in SetUp after reserving"));
  EXPECT_THAT(out, Not(HasSubstr("ran after a")));
  EXPECT_THAT(
      out,
      HasSubstr(
          "[       OK ] CornerCasesCheck.PortsOfEarlierTestsWereReleased"));

  // 2 ports from the skipping test, 3 from the throwing one, 1 from each
  // SetUp: all released by the time the next test ran.
  const std::vector<int> held = Tagged(out, "HELD");
  EXPECT_EQ(held.size(), 7u) << out;
  EXPECT_EQ(std::set<int>(held.begin(), held.end()).size(), held.size())
      << "two live reservations shared a port:\n"
      << out;
  EXPECT_EQ(Tagged(out, "RELEASED"), held) << out;
  EXPECT_THAT(Tagged(out, "STILL_HELD"), ::testing::IsEmpty()) << out;
}

struct RepeatRun {
  int setups = 0;                   // PortEnvironment::SetUp() calls.
  std::vector<std::string> during;  // "fds=<n>" while holding a port.
  std::vector<std::string> after;   // "fds=<n>" once it was released.
};

RepeatRun ParseRepeat(const std::string& out) {
  RepeatRun run;
  run.setups = Count(out, "[gtest_port] shard 0 of 1 owns ports");
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::StartsWith(line, "ITERATION ")) {
      run.during.emplace_back(line.substr(line.find("fds=")));
    } else if (absl::StartsWith(line, "AFTER ")) {
      run.after.emplace_back(line.substr(line.find("fds=")));
    }
  }
  return run;
}

TEST(RepeatTest, RecreatedEnvironmentIsSetUpEachIterationAndLeaksNothing) {
  absl::StatusOr<ExitInfo> run =
      RunChild({"--gtest_filter=Repeat*.*", "--gtest_repeat=3",
                "--gtest_recreate_environments_when_repeating"});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->output;
  const RepeatRun r = ParseRepeat(run->output);
  EXPECT_EQ(r.setups, 3) << run->output;
  ASSERT_EQ(r.during.size(), 3u) << run->output;
  ASSERT_EQ(r.after.size(), 3u) << run->output;
  // The same descriptors in every iteration: nothing leaked.
  EXPECT_EQ(r.during[1], r.during[0]) << run->output;
  EXPECT_EQ(r.during[2], r.during[0]) << run->output;
  EXPECT_EQ(r.after[1], r.after[0]) << run->output;
  EXPECT_EQ(r.after[2], r.after[0]) << run->output;
}

TEST(RepeatTest, EnvironmentSetUpOnceServesEveryIteration) {
  absl::StatusOr<ExitInfo> run =
      RunChild({"--gtest_filter=Repeat*.*", "--gtest_repeat=3"});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->output;
  const RepeatRun r = ParseRepeat(run->output);
  EXPECT_EQ(r.setups, 1) << run->output;
  ASSERT_EQ(r.during.size(), 3u) << run->output;
  ASSERT_EQ(r.after.size(), 3u) << run->output;
  EXPECT_EQ(r.during[2], r.during[0]) << run->output;
  EXPECT_EQ(r.after[2], r.after[0]) << run->output;
}

// The "DEATH_CHILD <body port> <statement port>" line a death-test child
// writes to stderr.
std::optional<std::pair<int, int>> DeathChildPorts(const std::string& err) {
  for (absl::string_view line : absl::StrSplit(err, '\n')) {
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
    std::pair<int, int> ports;
    if (words.size() == 3 && words[0] == "DEATH_CHILD" &&
        absl::SimpleAtoi(words[1], &ports.first) &&
        absl::SimpleAtoi(words[2], &ports.second)) {
      return ports;
    }
  }
  return std::nullopt;
}

// In the child: `body_port` is the port the test body reserved (the
// parent's, inherited, in the fast style; the child's own, re-reserved, in
// the threadsafe style, which runs the test again from the start).
MATCHER_P2(DeathChildReported, parent_port, body_port_is_parents,
           "reports a child port other than the parent's") {
  const std::optional<std::pair<int, int>> ports = DeathChildPorts(arg);
  if (!ports.has_value()) {
    *result_listener << "no DEATH_CHILD line";
    return false;
  }
  *result_listener << "body port " << ports->first << ", statement port "
                   << ports->second << ", parent's " << parent_port;
  const bool body_ok = body_port_is_parents ? ports->first == parent_port
                                            : ports->first != parent_port;
  return body_ok && ports->first != 0 && ports->second != 0 &&
         ports->second != parent_port && ports->second != ports->first;
}

class DeathTestWhileHoldingPorts
    : public PortFixture,
      public ::testing::WithParamInterface<const char*> {
 protected:
  // Reserves a port, writes both ports, releases everything this copy of
  // the fixture holds -- in the fast style that includes the parent's
  // reservation, inherited -- and exits normally, running destructors.
  void ReserveReleaseAndExit(uint16_t body_port) {
    const uint16_t statement_port = ReservePort();
    std::fprintf(stderr, "DEATH_CHILD %d %d\n", body_port, statement_port);
    std::fflush(stderr);
    PortFixture::TearDown();
    std::exit(3);
  }
};

TEST_P(DeathTestWhileHoldingPorts, ChildGetsOtherPortsAndReleasesNoneOfOurs) {
  GTEST_FLAG_SET(death_test_style, GetParam());
  const bool threadsafe = std::string(GetParam()) == "threadsafe";
  const uint16_t port = ReservePort();
  ASSERT_NE(port, 0);
  EXPECT_EXIT(ReserveReleaseAndExit(port), ::testing::ExitedWithCode(3),
              DeathChildReported(port, !threadsafe));
  EXPECT_TRUE(IsClaimed(port)) << "the death-test child released our port";
  EXPECT_EQ(ReservedPorts(), std::vector<uint16_t>{port});
  // And it is still ours to release.
  PortFixture::TearDown();
  EXPECT_FALSE(IsClaimed(port));
}

INSTANTIATE_TEST_SUITE_P(Styles, DeathTestWhileHoldingPorts,
                         ::testing::Values("threadsafe", "fast"),
                         [](const auto& info) {
                           return std::string(info.param) == "threadsafe"
                                      ? "Threadsafe"
                                      : "Fast";
                         });

// fork() inside a test: the child shares the parent's claim descriptors. It
// may reserve ports of its own, release everything it inherited and exit
// any way it likes: the parent's ports stay claimed until the parent
// releases them.
enum class ChildExit { kUnderscoreExit, kReleaseAndExit };

struct ForkCase {
  const char* name;
  ChildExit exit;
  bool lock_files;
};

class ForkInsideATest : public PortFixture,
                        public ::testing::WithParamInterface<ForkCase> {};

TEST_P(ForkInsideATest, ChildDoesNotReleaseTheParentsClaims) {
  const ForkCase& c = GetParam();
  const std::string lock_dir =
      ::testing::TempDir() + "gtest_port_corner_cases_locks";
  PrivateRange range(8);
  std::shared_ptr<PortAllocator> allocator;
  if (c.lock_files) {
    Options options;
    options.range = range.range();
    options.shard_index = 0;
    options.total_shards = 1;
    options.lock_dir = lock_dir;
    absl::StatusOr<gtest_port_internal::Config> config =
        gtest_port_internal::ResolveConfig(
            options, gtest_port_internal::RealPlatform(),
            gtest_port_internal::MapEnvironment({}));
    ASSERT_TRUE(config.ok()) << config.status();
    allocator = PortAllocator::Create(*std::move(config),
                                      gtest_port_internal::RealPlatform());
  } else {
    allocator = range.Allocator();
  }
  ASSERT_NE(allocator, nullptr);
  auto claimed = [&](uint16_t port) {
    return c.lock_files ? IsLockFileClaimed(lock_dir, port) : IsClaimed(port);
  };

  absl::StatusOr<gtest_port_internal::Reservation> held = allocator->Reserve(2);
  ASSERT_TRUE(held.ok()) << held.status();
  const uint16_t fixture_port = ReservePort();  // Default range, abstract.
  ASSERT_NE(fixture_port, 0);

  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child: no GoogleTest assertions here; the exit code says it all.
    ::close(pipe_fds[0]);
    absl::StatusOr<gtest_port_internal::Reservation> own = allocator->Reserve(1);
    if (!own.ok()) ::_exit(10);
    const std::string line = absl::StrCat(own->port(), "\n");
    if (::write(pipe_fds[1], line.data(), line.size()) !=
        static_cast<ssize_t>(line.size())) {
      ::_exit(11);
    }
    if (c.exit == ChildExit::kUnderscoreExit) ::_exit(0);
    // Release every reservation this process has -- its own and its copies
    // of the parent's -- then exit normally, running destructors.
    own = absl::CancelledError("released");
    held = absl::CancelledError("released");
    PortFixture::TearDown();
    std::exit(0);
  }
  ::close(pipe_fds[1]);
  char buffer[32] = {};
  const ssize_t n = ::read(pipe_fds[0], buffer, sizeof(buffer) - 1);
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child status " << status;
  ASSERT_EQ(WEXITSTATUS(status), 0);
  int child_port = 0;
  ASSERT_GT(n, 0);
  ASSERT_TRUE(
      absl::SimpleAtoi(absl::StripAsciiWhitespace(buffer), &child_port));

  EXPECT_NE(child_port, (*held)[0]);
  EXPECT_NE(child_port, (*held)[1]);
  EXPECT_TRUE(claimed((*held)[0])) << "the child released the parent's port";
  EXPECT_TRUE(claimed((*held)[1])) << "the child released the parent's port";
  EXPECT_TRUE(IsClaimed(fixture_port)) << "the child released the fixture's";
  EXPECT_FALSE(claimed(static_cast<uint16_t>(child_port)))
      << "the dead child's own port is still claimed";

  // The parent releases as usual.
  const uint16_t first = (*held)[0];
  held = absl::CancelledError("released");
  EXPECT_FALSE(claimed(first));
}

INSTANTIATE_TEST_SUITE_P(
    Exits, ForkInsideATest,
    ::testing::Values(
        ForkCase{"UnderscoreExit", ChildExit::kUnderscoreExit, false},
        ForkCase{"ReleaseAndExit", ChildExit::kReleaseAndExit, false},
        ForkCase{"LockFilesUnderscoreExit", ChildExit::kUnderscoreExit, true},
        ForkCase{"LockFilesReleaseAndExit", ChildExit::kReleaseAndExit, true}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace gtest_port
