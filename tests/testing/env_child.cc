// env_child: a test binary as users write it (gtest_port_main registers the
// PortEnvironment) for environment_test to run under various environments.

#include <cstdio>

#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"

namespace {

class EnvChildTest : public gtest_port::PortFixture {};

TEST_F(EnvChildTest, Reserves) {
  std::printf("ENV_CHILD_TEST_RAN port=%d\n", ReservePort());
}

// Four tests, so that each of four shards has one to run (GoogleTest sets up
// global environments only in a shard that runs tests).
TEST_F(EnvChildTest, Second) { EXPECT_NE(ReservePort(), 0); }
TEST_F(EnvChildTest, Third) { EXPECT_NE(ReservePort(), 0); }
TEST_F(EnvChildTest, Fourth) { EXPECT_NE(ReservePort(), 0); }

}  // namespace
