// Tests of the `gtest-port` command-line tool: the real binary, run as a
// child process against real reservations held by other processes
// (tests/testing/port_holder, test_holder), a real TCP listener, and free
// ports; `reserve` running real commands.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "gtest_port/port_users.h"
#include "gtest_port/version.h"
#include "tests/testing/private_address_pool.h"
#include "tests/testing/private_range.h"
#include "tests/testing/sockets.h"
#include "tests/testing/subprocess.h"

namespace gtest_port {
namespace {

using ::gtest_port_testing::ExitInfo;
using ::gtest_port_testing::HelperPath;
using ::gtest_port_testing::PrivateRange;
using ::gtest_port_testing::Subprocess;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

constexpr absl::Duration kTimeout = absl::Seconds(60);

// The gtest-port binary: GTEST_PORT_CLI from the environment if set, else
// the path CMake compiled in, else where Bazel puts //tools:gtest-port
// beside //tests.
std::string CliPath() {
  if (const char* path = std::getenv("GTEST_PORT_CLI"); path != nullptr) {
    return path;
  }
#ifdef GTEST_PORT_CLI
  return GTEST_PORT_CLI;
#else
  return HelperPath("../tools/gtest-port");
#endif
}

// The environment every run gets: no shard variables, no port server, the
// private range.
std::vector<std::string> BaseEnv(const PrivateRange* range) {
  std::vector<std::string> env = {"GTEST_SHARD_INDEX",  "GTEST_TOTAL_SHARDS",
                                  "PORTSERVER_ADDRESS", "GTEST_PORT_LOCK_DIR",
                                  "GTEST_PORT_VERBOSE", "GTEST_OUTPUT"};
  if (range != nullptr) env.push_back(range->EnvEntry());
  return env;
}

ExitInfo RunCli(std::vector<std::string> args,
                const PrivateRange* range = nullptr,
                std::vector<std::string> extra_env = {}) {
  args.insert(args.begin(), CliPath());
  std::vector<std::string> env = BaseEnv(range);
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  absl::StatusOr<ExitInfo> run = gtest_port_testing::Run(args, env, kTimeout);
  EXPECT_TRUE(run.ok()) << run.status();
  return run.ok() ? *run : ExitInfo();
}

// A second process holding reservations; its ports are read up to "READY".
struct Holder {
  Subprocess process;
  std::vector<int> ports;
};

absl::StatusOr<Holder> StartHolder(std::vector<std::string> argv,
                                   const PrivateRange& range) {
  absl::StatusOr<Subprocess> child = Subprocess::Start(argv, BaseEnv(&range));
  if (!child.ok()) return child.status();
  Holder holder{*std::move(child), {}};
  absl::StatusOr<gtest_port_testing::HolderOutput> out =
      gtest_port_testing::ReadHolderOutput(holder.process, kTimeout);
  if (!out.ok()) return out.status();
  holder.ports = std::move(out->ports);
  return holder;
}

// --- help and usage --------------------------------------------------------

struct HelpCase {
  const char* name;
  std::vector<std::string> args;
  std::string first_line;
};

class CliHelpTest : public ::testing::TestWithParam<HelpCase> {};

TEST_P(CliHelpTest, PrintsUsageOnStdoutAndExitsZero) {
  const ExitInfo run = RunCli(GetParam().args);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, StartsWith(GetParam().first_line));
}

INSTANTIATE_TEST_SUITE_P(
    Table, CliHelpTest,
    ::testing::Values(
        HelpCase{"Main", {"--help"}, "usage: gtest-port COMMAND"},
        HelpCase{"MainShort", {"-h"}, "usage: gtest-port COMMAND"},
        HelpCase{"Help", {"help"}, "usage: gtest-port COMMAND"},
        HelpCase{"List", {"list", "--help"}, "usage: gtest-port list\n"},
        HelpCase{"HelpList", {"help", "list"}, "usage: gtest-port list\n"},
        HelpCase{"Who", {"who", "--help"}, "usage: gtest-port who PORT\n"},
        HelpCase{"WhoHelpAfterPort",
                 {"who", "123", "-h"},
                 "usage: gtest-port who PORT\n"},
        HelpCase{"Reserve", {"reserve", "--help"}, "usage: gtest-port reserve"},
        HelpCase{
            "HelpReserve", {"help", "reserve"}, "usage: gtest-port reserve"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CliVersionTest, PrintsTheLibrarysVersionAndExitsZero) {
  for (const char* spelling : {"--version", "version"}) {
    const ExitInfo run = RunCli({spelling});
    EXPECT_EQ(run.exit_code, 0) << spelling << ": " << run.output;
    EXPECT_EQ(run.output, absl::StrCat("gtest-port ", Version(), "\n"))
        << spelling;
  }
}

TEST(CliVersionTest, AnArgumentAfterVersionIsAUsageError) {
  const ExitInfo run = RunCli({"--version", "list"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("--version: unexpected argument \"list\"; it takes "
                        "none"));
}

struct UsageCase {
  const char* name;
  std::vector<std::string> args;
  std::string message;  // On stderr, after "gtest-port ...: ".
};

class CliUsageTest : public ::testing::TestWithParam<UsageCase> {};

TEST_P(CliUsageTest, ExitsTwoNamingWhatWasWrongAndWhatIsAccepted) {
  const ExitInfo run = RunCli(GetParam().args);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output,
              AllOf(HasSubstr(GetParam().message), HasSubstr("--help'.")));
  EXPECT_THAT(run.output, Not(HasSubstr("COMMAND_RAN")))
      << "no command may run";
}

INSTANTIATE_TEST_SUITE_P(
    Table, CliUsageTest,
    ::testing::Values(
        UsageCase{"NoCommand", {}, "gtest-port: missing COMMAND"},
        UsageCase{
            "UnknownCommand",
            {"frob"},
            "unknown command \"frob\"; expected list, who, reserve, serve or "
            "help"},
        UsageCase{
            "HelpForUnknown", {"help", "frob"}, "unknown command \"frob\""},
        UsageCase{"ListWithArgument",
                  {"list", "all"},
                  "gtest-port list: unexpected argument \"all\""},
        UsageCase{"WhoWithoutPort", {"who"}, "gtest-port who: missing PORT"},
        UsageCase{
            "WhoTwoPorts", {"who", "1", "2"}, "expected exactly one PORT"},
        UsageCase{"WhoNotANumber",
                  {"who", "http"},
                  "invalid PORT \"http\": expected a number from 1 to 65535"},
        UsageCase{"WhoTrailingJunk",
                  {"who", "20001x"},
                  "invalid PORT \"20001x\": expected a number from 1 to 65535"},
        UsageCase{"WhoZero", {"who", "0"}, "invalid PORT \"0\""},
        UsageCase{"WhoTooLarge", {"who", "65536"}, "invalid PORT \"65536\""},
        UsageCase{"WhoNegative", {"who", "-5"}, "invalid PORT \"-5\""},
        UsageCase{"ReserveWithoutCommand",
                  {"reserve"},
                  "gtest-port reserve: missing COMMAND"},
        UsageCase{"ReserveOnlyOptions",
                  {"reserve", "-n", "2", "--"},
                  "missing COMMAND"},
        UsageCase{"ReserveCountNotANumber",
                  {"reserve", "-n", "two", "--", "echo", "COMMAND_RAN"},
                  "invalid number of ports \"two\": expected a number from 1 "
                  "to 1000"},
        UsageCase{"ReserveCountZero",
                  {"reserve", "-n0", "echo", "COMMAND_RAN"},
                  "invalid number of ports \"0\""},
        UsageCase{"ReserveCountTooLarge",
                  {"reserve", "--count=1001", "echo", "COMMAND_RAN"},
                  "invalid number of ports \"1001\""},
        UsageCase{"ReserveCountMissing",
                  {"reserve", "-n"},
                  "-n needs a number of ports"},
        UsageCase{"ReserveUnknownOption",
                  {"reserve", "-x", "--", "echo", "COMMAND_RAN"},
                  "unknown option \"-x\"; expected -n N, --block or --"}),
    [](const auto& info) { return std::string(info.param.name); });

// --- who -------------------------------------------------------------------

TEST(CliWhoTest, NamesAnotherProcesssReservation) {
  PrivateRange range(1);
  absl::StatusOr<Holder> holder =
      StartHolder({HelperPath("port_holder")}, range);
  ASSERT_TRUE(holder.ok()) << holder.status();
  const ExitInfo run = RunCli({"who", absl::StrCat(range.first())});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output, absl::StrCat("port ", range.first(),
                                     ": reserved by gtest_port in pid ",
                                     holder->process.pid(), " (",
                                     HelperPath("port_holder"), ")\n"));
}

TEST(CliWhoTest, NamesTheTestBehindAnotherProcesssReservation) {
  PrivateRange range(2);
  absl::StatusOr<Holder> holder =
      StartHolder({HelperPath("test_holder"),
                   "--gtest_filter=TestHolder.HoldsUntilStdinCloses"},
                  range);
  ASSERT_TRUE(holder.ok()) << holder.status();
  ASSERT_EQ(holder->ports.size(), 2u);
  const ExitInfo run = RunCli({"who", absl::StrCat(holder->ports[1])});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output,
              AllOf(StartsWith(absl::StrCat("port ", holder->ports[1],
                                            ": reserved by gtest_port in pid ",
                                            holder->process.pid(), " (")),
                    HasSubstr("test_holder --gtest_filter="),
                    HasSubstr("), test TestHolder.HoldsUntilStdinCloses\n")));
}

TEST(CliWhoTest, NamesAForeignListenerAndItsProcess) {
  PrivateRange range(1);
  absl::StatusOr<gtest_port_internal::UniqueFd> listener =
      gtest_port_testing::BindSocket(SOCK_STREAM, range.first(),
                                     gtest_port_testing::Address::kAny4);
  ASSERT_TRUE(listener.ok()) << listener.status();
  const ExitInfo run = RunCli({"who", absl::StrCat(range.first())});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(
      run.output,
      AllOf(StartsWith(absl::StrCat("port ", range.first(), ": in use by pid ",
                                    ::getpid(), " (")),
            HasSubstr("gtest_port_cli_test"),
            HasSubstr(absl::StrCat(
                "not reserved through gtest_port; sockets: tcp "
                "0.0.0.0:",
                range.first(), " LISTEN (pid ", ::getpid(), ")\n"))));
}

TEST(CliWhoTest, ARedisServerThatRewroteItsCommandLineShowsNoPadding) {
  constexpr char kRedisServer[] = "/usr/bin/redis-server";
  if (::access(kRedisServer, X_OK) != 0) {
    GTEST_SKIP() << "no " << kRedisServer
                 << " (scripts/setup.sh installs redis-server)";
  }
  PrivateRange range(1);
  const std::string port = absl::StrCat(range.first());
  absl::StatusOr<Subprocess> redis = Subprocess::Start(
      {kRedisServer, "--port", port, "--bind", "127.0.0.1", "--save", "",
       "--appendonly", "no"},
      {});
  ASSERT_TRUE(redis.ok()) << redis.status();
  // Up (and its argv rewritten) once it listens.
  const absl::Time deadline = absl::Now() + kTimeout;
  ExitInfo run;
  for (;;) {
    run = RunCli({"who", port});
    if (absl::StrContains(run.output, " LISTEN ")) break;
    ASSERT_LT(absl::Now(), deadline) << run.output;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output,
              AllOf(StartsWith(absl::StrCat("port ", port, ": in use by pid ",
                                            redis->pid(), " (")),
                    HasSubstr(absl::StrCat("redis-server 127.0.0.1:", port)),
                    Not(HasSubstr("''"))))
      << run.output;
  redis->Kill(SIGKILL);
  EXPECT_TRUE(redis->Wait(kTimeout).ok());
}

TEST(CliWhoTest, SaysAFreePortIsFree) {
  PrivateRange range(1);
  const ExitInfo run = RunCli({"who", absl::StrCat(range.first())});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output, absl::StrCat("port ", range.first(),
                                     ": free (no gtest_port reservation, no "
                                     "TCP or UDP socket)\n"));
}

