// Tests of gtest_port::PortEnvironment as users meet it: a real test binary
// (env_child, linked with gtest_port_main) run with good and bad
// configurations. A bad value must stop the binary before any test runs,
// with exit code 1 -- not a crash -- and a message that names the variable,
// the value and what is accepted.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "tests/testing/subprocess.h"

namespace gtest_port {
namespace {

using ::gtest_port_testing::ExitInfo;
using ::gtest_port_testing::HelperPath;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusOr<ExitInfo> RunEnvChild(std::vector<std::string> env,
                                     std::vector<std::string> args = {}) {
  for (const char* unset : {"GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS",
                            "GTEST_PORT_RANGE", "GTEST_PORT_LOCK_DIR",
                            "GTEST_PORT_VERBOSE", "GTEST_PORT_FAIL_ON_LEAK"}) {
    bool set = false;
    for (const std::string& e : env) set |= e.rfind(std::string(unset) + "=", 0) == 0;
    if (!set) env.push_back(unset);
  }
  std::vector<std::string> argv = {HelperPath("env_child")};
  argv.insert(argv.end(), args.begin(), args.end());
  return gtest_port_testing::Run(argv, env, absl::Seconds(60));
}

struct BadValue {
  const char* name;
  std::string env;
  std::string expect;  // Besides the variable=value itself.
};

class BadConfigurationTest : public ::testing::TestWithParam<BadValue> {};

TEST_P(BadConfigurationTest, ExitsNonZeroBeforeAnyTestWithAClearMessage) {
  absl::StatusOr<ExitInfo> run =
      RunEnvChild({GetParam().env, "GTEST_SHARD_INDEX=0", "GTEST_TOTAL_SHARDS=4"});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->term_signal, 0) << "crashed:\n" << run->output;
  EXPECT_EQ(run->exit_code, 1) << run->output;
  EXPECT_THAT(run->output, Not(HasSubstr("ENV_CHILD_TEST_RAN")));
  EXPECT_THAT(run->output, AllOf(HasSubstr("[gtest_port] invalid configuration: "),
                                 HasSubstr(GetParam().expect)));
  // CTest's gtest_discover_tests counts a test whose output says SKIPPED as
  // skipped, and a run of skipped tests as passed.
  EXPECT_THAT(run->output, Not(HasSubstr("SKIPPED")));
}

TEST(PortEnvironmentTest, BadConfigurationFailsEveryRunnerYetStillLists) {
  const std::string bad = "GTEST_PORT_RANGE=30000-20000";
  // One test, as gtest_discover_tests runs it.
  absl::StatusOr<ExitInfo> one =
      RunEnvChild({bad}, {"--gtest_filter=EnvChildTest.Reserves"});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->exit_code, 1) << one->output;
  EXPECT_THAT(one->output, Not(HasSubstr("SKIPPED")));
  // A Bazel shard (GoogleTest's sentinel -1 means "not sharded").
  for (const char* total : {"2", "-1"}) {
    absl::StatusOr<ExitInfo> shard = RunEnvChild(
        {bad, total == std::string("2") ? "GTEST_SHARD_INDEX=1"
                                        : "GTEST_SHARD_INDEX=-1",
         absl::StrCat("GTEST_TOTAL_SHARDS=", total)});
    ASSERT_TRUE(shard.ok()) << shard.status();
    EXPECT_EQ(shard->exit_code, 1) << total << ":\n" << shard->output;
    EXPECT_THAT(shard->output, Not(HasSubstr("SKIPPED")));
  }
  // Repeated.
  absl::StatusOr<ExitInfo> repeat = RunEnvChild({bad}, {"--gtest_repeat=3"});
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_EQ(repeat->exit_code, 1) << repeat->output;
  EXPECT_THAT(repeat->output, Not(HasSubstr("ENV_CHILD_TEST_RAN")));
  // Listing still lists, and succeeds, as test discovery needs.
  absl::StatusOr<ExitInfo> list = RunEnvChild({bad}, {"--gtest_list_tests"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->exit_code, 0) << list->output;
  EXPECT_THAT(list->output, AllOf(HasSubstr("EnvChildTest."),
                                  HasSubstr("  Reserves")));
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadConfigurationTest,
    ::testing::Values(
        BadValue{"RangeNotANumber", "GTEST_PORT_RANGE=many", "GTEST_PORT_RANGE=many"},
        BadValue{"RangeReversed", "GTEST_PORT_RANGE=30000-20000", "reversed (LO > HI)"},
        BadValue{"RangeBelow1024", "GTEST_PORT_RANGE=100-2000", "below 1024"},
        BadValue{"RangeAbove65535", "GTEST_PORT_RANGE=20000-70000", "above 65535"},
        BadValue{"RangeTrailingJunk", "GTEST_PORT_RANGE=20000-30000abc", "HI \"30000abc\""},
        BadValue{"RangeTooSmallForShards", "GTEST_PORT_RANGE=20000-20002", "too few for 4 shards"},
        BadValue{"VerboseNotABoolean", "GTEST_PORT_VERBOSE=maybe", "GTEST_PORT_VERBOSE=maybe"},
        BadValue{"FailOnLeakNotABoolean", "GTEST_PORT_FAIL_ON_LEAK=ci",
                 "GTEST_PORT_FAIL_ON_LEAK=ci: not a boolean"},
        BadValue{"LockDirRelative", "GTEST_PORT_LOCK_DIR=not/absolute",
                 "absolute directory"},
        BadValue{"AddressRangeIncludesLocalhost",
                 "GTEST_PORT_ADDRESS_RANGE=127.0.0.1-127.0.0.20",
                 "includes 127.0.0.1"},
        BadValue{"AddressRangeOutsideLoopback",
                 "GTEST_PORT_ADDRESS_RANGE=192.168.0.1-192.168.0.9",
                 "not inside 127.0.0.0/8"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PortEnvironmentTest, ConfigurationFailurePointsAtTheVariable) {
  // GoogleTest's "file:line: Failure" names what the user can change, not a
  // line of gtest_port's own source.
  for (const auto& [env, where] :
       std::vector<std::pair<std::string, std::string>>{
           {"GTEST_PORT_RANGE=lots", "GTEST_PORT_RANGE"},
           {"GTEST_PORT_LOCK_DIR=not/absolute", "GTEST_PORT_LOCK_DIR"},
           {"GTEST_PORT_FAIL_ON_LEAK=ci", "GTEST_PORT_FAIL_ON_LEAK"}}) {
    absl::StatusOr<ExitInfo> run = RunEnvChild({env});
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->exit_code, 1) << run->output;
    EXPECT_THAT(run->output,
                AllOf(HasSubstr(where + ": Failure\ngtest_port: invalid "
                                        "configuration: " + env),
                      Not(HasSubstr("port_environment.cc"))))
        << run->output;
  }
}

TEST(PortEnvironmentTest, PrintsOneLineNamingShardSliceAndClaim) {
  absl::StatusOr<ExitInfo> run =
      RunEnvChild({"GTEST_SHARD_INDEX=1", "GTEST_TOTAL_SHARDS=4"});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->output;
  EXPECT_THAT(run->output,
              HasSubstr(absl::StrCat(
                  "[gtest_port] shard 1 of 4 owns ports 23192-26383 of "
                  "20000-32767 (3192 candidates); claims by ",
                  gtest_port_internal::kLinuxBackend
                      ? "abstract sockets @gtest_port/v1/<port>"
                      : "lock files /var/tmp/gtest_port/<port>.lock")));
}

TEST(PortEnvironmentTest, ShardsTestsInItsSlice) {
  // Shard 0 of 1 runs the test; its port is in the whole range.
  absl::StatusOr<ExitInfo> run = RunEnvChild({"GTEST_PORT_RANGE=21000-21999"});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->output;
  EXPECT_THAT(run->output, HasSubstr("ENV_CHILD_TEST_RAN port=21"));
}

TEST(PortEnvironmentTest, VerboseNamesTheTestAndItsPort) {
  absl::StatusOr<ExitInfo> run = RunEnvChild({"GTEST_PORT_VERBOSE=1"});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->output;
  EXPECT_THAT(run->output,
              AllOf(HasSubstr("shard 0/1 EnvChildTest.Reserves reserved port "),
                    HasSubstr("shard 0/1 EnvChildTest.Fourth reserved port "),
                    HasSubstr("[gtest_port] 4 reservations")));
}

TEST(PortEnvironmentTest, RepeatedRunsWork) {
  absl::StatusOr<ExitInfo> run =
      RunEnvChild({}, {"--gtest_repeat=3", "--gtest_filter=*Reserves",
                       "--gtest_recreate_environments_when_repeating"});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->output;
  int ran = 0;
  for (size_t at = 0; (at = run->output.find("ENV_CHILD_TEST_RAN", at)) !=
                      std::string::npos;
       ++at) {
    ++ran;
  }
  EXPECT_EQ(ran, 3);
}

}  // namespace
}  // namespace gtest_port
