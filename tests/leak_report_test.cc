// What a test run tells about the ports its tests held, seen from outside
// like a user sees it: a real test binary (tests/testing/test_holder, linked
// with gtest_port_main) run as a child process.
//
//   * every test's ports are in its XML output (gtest_port_ports="p,q");
//   * a failed test's ports are named next to its failure;
//   * a reservation that outlives its test is reported at the end of the run
//     with the test that made it;
//   * GTEST_PORT_VERBOSE=1 adds counts: reservations, busy candidates
//     skipped, peak held at once.

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
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
using ::testing::Not;

constexpr absl::Duration kTimeout = absl::Seconds(60);

// Runs test_holder's tests matching `filter` over `range`.
ExitInfo RunHolder(const PrivateRange& range, const std::string& filter,
                   std::vector<std::string> env = {},
                   std::vector<std::string> args = {}) {
  for (const char* unset :
       {"GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS", "GTEST_PORT_LOCK_DIR",
        "GTEST_PORT_VERBOSE", "GTEST_PORT_FAIL_ON_LEAK", "PORTSERVER_ADDRESS",
        "XML_OUTPUT_FILE",
        "GTEST_OUTPUT"}) {
    bool set = false;
    for (const std::string& e : env) {
      set |= absl::StartsWith(e, absl::StrCat(unset, "="));
    }
    if (!set) env.push_back(unset);
  }
  env.push_back(range.EnvEntry());
  std::vector<std::string> argv = {HelperPath("test_holder"),
                                   absl::StrCat("--gtest_filter=", filter)};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<ExitInfo> run = gtest_port_testing::Run(argv, env, kTimeout);
  EXPECT_TRUE(run.ok()) << run.status();
  return run.ok() ? *run : ExitInfo();
}

// The "PORT p" lines of `output`, in order.
std::vector<int> Ports(const std::string& output) {
  std::vector<int> ports;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    int port = 0;
    if (absl::ConsumePrefix(&line, "PORT ") && absl::SimpleAtoi(line, &port)) {
      ports.push_back(port);
    }
  }
  return ports;
}

std::vector<std::string> LinesContaining(const std::string& output,
                                         absl::string_view needle) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::StrContains(line, needle)) lines.emplace_back(line);
  }
  return lines;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The <testcase name="name" ...>...</testcase> element of a GoogleTest XML
// report.
std::string TestCaseElement(const std::string& xml, const std::string& name) {
  const size_t start = xml.find(absl::StrCat("<testcase name=\"", name, "\""));
  if (start == std::string::npos) return "";
  const size_t self_closed = xml.find("/>", start);
  const size_t open_end = xml.find('>', start);
  if (self_closed != std::string::npos && self_closed + 1 == open_end) {
    return xml.substr(start, open_end + 1 - start);
  }
  const size_t end = xml.find("</testcase>", start);
  return end == std::string::npos ? "" : xml.substr(start, end - start);
}

TEST(LeakReportTest, ReservationsThatOutliveTheirTestAreReportedWithTheTest) {
  PrivateRange range(10);
  const ExitInfo run = RunHolder(
      range,
      "TestHolderPlain.LeaksIntoStatic:TestHolderPlain.ReleasesInTime:"
      "TestHolderPlain.LeaksBlockByMovingItOut");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  const std::vector<int> ports = Ports(run.output);
  // In the order the tests are defined: in time, static, block of 2.
  ASSERT_EQ(ports.size(), 4u) << run.output;
  EXPECT_THAT(
      LinesContaining(run.output, "[gtest_port] leak:"),
      ElementsAre(
          absl::StrCat("[gtest_port] leak: port ", ports[1],
                       " reserved by TestHolderPlain.LeaksIntoStatic is still "
                       "held after the test ended"),
          absl::StrCat("[gtest_port] leak: ports ", ports[2], "-", ports[3],
                       " reserved by TestHolderPlain.LeaksBlockByMovingItOut "
                       "is still held after the test ended")))
      << run.output;
  EXPECT_THAT(run.output,
              Not(HasSubstr("reserved by TestHolderPlain.Releases")));
}

