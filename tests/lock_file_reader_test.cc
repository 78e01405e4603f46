// Tests of reading lock-file claims as hostile input: a held lock file
// names its holder's pid, a free one is no reservation, and whatever else a
// lock file or the directory holds -- garbage, escape sequences, huge or
// negative numbers, FIFOs, links -- is reported as unknown, never trusted.

#include "gtest_port/internal/diagnostics/lock_file_reader.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/platform/claim.h"
#include "gtest_port/internal/platform/shared_names.h"
#include "gtest_port/internal/platform/system.h"
#include "tests/testing/temp_lock_dir.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::TempLockDir;
using ::testing::HasSubstr;

TEST(ParseLockFileContentTest, AcceptsPidAndOptionallyATestName) {
  absl::StatusOr<LockFileContent> plain = ParseLockFileContent("pid 4242\n");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->pid, 4242);
  EXPECT_EQ(plain->test_name, "");
  absl::StatusOr<LockFileContent> max = ParseLockFileContent("pid 2147483647\n");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->pid, 2147483647);
  absl::StatusOr<LockFileContent> named =
      ParseLockFileContent("pid 7\ntest EchoTest.Roundtrip\n");
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->test_name, "EchoTest.Roundtrip");
}

TEST(ParseLockFileContentTest, TestNameIsEscapedForTheTerminal) {
  absl::StatusOr<LockFileContent> named =
      ParseLockFileContent("pid 7\ntest Evil\x1b[2JTest\n");
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->test_name.find('\x1b'), std::string::npos)
      << "an escape sequence reached the caller";
  EXPECT_THAT(named->test_name, HasSubstr("Evil"));
}

TEST(ParseLockFileContentTest, RejectsEverythingElse) {
  for (const char* bad :
       {"", "pid\n", "pid 0\n", "pid -1\n", "pid 2147483648\n",
        "pid 99999999999\n", "pid 42", "pid 42\n\n", "pid 042\n",
        "pid 4 2\n", "pid +42\n", "PID 42\n", "pid 42\x1b[2J\n",
        "\x1b]0;owned\x07pid 42\n", "pid 42\ntest \n", "pid 42\ntest x",
        "pid 42\nname x\n", "pid 42\ntest a\nb\n",
        "pid 42\ntest x\ntest y\n"}) {
    EXPECT_FALSE(ParseLockFileContent(bad).ok()) << "accepted: " << bad;
  }
  EXPECT_FALSE(ParseLockFileContent(absl::string_view("pid 4\0002\n", 8)).ok());
  EXPECT_FALSE(ParseLockFileContent(
                   absl::StrCat("pid 42\ntest ", std::string(201, 'x'), "\n"))
                   .ok());
}

class ReadLockFileHolderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  std::string Path(uint16_t port) const {
    return LockFilePath(dir_.path(), port);
  }
  // A lock file for `port` with `content`, held (flock) by this process
  // through the returned descriptor.
  UniqueFd Hold(uint16_t port, absl::string_view content) {
    UniqueFd fd(::open(Path(port).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666));
    EXPECT_TRUE(fd.valid());
    EXPECT_EQ(::write(fd.get(), content.data(), content.size()),
              static_cast<ssize_t>(content.size()));
    EXPECT_EQ(::flock(fd.get(), LOCK_EX | LOCK_NB), 0);
    return fd;
  }

  TempLockDir dir_;
};

TEST_F(ReadLockFileHolderTest, ClaimedPortNamesTheHoldersPid) {
  const PortClaimer claimer(System::Real(), ClaimMechanism::kLockFile,
                            dir_.path());
  absl::StatusOr<UniqueFd> claim = claimer.Claim(20001);
  ASSERT_TRUE(claim.ok() && claim->valid());
  absl::StatusOr<LockFileHolder> holder = ReadLockFileHolder(dir_.path(), 20001);
  ASSERT_TRUE(holder.ok()) << holder.status();
  EXPECT_EQ(holder->port, 20001);
  EXPECT_EQ(holder->pid, ::getpid());
  EXPECT_EQ(holder->test_name, "");

  WriteTestNameToLockFile(20001, "Suite.Name");
  holder = ReadLockFileHolder(dir_.path(), 20001);
  ASSERT_TRUE(holder.ok()) << holder.status();
  EXPECT_EQ(holder->pid, ::getpid());
  EXPECT_EQ(holder->test_name, "Suite.Name");

  claim->reset();  // Released: the file stays, the reservation is gone.
  EXPECT_TRUE(absl::IsNotFound(ReadLockFileHolder(dir_.path(), 20001).status()));
}

