// Tests of the table a process publishes its reservations in
// (gtest_port/internal/platform/published_table.h), read back as another
// process reads it: entries with their test, released entries gone,
// close-on-exec, and a forked child that publishes in a table of its own.

#include "gtest_port/internal/platform/published_table.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "gtest_port/internal/diagnostics/proc_net.h"
#include "gtest_port/internal/diagnostics/published_table_reader.h"
#include "gtest_port/internal/glue/test_registry.h"
#include "gtest_port/port_users.h"
#include "tests/testing/private_range.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port::DescribePortUser;
using ::gtest_port::PortUser;
using ::gtest_port_testing::PrivateRange;
using ::testing::ElementsAre;

std::string ThisTest() {
  return TestNameOf(::testing::UnitTest::GetInstance()->current_test_info());
}

// The path of this process's published table, from /proc/self/fd.
std::string OwnTablePath() {
  absl::StatusOr<DescriptorScan> scan =
      ScanDescriptors("/proc", {});
  if (!scan.ok()) return "";
  auto it = scan->tables.find(::getpid());
  return it == scan->tables.end() || it->second.empty() ? ""
                                                        : it->second.front();
}

// The published memfd table is Linux's: every test here skips on the
// portable POSIX back-end, which writes test names into lock files instead
// (lock_file_reader_test).
class PublishedTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!kLinuxBackend) {
      GTEST_SKIP() << "the published memfd table is Linux's; the portable "
                      "POSIX back-end writes test names into lock files "
                      "(lock_file_reader_test)";
    }
  }
};

TEST_F(PublishedTableTest, PublishesEntriesAndClearsThemOnRelease) {
  PrivateRange range(2);
  absl::StatusOr<Reservation> r = range.Allocator()->Reserve(2);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string path = OwnTablePath();
  ASSERT_FALSE(path.empty()) << "no published table in /proc/self/fd";

  absl::StatusOr<std::vector<PublishedReservation>> table =
      ReadPublishedTable(path);
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<std::string> in_range;
  for (const PublishedReservation& p : *table) {
    EXPECT_EQ(p.publisher, ::getpid());
    if (range.range().contains(p.first_port)) {
      in_range.push_back(
          absl::StrCat(p.first_port, "+", p.count, " ", p.test_name));
    }
  }
  EXPECT_THAT(in_range,
              ElementsAre(absl::StrCat(range.first(), "+2 ", ThisTest())));

  r = absl::CancelledError("released");
  table = ReadPublishedTable(path);
  ASSERT_TRUE(table.ok()) << table.status();
  for (const PublishedReservation& p : *table) {
    EXPECT_FALSE(range.range().contains(p.first_port)) << p.first_port;
  }
}

// The table is sealed: another process of the same user that opens it
// (/proc/<pid>/fd/<n>) cannot shrink it under the writer's mapping -- which
// would kill the test with SIGBUS on its next reservation -- or grow it.
TEST_F(PublishedTableTest, AnotherProcessCannotResizeTheTable) {
  PrivateRange range(1);
  absl::StatusOr<Reservation> r = range.Allocator()->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string path = OwnTablePath();
  ASSERT_FALSE(path.empty());
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  errno = 0;
  EXPECT_EQ(::ftruncate(fd, 0), -1) << "the table could be shrunk";
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::ftruncate(fd, off_t{1} << 30), -1) << "the table could grow";
  EXPECT_EQ(errno, EPERM);
  ::close(fd);
  // Still published, still readable, and the writer still writes.
  r = absl::CancelledError("released");
  r = range.Allocator()->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<std::vector<PublishedReservation>> table =
      ReadPublishedTable(path);
  ASSERT_TRUE(table.ok()) << table.status();
  int found = 0;
  for (const PublishedReservation& p : *table) found += p.first_port == r->port();
  EXPECT_EQ(found, 1);
}

