// Unit tests of the engine's pure arithmetic: parsing ranges, slicing them
// per shard, and enumerating candidates around the ephemeral range.

#include "gtest_port/internal/port_range.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gtest_port_internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A readable test name: the case's index and the letters and digits of its
// input.
std::string TestName(size_t index, absl::string_view text) {
  std::string name = absl::StrCat("Case", index, "_");
  for (char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) name += c;
  }
  return name;
}

struct ParseCase {
  std::string text;
  bool ok;
  PortRange want;       // When ok.
  std::string problem;  // Part of the message when not ok.
};

class ParsePortRangeTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParsePortRangeTest, ParsesOrExplains) {
  const ParseCase& c = GetParam();
  absl::StatusOr<PortRange> got = ParsePortRange(c.text);
  if (c.ok) {
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->first, c.want.first);
    EXPECT_EQ(got->last, c.want.last);
  } else {
    ASSERT_FALSE(got.ok()) << "parsed \"" << c.text << "\" as " << got->first
                           << "-" << got->last;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(got.status().message(), HasSubstr(c.problem));
    EXPECT_THAT(got.status().message(), HasSubstr("expected LO-HI"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParsePortRangeTest,
    ::testing::Values(
        ParseCase{"20000-32767", true, {20000, 32767}, ""},
        ParseCase{"1024-65535", true, {1024, 65535}, ""},
        ParseCase{"30000-30000", true, {30000, 30000}, ""},
        ParseCase{" 20000-20010\n", true, {20000, 20010}, ""},
        ParseCase{"", false, {}, "is empty"},
        ParseCase{"abc", false, {}, "two numbers"},
        ParseCase{"20000", false, {}, "two numbers"},
        ParseCase{"1-2-3", false, {}, "two numbers"},
        ParseCase{"x-20000", false, {}, "LO \"x\""},
        ParseCase{"20000-y", false, {}, "HI \"y\""},
        ParseCase{"20000-30000junk", false, {}, "HI \"30000junk\""},
        ParseCase{"20000 -30000", false, {}, "LO \"20000 \""},
        ParseCase{"+20000-30000", false, {}, "LO \"+20000\""},
        ParseCase{"0x100-30000", false, {}, "LO \"0x100\""},
        ParseCase{"30000-20000", false, {}, "reversed"},
        ParseCase{"80-8080", false, {}, "below 1024"},
        ParseCase{"1023-2000", false, {}, "below 1024"},
        ParseCase{"60000-70000", false, {}, "above 65535"},
        ParseCase{"20000-999999", false, {}, "HI \"999999\""},
        ParseCase{std::string("200\0" "00-30000", 12), false, {}, "\\x00"}),
    [](const auto& info) { return TestName(info.index, info.param.text); });

struct SliceCase {
  PortRange range;
  ShardSpec shard;
  PortRange want;
};

class ShardSliceTest : public ::testing::TestWithParam<SliceCase> {};

TEST_P(ShardSliceTest, SplitsEvenly) {
  const SliceCase& c = GetParam();
  absl::StatusOr<PortRange> got = ShardSlice(c.range, c.shard);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(FormatPortRange(*got), FormatPortRange(c.want));
}

INSTANTIATE_TEST_SUITE_P(
    Table, ShardSliceTest,
    ::testing::Values(SliceCase{{20000, 32767}, {0, 1}, {20000, 32767}},
                      SliceCase{{20000, 32767}, {0, 4}, {20000, 23191}},
                      SliceCase{{20000, 32767}, {1, 4}, {23192, 26383}},
                      SliceCase{{20000, 32767}, {3, 4}, {29576, 32767}},
                      SliceCase{{20000, 20002}, {2, 3}, {20002, 20002}},
                      // 10 ports, 3 shards: span 3, port 20009 unused.
                      SliceCase{{20000, 20009}, {2, 3}, {20006, 20008}},
                      SliceCase{{30000, 30000}, {0, 1}, {30000, 30000}}),
    [](const auto& info) {
      return absl::StrCat("Shard", info.param.shard.index, "Of",
                          info.param.shard.total, "_", info.param.range.first,
                          "_", info.param.range.last);
    });

TEST(ShardSliceTest, SlicesTileTheRangeWithoutOverlap) {
  const PortRange range{20000, 32767};
  for (int total : {1, 2, 3, 7, 16, 100}) {
    std::set<int> seen;
    int expected_next = range.first;
    for (int i = 0; i < total; ++i) {
      absl::StatusOr<PortRange> slice = ShardSlice(range, {i, total});
      ASSERT_TRUE(slice.ok()) << slice.status();
      EXPECT_EQ(slice->first, expected_next) << "shard " << i << "/" << total;
      EXPECT_EQ(slice->size(), range.size() / total);
      expected_next = slice->last + 1;
    }
    EXPECT_LE(expected_next - 1, range.last);
  }
}

TEST(ShardSliceTest, TooSmallForShardCountNamesRangeShardsAndSpan) {
  absl::StatusOr<PortRange> got = ShardSlice({20000, 20002}, {0, 4});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(got.status().message(), HasSubstr("20000-20002"));
  EXPECT_THAT(got.status().message(), HasSubstr("3 ports"));
  EXPECT_THAT(got.status().message(), HasSubstr("4 shards"));
  EXPECT_THAT(got.status().message(), HasSubstr("span = 3 / 4 = 0"));
}

TEST(ShardSliceTest, RejectsShardOutOfRange) {
  EXPECT_FALSE(ShardSlice({20000, 32767}, {4, 4}).ok());
  EXPECT_FALSE(ShardSlice({20000, 32767}, {-1, 4}).ok());
  EXPECT_FALSE(ShardSlice({20000, 32767}, {0, 0}).ok());
}

TEST(CandidateSetTest, WholeSliceWithoutExclusion) {
  CandidateSet c({20000, 20009});
  EXPECT_EQ(c.size(), 10);
  EXPECT_EQ(c.port(0), 20000);
  EXPECT_EQ(c.port(9), 20009);
  EXPECT_FALSE(c.skipped().has_value());
  EXPECT_EQ(c.BlockCount(3), 8);
  EXPECT_EQ(c.BlockStart(7, 3), 20007);
}

TEST(CandidateSetTest, ExclusionInTheMiddleLeavesTwoRuns) {
  CandidateSet c({20000, 20009}, PortRange{20003, 20005});
  EXPECT_EQ(c.size(), 7);
  ASSERT_TRUE(c.skipped().has_value());
  EXPECT_EQ(FormatPortRange(*c.skipped()), "20003-20005");
  std::set<int> ports;
  for (int i = 0; i < c.size(); ++i) ports.insert(c.port(i));
  EXPECT_EQ(ports, (std::set<int>{20000, 20001, 20002, 20006, 20007, 20008,
                                  20009}));
  // Blocks of 3 never straddle the hole: 20000 in the first run, 20006 and
  // 20007 in the second.
  ASSERT_EQ(c.BlockCount(3), 3);
  EXPECT_EQ(c.BlockStart(0, 3), 20000);
  EXPECT_EQ(c.BlockStart(1, 3), 20006);
  EXPECT_EQ(c.BlockStart(2, 3), 20007);
  EXPECT_EQ(c.BlockCount(5), 0);
}

TEST(CandidateSetTest, ExclusionCoveringTheTopOrEverything) {
  CandidateSet top({30000, 33000}, PortRange{32768, 60999});
  EXPECT_EQ(top.size(), 2768);
  EXPECT_EQ(top.port(top.size() - 1), 32767);
  CandidateSet all({40000, 40100}, PortRange{32768, 60999});
  EXPECT_EQ(all.size(), 0);
  EXPECT_EQ(all.BlockCount(1), 0);
}

// Unsafe ports are cut out one by one, inside and at the edges of a slice,
// together with the ephemeral range; blocks never contain one.
TEST(CandidateSetTest, UnsafePortsAreCutOutAndListed) {
  CandidateSet c({6660, 6700}, std::nullopt, kUnsafePorts);
  EXPECT_THAT(c.skipped_unsafe(),
              ElementsAre(6665, 6666, 6667, 6668, 6669, 6679, 6697));
  EXPECT_EQ(c.size(), 41 - 7);
  std::set<int> ports;
  for (int i = 0; i < c.size(); ++i) ports.insert(c.port(i));
  EXPECT_EQ(ports.size(), 34u);
  for (int unsafe : c.skipped_unsafe()) EXPECT_EQ(ports.count(unsafe), 0u);
  // 6660-6664, 6670-6678, 6680-6696, 6698-6700: blocks of 5 fit in the
  // first three runs only.
  ASSERT_EQ(c.BlockCount(5), 1 + 5 + 13);
  EXPECT_EQ(c.BlockStart(0, 5), 6660);
  EXPECT_EQ(c.BlockStart(1, 5), 6670);
  EXPECT_EQ(c.BlockStart(18, 5), 6692);

  CandidateSet edges({10080, 10080}, std::nullopt, kUnsafePorts);
  EXPECT_EQ(edges.size(), 0);
  EXPECT_THAT(edges.skipped_unsafe(), ElementsAre(10080));
  CandidateSet both({6000, 6010}, PortRange{6005, 6010}, kUnsafePorts);
  EXPECT_EQ(both.size(), 4);  // 6001-6004.
  EXPECT_EQ(both.port(0), 6001);
  EXPECT_THAT(both.skipped_unsafe(), ElementsAre(6000));
  CandidateSet allowed({6000, 6010});
  EXPECT_EQ(allowed.size(), 11);
  EXPECT_THAT(allowed.skipped_unsafe(), ::testing::IsEmpty());
}

TEST(IsUnsafePortTest, KnowsTheFetchStandardsBadPortsFrom1024Up) {
  for (int port : {1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000,
                   6566, 6665, 6669, 6679, 6697, 10080}) {
    EXPECT_TRUE(IsUnsafePort(port)) << port;
  }
  for (int port : {1024, 6664, 6670, 8080, 10079, 20000}) {
    EXPECT_FALSE(IsUnsafePort(port)) << port;
  }
  EXPECT_TRUE(std::is_sorted(std::begin(kUnsafePorts), std::end(kUnsafePorts)));
}

TEST(ParseKernelPortRangeTest, ReadsProcFormat) {
  absl::StatusOr<PortRange> r = ParseKernelPortRange("32768\t60999\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(FormatPortRange(*r), "32768-60999");
  EXPECT_FALSE(ParseKernelPortRange("").ok());
  EXPECT_FALSE(ParseKernelPortRange("32768").ok());
  EXPECT_FALSE(ParseKernelPortRange("60999 32768").ok());
  EXPECT_FALSE(ParseKernelPortRange("1 2 3").ok());
  EXPECT_FALSE(ParseKernelPortRange("a b").ok());
}

}  // namespace
}  // namespace gtest_port_internal
