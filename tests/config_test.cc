// Tests of ResolveConfig: where each setting comes from, which wins, and that
// every bad value is reported with the variable, the value and what is
// accepted.

#include "gtest_port/internal/engine/config.h"

#include <unistd.h>

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "tests/testing/config_fixture.h"
#include "tests/testing/mock_system.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::MockSystem;
using ::testing::_;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Return;

class ConfigTest : public ::gtest_port_testing::ConfigFixture {};

TEST_F(ConfigTest, DefaultsToOneShardOfTheDefaultRange) {
  absl::StatusOr<Config> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(FormatPortRange(c->range), "20000-32767");
  EXPECT_EQ(c->shard.index, 0);
  EXPECT_EQ(c->shard.total, 1);
  EXPECT_EQ(FormatPortRange(c->slice()), "20000-32767");
  EXPECT_EQ(c->candidates.size(), 12768);
  // Linux claims by abstract sockets; the portable back-end by lock files
  // in the host-wide default directory.
  EXPECT_EQ(c->lock_dir, gtest_port_internal::kLinuxBackend
                             ? ""
                             : gtest_port_internal::kPosixDefaultLockDir);
  EXPECT_THAT(c->warnings, ::testing::IsEmpty());
  EXPECT_FALSE(c->verbose);
  EXPECT_FALSE(c->fail_on_leak);
}

TEST_F(ConfigTest, ReadsRangeAndShardFromEnvironment) {
  env_["GTEST_PORT_RANGE"] = "40000-40999";
  env_["GTEST_SHARD_INDEX"] = "2";
  env_["GTEST_TOTAL_SHARDS"] = "4";
  // The ephemeral range of this host does not overlap here.
  ON_CALL(system_, ReadFile(kLinuxEphemeralFile))
      .WillByDefault(Return(std::string("50000 60999")));
  absl::StatusOr<Config> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(FormatPortRange(c->range), "40000-40999");
  EXPECT_EQ(c->shard.index, 2);
  EXPECT_EQ(c->shard.total, 4);
  EXPECT_EQ(FormatPortRange(c->slice()), "40500-40749");
}

TEST_F(ConfigTest, AddressPoolIsSlicedPerShardLikeThePortRange) {
  env_["GTEST_PORT_ADDRESS_RANGE"] = "127.2.0.1-127.2.0.100";
  env_["GTEST_SHARD_INDEX"] = "1";
  env_["GTEST_TOTAL_SHARDS"] = "4";
  absl::StatusOr<Config> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(FormatAddressRange(c->address_range), "127.2.0.1-127.2.0.100");
  EXPECT_EQ(FormatAddressRange(c->address_slice), "127.2.0.26-127.2.0.50");

  env_.clear();
  c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(FormatAddressRange(c->address_range), "127.1.0.1-127.1.255.254");

  gtest_port::Options options;
  options.address_range = "127.3.0.1-127.3.0.2";
  env_["GTEST_PORT_ADDRESS_RANGE"] = "127.2.0.1-127.2.0.100";
  c = Resolve(options);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(FormatAddressRange(c->address_slice), "127.3.0.1-127.3.0.2");
  options.address_range = "127.0.0.0-127.0.0.9";
  c = Resolve(options);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              AllOf(HasSubstr("Options::address_range"),
                    HasSubstr("includes 127.0.0.1")));
}

TEST_F(ConfigTest, OptionsWinOverEnvironment) {
  env_["GTEST_PORT_RANGE"] = "40000-40999";
  env_["GTEST_SHARD_INDEX"] = "1";
  env_["GTEST_TOTAL_SHARDS"] = "2";
  env_["GTEST_PORT_VERBOSE"] = "0";
  gtest_port::Options options;
  options.range = gtest_port::PortRange{21000, 21099};
  options.shard_index = 0;
  options.total_shards = 1;
  options.verbose = true;
  absl::StatusOr<Config> c = Resolve(options);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(FormatPortRange(c->slice()), "21000-21099");
  EXPECT_TRUE(c->verbose);
}

