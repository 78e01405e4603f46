// Tests of "who has this port": DescribePortUser() and
// ListPortReservations() against real reservations (this process's, and a
// second process's: tests/testing/port_holder and test_holder), real TCP and
// UDP sockets, and nothing.

#include "gtest_port/port_users.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/diagnostics/proc_net.h"
#include "gtest_port/internal/diagnostics/published_table_reader.h"
#include "gtest_port/port_reservation.h"
#include "tests/testing/private_range.h"
#include "tests/testing/sockets.h"
#include "tests/testing/subprocess.h"

namespace gtest_port {
namespace {

using ::gtest_port_internal::ClaimSocket;
using ::gtest_port_internal::DescriptorScan;
using ::gtest_port_internal::InetSocket;
using ::gtest_port_internal::PublishedReservation;
using ::gtest_port_internal::UniqueFd;
using ::gtest_port_testing::Address;
using ::gtest_port_testing::BindSocket;
using ::gtest_port_testing::HelperPath;
using ::gtest_port_testing::PrivateRange;
using ::gtest_port_testing::Subprocess;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr absl::Duration kTimeout = absl::Seconds(30);

std::string ThisTest() {
  const ::testing::TestInfo* info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  return absl::StrCat(info->test_suite_name(), ".", info->name());
}

// A second process holding reservations: port_holder (outside any test) or
// one test of test_holder. Reads its ports up to "READY".
struct Holder {
  Subprocess process;
  std::vector<int> ports;
};

absl::StatusOr<Holder> StartHolder(std::vector<std::string> argv,
                                   const PrivateRange& range) {
  absl::StatusOr<Subprocess> child = Subprocess::Start(
      argv, {range.EnvEntry(), "GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS",
             "PORTSERVER_ADDRESS", "GTEST_PORT_LOCK_DIR", "GTEST_OUTPUT"});
  if (!child.ok()) return child.status();
  Holder holder{*std::move(child), {}};
  absl::StatusOr<gtest_port_testing::HolderOutput> out =
      gtest_port_testing::ReadHolderOutput(holder.process, kTimeout);
  if (!out.ok()) return out.status();
  holder.ports = std::move(out->ports);
  return holder;
}

absl::StatusOr<Holder> StartPortHolder(const PrivateRange& range,
                                       std::vector<std::string> args = {}) {
  args.insert(args.begin(), HelperPath("port_holder"));
  return StartHolder(args, range);
}

absl::StatusOr<Holder> StartTestHolder(const PrivateRange& range) {
  return StartHolder({HelperPath("test_holder"),
                      "--gtest_filter=TestHolder.HoldsUntilStdinCloses"},
                     range);
}

// --- DescribePortUser ------------------------------------------------------

TEST(DescribePortUserTest, PortZeroIsRejected) {
  absl::StatusOr<PortUser> user = DescribePortUser(0);
  EXPECT_EQ(user.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(user.status().message(), HasSubstr("expected 1-65535"));
}

TEST(DescribePortUserTest, AFreePortIsHeldByNobody) {
  PrivateRange range(1);
  absl::StatusOr<PortUser> user = DescribePortUser(range.first());
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->kind, PortUser::Kind::kNobody) << user->ToString();
  EXPECT_EQ(user->pid, 0);
  EXPECT_THAT(user->sockets, IsEmpty());
  EXPECT_EQ(user->ToString(),
            absl::StrCat("port ", range.first(),
                         ": free (no gtest_port reservation, no TCP or UDP "
                         "socket)"));
}

TEST(DescribePortUserTest, GoogleTestPrintsAPortUserAsItsToString) {
  PrivateRange range(1);
  absl::StatusOr<PortUser> user = DescribePortUser(range.first());
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(::testing::PrintToString(*user), user->ToString());
}

TEST(DescribePortUserTest, OwnReservationNamesThisProcessAndThisTest) {
  PrivateRange range(1);
  absl::StatusOr<gtest_port_internal::Reservation> r = range.Allocator()->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();

  absl::StatusOr<PortUser> user = DescribePortUser(r->port());
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->kind, PortUser::Kind::kGtestPort);
  EXPECT_EQ(user->pid, ::getpid());
  EXPECT_THAT(user->command_line, HasSubstr("port_users_test"));
  EXPECT_EQ(user->test_name, ThisTest());
  EXPECT_THAT(user->ToString(),
              AllOf(StartsWith(absl::StrCat("port ", r->port(),
                                            ": reserved by gtest_port in pid ",
                                            ::getpid(), " (")),
                    HasSubstr(absl::StrCat(", test ", ThisTest()))));