// Runs `args` of gtest-port as the unprivileged user "nobody"; nullopt when
// this host cannot (not root, no setpriv).
std::optional<ExitInfo> RunCliAsNobody(std::vector<std::string> args) {
  struct stat st;
  if (::geteuid() != 0 || ::stat("/usr/bin/setpriv", &st) != 0) {
    return std::nullopt;
  }
  args.insert(args.begin(), {"/usr/bin/setpriv", "--reuid=65534",
                             "--regid=65534", "--clear-groups", CliPath()});
  absl::StatusOr<ExitInfo> run =
      gtest_port_testing::Run(args, BaseEnv(nullptr), kTimeout);
  if (!run.ok() || run->exit_code == 126 || run->exit_code == 127 ||
      absl::StrContains(run->output, "setpriv:")) {
    return std::nullopt;  // E.g. the binary is not readable by nobody.
  }
  return *run;
}

// Another user sees as much of a reservation as its claim shows. Linux finds
// a claim socket's owner in /proc/<pid>/fd, which only the owner (and root)
// may read: the pid is unknown. A lock file publishes its holder's pid to
// every user, so the portable POSIX back-end names the process.
TEST(CliWhoTest, AnotherUsersReservationShowsWhatItsClaimShows) {
  PrivateRange range(1);
  absl::StatusOr<Holder> holder =
      StartHolder({HelperPath("port_holder")}, range);
  ASSERT_TRUE(holder.ok()) << holder.status();
  std::optional<ExitInfo> run =
      RunCliAsNobody({"who", absl::StrCat(range.first())});
  if (!run.has_value()) {
    GTEST_SKIP() << "cannot run gtest-port as another user here (needs root "
                    "and /usr/bin/setpriv)";
  }
  EXPECT_EQ(run->exit_code, 0) << run->output;
  const std::string owner =
      gtest_port_internal::kLinuxBackend
          ? "pid unknown (not permitted)"
          : absl::StrCat("pid ", holder->process.pid(), " (",
                         HelperPath("port_holder"), ")");
  EXPECT_EQ(run->output, absl::StrCat("port ", range.first(),
                                      ": reserved by gtest_port in ", owner,
                                      "\n"));
}

