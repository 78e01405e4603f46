// Tests of the machine-wide claim: exactly one live claim per port, released
// when its descriptor closes, close-on-exec, and clear errors.

#include "gtest_port/internal/platform/claim.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "gtest_port/internal/platform/shared_names.h"
#include "tests/testing/mock_system.h"
#include "tests/testing/other_user.h"
#include "tests/testing/sockets.h"
#include "tests/testing/temp_lock_dir.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::FailWith;
using ::gtest_port_testing::kCannotSwitchUser;
using ::gtest_port_testing::RunAsOtherUser;
using ::gtest_port_testing::TempLockDir;
using ::gtest_port_testing::KernelPickedPort;
using ::gtest_port_testing::MockSystem;
using ::testing::_;
using ::testing::HasSubstr;

class ClaimTest : public ::testing::TestWithParam<ClaimMechanism> {
 protected:
  void SetUp() override {
    if (GetParam() == ClaimMechanism::kAbstractSocket && !kLinuxBackend) {
      GTEST_SKIP() << "abstract sockets are Linux's; the portable POSIX "
                      "back-end claims by lock files only";
    }
  }
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

// A lock directory of the test's own, shared like /tmp.
class LockFileClaimTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.empty()); }
  std::string Path(uint16_t port) const { return LockFilePath(dir_, port); }

  TempLockDir temp_;
  const std::string dir_ = temp_.path();
  uint16_t port_ = KernelPickedPort();
};

// Lock files took the umask (0644): a second user sharing the directory got
// PERMISSION_DENIED instead of a claim.
TEST_F(LockFileClaimTest, SecondUserSharingTheDirectoryCanClaimAReleasedPort) {
  const mode_t old_umask = ::umask(022);
  {
    const PortClaimer claimer(System::Real(), ClaimMechanism::kLockFile, dir_);
    absl::StatusOr<UniqueFd> mine = claimer.Claim(port_);
    ASSERT_TRUE(mine.ok() && mine->valid()) << mine.status();
  }  // Released; the lock file stays.
  ::umask(old_umask);
  const int code = RunAsOtherUser([&] {
    const PortClaimer claimer(System::Real(), ClaimMechanism::kLockFile, dir_);
    absl::StatusOr<UniqueFd> theirs = claimer.Claim(port_);
    if (!theirs.ok()) {
      std::fprintf(stderr, "other user: %s\n",
                   theirs.status().ToString().c_str());
      return 1;
    }
    return theirs->valid() ? 0 : 2;
  });
  if (code == kCannotSwitchUser) GTEST_SKIP() << "cannot switch to uid 65534";
  EXPECT_EQ(code, 0) << "1: the claim failed (see stderr), 2: refused as held";
}

TEST_F(LockFileClaimTest, SecondUserSeesAPortTheFirstHoldsAsHeld) {
  const PortClaimer claimer(System::Real(), ClaimMechanism::kLockFile, dir_);
  absl::StatusOr<UniqueFd> mine = claimer.Claim(port_);
  ASSERT_TRUE(mine.ok() && mine->valid()) << mine.status();
  const int code = RunAsOtherUser([&] {
    absl::StatusOr<UniqueFd> theirs = claimer.Claim(port_);
    if (!theirs.ok()) return 1;
    return theirs->valid() ? 2 : 0;
  });
  if (code == kCannotSwitchUser) GTEST_SKIP() << "cannot switch to uid 65534";
  EXPECT_EQ(code, 0) << "1: the claim failed, 2: two live claims of a port";
}