TEST_F(ConfigTest, FailOnLeakComesFromTheVariableUnlessOptionsSayOtherwise) {
  env_["GTEST_PORT_FAIL_ON_LEAK"] = "1";
  absl::StatusOr<Config> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->fail_on_leak);
  gtest_port::Options options;
  options.fail_on_leak = false;
  c = Resolve(options);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->fail_on_leak);
}

struct BadEnvCase {
  const char* name;
  std::map<std::string, std::string> env;
  std::vector<std::string> message_parts;
};

class BadEnvTest : public ConfigTest,
                   public ::testing::WithParamInterface<BadEnvCase> {};

TEST_P(BadEnvTest, IsInvalidArgumentNamingVariableValueAndWhatIsAccepted) {
  env_ = GetParam().env;
  absl::StatusOr<Config> c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  for (const std::string& part : GetParam().message_parts) {
    EXPECT_THAT(c.status().message(), HasSubstr(part));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadEnvTest,
    ::testing::Values(
        BadEnvCase{"RangeNotANumber", {{"GTEST_PORT_RANGE", "lots"}},
                   {"GTEST_PORT_RANGE=lots", "expected LO-HI"}},
        BadEnvCase{"RangeReversed", {{"GTEST_PORT_RANGE", "30000-20000"}},
                   {"GTEST_PORT_RANGE=30000-20000", "reversed", "expected"}},
        BadEnvCase{"RangeBelow1024", {{"GTEST_PORT_RANGE", "80-90"}},
                   {"GTEST_PORT_RANGE=80-90", "below 1024", "1024 <= LO"}},
        BadEnvCase{"RangeTrailingJunk", {{"GTEST_PORT_RANGE", "20000-30000x"}},
                   {"GTEST_PORT_RANGE=20000-30000x", "30000x"}},
        BadEnvCase{"RangeTooSmallForShards", {{"GTEST_PORT_RANGE", "20000-20002"},
                    {"GTEST_SHARD_INDEX", "0"},
                    {"GTEST_TOTAL_SHARDS", "8"}},
                   {"20000-20002", "3 ports", "8 shards", "span"}},
        BadEnvCase{"ShardIndexWithoutTotal", {{"GTEST_SHARD_INDEX", "1"}},
                   {"GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS", "set both"}},
        BadEnvCase{"ShardIndexNotANumber", {{"GTEST_SHARD_INDEX", "x"}, {"GTEST_TOTAL_SHARDS", "2"}},
                   {"GTEST_SHARD_INDEX=x", "not an integer"}},
        BadEnvCase{"ShardIndexOutOfRange", {{"GTEST_SHARD_INDEX", "5"}, {"GTEST_TOTAL_SHARDS", "2"}},
                   {"shard index 5 of 2", "0 <= index < total"}},
        BadEnvCase{"VerboseNotABoolean", {{"GTEST_PORT_VERBOSE", "loud"}},
                   {"GTEST_PORT_VERBOSE=loud", "expected 1/0"}},
        BadEnvCase{"FailOnLeakNotABoolean", {{"GTEST_PORT_FAIL_ON_LEAK", "strict"}},
                   {"GTEST_PORT_FAIL_ON_LEAK=strict", "expected 1/0"}},
        BadEnvCase{"AllowUnsafePortsNotABoolean",
                   {{"GTEST_PORT_ALLOW_UNSAFE_PORTS", "please"}},
                   {"GTEST_PORT_ALLOW_UNSAFE_PORTS=please", "expected 1/0"}},
        BadEnvCase{"AddressRangeBadSyntax",
                   {{"GTEST_PORT_ADDRESS_RANGE", "localhost"}},
                   {"GTEST_PORT_ADDRESS_RANGE=localhost", "not an IPv4 address",
                    "expected FIRST-LAST"}},
        BadEnvCase{"AddressRangeOutsideLoopback",
                   {{"GTEST_PORT_ADDRESS_RANGE", "10.0.0.1-10.0.0.9"}},
                   {"GTEST_PORT_ADDRESS_RANGE=10.0.0.1-10.0.0.9",
                    "not inside 127.0.0.0/8", "expected FIRST-LAST"}},
        BadEnvCase{"AddressRangeReversed",
                   {{"GTEST_PORT_ADDRESS_RANGE", "127.1.0.9-127.1.0.1"}},
                   {"GTEST_PORT_ADDRESS_RANGE=127.1.0.9-127.1.0.1", "reversed"}},
        BadEnvCase{"AddressRangeIncludesLocalhost",
                   {{"GTEST_PORT_ADDRESS_RANGE", "127.0.0.1-127.0.0.9"}},
                   {"GTEST_PORT_ADDRESS_RANGE=127.0.0.1-127.0.0.9",
                    "includes 127.0.0.1", "leave out 127.0.0.0, 127.0.0.1"}},
        BadEnvCase{"AddressRangeTooSmallForShards",
                   {{"GTEST_PORT_ADDRESS_RANGE", "127.1.0.1-127.1.0.3"},
                    {"GTEST_SHARD_INDEX", "0"},
                    {"GTEST_TOTAL_SHARDS", "4"}},
                   {"127.1.0.1-127.1.0.3", "3 addresses", "4 shards",
                    "GTEST_PORT_ADDRESS_RANGE"}},
        BadEnvCase{"LockDirRelative", {{"GTEST_PORT_LOCK_DIR", "relative/dir"}},
                   {"GTEST_PORT_LOCK_DIR=relative/dir", "absolute"}},
        BadEnvCase{"LockDirNotADirectory", {{"GTEST_PORT_LOCK_DIR", "/proc/version"}},
                   {"GTEST_PORT_LOCK_DIR=/proc/version"}}),
    [](const auto& info) { return std::string(info.param.name); });

// GoogleTest's sentinels and syntax for its shard variables, side by side
// with GoogleTest's own parser (testing::internal::ParseInt32, what its
// ShouldShard() reads them with): -1 is unset, "" is 0, leading whitespace
// and a sign are fine, anything after the number is not.
TEST_F(ConfigTest, ShardVariablesReadExactlyAsGoogleTestReadsThem) {
  for (const std::string index :
       {"", "0", "1", "-1", "+1", " 1", "\t\n1", "1 ", "01", "-0", "0x1",
        "1.0", " ", "+", "-", "2", "3", "2147483648", "-2147483649",
        "99999999999999999999", "1\n"}) {
    SCOPED_TRACE(absl::CHexEscape(index));
    env_["GTEST_SHARD_INDEX"] = index;
    env_["GTEST_TOTAL_SHARDS"] = "2";
    int32_t google_test = 0;
    ::testing::internal::CaptureStdout();  // ParseInt32's own warning.
    const bool parses =
        ::testing::internal::ParseInt32(::testing::Message(), index.c_str(),
                                        &google_test);
    ::testing::internal::GetCapturedStdout();
    // ShouldShard(): both set; 0 <= index < total, or both -1 (unset).
    const bool valid = parses && google_test >= 0 && google_test < 2;
    absl::StatusOr<Config> c = Resolve();
    EXPECT_EQ(c.ok(), valid) << c.status();
    if (c.ok()) {
      EXPECT_EQ(c->shard.index, google_test);
    }
  }
  // Both -1 means unset, as in GoogleTest; and 1 shard is no sharding.
  env_["GTEST_SHARD_INDEX"] = "-1";
  env_["GTEST_TOTAL_SHARDS"] = "-1";
  absl::StatusOr<Config> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->shard.total, 1);
  env_["GTEST_TOTAL_SHARDS"] = "2";
  EXPECT_FALSE(Resolve().ok());
  env_["GTEST_SHARD_INDEX"] = "";
  env_["GTEST_TOTAL_SHARDS"] = "1";
  c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->shard.index, 0);
  EXPECT_EQ(c->shard.total, 1);
}