// --- list ------------------------------------------------------------------

// The lines of `list` output for ports in `range`, columns single-spaced.
std::vector<std::string> ListedInRange(const std::string& output,
                                       const PrivateRange& range) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    const std::vector<std::string> columns =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    int port = 0;
    if (columns.empty() || !absl::SimpleAtoi(columns[0], &port) ||
        !range.range().contains(port)) {
      continue;
    }
    lines.push_back(absl::StrJoin(columns, " "));
  }
  return lines;
}

TEST(CliListTest, ListsEveryReservationWithPidTestAndCommandLine) {
  PrivateRange range(3);
  absl::StatusOr<Holder> plain =
      StartHolder({HelperPath("port_holder")}, range);
  ASSERT_TRUE(plain.ok()) << plain.status();
  absl::StatusOr<Holder> test =
      StartHolder({HelperPath("test_holder"),
                   "--gtest_filter=TestHolder.HoldsUntilStdinCloses"},
                  range);
  ASSERT_TRUE(test.ok()) << test.status();

  const ExitInfo run = RunCli({"list"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, MatchesRegex("PORT +PID +TEST +COMMAND\n(.|\n)*"));
  std::vector<std::pair<int, std::string>> expected = {
      {plain->ports[0], absl::StrCat(plain->ports[0], " ", plain->process.pid(),
                                     " - ", HelperPath("port_holder"))}};
  for (int port : test->ports) {
    expected.emplace_back(
        port, absl::StrCat(port, " ", test->process.pid(),
                           " TestHolder.HoldsUntilStdinCloses ",
                           HelperPath("test_holder"),
                           " --gtest_filter=TestHolder.HoldsUntilStdinCloses"));
  }
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> expected_lines;
  for (auto& [port, line] : expected) expected_lines.push_back(line);
  EXPECT_EQ(ListedInRange(run.output, range), expected_lines) << run.output;
}

// As for `who`: the pid is unknown to another user on Linux and published
// in the lock file on the portable POSIX back-end.
TEST(CliListTest, AnotherUsersReservationsShowWhatTheirClaimsShow) {
  PrivateRange range(1);
  absl::StatusOr<Holder> holder =
      StartHolder({HelperPath("port_holder")}, range);
  ASSERT_TRUE(holder.ok()) << holder.status();
  std::optional<ExitInfo> run = RunCliAsNobody({"list"});
  if (!run.has_value()) {
    GTEST_SKIP() << "cannot run gtest-port as another user here";
  }
  EXPECT_EQ(run->exit_code, 0) << run->output;
  const std::string owner =
      gtest_port_internal::kLinuxBackend
          ? "? - pid unknown (not permitted)"
          : absl::StrCat(holder->process.pid(), " - ",
                         HelperPath("port_holder"));
  EXPECT_THAT(ListedInRange(run->output, range),
              ElementsAre(absl::StrCat(range.first(), " ", owner)));
}

// --- reserve ---------------------------------------------------------------

// The NAME=VALUE pairs a command printed, one per line.
std::map<std::string, std::string> Printed(const std::string& output) {
  std::map<std::string, std::string> values;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    const size_t eq = line.find('=');
    if (eq != absl::string_view::npos) {
      values[std::string(line.substr(0, eq))] =
          std::string(line.substr(eq + 1));
    }
  }
  return values;
}

