// Tests of tools/gtest_port_cli.cc on Windows (with tools/run_holding_windows.cc):
// the real gtest-port.exe, run as a child process, the way the Linux tests
// (tests/gtest_port_cli_test.cc) run it -- help and usage errors, `who`
// against a real reservation of another process (reserve_holder.exe) and a
// real listener (socket_holder.exe), `list`, and `reserve` running cmd.exe
// with the ports in its environment and passing its exit code through.

#include <windows.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/platform/windows/run_command.h"
#include "gtest_port/internal/platform/windows/win32_error.h"
#include "gtest_port/port_users.h"
#include "gtest_port/version.h"
#include "tests/testing/private_range.h"
#include "tests/windows/testing/child_process.h"

namespace gtest_port {
namespace {

using ::gtest_port_internal::windows::CommandResult;
using ::gtest_port_internal::windows::Utf8ToWide;
using ::gtest_port_testing::PrivateRange;
using ::gtest_port_testing_windows::ChildProcess;
using ::gtest_port_testing_windows::ExecutableDirectory;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr absl::Duration kTimeout = absl::Seconds(120);

// Sets (or, with nullptr, unsets) an environment variable of this process,
// which the children inherit, for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(Utf8ToWide(name)) {
    wchar_t old[32768];
    const DWORD length = ::GetEnvironmentVariableW(name_.c_str(), old, 32768);
    had_ = length > 0 && length < 32768;
    if (had_) old_.assign(old, length);
    ::SetEnvironmentVariableW(
        name_.c_str(), value == nullptr ? nullptr : Utf8ToWide(value).c_str());
  }
  ~ScopedEnv() {
    ::SetEnvironmentVariableW(name_.c_str(), had_ ? old_.c_str() : nullptr);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::wstring name_;
  std::wstring old_;
  bool had_ = false;
};

// The environment every run gets, as on Linux: no shard variables, no port
// server, no lock directory; GTEST_PORT_RANGE=`range` when given.
class CliEnvironment {
 public:
  explicit CliEnvironment(const PrivateRange* range) {
    if (range != nullptr) {
      const std::string entry = range->EnvEntry();  // "GTEST_PORT_RANGE=..."
      range_ = std::make_unique<ScopedEnv>(
          "GTEST_PORT_RANGE", entry.substr(entry.find('=') + 1).c_str());
    }
  }

 private:
  ScopedEnv shard_index_{"GTEST_SHARD_INDEX", nullptr};
  ScopedEnv total_shards_{"GTEST_TOTAL_SHARDS", nullptr};
  ScopedEnv portserver_{"PORTSERVER_ADDRESS", nullptr};
  ScopedEnv lock_dir_{"GTEST_PORT_LOCK_DIR", nullptr};
  ScopedEnv verbose_{"GTEST_PORT_VERBOSE", nullptr};
  std::unique_ptr<ScopedEnv> range_;
};

std::wstring Quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_of(" \t\"") == std::string::npos) {
    return Utf8ToWide(arg);
  }
  std::wstring out = L"\"";
  for (wchar_t c : Utf8ToWide(arg)) {
    if (c == L'"') out += L'\\';
    out += c;
  }
  return out + L"\"";
}

std::wstring CliPath() { return ExecutableDirectory() + L"gtest-port.exe"; }

// Runs gtest-port.exe with `args`; its output is stdout and stderr together.
CommandResult RunCli(const std::vector<std::string>& args,
                     const PrivateRange* range = nullptr) {
  CliEnvironment env(range);
  std::wstring command = L"\"" + CliPath() + L"\"";
  for (const std::string& arg : args) command += L" " + Quote(arg);
  absl::StatusOr<CommandResult> run =
      gtest_port_internal::windows::RunCommand(command, kTimeout);
  EXPECT_TRUE(run.ok()) << run.status();
  if (!run.ok()) return CommandResult{9999, "", false};
  // The console's line ends, as the Linux tests expect them.
  std::string text;
  for (char c : run->output) {
    if (c != '\r') text += c;
  }
  run->output = text;
  return *run;
}

