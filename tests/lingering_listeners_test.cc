// Tests of internal/glue/lingering_listeners.h: a server that outlives its
// test. Directly, against real sockets of this process (no describer is
// installed here, as in a binary with its own main()); and end to end, as a
// user sees it: tests/testing/test_holder (linked with gtest_port_main)
// leaving a real redis-server running past PortFixture::TearDown().

#include "gtest_port/internal/glue/lingering_listeners.h"

#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/private_range.h"
#include "tests/testing/sockets.h"
#include "tests/testing/subprocess.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::Address;
using ::gtest_port_testing::BindSocket;
using ::gtest_port_testing::ExitInfo;
using ::gtest_port_testing::HelperPath;
using ::gtest_port_testing::PrivateRange;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

TEST(LingeringListenersTest, NamesAListenerStillOnAReleasedPort) {
  PrivateRange range(1);
  absl::StatusOr<UniqueFd> listener =
      BindSocket(SOCK_STREAM, range.first(), Address::kLoopback4);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_THAT(
      LingeringListeners("Suite.Test", {range.first()}),
      ElementsAre(absl::StrCat(
          "Suite.Test has ended, but a server still listens on port ",
          range.first(), ", which it reserved: run `gtest-port who ",
          range.first(),
          "` to see which process. Stop the servers a test starts before it "
          "ends.")));
}

TEST(LingeringListenersTest, AFreePortAndAClosedServersTimeWaitAreNotListeners) {
  // A port the kernel picked, not a private range's: the TIME_WAIT this test
  // leaves behind would make that port busy for the next test given it.
  const uint16_t port = gtest_port_testing::KernelPickedPort();
  ASSERT_NE(port, 0);
  {
    // A server that answered one connection and closed it first: its side
    // of the connection stays in TIME_WAIT after the listener is gone.
    absl::StatusOr<UniqueFd> listener =
        BindSocket(SOCK_STREAM, port, Address::kLoopback4);
    ASSERT_TRUE(listener.ok()) << listener.status();
    UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&addr),
                        sizeof(addr)),
              0);
    UniqueFd accepted(::accept4(listener->get(), nullptr, nullptr,
                                SOCK_CLOEXEC));
    ASSERT_TRUE(accepted.valid());
    accepted.reset();  // The server closes first: TIME_WAIT on its side.
    char c;
    EXPECT_EQ(::read(client.get(), &c, 1), 0);
  }
  // Another port the kernel picked as free; not port + 1, which may hold
  // the TIME_WAIT of another test's connection.
  const uint16_t free_port = gtest_port_testing::KernelPickedPort();
  ASSERT_NE(free_port, 0);
  ASSERT_NE(free_port, port);
  EXPECT_THAT(LingeringListeners("Suite.Test", {port, free_port}),
              IsEmpty());
}

// --- End to end: test_holder and a real redis-server -----------------------

constexpr char kRedisServer[] = "/usr/bin/redis-server";

ExitInfo RunHolder(const PrivateRange& range, const std::string& filter,
                   std::vector<std::string> env = {}) {
  for (const char* unset :
       {"GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS", "GTEST_PORT_LOCK_DIR",
        "GTEST_PORT_VERBOSE", "GTEST_PORT_FAIL_ON_LEAK", "PORTSERVER_ADDRESS",
        "XML_OUTPUT_FILE", "GTEST_OUTPUT"}) {
    bool set = false;
    for (const std::string& e : env) {
      set |= absl::StartsWith(e, absl::StrCat(unset, "="));
    }
    if (!set) env.push_back(unset);
  }
  env.push_back(range.EnvEntry());
  absl::StatusOr<ExitInfo> run = gtest_port_testing::Run(
      {HelperPath("test_holder"), absl::StrCat("--gtest_filter=", filter)},
      env, absl::Seconds(60));
  EXPECT_TRUE(run.ok()) << run.status();
  return run.ok() ? *run : ExitInfo();
}

// The number after `prefix` at the start of a line of `output`; 0 if none.
int ValueAfter(const std::string& output, absl::string_view prefix) {
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    int value = 0;
    if (absl::ConsumePrefix(&line, prefix) && absl::SimpleAtoi(line, &value)) {
      return value;
    }
  }
  return 0;
}

class LingeringRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kRedisServer, X_OK) != 0) {
      GTEST_SKIP() << "no " << kRedisServer
                   << " (scripts/setup.sh installs redis-server)";
    }
  }
};

TEST_F(LingeringRedisTest, ARedisLeftRunningIsAWarningNamingItsProcess) {
  PrivateRange range(1);
  const ExitInfo run =
      RunHolder(range, "TestHolderLingering.LeavesRedisListening");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  const int port = ValueAfter(run.output, "PORT ");
  const int pid = ValueAfter(run.output, "REDIS_PID ");
  ASSERT_NE(port, 0) << run.output;
  ASSERT_NE(pid, 0) << run.output;
  EXPECT_THAT(
      run.output,
      AllOf(HasSubstr(absl::StrCat(
                "[gtest_port] warning: TestHolderLingering.LeavesRedisListening"
                " has ended, but a server still listens on port ",
                port, ", which it reserved: port ", port, ": in use by pid ",
                pid, " (")),
            // redis-server rewrites its command line to one word, quoted.
            HasSubstr(absl::StrCat("redis-server 127.0.0.1:", port, "'")),
            HasSubstr("Stop the servers a test starts before it ends.")))
      << run.output;
}

TEST_F(LingeringRedisTest, WithFailOnLeakARedisLeftRunningFailsTheTest) {
  PrivateRange range(1);
  const ExitInfo run = RunHolder(range, "TestHolderLingering.LeavesRedisListening",
                                 {"GTEST_PORT_FAIL_ON_LEAK=1"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  const int port = ValueAfter(run.output, "PORT ");
  ASSERT_NE(port, 0) << run.output;
  EXPECT_THAT(run.output,
              AllOf(HasSubstr(absl::StrCat(
                        "GTEST_PORT_FAIL_ON_LEAK: Failure\ngtest_port: "
                        "TestHolderLingering.LeavesRedisListening has ended, "
                        "but a server still listens on port ",
                        port)),
                    HasSubstr("[  FAILED  ] "
                              "TestHolderLingering.LeavesRedisListening")))
      << run.output;
}

TEST_F(LingeringRedisTest, ARedisStoppedInTimeIsNotReported) {
  PrivateRange range(1);
  const ExitInfo run = RunHolder(range, "TestHolderLingering.StopsRedisInTime",
                                 {"GTEST_PORT_FAIL_ON_LEAK=1"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(ValueAfter(run.output, "REDIS_PID "), 0) << run.output;
  EXPECT_THAT(run.output, Not(HasSubstr("still listens"))) << run.output;
}

}  // namespace
}  // namespace gtest_port_internal