int Int(const std::string& text) {
  int value = -1;
  EXPECT_TRUE(absl::SimpleAtoi(text, &value)) << "\"" << text << "\"";
  return value;
}

TEST(CliReserveTest, RunsTheCommandWithThePortsAndExitsWithItsStatus) {
  PrivateRange range(10);
  const ExitInfo run = RunCli(
      {"reserve", "-n", "3", "--", "/bin/sh", "-c",
       "echo P=$GTEST_PORT; echo P0=$GTEST_PORT_0; echo P1=$GTEST_PORT_1; "
       "echo P2=$GTEST_PORT_2; echo P3=${GTEST_PORT_3-unset}; exit 7"},
      &range, {"GTEST_PORT_3=12345"});
  EXPECT_EQ(run.exit_code, 7) << run.output;
  std::map<std::string, std::string> values = Printed(run.output);
  EXPECT_EQ(values["P"], values["P0"]);
  const std::set<int> ports = {Int(values["P0"]), Int(values["P1"]),
                               Int(values["P2"])};
  EXPECT_EQ(ports.size(), 3u) << run.output;
  for (int port : ports) EXPECT_TRUE(range.range().contains(port)) << port;
  EXPECT_EQ(values["P3"], "unset") << "an enclosing reserve's variable leaked";

  // Released when the command ended.
  for (int port : ports) {
    absl::StatusOr<PortUser> user = DescribePortUser(port);
    ASSERT_TRUE(user.ok()) << user.status();
    EXPECT_EQ(user->kind, PortUser::Kind::kNobody) << user->ToString();
  }
}

