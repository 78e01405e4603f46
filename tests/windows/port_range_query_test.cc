// Tests of gtest_port/internal/platform/windows/port_range_query.h: the fallbacks on
// given netsh results, and the live queries against the system's netsh.

#include "gtest_port/internal/platform/windows/port_range_query.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/windows/testing/wine.h"

namespace gtest_port_internal::windows {
namespace {

using ::gtest_port::PortRange;
using ::gtest_port_testing_windows::RunningUnderWine;
using ::gtest_port_testing_windows::WineVersion;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

TEST(DynamicPortRangeFromTest, UsesWhatNetshSays) {
  DynamicPortRange dynamic = DynamicPortRangeFrom(
      Protocol::kUdp, std::string("Start Port : 50000\r\nNumber of Ports : 100\r\n"));
  EXPECT_EQ(dynamic.range, (PortRange{50000, 50099}));
  EXPECT_EQ(dynamic.warning, "");
}

TEST(DynamicPortRangeFromTest, FallsBackToTheDefaultAndSaysWhy) {
  DynamicPortRange dynamic = DynamicPortRangeFrom(
      Protocol::kTcp, absl::UnavailableError("netsh exited with code 1"));
  EXPECT_EQ(dynamic.range, kDefaultDynamicPortRange);
  EXPECT_EQ(dynamic.range, (PortRange{49152, 65535}));
  EXPECT_THAT(dynamic.warning, HasSubstr("tcp dynamic port range"));
  EXPECT_THAT(dynamic.warning, HasSubstr("netsh exited with code 1"));
  EXPECT_THAT(dynamic.warning, HasSubstr("49152-65535"));
  EXPECT_THAT(dynamic.warning, HasSubstr("netsh int ipv4 show dynamicport tcp"));
}

TEST(DynamicPortRangeFromTest, FallsBackOnOutputItCannotRead) {
  DynamicPortRange dynamic =
      DynamicPortRangeFrom(Protocol::kUdp, std::string("\x1b]0;pwned\x07"));
  EXPECT_EQ(dynamic.range, kDefaultDynamicPortRange);
  EXPECT_THAT(dynamic.warning, HasSubstr("found 0"));
  EXPECT_THAT(dynamic.warning, Not(HasSubstr("\x1b")));
  EXPECT_THAT(dynamic.warning, HasSubstr("show dynamicport udp"));
}

TEST(ExcludedPortRangesFromTest, UsesWhatNetshSays) {
  ExcludedPortRanges excluded = ExcludedPortRangesFrom(
      Protocol::kTcp, std::string("----  ----\r\n 5357 5357\r\n 2000 2099 *\r\n"));
  EXPECT_THAT(excluded.ranges,
              ElementsAre(PortRange{5357, 5357}, PortRange{2000, 2099}));
  EXPECT_EQ(excluded.warning, "");
}

TEST(ExcludedPortRangesFromTest, FallsBackToNoneAndSaysWhy) {
  ExcludedPortRanges excluded =
      ExcludedPortRangesFrom(Protocol::kUdp, std::string(""));
  EXPECT_THAT(excluded.ranges, IsEmpty());
  EXPECT_THAT(excluded.warning, HasSubstr("excluded udp port ranges"));
  EXPECT_THAT(excluded.warning, HasSubstr("netsh printed nothing"));
  EXPECT_THAT(excluded.warning,
              HasSubstr("netsh int ipv4 show excludedportrange protocol=udp"));
}

// The live queries. Windows must answer; Wine's netsh prints nothing for
// these commands, so there the fallback is what is checked.
TEST(QueryDynamicPortRangeTest, AsksTheSystem) {
  for (Protocol protocol : {Protocol::kTcp, Protocol::kUdp}) {
    DynamicPortRange dynamic = QueryDynamicPortRange(protocol);
    EXPECT_GE(dynamic.range.first, 1);
    EXPECT_LE(dynamic.range.first, dynamic.range.last);
    if (RunningUnderWine()) {
      std::cout << "Wine " << WineVersion() << ": " << dynamic.warning << "\n";
      if (!dynamic.warning.empty()) {
        EXPECT_EQ(dynamic.range, kDefaultDynamicPortRange);
      }
    } else {
      EXPECT_EQ(dynamic.warning, "");
    }
  }
}

TEST(QueryExcludedPortRangesTest, AsksTheSystem) {
  for (Protocol protocol : {Protocol::kTcp, Protocol::kUdp}) {
    ExcludedPortRanges excluded = QueryExcludedPortRanges(protocol);
    for (const PortRange& range : excluded.ranges) {
      EXPECT_LE(range.first, range.last);
    }
    if (RunningUnderWine()) {
      std::cout << "Wine " << WineVersion() << ": " << excluded.warning << "\n";
      if (!excluded.warning.empty()) {
        EXPECT_THAT(excluded.ranges, IsEmpty());
      }
    } else {
      EXPECT_EQ(excluded.warning, "");
    }
  }
}

}  // namespace
}  // namespace gtest_port_internal::windows
