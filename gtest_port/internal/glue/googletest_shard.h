// File: gtest_port/internal/glue/googletest_shard.h
//
// GoogleTestShard() is the shard GoogleTest itself runs this process as, so
// that gtest_port's slice always matches the tests GoogleTest picked:
//
//   * inside a death-test child, GoogleTest does not shard (it runs exactly
//     the one death test it was told to): shard 0 of 1;
//   * otherwise GoogleTest's own reading of GTEST_SHARD_INDEX and
//     GTEST_TOTAL_SHARDS (GoogleTest 1.12 has no flags for them): -1 or
//     unset for both means not sharded, and one shard of one is no sharding.
//     GoogleTest exits the run on malformed values before any environment is
//     set up; gtest_port reports the same values as a configuration error
//     for callers outside a GoogleTest run.
//
// The values go into Options::shard_index/total_shards unless the user set
// those.
//
// Example:
//
//   gtest_port::Options options = WithGoogleTestShard(user_options);
//
// Thread-safe as long as the environment is not modified concurrently.

#ifndef GTEST_PORT_INTERNAL_GLUE_GOOGLETEST_SHARD_H_
#define GTEST_PORT_INTERNAL_GLUE_GOOGLETEST_SHARD_H_

#include "gtest_port/options.h"

namespace gtest_port_internal {

// True inside a death-test child process (--gtest_internal_run_death_test).
bool InDeathTestChild();

// `options`, with the shard values filled in as described above when unset.
gtest_port::Options WithGoogleTestShard(gtest_port::Options options);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_GLUE_GOOGLETEST_SHARD_H_