TEST(CliReserveTest, BlockGivesConsecutivePorts) {
  PrivateRange range(10);
  const ExitInfo run = RunCli(
      {"reserve", "--block", "--count=3", "/bin/sh", "-c",
       "echo P0=$GTEST_PORT_0; echo P1=$GTEST_PORT_1; echo P2=$GTEST_PORT_2"},
      &range);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  std::map<std::string, std::string> values = Printed(run.output);
  const int first = Int(values["P0"]);
  EXPECT_TRUE(range.range().contains(first)) << run.output;
  EXPECT_EQ(Int(values["P1"]), first + 1);
  EXPECT_EQ(Int(values["P2"]), first + 2);
}

TEST(CliReserveTest, PortsAreHeldByGtestPortWhileTheCommandRuns) {
  PrivateRange range(2);
  // The command asks gtest-port itself who holds its port: its parent, the
  // `gtest-port reserve` process.
  const ExitInfo run =
      RunCli({"reserve", "/bin/sh", "-c",
              "echo PARENT=$PPID; \"$0\" who $GTEST_PORT", CliPath()},
             &range);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  const std::string parent = Printed(run.output)["PARENT"];
  EXPECT_THAT(run.output,
              HasSubstr(absl::StrCat(": reserved by gtest_port in pid ", parent,
                                     " (", CliPath(), " reserve /bin/sh -c ")))
      << run.output;
}

TEST(CliReserveTest, ACommandKilledBySignalGivesOneHundredTwentyEightPlusIt) {
  PrivateRange range(2);
  const ExitInfo run =
      RunCli({"reserve", "--", "/bin/sh", "-c", "kill -TERM $$"}, &range);
  EXPECT_EQ(run.term_signal, 0);
  EXPECT_EQ(run.exit_code, 128 + SIGTERM) << run.output;
}

