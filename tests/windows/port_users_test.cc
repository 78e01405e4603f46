// Tests of gtest_port/port_users.cc on Windows: DescribePortUser() over real
// claims and sockets, and ListPortReservations()'s Unimplemented answer.

#include "gtest_port/port_users.h"

#include <winsock2.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/allocator.h"
#include "tests/testing/private_range.h"
#include "tests/testing/sockets.h"

namespace gtest_port {
namespace {

using ::gtest_port_testing::BindSocket;
using ::gtest_port_testing::PrivateRange;
using ::gtest_port_testing::TestSocket;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(DescribePortUserTest, PortZeroIsInvalid) {
  EXPECT_TRUE(absl::IsInvalidArgument(DescribePortUser(0).status()));
}

TEST(DescribePortUserTest, FreePortIsNobody) {
  PrivateRange range(1);
  absl::StatusOr<PortUser> user = DescribePortUser(range.first());
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->kind, PortUser::Kind::kNobody);
  EXPECT_THAT(user->sockets, IsEmpty());
}

TEST(DescribePortUserTest, ReservedPortIsGtestPort) {
  PrivateRange range(1);
  auto allocator = range.Allocator();
  ASSERT_NE(allocator, nullptr);
  absl::StatusOr<gtest_port_internal::Reservation> r = allocator->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<PortUser> user = DescribePortUser(r->port());
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->kind, PortUser::Kind::kGtestPort);
  EXPECT_THAT(user->ToString(), HasSubstr("reserved by gtest_port"));
}

TEST(DescribePortUserTest, ForeignListenerIsForeignWithItsSocket) {
  PrivateRange range(1);
  absl::StatusOr<TestSocket> tcp = BindSocket(SOCK_STREAM, range.first());
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  absl::StatusOr<PortUser> user = DescribePortUser(range.first());
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->kind, PortUser::Kind::kForeign);
  ASSERT_THAT(user->sockets, SizeIs(1));
  EXPECT_THAT(user->sockets[0], HasSubstr("LISTEN"));
  if (user->pid == 0) {
    // Wine reports no owning pid (tests/windows/README.md).
    EXPECT_THAT(user->pid_unknown_reason, HasSubstr("no owning process"));
  } else {
    EXPECT_EQ(user->pid, static_cast<pid_t>(::GetCurrentProcessId()));
  }
}

TEST(ListPortReservationsTest, ListsHeldReservationsOnly) {
  PrivateRange range(3);
  auto allocator = range.Allocator();
  ASSERT_NE(allocator, nullptr);
  absl::StatusOr<gtest_port_internal::Reservation> held = allocator->Reserve(2);
  ASSERT_TRUE(held.ok()) << held.status();
  absl::StatusOr<std::vector<PortUser>> all = ListPortReservations();
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<uint16_t> in_range;
  for (const PortUser& user : *all) {
    EXPECT_EQ(user.kind, PortUser::Kind::kGtestPort) << user.ToString();
    if (range.range().contains(user.port)) {
      in_range.push_back(user.port);
      EXPECT_EQ(user.pid, 0) << "Windows does not name a claim's holder";
      EXPECT_THAT(user.pid_unknown_reason, HasSubstr("named object"));
    }
  }
  EXPECT_THAT(in_range, ::testing::UnorderedElementsAre((*held)[0], (*held)[1]));

  const uint16_t first = (*held)[0];
  held = absl::UnknownError("released");
  all = ListPortReservations();
  ASSERT_TRUE(all.ok()) << all.status();
  for (const PortUser& user : *all) EXPECT_NE(user.port, first);
}

}  // namespace
}  // namespace gtest_port