TEST(LeakReportTest, WithFailOnLeakALeakFailsTheRunNamingTheTest) {
  PrivateRange range(10);
  const ExitInfo run =
      RunHolder(range, "TestHolderPlain.LeaksIntoStatic",
                {"GTEST_PORT_FAIL_ON_LEAK=1"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  const std::vector<int> ports = Ports(run.output);
  ASSERT_EQ(ports.size(), 1u) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr(absl::StrCat(
                  "GTEST_PORT_FAIL_ON_LEAK: Failure\ngtest_port: leak: port ",
                  ports[0],
                  " reserved by TestHolderPlain.LeaksIntoStatic is still held "
                  "after the test ended")))
      << run.output;
}

TEST(LeakReportTest, WithFailOnLeakARunWithoutLeaksPasses) {
  PrivateRange range(10);
  const ExitInfo run =
      RunHolder(range, "TestHolderPlain.ReleasesInTime:TestHolder.PassesHoldingPorts",
                {"GTEST_PORT_FAIL_ON_LEAK=1"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, Not(HasSubstr("leak")));
}

TEST(LeakReportTest, ARunWhoseTestsReleaseEverythingReportsNoLeak) {
  PrivateRange range(10);
  const ExitInfo run = RunHolder(
      range, "TestHolderPlain.ReleasesInTime:TestHolder.PassesHoldingPorts");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(Ports(run.output).size(), 3u) << run.output;
  EXPECT_THAT(run.output, Not(HasSubstr("leak")));
}

TEST(LeakReportTest, EveryTestsPortsAreInItsXmlOutput) {
  PrivateRange range(10);
  const std::string xml_path = absl::StrCat(
      ::testing::TempDir(), "leak_report_test_", ::getpid(), ".xml");
  const ExitInfo run =
      RunHolder(range,
                "TestHolder.PassesHoldingPorts:TestHolder.ReservesOnePort:"
                "TestHolderPlain.ReleasesInTime",
                {}, {absl::StrCat("--gtest_output=xml:", xml_path)});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  const std::vector<int> ports = Ports(run.output);
  ASSERT_EQ(ports.size(), 4u) << run.output;
  const std::string xml = ReadWholeFile(xml_path);
  ::unlink(xml_path.c_str());

  EXPECT_THAT(TestCaseElement(xml, "PassesHoldingPorts"),
              HasSubstr(absl::StrCat("<property name=\"gtest_port_ports\" "
                                     "value=\"",
                                     ports[0], ",", ports[1], "\"/>")))
      << xml;
  EXPECT_THAT(TestCaseElement(xml, "ReservesOnePort"),
              HasSubstr(absl::StrCat("<property name=\"gtest_port_ports\" "
                                     "value=\"",
                                     ports[2], "\"/>")))
      << xml;
  // Not a PortFixture test: nothing records its ports.
  const std::string plain = TestCaseElement(xml, "ReleasesInTime");
  EXPECT_THAT(
      plain, AllOf(Not(testing::IsEmpty()), Not(HasSubstr("gtest_port_ports"))))
      << xml;
}

TEST(LeakReportTest, AFailedTestsPortsAreNamedWithItsFailure) {
  PrivateRange range(10);
  const std::string xml_path = absl::StrCat(
      ::testing::TempDir(), "leak_report_test_fail_", ::getpid(), ".xml");
  const ExitInfo run = RunHolder(
      range, "TestHolder.FailsHoldingPorts:TestHolder.PassesHoldingPorts", {},
      {absl::StrCat("--gtest_output=xml:", xml_path)});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  // In the order the tests are defined: the passing test's two ports, then
  // the failing test's three.
  const std::vector<int> ports = Ports(run.output);
  ASSERT_EQ(ports.size(), 5u) << run.output;
  const std::string xml = ReadWholeFile(xml_path);
  ::unlink(xml_path.c_str());

  EXPECT_THAT(LinesContaining(run.output, " held port"),
              ElementsAre(absl::StrCat(
                  "[gtest_port] TestHolder.FailsHoldingPorts held ports ",
                  ports[2], ", ", ports[3], ", ", ports[4])))
      << run.output;
  // Printed between the failure and GoogleTest's verdict on the test.
  const size_t failure = run.output.find("failing on purpose");
  const size_t note =
      run.output.find("[gtest_port] TestHolder.FailsHoldingPorts");
  const size_t verdict =
      run.output.find("[  FAILED  ] TestHolder.FailsHoldingPorts");
  EXPECT_LT(failure, note) << run.output;
  EXPECT_LT(note, verdict) << run.output;
  EXPECT_THAT(TestCaseElement(xml, "FailsHoldingPorts"),
              AllOf(HasSubstr("failing on purpose"),
                    HasSubstr(absl::StrCat(
                        "<property name=\"gtest_port_ports\" value=\"",
                        ports[2], ",", ports[3], ",", ports[4], "\"/>"))))
      << xml;
}

TEST(LeakReportTest, VerboseRunCountsReservationsAndPeak) {
  PrivateRange range(2);  // Both ports, held at once.
  const ExitInfo run = RunHolder(range, "TestHolder.PassesHoldingPorts",
                                 {"GTEST_PORT_VERBOSE=1"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("[gtest_port] 2 reservations, 0 candidates skipped (0 "
                        "held by other gtest_port users, 0 in use by other "
                        "sockets), peak 2 held at once, 0 still held"))
      << run.output;
}

TEST(LeakReportTest, VerboseRunCountsCandidatesOtherReservationsHeld) {
  PrivateRange range(1);
  absl::StatusOr<Subprocess> holder =
      Subprocess::Start({HelperPath("port_holder")},
                        {range.EnvEntry(), "GTEST_SHARD_INDEX",
                         "GTEST_TOTAL_SHARDS", "PORTSERVER_ADDRESS"});
  ASSERT_TRUE(holder.ok()) << holder.status();
  absl::StatusOr<std::string> line = holder->ReadLine(kTimeout);
  ASSERT_TRUE(line.ok()) << line.status();
  ASSERT_EQ(*line, absl::StrCat("PORT ", range.first()));

  const ExitInfo run =
      RunHolder(range, "TestHolder.ReservesOnePort", {"GTEST_PORT_VERBOSE=1"});
  EXPECT_EQ(run.exit_code, 1) << "the only port is held:\n" << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("[gtest_port] 0 reservations, 1 candidates skipped (1 "
                        "held by other gtest_port users, 0 in use by other "
                        "sockets), peak 0 held at once, 0 still held"))
      << run.output;
}

TEST(LeakReportTest, VerboseRunCountsCandidatesForeignSocketsUsed) {
  PrivateRange range(1);
  absl::StatusOr<gtest_port_internal::UniqueFd> listener =
      gtest_port_testing::BindSocket(SOCK_STREAM, range.first(),
                                     gtest_port_testing::Address::kAny4);
  ASSERT_TRUE(listener.ok()) << listener.status();

  const ExitInfo run =
      RunHolder(range, "TestHolder.ReservesOnePort", {"GTEST_PORT_VERBOSE=1"});
  EXPECT_EQ(run.exit_code, 1) << "the only port is in use:\n" << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("[gtest_port] 0 reservations, 1 candidates skipped (0 "
                        "held by other gtest_port users, 1 in use by other "
                        "sockets), peak 0 held at once, 0 still held"))
      << run.output;
}

}  // namespace
}  // namespace gtest_port