TEST_F(ReadLockFileHolderTest, AddressClaimsAreReadApartFromPortClaims) {
  const PortClaimer claimer(System::Real(), ClaimMechanism::kLockFile,
                            dir_.path());
  absl::StatusOr<UniqueFd> port = claimer.Claim(20001);
  ASSERT_TRUE(port.ok() && port->valid());
  absl::StatusOr<UniqueFd> address = claimer.ClaimAddress(0x7f010007);
  ASSERT_TRUE(address.ok()) << address.status();
  ASSERT_TRUE(address->valid());
  // A second claim of the same address, in this process or another, fails.
  absl::StatusOr<UniqueFd> again = claimer.ClaimAddress(0x7f010007);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->valid());

  absl::StatusOr<std::vector<LockFileHolder>> addresses =
      ReadAddressLockFileHolders(dir_.path());
  ASSERT_TRUE(addresses.ok()) << addresses.status();
  ASSERT_EQ(addresses->size(), 1u);
  EXPECT_EQ((*addresses)[0].address, 0x7f010007u);
  EXPECT_EQ((*addresses)[0].port, 0);
  EXPECT_EQ((*addresses)[0].pid, ::getpid());
  absl::StatusOr<std::vector<LockFileHolder>> ports =
      ReadLockFileHolders(dir_.path());
  ASSERT_TRUE(ports.ok()) << ports.status();
  ASSERT_EQ(ports->size(), 1u);
  EXPECT_EQ((*ports)[0].port, 20001);

  address->reset();
  EXPECT_TRUE(absl::IsNotFound(
      ReadAddressLockFileHolder(dir_.path(), 0x7f010007).status()));
  // A symbolic link planted at an address's lock file is refused, as a
  // port's is.
  ASSERT_EQ(::symlink("/etc/passwd",
                      (dir_.path() + "/addr-127.1.0.9.lock").c_str()),
            0);
  absl::StatusOr<UniqueFd> planted = claimer.ClaimAddress(0x7f010009);
  ASSERT_FALSE(planted.ok());
  EXPECT_EQ(planted.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(planted.status().message(),
              HasSubstr("claiming address 127.1.0.9"));
}

TEST_F(ReadLockFileHolderTest, GarbledContentIsAnUnknownPidNeverItsText) {
  UniqueFd held = Hold(20002, "pid 1\x1b]0;pwned\x07\n");
  absl::StatusOr<LockFileHolder> holder = ReadLockFileHolder(dir_.path(), 20002);
  ASSERT_TRUE(holder.ok()) << holder.status();
  EXPECT_EQ(holder->pid, 0);
  EXPECT_THAT(holder->unknown_reason, HasSubstr("garbled"));
}

TEST_F(ReadLockFileHolderTest, HugeLockFileIsReadOnlyUpToItsBound) {
  UniqueFd held = Hold(20003, std::string(1 << 20, '9'));
  absl::StatusOr<LockFileHolder> holder = ReadLockFileHolder(dir_.path(), 20003);
  ASSERT_TRUE(holder.ok());
  EXPECT_EQ(holder->pid, 0);
}

TEST_F(ReadLockFileHolderTest, EmptyHeldLockFileIsHeldByAnUnknownPid) {
  UniqueFd held = Hold(20004, "");
  absl::StatusOr<LockFileHolder> holder = ReadLockFileHolder(dir_.path(), 20004);
  ASSERT_TRUE(holder.ok());
  EXPECT_EQ(holder->pid, 0);
  EXPECT_THAT(holder->unknown_reason, HasSubstr("names no pid"));
}

TEST_F(ReadLockFileHolderTest, FifoAndSymlinkAreNotReadAndDoNotBlock) {
  ASSERT_EQ(::mkfifo(Path(20005).c_str(), 0666), 0);
  EXPECT_EQ(ReadLockFileHolder(dir_.path(), 20005).status().code(),
            absl::StatusCode::kFailedPrecondition);
  UniqueFd held = Hold(20006, "pid 1\n");
  ASSERT_EQ(::symlink(Path(20006).c_str(), Path(20007).c_str()), 0);
  EXPECT_FALSE(ReadLockFileHolder(dir_.path(), 20007).ok())
      << "followed a symbolic link";
}

TEST_F(ReadLockFileHolderTest, ListHasHeldPortsOnlyAndIgnoresOtherNames) {
  UniqueFd a = Hold(20010, "pid 7\n");
  UniqueFd b = Hold(20012, "pid 8\n");
  { UniqueFd free = Hold(20011, "pid 9\n"); }  // Released at once.
  std::vector<UniqueFd> others;
  for (const char* name : {"020013.lock", "70000.lock", "0.lock", "x.lock",
                           "20014.lock.bak", "20015"}) {
    UniqueFd other(::open((dir_.path() + "/" + name).c_str(),
                          O_RDWR | O_CREAT | O_CLOEXEC, 0666));
    ASSERT_TRUE(other.valid());
    ASSERT_EQ(::flock(other.get(), LOCK_EX | LOCK_NB), 0);
    others.push_back(std::move(other));
  }
  absl::StatusOr<std::vector<LockFileHolder>> held =
      ReadLockFileHolders(dir_.path());
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_EQ(held->size(), 2u);
  EXPECT_EQ((*held)[0].port, 20010);
  EXPECT_EQ((*held)[0].pid, 7);
  EXPECT_EQ((*held)[1].port, 20012);
  EXPECT_EQ((*held)[1].pid, 8);
}

TEST(ReadLockFileHoldersTest, MissingDirectoryIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(
      ReadLockFileHolders("/nonexistent/gtest_port_locks").status()));
}

}  // namespace
}  // namespace gtest_port_internal