TEST(CliReserveTest, SigtermIsPassedOnToTheCommand) {
  PrivateRange range(2);
  std::vector<std::string> argv = {CliPath(), "reserve", "/bin/sh", "-c",
                                   "echo READY; exec cat"};
  absl::StatusOr<Subprocess> reserve = Subprocess::Start(argv, BaseEnv(&range));
  ASSERT_TRUE(reserve.ok()) << reserve.status();
  absl::StatusOr<std::string> ready = reserve->ReadLine(kTimeout);
  ASSERT_TRUE(ready.ok()) << ready.status();
  ASSERT_EQ(*ready, "READY");
  reserve->Kill(SIGTERM);
  absl::StatusOr<ExitInfo> exit = reserve->Wait(kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  // gtest-port itself survived the signal, passed it on, and reported the
  // command's death by it.
  EXPECT_EQ(exit->term_signal, 0);
  EXPECT_EQ(exit->exit_code, 128 + SIGTERM) << exit->output;
}

TEST(CliReserveTest, ACommandThatCannotRunGivesOneHundredTwentySixOrSeven) {
  PrivateRange range(2);
  const ExitInfo missing =
      RunCli({"reserve", "--", "/nonexistent/gtest-port-command"}, &range);
  EXPECT_EQ(missing.exit_code, 127) << missing.output;
  EXPECT_THAT(missing.output,
              HasSubstr("gtest-port reserve: cannot run "
                        "/nonexistent/gtest-port-command: No such file"));

  const std::string not_executable = absl::StrCat(
      ::testing::TempDir(), "gtest_port_cli_test_not_executable_", ::getpid());
  std::ofstream(not_executable) << "#!/bin/sh\necho COMMAND_RAN\n";
  ::chmod(not_executable.c_str(), 0644);
  const ExitInfo denied = RunCli({"reserve", not_executable}, &range);
  ::unlink(not_executable.c_str());
  EXPECT_EQ(denied.exit_code, 126) << denied.output;
  EXPECT_THAT(denied.output, HasSubstr("cannot run"));
  EXPECT_THAT(denied.output, Not(HasSubstr("COMMAND_RAN")));
}

TEST(CliReserveTest, NoFreePortFailsWithTheReasonAndRunsNothing) {
  PrivateRange range(1);
  absl::StatusOr<Holder> holder =
      StartHolder({HelperPath("port_holder")}, range);
  ASSERT_TRUE(holder.ok()) << holder.status();
  const ExitInfo run = RunCli({"reserve", "echo", "COMMAND_RAN"}, &range);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output,
              AllOf(StartsWith("gtest-port reserve: RESOURCE_EXHAUSTED"),
                    HasSubstr("held by other gtest_port reservations"),
                    Not(HasSubstr("COMMAND_RAN"))));
}

TEST(CliReserveTest, ABadConfigurationFailsNamingTheVariable) {
  const ExitInfo run = RunCli({"reserve", "echo", "COMMAND_RAN"}, nullptr,
                              {"GTEST_PORT_RANGE=lots"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, AllOf(HasSubstr("GTEST_PORT_RANGE=lots"),
                                Not(HasSubstr("COMMAND_RAN"))));
}

// --- addresses ----------------------------------------------------------------

TEST(CliAddressTest, WhoAndListShowAHeldAddressWithItsHolder) {
  PrivateRange range(1);
  gtest_port_testing::PrivateAddressPool pool(1);
  std::vector<std::string> env = BaseEnv(&range);
  env.push_back(pool.EnvEntry());
  absl::StatusOr<Subprocess> holder = Subprocess::Start(
      {HelperPath("port_holder"), "--addresses=1", "--fixed-port=9042"}, env);
  ASSERT_TRUE(holder.ok()) << holder.status();
  absl::StatusOr<std::string> line = holder->ReadLine(kTimeout);
  ASSERT_TRUE(line.ok()) << line.status();
  ASSERT_THAT(*line, StartsWith("ADDRESS "));
  const std::string address = line->substr(8);
  ASSERT_TRUE(holder->ReadLineStartingWith("READY", kTimeout).ok());

  ExitInfo who = RunCli({"who", address});
  EXPECT_EQ(who.exit_code, 0) << who.output;
  EXPECT_THAT(who.output,
              AllOf(HasSubstr(absl::StrCat("address ", address,
                                           ": reserved by gtest_port in pid ",
                                           holder->pid())),
                    HasSubstr("port_holder")));

  ExitInfo list = RunCli({"list"});
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_THAT(list.output, HasSubstr("ADDRESS"));
  bool listed = false;
  for (absl::string_view l : absl::StrSplit(list.output, '\n')) {
    listed = listed || (absl::StartsWith(l, address + " ") &&
                        absl::StrContains(l, absl::StrCat(" ", holder->pid(), " ")) &&
                        absl::StrContains(l, "port_holder"));
  }
  EXPECT_TRUE(listed) << list.output;

  holder->CloseStdin();
  ASSERT_TRUE(holder->Wait(kTimeout).ok());
  who = RunCli({"who", address});
  EXPECT_THAT(who.output,
              HasSubstr(absl::StrCat("address ", address,
                                     ": not reserved through gtest_port")));
  EXPECT_THAT(RunCli({"list"}).output, Not(HasSubstr(address + " ")));

  ExitInfo bad = RunCli({"who", "10.0.0.1"});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("not a loopback address: expected 127.x.y.z"));
}

}  // namespace
}  // namespace gtest_port
