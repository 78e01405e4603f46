// The rows of docs/bad-input.md that no other test covers: for each bad (or
// merely odd) input, exactly what gtest_port answers. Messages must name
// the setting and the value -- escaped, so a control byte cannot garble them
// -- and say what is accepted.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "gtest_port/internal/platform/claim.h"
#include "gtest_port/internal/engine/config.h"
#include "tests/testing/config_fixture.h"
#include "tests/testing/mock_system.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::FailWith;
using ::gtest_port_testing::MockSystem;
using ::testing::_;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Return;

// True when `text` has no byte outside printable ASCII.
bool Printable(absl::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

class BadInputTest : public ::gtest_port_testing::ConfigFixture {};

struct EscapeCase {
  const char* name;
  std::map<std::string, std::string> env;
  std::string escaped;  // How the value appears in the message.
};

class ControlBytesTest : public BadInputTest,
                         public ::testing::WithParamInterface<EscapeCase> {};

TEST_P(ControlBytesTest, AreEscapedInTheMessage) {
  env_ = GetParam().env;
  absl::StatusOr<Config> c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr(GetParam().escaped));
  EXPECT_TRUE(Printable(c.status().message())) << c.status();
}

INSTANTIATE_TEST_SUITE_P(
    Table, ControlBytesTest,
    ::testing::Values(EscapeCase{"ShardIndexWithNewline",
                                 {{"GTEST_SHARD_INDEX", "1\nx"},
                                  {"GTEST_TOTAL_SHARDS", "2"}},
                                 "GTEST_SHARD_INDEX=1\\nx: not an integer"},
                      EscapeCase{"TotalShardsWithEscapeSequence",
                                 {{"GTEST_SHARD_INDEX", "0"},
                                  {"GTEST_TOTAL_SHARDS", "\x1b[2J"}},
                                 "GTEST_TOTAL_SHARDS=\\x1b[2J: not an integer"},
                      EscapeCase{"VerboseWithTab",
                                 {{"GTEST_PORT_VERBOSE", "1\t"}},
                                 "GTEST_PORT_VERBOSE=1\\t: not a boolean"},
                      EscapeCase{"RangeWithBell",
                                 {{"GTEST_PORT_RANGE", "20000-2\a"}},
                                 "GTEST_PORT_RANGE=20000-2\\x07: "}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(BadInputTest, EmptyVariablesMeanUnset) {
  env_ = {{"GTEST_PORT_RANGE", ""},
               {"GTEST_PORT_VERBOSE", ""},
               {"GTEST_PORT_LOCK_DIR", ""}};
  absl::StatusOr<Config> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(FormatPortRange(c->range), "20000-32767");
  EXPECT_FALSE(c->verbose);
  // The platform's default claim: abstract sockets on Linux, the host-wide
  // lock directory on the portable back-end.
  EXPECT_EQ(c->lock_dir, gtest_port_internal::kLinuxBackend
                             ? ""
                             : gtest_port_internal::kPosixDefaultLockDir);
}

// A value of any size gets a message of bounded size: the value is quoted
// cut, with its length.
TEST_F(BadInputTest, HugeValuesGetBoundedMessages) {
  const std::string huge = std::string(1 << 20, '9') + "\x1b[2J";
  for (const char* variable :
       {"GTEST_PORT_RANGE", "GTEST_PORT_VERBOSE", "GTEST_SHARD_INDEX",
        "GTEST_TOTAL_SHARDS", "PORTSERVER_ADDRESS", "GTEST_PORT_LOCK_DIR"}) {
    SCOPED_TRACE(variable);
    env_.clear();
    env_[variable] = huge;
    if (std::string(variable) == "GTEST_PORT_RANGE") {
      env_[variable] = "20000-" + huge;  // A huge HI, quoted twice.
    }
    absl::StatusOr<Config> c = Resolve();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_LE(c.status().message().size(), 1024u) << c.status().message().substr(0, 2000);
    EXPECT_THAT(c.status().message(), HasSubstr(variable));
  }
}

TEST_F(BadInputTest, WhitespaceOnlyRangeIsEmpty) {
  env_["GTEST_PORT_RANGE"] = "  \t";
  absl::StatusOr<Config> c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(),
              AllOf(HasSubstr("GTEST_PORT_RANGE=  \\t: "),
                    HasSubstr("is empty"), HasSubstr("expected LO-HI")));
}

TEST_F(BadInputTest, ShardNumberTooLargeForAnIntIsNotAnInteger) {
  env_ = {{"GTEST_SHARD_INDEX", "0"},
               {"GTEST_TOTAL_SHARDS", "99999999999"}};
  absl::StatusOr<Config> c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              HasSubstr("GTEST_TOTAL_SHARDS=99999999999: not an integer"));
}