// A file another user made read-only for others (an older version, or a
// umask) is still locked: read-only, without publishing a pid.
TEST_F(LockFileClaimTest, LockFileOthersCannotWriteIsLockedReadOnly) {
  UniqueFd made(::open(Path(port_).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  ASSERT_TRUE(made.valid());
  made.reset();
  const int code = RunAsOtherUser([&] {
    const PortClaimer claimer(System::Real(), ClaimMechanism::kLockFile, dir_);
    absl::StatusOr<UniqueFd> theirs = claimer.Claim(port_);
    return theirs.ok() && theirs->valid() ? 0 : 1;
  });
  if (code == kCannotSwitchUser) GTEST_SKIP() << "cannot switch to uid 65534";
  EXPECT_EQ(code, 0);
}

TEST_F(LockFileClaimTest, HolderWritesItsPidIntoTheLockFile) {
  const PortClaimer claimer(System::Real(), ClaimMechanism::kLockFile, dir_);
  absl::StatusOr<UniqueFd> claim = claimer.Claim(port_);
  ASSERT_TRUE(claim.ok() && claim->valid());
  absl::StatusOr<std::string> content = ReadWholeFile(Path(port_));
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(*content, absl::StrCat("pid ", ::getpid(), "\n"));
  struct stat st;
  ASSERT_EQ(::stat(Path(port_).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0666u) << "the umask narrowed the lock file";
}

// A symbolic link planted as a lock file made the claim create (and lock)
// a file at its target.
TEST_F(LockFileClaimTest, PlantedSymlinkIsNeverFollowed) {
  const std::string target = dir_ + "/target";
  ASSERT_EQ(::symlink(target.c_str(), Path(port_).c_str()), 0);
  const PortClaimer claimer(System::Real(), ClaimMechanism::kLockFile, dir_);
  absl::StatusOr<UniqueFd> claim = claimer.Claim(port_);
  ASSERT_FALSE(claim.ok()) << "claimed through a symbolic link";
  EXPECT_EQ(claim.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(claim.status().message(), HasSubstr("symbolic link"));
  struct stat st;
  EXPECT_NE(::lstat(target.c_str(), &st), 0) << "created the link's target";
}

TEST_F(LockFileClaimTest, PlantedFifoIsRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo(Path(port_).c_str(), 0666), 0);
  const PortClaimer claimer(System::Real(), ClaimMechanism::kLockFile, dir_);
  absl::StatusOr<UniqueFd> claim = claimer.Claim(port_);
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(claim.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(claim.status().message(), HasSubstr("not a regular file"));
}

TEST_F(LockFileClaimTest, HardLinkedLockFileIsRefused) {
  const std::string other = dir_ + "/other";
  UniqueFd made(::open(other.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_TRUE(made.valid());
  ASSERT_EQ(::link(other.c_str(), Path(port_).c_str()), 0);
  const PortClaimer claimer(System::Real(), ClaimMechanism::kLockFile, dir_);
  absl::StatusOr<UniqueFd> claim = claimer.Claim(port_);
  ASSERT_FALSE(claim.ok());
  EXPECT_THAT(claim.status().message(), HasSubstr("hard links"));
  absl::StatusOr<std::string> content = ReadWholeFile(other);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, "") << "wrote into another file";
}

// A lock file deleted and made anew between a claimer's open and its flock:
// the claimer locked the old, unlinked file, the next one locked the new
// file, and both held the port.
TEST_F(LockFileClaimTest, LockFileReplacedBeforeFlockCannotBeHeldTwice) {
  ::testing::NiceMock<MockSystem> system;
  bool replaced = false;
  ON_CALL(system, Flock).WillByDefault([&](int fd, int operation) {
    if (!replaced) {
      replaced = true;
      const std::string fresh = dir_ + "/fresh";
      UniqueFd made(::open(fresh.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666));
      EXPECT_EQ(::rename(fresh.c_str(), Path(port_).c_str()), 0);
    }
    return ::flock(fd, operation);
  });
  const PortClaimer racing(system, ClaimMechanism::kLockFile, dir_);
  absl::StatusOr<UniqueFd> first = racing.Claim(port_);
  ASSERT_TRUE(first.ok() && first->valid()) << first.status();
  ASSERT_TRUE(replaced);

  const PortClaimer claimer(System::Real(), ClaimMechanism::kLockFile, dir_);
  absl::StatusOr<UniqueFd> second = claimer.Claim(port_);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->valid()) << "port " << port_ << " held twice";
}

TEST_F(LockFileClaimTest, LockFileReplacedAtEveryAttemptIsSkippedWithReason) {
  ::testing::NiceMock<MockSystem> system;
  ON_CALL(system, Flock).WillByDefault([&](int fd, int operation) {
    ::unlink(Path(port_).c_str());
    return ::flock(fd, operation);
  });
  const PortClaimer claimer(system, ClaimMechanism::kLockFile, dir_);
  absl::StatusOr<UniqueFd> claim = claimer.Claim(port_);
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(claim.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(claim.status().message(), HasSubstr("was replaced"));
}

TEST(AbstractClaimNameTest, IsVersionedAndNamesThePort) {
  EXPECT_EQ(AbstractClaimName(20123), "gtest_port/v1/20123");
}

TEST(ClaimErrorTest, UnexpectedBindErrorIsReportedNotTreatedAsBusy) {
  if (!kLinuxBackend) {
    GTEST_SKIP() << "abstract sockets are Linux's; the portable POSIX "
                    "back-end claims by lock files only";
  }
  ::testing::NiceMock<MockSystem> system;
  ON_CALL(system, Bind).WillByDefault(FailWith(EPERM));
  const PortClaimer claimer(system, ClaimMechanism::kAbstractSocket, "");
  absl::StatusOr<UniqueFd> claim = claimer.Claim(20000);
  ASSERT_FALSE(claim.ok());
  EXPECT_THAT(claim.status().message(), HasSubstr("@gtest_port/v1/20000"));
}

}  // namespace
}  // namespace gtest_port_internal
