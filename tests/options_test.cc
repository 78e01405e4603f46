// Tests of gtest_port/options.h: PortRange's arithmetic and what GoogleTest
// prints for it; the defaults of Options.

#include "gtest_port/options.h"

#include "gtest/gtest.h"

namespace gtest_port {
namespace {

TEST(PortRangeTest, SizeAndContainsAreInclusive) {
  const PortRange range{20000, 20009};
  EXPECT_EQ(range.size(), 10);
  EXPECT_TRUE(range.contains(20000));
  EXPECT_TRUE(range.contains(20009));
  EXPECT_FALSE(range.contains(20010));
  EXPECT_FALSE(range.contains(19999));
}

TEST(PortRangeTest, PrintsAsTheVariableSpellsIt) {
  EXPECT_EQ(::testing::PrintToString(PortRange{20000, 32767}), "20000-32767");
  EXPECT_EQ(::testing::PrintToString(kDefaultPortRange), "20000-32767");
}

TEST(OptionsTest, EveryFieldIsUnsetByDefault) {
  const Options options;
  EXPECT_FALSE(options.range.has_value());
  EXPECT_FALSE(options.lock_dir.has_value());
  EXPECT_FALSE(options.shard_index.has_value());
  EXPECT_FALSE(options.total_shards.has_value());
  EXPECT_FALSE(options.portserver_address.has_value());
  EXPECT_FALSE(options.portserver_timeout.has_value());
  EXPECT_FALSE(options.verbose.has_value());
  EXPECT_FALSE(options.fail_on_leak.has_value());
}

}  // namespace
}  // namespace gtest_port
