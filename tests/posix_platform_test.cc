// Tests of the POSIX platform: the lock directory is checked once at
// start-up -- refused, with a clear message, when someone else could delete,
// replace or plant links among its lock files, or when this user cannot
// make lock files in it -- and the ephemeral range and default directory
// fit the back-end.

#include "gtest_port/internal/platform/posix_platform.h"

#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/platform/claim.h"
#include "gtest_port/internal/platform/system.h"
#include "tests/testing/other_user.h"
#include "tests/testing/temp_lock_dir.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::kCannotSwitchUser;
using ::gtest_port_testing::kOtherGid;
using ::gtest_port_testing::kOtherUid;
using ::gtest_port_testing::RunAsOtherUser;
using ::gtest_port_testing::TempLockDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

class PrepareLockDirTest : public ::testing::Test {
 protected:
  absl::Status Prepare(const std::string& dir) {
    return platform_->PrepareLockDir(dir, "GTEST_PORT_LOCK_DIR=" + dir);
  }
  std::unique_ptr<Platform> platform_ = MakePosixPlatform(System::Real());
};

TEST_F(PrepareLockDirTest, SharedStickyDirectoryOfRootOrOursIsAccepted) {
  TempLockDir dir(01777);
  ASSERT_FALSE(dir.path().empty());
  EXPECT_TRUE(Prepare(dir.path()).ok()) << Prepare(dir.path());
}

TEST_F(PrepareLockDirTest, MissingDirectoryIsMadeShareableWhateverTheUmask) {
  TempLockDir parent(0755);
  const std::string dir = parent.path() + "/locks";
  const mode_t old_umask = ::umask(077);
  const absl::Status prepared = Prepare(dir);
  ::umask(old_umask);
  ASSERT_TRUE(prepared.ok()) << prepared;
  struct stat st;
  ASSERT_EQ(::lstat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
}

// Its owner could delete a lock file someone holds (so the port is handed
// out twice) or plant a symbolic link in its place: refused at start-up.
TEST_F(PrepareLockDirTest, DirectoryOwnedBySomeoneElseIsRefused) {
  TempLockDir dir(01777);
  ASSERT_FALSE(dir.path().empty());
  if (::geteuid() == kOtherUid) GTEST_SKIP() << "running as uid 65534 itself";
  if (::chown(dir.path().c_str(), kOtherUid, kOtherGid) != 0) {
    GTEST_SKIP() << "cannot chown a directory to uid 65534 (not root)";
  }
  const absl::Status prepared = Prepare(dir.path());
  ASSERT_FALSE(prepared.ok()) << "accepted a directory uid 65534 owns";
  EXPECT_EQ(prepared.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(prepared.message(),
              AllOf(HasSubstr("GTEST_PORT_LOCK_DIR="),
                    HasSubstr("owned by uid 65534"),
                    HasSubstr("handed out twice"), HasSubstr("1777")));
}

TEST_F(PrepareLockDirTest, WorldWritableWithoutStickyBitIsRefused) {
  TempLockDir dir(0777);
  ASSERT_FALSE(dir.path().empty());
  const absl::Status prepared = Prepare(dir.path());
  ASSERT_FALSE(prepared.ok()) << "accepted mode 0777 without the sticky bit";
  EXPECT_THAT(prepared.message(),
              AllOf(HasSubstr("mode 0777"), HasSubstr("sticky bit"),
                    HasSubstr("chmod +t")));
}

TEST_F(PrepareLockDirTest, GroupWritableWithoutStickyBitIsRefused) {
  TempLockDir dir(0775);
  ASSERT_FALSE(dir.path().empty());
  const absl::Status prepared = Prepare(dir.path());
  ASSERT_FALSE(prepared.ok());
  EXPECT_THAT(prepared.message(), HasSubstr("mode 0775"));
}

TEST_F(PrepareLockDirTest, SymbolicLinkToADirectoryIsRefused) {
  TempLockDir dir(01777);
  TempLockDir parent(0755);
  const std::string link = parent.path() + "/link";
  ASSERT_EQ(::symlink(dir.path().c_str(), link.c_str()), 0);
  const absl::Status prepared = Prepare(link);
  ASSERT_FALSE(prepared.ok());
  EXPECT_THAT(prepared.message(), HasSubstr("symbolic link"));
}

// Every reservation used to fail later, one port after another, with an
// open error; now the first line of the run says why.
TEST_F(PrepareLockDirTest, DirectoryThisUserCannotWriteIsRefusedAtStartUp) {
  TempLockDir dir(0755);  // root's (or ours), not writable by others.
  ASSERT_FALSE(dir.path().empty());
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to test as another user";
  const int code = RunAsOtherUser([&] {
    const absl::Status prepared = Prepare(dir.path());
    if (prepared.ok()) return 1;
    const bool says_why =
        absl::StrContains(prepared.message(), "cannot create lock files") &&
        absl::StrContains(prepared.message(), "uid 65534");
    return says_why ? 0 : 2;
  });
  if (code == kCannotSwitchUser) GTEST_SKIP() << "cannot switch to uid 65534";
  EXPECT_EQ(code, 0) << "1: accepted, 2: the message does not say why";
}

TEST_F(PrepareLockDirTest, SharedDirectoryOfRootIsAcceptedForAnotherUser) {
  TempLockDir dir(01777);
  ASSERT_FALSE(dir.path().empty());
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to test as another user";
  const int code =
      RunAsOtherUser([&] { return Prepare(dir.path()).ok() ? 0 : 1; });
  if (code == kCannotSwitchUser) GTEST_SKIP() << "cannot switch to uid 65534";
  EXPECT_EQ(code, 0);
}

TEST(PosixPlatformTest, DefaultLockDirFitsTheBackEnd) {
  std::unique_ptr<Platform> platform = MakePosixPlatform(System::Real());
  if (kLinuxBackend) {
    EXPECT_EQ(platform->DefaultLockDir(), "");
  } else {
    EXPECT_EQ(platform->DefaultLockDir(), "/var/tmp/gtest_port");
  }
}

TEST(PosixPlatformTest, PortableBackEndClaimsByLockFilesOnly) {
  std::unique_ptr<Platform> platform = MakePosixPlatform(System::Real());
  std::unique_ptr<Claimer> claimer =
      platform->MakeClaimer(platform->DefaultLockDir());
  if (kLinuxBackend) {
    EXPECT_THAT(claimer->Describe(), HasSubstr("abstract sockets"));
  } else {
    EXPECT_THAT(claimer->Describe(), HasSubstr("lock files /var/tmp/gtest_port/"));
  }
}

}  // namespace
}  // namespace gtest_port_internal