// --- help, version and usage -----------------------------------------------

struct HelpCase {
  const char* name;
  std::vector<std::string> args;
  std::string first_line;
};

class CliHelpTest : public ::testing::TestWithParam<HelpCase> {};

TEST_P(CliHelpTest, PrintsUsageOnStdoutAndExitsZero) {
  const CommandResult run = RunCli(GetParam().args);
  EXPECT_EQ(run.exit_code, 0u) << run.output;
  EXPECT_THAT(run.output, StartsWith(GetParam().first_line));
}

INSTANTIATE_TEST_SUITE_P(
    Table, CliHelpTest,
    ::testing::Values(
        HelpCase{"Main", {"--help"}, "usage: gtest-port COMMAND"},
        HelpCase{"MainShort", {"-h"}, "usage: gtest-port COMMAND"},
        HelpCase{"Help", {"help"}, "usage: gtest-port COMMAND"},
        HelpCase{"List", {"list", "--help"}, "usage: gtest-port list\n"},
        HelpCase{"Who", {"who", "--help"}, "usage: gtest-port who PORT\n"},
        HelpCase{"Reserve", {"reserve", "--help"}, "usage: gtest-port reserve"},
        HelpCase{
            "HelpReserve", {"help", "reserve"}, "usage: gtest-port reserve"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CliVersionTest, PrintsTheLibrarysVersionAndExitsZero) {
  for (const char* spelling : {"--version", "version"}) {
    const CommandResult run = RunCli({spelling});
    EXPECT_EQ(run.exit_code, 0u) << spelling << ": " << run.output;
    EXPECT_EQ(run.output, absl::StrCat("gtest-port ", Version(), "\n"))
        << spelling;
  }
}

struct UsageCase {
  const char* name;
  std::vector<std::string> args;
  std::string message;
};

class CliUsageTest : public ::testing::TestWithParam<UsageCase> {};

TEST_P(CliUsageTest, ExitsTwoNamingWhatWasWrongAndWhatIsAccepted) {
  const CommandResult run = RunCli(GetParam().args);
  EXPECT_EQ(run.exit_code, 2u) << run.output;
  EXPECT_THAT(run.output,
              AllOf(HasSubstr(GetParam().message), HasSubstr("--help'.")));
  EXPECT_THAT(run.output, Not(HasSubstr("COMMAND_RAN")))
      << "no command may run";
}

INSTANTIATE_TEST_SUITE_P(
    Table, CliUsageTest,
    ::testing::Values(
        UsageCase{"NoCommand", {}, "gtest-port: missing COMMAND"},
        UsageCase{"UnknownCommand", {"frob"}, "unknown command \"frob\""},
        UsageCase{"WhoNotANumber",
                  {"who", "http"},
                  "invalid PORT \"http\": expected a number from 1 to 65535"},
        UsageCase{"WhoTooLarge", {"who", "65536"}, "invalid PORT \"65536\""},
        UsageCase{"ReserveWithoutCommand",
                  {"reserve"},
                  "gtest-port reserve: missing COMMAND"},
        UsageCase{"ReserveCountTooLarge",
                  {"reserve", "--count=1001", "cmd", "/c", "echo COMMAND_RAN"},
                  "invalid number of ports \"1001\""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CliServeTest, SaysItIsNotSupportedHere) {
  const CommandResult run = RunCli({"serve"});
  EXPECT_EQ(run.exit_code, 1u) << run.output;
  EXPECT_THAT(run.output, HasSubstr("gtest-port serve: not supported on this OS"));
}

// --- who and list ------------------------------------------------------------

TEST(CliWhoTest, SaysAFreePortIsFree) {
  PrivateRange range(1);
  const CommandResult run = RunCli({"who", absl::StrCat(range.first())});
  EXPECT_EQ(run.exit_code, 0u) << run.output;
  EXPECT_EQ(run.output, absl::StrCat("port ", range.first(),
                                     ": free (no gtest_port reservation, no "
                                     "TCP or UDP socket)\n"));
}

TEST(CliWhoTest, SaysAnotherProcesssPortIsReservedByGtestPort) {
  PrivateRange range(1);
  CliEnvironment env(&range);
  absl::StatusOr<ChildProcess> holder =
      ChildProcess::Start(L"reserve_holder.exe", {"1"});
  ASSERT_TRUE(holder.ok()) << holder.status();
  ASSERT_EQ(holder->ReadLine(kTimeout).value_or("?"),
            absl::StrCat("PORT ", range.first()));
  const CommandResult run = RunCli({"who", absl::StrCat(range.first())});
  EXPECT_EQ(run.exit_code, 0u) << run.output;
  EXPECT_THAT(run.output,
              StartsWith(absl::StrCat("port ", range.first(),
                                      ": reserved by gtest_port")));
}

TEST(CliWhoTest, NamesAForeignListenersSocket) {
  PrivateRange range(1);
  absl::StatusOr<ChildProcess> server = ChildProcess::Start(
      L"socket_holder.exe", {"tcp4", absl::StrCat(range.first())});
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_EQ(server->ReadLine(kTimeout).value_or("?"),
            absl::StrCat("PORT ", range.first()));
  const CommandResult run = RunCli({"who", absl::StrCat(range.first())});
  EXPECT_EQ(run.exit_code, 0u) << run.output;
  EXPECT_THAT(run.output,
              AllOf(StartsWith(absl::StrCat("port ", range.first(), ": ")),
                    HasSubstr(absl::StrCat("tcp port ", range.first(),
                                           " LISTEN"))));
}

TEST(CliListTest, ListsAnotherProcesssReservationWithItsPidUnknown) {
  PrivateRange range(1);
  CliEnvironment env(&range);
  absl::StatusOr<ChildProcess> holder =
      ChildProcess::Start(L"reserve_holder.exe", {"1"});
  ASSERT_TRUE(holder.ok()) << holder.status();
  ASSERT_EQ(holder->ReadLine(kTimeout).value_or("?"),
            absl::StrCat("PORT ", range.first()));
  const CommandResult run = RunCli({"list"});
  EXPECT_EQ(run.exit_code, 0u) << run.output;
  EXPECT_THAT(run.output, StartsWith("PORT   PID  TEST  COMMAND\n"));
  EXPECT_THAT(run.output,
              HasSubstr(absl::StrFormat(
                  "\n%-5d    ?  -     pid unknown (Windows does not say which "
                  "process holds a named object)\n",
                  range.first())));

  ASSERT_TRUE(holder->Terminate().ok());
  const CommandResult after = RunCli({"list"});
  EXPECT_EQ(after.exit_code, 0u) << after.output;
  EXPECT_THAT(after.output, Not(HasSubstr(absl::StrCat("\n", range.first(), " "))));
}

// --- reserve -----------------------------------------------------------------

// NAME=value lines of `output`.
std::map<std::string, std::string> Printed(const std::string& output) {
  std::map<std::string, std::string> values;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    const size_t equals = line.find('=');
    if (equals != absl::string_view::npos) {
      values[std::string(line.substr(0, equals))] =
          std::string(line.substr(equals + 1));
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
  ScopedEnv enclosing("GTEST_PORT_3", "12345");
  const CommandResult run = RunCli(
      {"reserve", "-n", "3", "--", "cmd", "/c",
       "echo P=%GTEST_PORT%& echo P0=%GTEST_PORT_0%& echo P1=%GTEST_PORT_1%& "
       "echo P2=%GTEST_PORT_2%& echo P3=%GTEST_PORT_3%& exit /b 7"},
      &range);
  EXPECT_EQ(run.exit_code, 7u) << run.output;
  std::map<std::string, std::string> values = Printed(run.output);
  EXPECT_EQ(values["P"], values["P0"]);
  const std::set<int> ports = {Int(values["P0"]), Int(values["P1"]),
                               Int(values["P2"])};
  EXPECT_EQ(ports.size(), 3u) << run.output;
  for (int port : ports) EXPECT_TRUE(range.range().contains(port)) << port;
  // cmd leaves an unset variable's reference as it is.
  EXPECT_EQ(values["P3"], "%GTEST_PORT_3%")
      << "an enclosing reserve's variable leaked";

  // Released when the command ended.
  for (int port : ports) {
    absl::StatusOr<PortUser> user = DescribePortUser(port);
    ASSERT_TRUE(user.ok()) << user.status();
    EXPECT_EQ(user->kind, PortUser::Kind::kNobody) << user->ToString();
  }
}

TEST(CliReserveTest, BlockGivesConsecutivePorts) {
  PrivateRange range(10);
  const CommandResult run = RunCli(
      {"reserve", "--block", "--count=3", "cmd", "/c",
       "echo P0=%GTEST_PORT_0%& echo P1=%GTEST_PORT_1%& echo P2=%GTEST_PORT_2%"},
      &range);
  EXPECT_EQ(run.exit_code, 0u) << run.output;
  std::map<std::string, std::string> values = Printed(run.output);
  const int first = Int(values["P0"]);
  EXPECT_TRUE(range.range().contains(first)) << run.output;
  EXPECT_EQ(Int(values["P1"]), first + 1);
  EXPECT_EQ(Int(values["P2"]), first + 2);
}

TEST(CliReserveTest, PortsAreHeldByGtestPortWhileTheCommandRuns) {
  PrivateRange range(2);
  // The command asks gtest-port itself who holds its port (found on PATH:
  // cmd has no quoting that survives the C runtime's rules unchanged).
  std::wstring path(32768, L'\0');
  path.resize(::GetEnvironmentVariableW(L"PATH", path.data(),
                                        static_cast<DWORD>(path.size())));
  ScopedEnv with_cli(
      "PATH", gtest_port_internal::windows::WideToUtf8(
                  ExecutableDirectory() + L";" + path).c_str());
  const CommandResult run = RunCli(
      {"reserve", "cmd", "/c", "gtest-port who %GTEST_PORT%"}, &range);
  EXPECT_EQ(run.exit_code, 0u) << run.output;
  EXPECT_THAT(run.output, HasSubstr(": reserved by gtest_port")) << run.output;
}

TEST(CliReserveTest, AMissingCommandGivesOneHundredTwentySeven) {
  PrivateRange range(2);
  const CommandResult run =
      RunCli({"reserve", "--", "C:\\nonexistent\\gtest-port-command.exe"}, &range);
  EXPECT_EQ(run.exit_code, 127u) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("gtest-port reserve: cannot run "
                        "C:\\nonexistent\\gtest-port-command.exe: "));
}

TEST(CliReserveTest, NoFreePortFailsWithTheReasonAndRunsNothing) {
  PrivateRange range(1);
  CliEnvironment env(&range);
  absl::StatusOr<ChildProcess> holder =
      ChildProcess::Start(L"reserve_holder.exe", {"1"});
  ASSERT_TRUE(holder.ok()) << holder.status();
  ASSERT_EQ(holder->ReadLine(kTimeout).value_or("?"),
            absl::StrCat("PORT ", range.first()));
  const CommandResult run =
      RunCli({"reserve", "cmd", "/c", "echo COMMAND_RAN"}, &range);
  EXPECT_EQ(run.exit_code, 1u) << run.output;
  EXPECT_THAT(run.output,
              AllOf(HasSubstr("gtest-port reserve: RESOURCE_EXHAUSTED"),
                    Not(HasSubstr("COMMAND_RAN"))));
}

TEST(CliReserveTest, ABadConfigurationFailsNamingTheVariable) {
  ScopedEnv bad("GTEST_PORT_RANGE", "lots");
  const CommandResult run = RunCli({"reserve", "cmd", "/c", "echo COMMAND_RAN"});
  EXPECT_EQ(run.exit_code, 1u) << run.output;
  EXPECT_THAT(run.output, AllOf(HasSubstr("GTEST_PORT_RANGE=lots"),
                                Not(HasSubstr("COMMAND_RAN"))));
}

}  // namespace
}  // namespace gtest_port
