// Tests of the loopback address pool's pure arithmetic: parsing
// GTEST_PORT_ADDRESS_RANGE (what is accepted, and what each refusal says),
// formatting, and the per-shard slices.

#include "gtest_port/internal/address_range.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gtest_port_internal {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(AddressRangeTest, ParsesAndFormatsDottedQuads) {
  absl::StatusOr<AddressRange> r = ParseAddressRange(" 127.1.0.1-127.1.255.254\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->first, 0x7f010001u);
  EXPECT_EQ(r->last, 0x7f01fffeu);
  EXPECT_EQ(r->size(), 65534);
  EXPECT_EQ(FormatAddressRange(*r), "127.1.0.1-127.1.255.254");
  EXPECT_EQ(*r, kDefaultAddressRange);
  EXPECT_EQ(FormatAddress(0x7f000305), "127.0.3.5");

  // One address is a pool of one.
  r = ParseAddressRange("127.0.3.7");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->size(), 1);
}

TEST(AddressRangeTest, RefusesWhatItCannotHandOutSayingWhatIsAccepted) {
  struct Case {
    const char* text;
    const char* problem;
  };
  for (const Case& c : {
           Case{"", "is empty"},
           Case{"localhost", "not an IPv4 address"},
           Case{"127.1.0.1-127.1.0.2-127.1.0.3", "one '-'"},
           Case{"127.1.0-127.1.0.9", "not an IPv4 address"},
           Case{"127.1.0.256-127.1.0.300", "not a number 0-255"},
           Case{"127.1.0.010-127.1.0.020", "no leading zeros"},
           Case{"127.1.0.+1-127.1.0.9", "not a number 0-255"},
           Case{"10.0.0.1-10.0.0.9", "not inside 127.0.0.0/8"},
           Case{"127.255.255.200-128.0.0.5", "not inside 127.0.0.0/8"},
           Case{"127.1.0.9-127.1.0.1", "reversed"},
           Case{"127.0.0.1", "includes 127.0.0.1"},
           Case{"127.0.0.0-127.0.0.0", "includes 127.0.0.0"},
           Case{"127.0.0.2-127.255.255.255", "includes 127.255.255.255"},
       }) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<AddressRange> r = ParseAddressRange(c.text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(),
                AllOf(HasSubstr(c.problem), HasSubstr(kAddressRangeSyntax)));
  }
}

TEST(AddressRangeTest, NoValidPoolContainsLocalhost) {
  // Every pool that gets past the parser leaves 127.0.0.1 out, however it
  // is written.
  for (const char* text : {"127.0.0.0-127.0.0.2", "127.0.0.1-127.0.0.1",
                           "127.0.0.0-127.255.255.255", "127.0.0.1-127.0.1.0"}) {
    EXPECT_FALSE(ParseAddressRange(text).ok()) << text;
  }
  EXPECT_FALSE(ValidateAddressRange({kLocalhost, kLocalhost + 5}).ok());
  EXPECT_TRUE(ValidateAddressRange({kLocalhost + 1, kLocalhost + 5}).ok());
}

TEST(AddressRangeTest, ShardSlicesSplitThePoolLikeThePortRange) {
  const AddressRange pool = *ParseAddressRange("127.2.0.1-127.2.0.103");
  AddressRange previous_last{};
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<AddressRange> slice = ShardAddressSlice(pool, {i, 4});
    ASSERT_TRUE(slice.ok()) << slice.status();
    EXPECT_EQ(slice->size(), 25);  // 103 / 4; the last 3 stay unused.
    if (i > 0) {
      EXPECT_EQ(slice->first, previous_last.last + 1);
    }
    previous_last = *slice;
    // The same arithmetic as the ports'.
    absl::StatusOr<PortRange> ports =
        ShardSlice(PortRange{20001, 20103}, {i, 4});
    ASSERT_TRUE(ports.ok());
    EXPECT_EQ(slice->first - pool.first, ports->first - 20001u);
  }
  EXPECT_EQ(FormatAddressRange(*ShardAddressSlice(pool, {1, 4})),
            "127.2.0.26-127.2.0.50");

  absl::StatusOr<AddressRange> too_small =
      ShardAddressSlice(*ParseAddressRange("127.2.0.1-127.2.0.3"), {0, 4});
  ASSERT_FALSE(too_small.ok());
  EXPECT_THAT(too_small.status().message(),
              AllOf(HasSubstr("3 addresses"), HasSubstr("4 shards"),
                    HasSubstr("GTEST_PORT_ADDRESS_RANGE")));
  EXPECT_FALSE(ShardAddressSlice(pool, {4, 4}).ok());
}

}  // namespace
}  // namespace gtest_port_internal