// A child forked without exec (a server started in a test, a fast-style
// death test) that drops a reservation it inherited and reserves again
// writes only to a table of its own: the parent's table keeps its header
// (the parent's pid) and its entries.
TEST_F(PublishedTableTest, AForkedChildDroppingInheritedReservationsLeavesTheParentsTable) {
  PrivateRange range(4);
  auto allocator = range.Allocator();
  absl::StatusOr<Reservation> first = allocator->Reserve(1);
  absl::StatusOr<Reservation> second = allocator->Reserve(1);
  ASSERT_TRUE(first.ok() && second.ok());
  const std::string parent_table = OwnTablePath();
  ASSERT_FALSE(parent_table.empty());
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // No GoogleTest assertions in the child: its exit code says it all.
    first = absl::CancelledError("dropped in the child");
    absl::StatusOr<Reservation> again = allocator->Reserve(1);
    absl::StatusOr<Reservation> more = allocator->Reserve(1);
    second = absl::CancelledError("dropped in the child");
    ::_exit(again.ok() && more.ok() ? 0 : 10);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  absl::StatusOr<std::vector<PublishedReservation>> table =
      ReadPublishedTable(parent_table);
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<std::string> in_range;
  for (const PublishedReservation& p : *table) {
    EXPECT_EQ(p.publisher, ::getpid()) << "the header names another process";
    if (range.range().contains(p.first_port)) {
      in_range.push_back(absl::StrCat(p.first_port, " ", p.test_name));
    }
  }
  EXPECT_THAT(in_range, ::testing::UnorderedElementsAre(
                            absl::StrCat(first->port(), " ", ThisTest()),
                            absl::StrCat(second->port(), " ", ThisTest())));
}

TEST_F(PublishedTableTest, PublishedTableIsCloseOnExec) {
  PrivateRange range(1);
  absl::StatusOr<Reservation> r = range.Allocator()->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string path = OwnTablePath();
  ASSERT_FALSE(path.empty());
  int fd = 0;
  ASSERT_TRUE(absl::SimpleAtoi(path.substr(path.rfind('/') + 1), &fd)) << path;
  const int flags = ::fcntl(fd, F_GETFD);
  ASSERT_GE(flags, 0);
  EXPECT_TRUE(flags & FD_CLOEXEC);
}

TEST_F(PublishedTableTest, AForkedChildPublishesInATableOfItsOwn) {
  // A death-test child (fork without exec) shares the parent's table
  // mapping; it must not write its reservations there.
  PrivateRange range(2);
  auto allocator = range.Allocator();
  absl::StatusOr<Reservation> parents = allocator->Reserve(1);
  ASSERT_TRUE(parents.ok()) << parents.status();
  const std::string parent_table = OwnTablePath();
  ASSERT_FALSE(parent_table.empty());

  int to_parent[2];
  int to_child[2];
  ASSERT_EQ(::pipe2(to_parent, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(to_child, O_CLOEXEC), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(to_parent[0]);
    ::close(to_child[1]);
    absl::StatusOr<Reservation> childs = allocator->Reserve(1);
    const char ok = childs.ok() ? 'y' : 'n';
    (void)!::write(to_parent[1], &ok, 1);
    char c;
    (void)!::read(to_child[0], &c, 1);  // Hold until the parent has looked.
    ::_exit(0);
  }
  // Ends the child whatever happens below: it exits when its pipe closes,
  // and is killed if it is stuck (e.g. a deadlock in the registry).
  struct Reap {
    pid_t pid;
    int to_child;
    int to_parent;
    ~Reap() {
      ::close(to_child);
      ::close(to_parent);
      int status = 0;
      for (int i = 0; i < 3000 && ::waitpid(pid, &status, WNOHANG) == 0; ++i) {
        ::usleep(10000);
      }
      if (::waitpid(pid, &status, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
      }
    }
  };
  ::close(to_parent[1]);
  ::close(to_child[0]);
  Reap reap{child, to_child[1], to_parent[0]};
  pollfd ready{to_parent[0], POLLIN, 0};
  ASSERT_EQ(::poll(&ready, 1, 30000), 1) << "the child never reserved";
  char ok = 0;
  ASSERT_EQ(::read(to_parent[0], &ok, 1), 1);
  ASSERT_EQ(ok, 'y');
  const uint16_t childs_port =
      parents->port() == range.first() ? range.first() + 1 : range.first();

  absl::StatusOr<std::vector<PublishedReservation>> table =
      ReadPublishedTable(parent_table);
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<int> parent_ports;
  for (const PublishedReservation& p : *table) {
    if (range.range().contains(p.first_port))
      parent_ports.push_back(p.first_port);
  }
  EXPECT_THAT(parent_ports, ElementsAre(parents->port()));

  absl::StatusOr<PortUser> user = DescribePortUser(childs_port);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->pid, child) << user->ToString();
  EXPECT_EQ(user->test_name, ThisTest()) << "from the child's own table";
}

}  // namespace
}  // namespace gtest_port_internal
