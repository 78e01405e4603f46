// Tests of gtest_port/internal/platform/windows/netsh_output.h on netsh's real output
// (English and German Windows) and on malformed input.

#include "gtest_port/internal/platform/windows/netsh_output.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gtest_port_internal::windows {
namespace {

using ::gtest_port::PortRange;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Windows 10, English, as netsh prints it (CRLF).
constexpr char kDynamicEnglish[] =
    "\r\n"
    "Protocol tcp Dynamic Port Range\r\n"
    "---------------------------------\r\n"
    "Start Port      : 49152\r\n"
    "Number of Ports : 16384\r\n"
    "\r\n";

// Windows 10, German.
constexpr char kDynamicGerman[] =
    "\r\n"
    "Protokoll udp Dynamischer Portbereich\r\n"
    "---------------------------------\r\n"
    "Startport       : 10000\r\n"
    "Anzahl der Ports : 1000\r\n";

constexpr char kExcludedEnglish[] =
    "\r\n"
    "Protocol tcp Port Exclusion Ranges\r\n"
    "\r\n"
    "Start Port    End Port\r\n"
    "----------    --------\r\n"
    "      1080        1179\r\n"
    "      5357        5357\r\n"
    "     50000       50059     *\r\n"
    "\r\n"
    "* - Administered port exclusions.\r\n"
    "\r\n";

constexpr char kExcludedNone[] =
    "\r\n"
    "Protocol udp Port Exclusion Ranges\r\n"
    "\r\n"
    "Start Port    End Port\r\n"
    "----------    --------\r\n"
    "\r\n"
    "* - Administered port exclusions.\r\n";

constexpr char kExcludedGerman[] =
    "\r\n"
    "Protokoll tcp Portausschlussbereiche\r\n"
    "\r\n"
    "Startport    Endport\r\n"
    "----------    --------\r\n"
    "      2869        2869\r\n"
    "\r\n"
    "* - Verwaltete Portausschl\x81sse.\r\n";

TEST(ParseNetshDynamicPortRangeTest, ReadsEnglishOutput) {
  absl::StatusOr<PortRange> range = ParseNetshDynamicPortRange(kDynamicEnglish);
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(*range, (PortRange{49152, 65535}));
}

TEST(ParseNetshDynamicPortRangeTest, ReadsTranslatedOutputByPosition) {
  absl::StatusOr<PortRange> range = ParseNetshDynamicPortRange(kDynamicGerman);
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(*range, (PortRange{10000, 10999}));
}

TEST(ParseNetshDynamicPortRangeTest, AcceptsUnixLineEndingsAndTheLastPort) {
  absl::StatusOr<PortRange> range =
      ParseNetshDynamicPortRange("Start Port : 65535\nNumber of Ports : 1\n");
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(*range, (PortRange{65535, 65535}));
}

TEST(ParseNetshDynamicPortRangeTest, RejectsWhatIsNotARange) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"", "netsh printed nothing"},
           {"  \r\n\r\n", "netsh printed nothing"},
           // What Wine's netsh prints.
           {"The following command was not found: int ipv4 show dynamicport.",
            "got \"The following command was not found: "},
           {"Protocol tcp Dynamic Port Range\r\n", "found 0"},
           {"Start Port : 49152\r\n", "found 1"},
           {"Start Port : 49152\r\nNumber of Ports : 16384\r\nX : 1\r\n",
            "found a third"},
           {"Start Port : 0\r\nNumber of Ports : 10\r\n", "start port 0"},
           {"Start Port : 65536\r\nNumber of Ports : 1\r\n", "start port 65536"},
           {"Start Port : 60000\r\nNumber of Ports : 6000\r\n",
            "6000 ports from 60000 do not fit"},
           {"Start Port : 49152\r\nNumber of Ports : 0\r\n", "0 ports"},
           {"Start Port : -5\r\nNumber of Ports : 10\r\n", "\"Start Port : -5\""},
           {"Start Port : 4915x\r\nNumber of Ports : 10\r\n", "4915x"},
           {"Start Port : 99999999999999999999\r\nNumber of Ports : 1\r\n",
            "label : number"},
       }) {
    absl::StatusOr<PortRange> range = ParseNetshDynamicPortRange(c.text);
    EXPECT_EQ(range.status().code(), absl::StatusCode::kInvalidArgument)
        << c.text;
    EXPECT_THAT(std::string(range.status().message()), HasSubstr(c.message)) << c.text;
  }
}