  r = absl::CancelledError("released");
  absl::StatusOr<PortUser> after = DescribePortUser(range.first());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->kind, PortUser::Kind::kNobody) << after->ToString();
}

TEST(DescribePortUserTest, EveryPortOfABlockNamesTheTest) {
  PrivateRange range(3);
  absl::StatusOr<gtest_port_internal::Reservation> block = range.Allocator()->Reserve(3);
  ASSERT_TRUE(block.ok()) << block.status();
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<PortUser> user = DescribePortUser((*block)[i]);
    ASSERT_TRUE(user.ok()) << user.status();
    EXPECT_EQ(user->kind, PortUser::Kind::kGtestPort);
    EXPECT_EQ(user->pid, ::getpid());
    EXPECT_EQ(user->test_name, ThisTest());
  }
}

TEST(DescribePortUserTest, AnotherProcesssReservationNamesThatProcess) {
  PrivateRange range(2);
  absl::StatusOr<Holder> holder = StartPortHolder(range, {"--count=2"});
  ASSERT_TRUE(holder.ok()) << holder.status();
  ASSERT_EQ(holder->ports.size(), 2u);
  for (int port : holder->ports) {
    absl::StatusOr<PortUser> user = DescribePortUser(port);
    ASSERT_TRUE(user.ok()) << user.status();
    EXPECT_EQ(user->kind, PortUser::Kind::kGtestPort) << user->ToString();
    EXPECT_EQ(user->pid, holder->process.pid());
    EXPECT_EQ(user->command_line, HelperPath("port_holder") + " --count=2");
    EXPECT_EQ(user->test_name, "") << "port_holder reserves outside any test";
  }
}

TEST(DescribePortUserTest, AnotherProcesssTestIsNamedFromItsPublishedTable) {
  PrivateRange range(2);
  absl::StatusOr<Holder> holder = StartTestHolder(range);
  ASSERT_TRUE(holder.ok()) << holder.status();
  ASSERT_EQ(holder->ports.size(), 2u);
  for (int port : holder->ports) {
    absl::StatusOr<PortUser> user = DescribePortUser(port);
    ASSERT_TRUE(user.ok()) << user.status();
    EXPECT_EQ(user->kind, PortUser::Kind::kGtestPort) << user->ToString();
    EXPECT_EQ(user->pid, holder->process.pid());
    EXPECT_EQ(user->test_name, "TestHolder.HoldsUntilStdinCloses");
  }
}

TEST(DescribePortUserTest, AKilledHoldersPortsAreHeldByNobodyAtOnce) {
  PrivateRange range(1);
  absl::StatusOr<Holder> holder = StartPortHolder(range);
  ASSERT_TRUE(holder.ok()) << holder.status();
  absl::StatusOr<PortUser> before = DescribePortUser(range.first());
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_EQ(before->kind, PortUser::Kind::kGtestPort);

  holder->process.Kill(SIGKILL);
  ASSERT_TRUE(holder->process.Wait(kTimeout).ok());
  absl::StatusOr<PortUser> after = DescribePortUser(range.first());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->kind, PortUser::Kind::kNobody) << after->ToString();
}

TEST(DescribePortUserTest, AForeignTcpListenerIsNamedWithItsSocket) {
  PrivateRange range(1);
  absl::StatusOr<UniqueFd> listener =
      BindSocket(SOCK_STREAM, range.first(), Address::kLoopback4);
  ASSERT_TRUE(listener.ok()) << listener.status();

  absl::StatusOr<PortUser> user = DescribePortUser(range.first());
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->kind, PortUser::Kind::kForeign);
  EXPECT_EQ(user->pid, ::getpid());
  EXPECT_THAT(user->command_line, HasSubstr("port_users_test"));
  EXPECT_EQ(user->test_name, "");
  EXPECT_THAT(user->sockets,
              ElementsAre(absl::StrCat("tcp 127.0.0.1:", range.first(),
                                       " LISTEN (pid ", ::getpid(), ")")));
  EXPECT_THAT(user->ToString(),
              HasSubstr("not reserved through gtest_port; sockets: tcp "));
}