TEST_F(ConfigTest, EphemeralOverlapIsWarnedAboutAndSkipped) {
  if (!gtest_port_internal::kLinuxBackend) {
    GTEST_SKIP() << "the portable POSIX back-end reads no /proc: the "
                    "ephemeral range comes from sysctl on macOS, none on Linux";
  }
  env_["GTEST_PORT_RANGE"] = "30000-40000";
  absl::StatusOr<Config> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_THAT(c->warnings[0],
              AllOf(HasSubstr("30000-40000"), HasSubstr("32768-60999"),
                    HasSubstr("skips ports 32768-40000")));
  EXPECT_EQ(c->candidates.size(), 32767 - 30000 + 1);
  for (int i = 0; i < c->candidates.size(); ++i) {
    ASSERT_LT(c->candidates.port(i), 32768);
  }
}

// The ports browsers refuse are skipped unless allowed, by the variable or
// by Options (which wins).
TEST_F(ConfigTest, UnsafePortsAreSkippedUnlessAllowed) {
  env_["GTEST_PORT_RANGE"] = "6660-6670";
  absl::StatusOr<Config> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->allow_unsafe_ports);
  EXPECT_EQ(c->candidates.size(), 6);  // 6660-6664 and 6670.
  EXPECT_THAT(c->candidates.skipped_unsafe(),
              ElementsAre(6665, 6666, 6667, 6668, 6669));
  EXPECT_THAT(c->warnings, IsEmpty());

  env_["GTEST_PORT_ALLOW_UNSAFE_PORTS"] = "1";
  c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->allow_unsafe_ports);
  EXPECT_EQ(c->candidates.size(), 11);

  gtest_port::Options options;
  options.allow_unsafe_ports = false;
  c = Resolve(options);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->candidates.size(), 6);
}