TEST_F(BadInputTest, ZeroOrNegativeShardCountIsOutOfRange) {
  for (const char* total : {"0", "-3"}) {
    env_ = {{"GTEST_SHARD_INDEX", "0"}, {"GTEST_TOTAL_SHARDS", total}};
    absl::StatusOr<Config> c = Resolve();
    ASSERT_FALSE(c.ok()) << total;
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(c.status().message(),
                AllOf(HasSubstr(absl::StrCat("shard index 0 of ", total)),
                      HasSubstr("0 <= index < total")));
  }
}

TEST_F(BadInputTest, OptionsShardIndexWithoutTotalIsRejected) {
  gtest_port::Options options;
  options.shard_index = 1;
  absl::StatusOr<Config> c = Resolve(options);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("set both"));
}

TEST_F(BadInputTest, InvalidOptionsRangeNamesTheOptionAndWhatIsAccepted) {
  for (const gtest_port::PortRange range :
       {gtest_port::PortRange{80, 90}, gtest_port::PortRange{30000, 20000}}) {
    gtest_port::Options options;
    options.range = range;
    absl::StatusOr<Config> c = Resolve(options);
    ASSERT_FALSE(c.ok()) << FormatPortRange(range);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(
        c.status().message(),
        AllOf(HasSubstr(absl::StrCat("Options::range ", FormatPortRange(range),
                                     " is invalid")),
              HasSubstr("1024 <= LO <= HI <= 65535")));
  }
}

TEST_F(BadInputTest, RelativeOptionsLockDirNamesTheOption) {
  gtest_port::Options options;
  options.lock_dir = "locks";
  absl::StatusOr<Config> c = Resolve(options);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              AllOf(HasSubstr("lock_dir locks"), HasSubstr("absolute")));
}

TEST_F(BadInputTest, LockDirThatCannotBeCreatedNamesVariableAndCall) {
  // A regular file where a parent directory should be: mkdir fails ENOTDIR.
  const std::string file = ::testing::TempDir() + "gtest_port_bad_input_file";
  std::ofstream(file) << "not a directory\n";
  env_["GTEST_PORT_LOCK_DIR"] = file + "/locks";
  absl::StatusOr<Config> c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              AllOf(HasSubstr(absl::StrCat("GTEST_PORT_LOCK_DIR=", file,
                                           "/locks: mkdir")),
                    HasSubstr("Not a directory")));
}

TEST_F(BadInputTest, UnreadableEphemeralRangeFileIsAWarning) {
  if (!gtest_port_internal::kLinuxBackend) {
    GTEST_SKIP() << "the portable POSIX back-end reads no /proc: the "
                    "ephemeral range comes from sysctl on macOS, none on Linux";
  }
  ON_CALL(system_, ReadFile(kLinuxEphemeralFile))
      .WillByDefault(Return(absl::PermissionDeniedError("open: denied")));
  absl::StatusOr<Config> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->ephemeral.has_value());
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_THAT(c->warnings[0],
              AllOf(HasSubstr("cannot read the ephemeral port range"),
                    HasSubstr("denied"), HasSubstr("no ports are skipped")));
}

TEST_F(BadInputTest, EphemeralRangeFileWithAReversedRangeIsAWarning) {
  if (!gtest_port_internal::kLinuxBackend) {
    GTEST_SKIP() << "the portable POSIX back-end reads no /proc: the "
                    "ephemeral range comes from sysctl on macOS, none on Linux";
  }
  ON_CALL(system_, ReadFile(kLinuxEphemeralFile))
      .WillByDefault(Return(std::string("60999 32768\n")));
  absl::StatusOr<Config> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->ephemeral.has_value());
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_THAT(c->warnings[0], AllOf(HasSubstr("60999 32768\\n"),
                                    HasSubstr("not a kernel port range")));
}

TEST(BadLockFileTest, UnopenableLockFileIsAnErrorNamingThePath) {
  ::testing::NiceMock<MockSystem> system;
  ON_CALL(system, Open).WillByDefault(FailWith(EACCES));
  const PortClaimer claimer(system, ClaimMechanism::kLockFile, "/locks");
  absl::StatusOr<UniqueFd> claim = claimer.Claim(20001);
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(claim.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(claim.status().message(),
              AllOf(HasSubstr("open /locks/20001.lock"),
                    HasSubstr("claiming port 20001"),
                    Not(HasSubstr("out of file descriptors"))));
}

}  // namespace
}  // namespace gtest_port_internal