TEST(ParseNetshDynamicPortRangeTest, EscapesAndShortensTheLineItQuotes) {
  const std::string text =
      "Start Port : \x1b[31m" + std::string(200, 'x') + "\r\nNumber : 1\r\n";
  absl::StatusOr<PortRange> range = ParseNetshDynamicPortRange(text);
  ASSERT_FALSE(range.ok());
  EXPECT_THAT(std::string(range.status().message()), Not(HasSubstr("\x1b")));
  EXPECT_THAT(std::string(range.status().message()), HasSubstr("\\x1b[31m"));
  EXPECT_THAT(std::string(range.status().message()), HasSubstr("...\""));
  EXPECT_LT(range.status().message().size(), 200u);
}

TEST(ParseNetshDynamicPortRangeTest, RefusesOversizedOutput) {
  const std::string text(kMaxNetshOutputBytes + 1, ' ');
  absl::StatusOr<PortRange> range = ParseNetshDynamicPortRange(text);
  EXPECT_EQ(range.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(range.status().message()), HasSubstr("longer than"));
}

TEST(ParseNetshExcludedPortRangesTest, ReadsEnglishOutput) {
  absl::StatusOr<std::vector<PortRange>> ranges =
      ParseNetshExcludedPortRanges(kExcludedEnglish);
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  EXPECT_THAT(*ranges, ElementsAre(PortRange{1080, 1179}, PortRange{5357, 5357},
                                   PortRange{50000, 50059}));
}

TEST(ParseNetshExcludedPortRangesTest, ReadsAnEmptyTable) {
  absl::StatusOr<std::vector<PortRange>> ranges =
      ParseNetshExcludedPortRanges(kExcludedNone);
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  EXPECT_THAT(*ranges, IsEmpty());
}

TEST(ParseNetshExcludedPortRangesTest, ReadsTranslatedOutputInTheOemCodePage) {
  absl::StatusOr<std::vector<PortRange>> ranges =
      ParseNetshExcludedPortRanges(kExcludedGerman);
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  EXPECT_THAT(*ranges, ElementsAre(PortRange{2869, 2869}));
}

TEST(ParseNetshExcludedPortRangesTest, RejectsWhatIsNotATable) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"", "netsh printed nothing"},
           {"Start Port    End Port\r\n      5357        5357\r\n",
            "no \"----\" rule"},
           {"----    ----\r\n  5357\r\n", "\"5357\""},
           {"----    ----\r\n  5357  5358  5359\r\n", "\"5357  5358  5359\""},
           {"----    ----\r\n  5357  5358  +\r\n", "\"5357  5358  +\""},
           {"----    ----\r\n  5358  5357\r\n", "START <= END"},
           {"----    ----\r\n  0  10\r\n", "START <= END"},
           {"----    ----\r\n  65000  65536\r\n", "START <= END"},
           {"----    ----\r\n  abc  def\r\n", "\"abc  def\""},
       }) {
    absl::StatusOr<std::vector<PortRange>> ranges =
        ParseNetshExcludedPortRanges(c.text);
    EXPECT_EQ(ranges.status().code(), absl::StatusCode::kInvalidArgument)
        << c.text;
    EXPECT_THAT(std::string(ranges.status().message()), HasSubstr(c.message)) << c.text;
  }
}

TEST(ParseNetshExcludedPortRangesTest, ManyRowsWithinTheSizeBound) {
  std::string text = "----------    --------\r\n";
  for (int port = 1024; port < 1024 + 2000; ++port) {
    text += "  " + std::to_string(port) + "  " + std::to_string(port) + "\r\n";
  }
  absl::StatusOr<std::vector<PortRange>> ranges =
      ParseNetshExcludedPortRanges(text);
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  EXPECT_EQ(ranges->size(), 2000u);
  EXPECT_EQ(ranges->back(), (PortRange{3023, 3023}));
}

}  // namespace
}  // namespace gtest_port_internal::windows