TEST(DescribePortUserTest, UdpAndIpv6SocketsAreFoundToo) {
  PrivateRange range(1);
  absl::StatusOr<UniqueFd> udp =
      BindSocket(SOCK_DGRAM, range.first(), Address::kAny4);
  ASSERT_TRUE(udp.ok()) << udp.status();
  absl::StatusOr<UniqueFd> tcp6 =
      BindSocket(SOCK_STREAM, range.first(), Address::kLoopback6);
  if (!tcp6.ok()) GTEST_SKIP() << "no IPv6 here: " << tcp6.status();

  absl::StatusOr<PortUser> user = DescribePortUser(range.first());
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->kind, PortUser::Kind::kForeign);
  // The listener is the most telling socket, so it comes first.
  const std::string pid = absl::StrCat(" (pid ", ::getpid(), ")");
  EXPECT_THAT(
      user->sockets,
      ElementsAre(absl::StrCat("tcp6 [::1]:", range.first(), " LISTEN", pid),
                  absl::StrCat("udp 0.0.0.0:", range.first(), pid)));
}

TEST(DescribePortUserTest, AReservedPortAlsoListsTheServerOnIt) {
  // What a user asks about after "Address already in use": whose
  // reservation it is, and which socket took it.
  PrivateRange range(1);
  absl::StatusOr<Holder> holder = StartPortHolder(range, {"--bind"});
  ASSERT_TRUE(holder.ok()) << holder.status();
  const pid_t pid = holder->process.pid();

  absl::StatusOr<PortUser> user = DescribePortUser(range.first());
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->kind, PortUser::Kind::kGtestPort);
  EXPECT_EQ(user->pid, pid);
  EXPECT_THAT(user->sockets,
              ElementsAre(absl::StrCat("tcp 127.0.0.1:", range.first(),
                                       " LISTEN (pid ", pid, ")"),
                          absl::StrCat("udp 127.0.0.1:", range.first(),
                                       " (pid ", pid, ")")));
}

// --- ListPortReservations --------------------------------------------------

TEST(ListPortReservationsTest, ListsThisAndOtherProcessesReservations) {
  PrivateRange range(6);
  absl::StatusOr<gtest_port_internal::Reservation> ours = range.Allocator()->Reserve(1);
  ASSERT_TRUE(ours.ok()) << ours.status();
  absl::StatusOr<Holder> plain = StartPortHolder(range);
  ASSERT_TRUE(plain.ok()) << plain.status();
  absl::StatusOr<Holder> test = StartTestHolder(range);
  ASSERT_TRUE(test.ok()) << test.status();

  absl::StatusOr<std::vector<PortUser>> users = ListPortReservations();
  ASSERT_TRUE(users.ok()) << users.status();
  std::vector<std::string> in_range;
  for (const PortUser& u : *users) {
    EXPECT_EQ(u.kind, PortUser::Kind::kGtestPort);
    EXPECT_THAT(u.sockets, IsEmpty());
    if (range.range().contains(u.port)) {
      in_range.push_back(absl::StrCat(u.port, " ", u.pid, " ", u.test_name));
    }
  }
  std::vector<std::string> expected = {
      absl::StrCat(ours->port(), " ", ::getpid(), " ", ThisTest()),
      absl::StrCat(plain->ports[0], " ", plain->process.pid(), " "),
      absl::StrCat(test->ports[0], " ", test->process.pid(),
                   " TestHolder.HoldsUntilStdinCloses"),
      absl::StrCat(test->ports[1], " ", test->process.pid(),
                   " TestHolder.HoldsUntilStdinCloses")};
  std::sort(expected.begin(), expected.end());  // Same digit count: by port.
  EXPECT_EQ(in_range, expected);
  for (size_t i = 1; i < users->size(); ++i) {
    EXPECT_LT((*users)[i - 1].port, (*users)[i].port) << "sorted, no repeats";
  }
}

TEST(ListPortReservationsTest, ReleasedReservationsAreGone) {
  PrivateRange range(1);
  absl::StatusOr<gtest_port_internal::Reservation> r = range.Allocator()->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<std::vector<PortUser>> held = ListPortReservations();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_THAT(*held, Contains(Field(&PortUser::port, range.first())));

  r = absl::CancelledError("released");
  absl::StatusOr<std::vector<PortUser>> released = ListPortReservations();
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_THAT(*released, Not(Contains(Field(&PortUser::port, range.first()))));
}

}  // namespace
}  // namespace gtest_port