TEST_F(ConfigTest, ASliceOfUnsafePortsOnlyIsAnErrorSayingHowToAllowThem) {
  env_["GTEST_PORT_RANGE"] = "6665-6669";
  absl::StatusOr<Config> c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(),
              AllOf(HasSubstr("6665-6669"),
                    HasSubstr("6665, 6666, 6667, 6668, 6669 refused by web "
                              "browsers"),
                    HasSubstr("GTEST_PORT_ALLOW_UNSAFE_PORTS=1"),
                    HasSubstr("GTEST_PORT_RANGE")));
}

TEST_F(ConfigTest, SliceEntirelyInsideEphemeralRangeIsAnError) {
  if (!gtest_port_internal::kLinuxBackend) {
    GTEST_SKIP() << "the portable POSIX back-end reads no /proc: the "
                    "ephemeral range comes from sysctl on macOS, none on Linux";
  }
  env_["GTEST_PORT_RANGE"] = "40000-40999";
  absl::StatusOr<Config> c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              AllOf(HasSubstr("40000-40999"), HasSubstr("ephemeral"),
                    HasSubstr("GTEST_PORT_RANGE")));
}

TEST_F(ConfigTest, UnreadableEphemeralRangeIsAWarningNotAnError) {
  if (!gtest_port_internal::kLinuxBackend) {
    GTEST_SKIP() << "the portable POSIX back-end reads no /proc: the "
                    "ephemeral range comes from sysctl on macOS, none on Linux";
  }
  ON_CALL(system_, ReadFile(kLinuxEphemeralFile))
      .WillByDefault(Return(std::string("garbage")));
  absl::StatusOr<Config> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_THAT(c->warnings[0], HasSubstr("garbage"));
  EXPECT_EQ(c->candidates.size(), 12768);
}

TEST_F(ConfigTest, MissingProcFileMeansNoEphemeralRange) {
  ON_CALL(system_, ReadFile(kLinuxEphemeralFile))
      .WillByDefault(Return(absl::NotFoundError("no /proc")));
  absl::StatusOr<Config> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->ephemeral.has_value());
  EXPECT_THAT(c->warnings, ::testing::IsEmpty());
}

TEST_F(ConfigTest, LockDirSelectsLockFilesAndIsCreated) {
  const std::string dir = ::testing::TempDir() + "gtest_port_config_test_locks";
  env_["GTEST_PORT_LOCK_DIR"] = dir;
  absl::StatusOr<Config> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->lock_dir, dir);
  EXPECT_EQ(::access(dir.c_str(), W_OK), 0);
}

}  // namespace
}  // namespace gtest_port_internal
