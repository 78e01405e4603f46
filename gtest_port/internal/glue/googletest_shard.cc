#include "gtest_port/internal/glue/googletest_shard.h"

#include <string>

#include "gtest/gtest.h"

namespace gtest_port_internal {

bool InDeathTestChild() {
  return !::testing::GTEST_FLAG(internal_run_death_test).empty();
}

gtest_port::Options WithGoogleTestShard(gtest_port::Options options) {
  // Outside a death-test child, the engine reads GoogleTest's variables the
  // way GoogleTest does (engine/config.h); inside one, nothing is sharded.
  if (InDeathTestChild() && !options.shard_index.has_value() &&
      !options.total_shards.has_value()) {
    options.shard_index = -1;
    options.total_shards = -1;
  }
  return options;
}

}  // namespace gtest_port_internal
