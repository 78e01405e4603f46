// Tests of the local source's claim-and-probe loop where a port's claim
// cannot even be tried: one bad lock file is skipped and counted, not the
// end of the reservation; when every candidate is like that, the error says
// so and why.

#include "gtest_port/internal/engine/local_source.h"

#include <fcntl.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/engine/config.h"
#include "gtest_port/internal/engine/environment.h"
#include "gtest_port/internal/engine/stats.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "gtest_port/internal/platform/shared_names.h"
#include "gtest_port/options.h"
#include "tests/testing/mock_system.h"
#include "tests/testing/private_range.h"
#include "tests/testing/temp_lock_dir.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::MockSystem;
using ::gtest_port_testing::PrivateRange;
using ::gtest_port_testing::TempLockDir;
using ::testing::_;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;

class UnclaimablePortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    // Opening the lock file of any port in `refused_` fails with EACCES, as
    // for a lock file another user made and kept to themselves.
    ON_CALL(system_, Open(_, _, _))
        .WillByDefault([this](const char* path, int flags, mode_t mode) {
          for (uint16_t port : refused_) {
            if (LockFilePath(dir_.path(), port) == path) {
              errno = EACCES;
              return -1;
            }
          }
          return System::Real().Open(path, flags, mode);
        });
  }

  std::shared_ptr<PortAllocator> MakeAllocator() {
    gtest_port::Options options;
    options.range = range_.range();
    options.shard_index = 0;
    options.total_shards = 1;
    options.lock_dir = dir_.path();
    options.portserver_address = "";
    platform_ = MakePosixPlatform(system_);
    absl::StatusOr<Config> config =
        ResolveConfig(options, *platform_, MapEnvironment({}));
    EXPECT_TRUE(config.ok()) << config.status();
    if (!config.ok()) return nullptr;
    return PortAllocator::Create(*std::move(config), *platform_);
  }

  ::testing::NiceMock<MockSystem> system_;
  TempLockDir dir_;
  PrivateRange range_{2};
  std::vector<uint16_t> refused_;
  std::unique_ptr<Platform> platform_;
};

// An open error used to end the reservation with PERMISSION_DENIED although
// the next candidate was free.
TEST_F(UnclaimablePortTest, PortWhoseLockFileCannotBeOpenedIsSkippedAndCounted) {
  refused_ = {range_.first()};
  std::shared_ptr<PortAllocator> allocator = MakeAllocator();
  ASSERT_NE(allocator, nullptr);
  for (int i = 0; i < 4; ++i) {  // Every start offset meets the bad port.
    absl::StatusOr<Reservation> r = allocator->Reserve(1);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->port(), range_.first() + 1);
  }
  EXPECT_GE(allocator->stats()[Stats::kUnclaimable], 1);
}

TEST_F(UnclaimablePortTest, WhenNoPortCanBeClaimedTheErrorSaysWhy) {
  refused_ = {range_.first(), static_cast<uint16_t>(range_.first() + 1)};
  std::shared_ptr<PortAllocator> allocator = MakeAllocator();
  ASSERT_NE(allocator, nullptr);
  absl::StatusOr<Reservation> r = allocator->Reserve(1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(),
              AllOf(HasSubstr("2 could not be claimed"),
                    // The example is whichever port the counter met first.
                    AnyOf(HasSubstr(LockFilePath(dir_.path(), range_.first())),
                          HasSubstr(LockFilePath(
                              dir_.path(),
                              static_cast<uint16_t>(range_.first() + 1)))),
                    HasSubstr("Permission denied")))
      << r.status();
  EXPECT_EQ(allocator->stats()[Stats::kUnclaimable], 2);
}

TEST_F(UnclaimablePortTest, OutOfDescriptorsStillStopsTheReservation) {
  std::shared_ptr<PortAllocator> allocator = MakeAllocator();
  ASSERT_NE(allocator, nullptr);
  ON_CALL(system_, Open(_, _, _))
      .WillByDefault(gtest_port_testing::FailWith(EMFILE));
  absl::StatusOr<Reservation> r = allocator->Reserve(1);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("out of file descriptors"));
}

}  // namespace
}  // namespace gtest_port_internal
