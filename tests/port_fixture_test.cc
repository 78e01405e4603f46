// Tests of gtest_port::PortFixture. This binary links plain gtest_main: no
// PortEnvironment is registered, and the fixture must work regardless.

#include "gtest_port/port_fixture.h"

#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/glue/default_allocator.h"
#include "gtest_port/internal/platform/platform.h"
#include "gtest_port/matchers.h"
#include "tests/testing/private_range.h"
#include "tests/testing/sockets.h"

namespace gtest_port {
namespace {

using ::gtest_port_internal::PortAllocator;
using ::gtest_port_testing::BindSocket;
using ::gtest_port_testing::PrivateRange;
using ::testing::AllOf;
using ::testing::HasSubstr;

// Whether some live gtest_port claim of the platform's default kind
// (abstract sockets on Linux, lock files on the portable back-end, named
// objects on Windows) holds `port` right now.
bool IsClaimed(uint16_t port) {
  const gtest_port_internal::Platform& platform =
      gtest_port_internal::RealPlatform();
  const std::unique_ptr<gtest_port_internal::Claimer> claimer =
      platform.MakeClaimer(platform.DefaultLockDir());
  absl::StatusOr<gtest_port_internal::PortClaim> claim = claimer->Claim(port);
  return claim.ok() && !claim->valid();
}

class PortFixtureTest : public PortFixture {};

TEST_F(PortFixtureTest, ReservePortWorksWithoutAnEnvironment) {
  const uint16_t port = ReservePort();
  EXPECT_GE(port, 20000);
  EXPECT_LE(port, 32767);
  EXPECT_TRUE(BindSocket(SOCK_STREAM, port).ok());
  EXPECT_TRUE(BindSocket(SOCK_DGRAM, port).ok());
}

TEST_F(PortFixtureTest, PortsAreHeldUntilTearDownThenReleased) {
  const uint16_t a = ReservePort();
  const uint16_t b = ReservePort();
  EXPECT_NE(a, b);
  EXPECT_TRUE(IsClaimed(a));
  EXPECT_TRUE(IsClaimed(b));
  EXPECT_EQ(ReservedPorts(), (std::vector<uint16_t>{a, b}));
  PortFixture::TearDown();  // What GoogleTest does when the test ends.
  EXPECT_FALSE(IsClaimed(a));
  EXPECT_FALSE(IsClaimed(b));
  EXPECT_TRUE(ReservedPorts().empty());
}

TEST_F(PortFixtureTest, ReserveBlockReturnsTheFirstOfConsecutivePorts) {
  const uint16_t first = ReserveBlock(4);
  ASSERT_NE(first, 0);
  EXPECT_EQ(ReservedPorts(),
            (std::vector<uint16_t>{first, static_cast<uint16_t>(first + 1),
                                   static_cast<uint16_t>(first + 2),
                                   static_cast<uint16_t>(first + 3)}));
  for (uint16_t p : ReservedPorts()) EXPECT_TRUE(IsClaimed(p)) << p;
}

TEST_F(PortFixtureTest, ReservePortIsThreadSafe) {
  std::vector<uint16_t> ports(16);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ports.size(); ++i) {
    threads.emplace_back([&, i] { ports[i] = ReservePort(); });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::set<uint16_t>(ports.begin(), ports.end()).size(), ports.size());
  EXPECT_EQ(ReservedPorts().size(), ports.size());
}

TEST_F(PortFixtureTest, NoFreePortIsAFatalFailureThatSaysWhy) {
  PrivateRange range(1);
  Options options;
  options.range = range.range();
  options.shard_index = 0;  // One port cannot be split across shards.
  options.total_shards = 1;
  absl::StatusOr<std::shared_ptr<PortAllocator>> installed =
      gtest_port_internal::InstallDefaultAllocator(options);
  ASSERT_TRUE(installed.ok()) << installed.status();
  const uint16_t only = ReservePort();
  EXPECT_EQ(only, range.first());

  ::testing::TestPartResultArray failures;
  uint16_t port = 1;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
        &failures);
    port = ReservePort();
  }
  ASSERT_TRUE(gtest_port_internal::InstallDefaultAllocator(Options()).ok());
  EXPECT_EQ(port, 0);
  ASSERT_EQ(failures.size(), 1);
  const ::testing::TestPartResult& failure = failures.GetTestPartResult(0);
  EXPECT_TRUE(failure.fatally_failed());
  EXPECT_THAT(failure.file_name(), HasSubstr("port_fixture_test.cc"));
  EXPECT_THAT(failure.message(),
              AllOf(HasSubstr("RESOURCE_EXHAUSTED"),
                    HasSubstr(absl::StrCat("slice ", range.first(), "-",
                                           range.first())),
                    HasSubstr("1 candidates were busy")));
}

}  // namespace
}  // namespace gtest_port
