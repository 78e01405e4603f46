// Tests of the machine-wide claim: exactly one live claim per port, released
// when its descriptor closes, close-on-exec, and clear errors.

#include "gtest_port/internal/platform/claim.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/mock_system.h"
#include "tests/testing/sockets.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::FailWith;
using ::gtest_port_testing::KernelPickedPort;
using ::gtest_port_testing::MockSystem;
using ::testing::_;
using ::testing::HasSubstr;

class ClaimTest : public ::testing::TestWithParam<ClaimMechanism> {
 protected:
  PortClaimer MakeClaimer(System& system = System::Real()) {
    return PortClaimer(system, GetParam(),
                       GetParam() == ClaimMechanism::kLockFile ? LockDir() : "");
  }
  static std::string LockDir() {
    const std::string dir = ::testing::TempDir() + "gtest_port_claim_test";
    ::mkdir(dir.c_str(), 0777);
    return dir;
  }
  // A port whose claim this test owns (the kernel just handed it out, so no
  // gtest_port user in the default range 20000-32767 competes for it).
  uint16_t port_ = KernelPickedPort();
};

TEST_P(ClaimTest, SecondClaimOfAHeldPortIsRefusedUntilRelease) {
  ASSERT_NE(port_, 0);
  const PortClaimer claimer = MakeClaimer();
  absl::StatusOr<UniqueFd> first = claimer.Claim(port_);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->valid());

  absl::StatusOr<UniqueFd> second = claimer.Claim(port_);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->valid()) << "two live claims of port " << port_;

  first->reset();  // Release.
  absl::StatusOr<UniqueFd> third = claimer.Claim(port_);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_TRUE(third->valid()) << "port " << port_ << " not claimable after release";
}

TEST_P(ClaimTest, ClaimsOfDifferentPortsAreIndependent) {
  const PortClaimer claimer = MakeClaimer();
  absl::StatusOr<UniqueFd> a = claimer.Claim(port_);
  absl::StatusOr<UniqueFd> b = claimer.Claim(static_cast<uint16_t>(port_ + 1));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->valid());
  EXPECT_TRUE(b->valid());
}

TEST_P(ClaimTest, ClaimDescriptorIsCloseOnExec) {
  const PortClaimer claimer = MakeClaimer();
  absl::StatusOr<UniqueFd> claim = claimer.Claim(port_);
  ASSERT_TRUE(claim.ok() && claim->valid());
  const int flags = ::fcntl(claim->get(), F_GETFD);
  ASSERT_GE(flags, 0);
  EXPECT_TRUE(flags & FD_CLOEXEC);
}

TEST_P(ClaimTest, OutOfDescriptorsSaysSo) {
  ::testing::NiceMock<MockSystem> system;
  ON_CALL(system, Socket(AF_UNIX, _, _)).WillByDefault(FailWith(EMFILE));
  ON_CALL(system, Open).WillByDefault(FailWith(EMFILE));
  const PortClaimer claimer = MakeClaimer(system);
  absl::StatusOr<UniqueFd> claim = claimer.Claim(port_);
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(claim.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(claim.status().message(), HasSubstr("out of file descriptors"));
  EXPECT_THAT(claim.status().message(), HasSubstr("ulimit -n"));
}

INSTANTIATE_TEST_SUITE_P(Mechanisms, ClaimTest,
                         ::testing::Values(ClaimMechanism::kAbstractSocket,
                                           ClaimMechanism::kLockFile),
                         [](const auto& info) {
                           return info.param == ClaimMechanism::kAbstractSocket
                                      ? "AbstractSocket"
                                      : "LockFile";
                         });

TEST(AbstractClaimNameTest, IsVersionedAndNamesThePort) {
  EXPECT_EQ(AbstractClaimName(20123), "gtest_port/v1/20123");
}

TEST(ClaimErrorTest, UnexpectedBindErrorIsReportedNotTreatedAsBusy) {
  ::testing::NiceMock<MockSystem> system;
  ON_CALL(system, Bind).WillByDefault(FailWith(EPERM));
  const PortClaimer claimer(system, ClaimMechanism::kAbstractSocket, "");
  absl::StatusOr<UniqueFd> claim = claimer.Claim(20000);
  ASSERT_FALSE(claim.ok());
  EXPECT_THAT(claim.status().message(), HasSubstr("@gtest_port/v1/20000"));
}

}  // namespace
}  // namespace gtest_port_internal
