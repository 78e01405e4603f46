// Tests of "who has this port": DescribePortUser() and
// ListPortReservations() against real reservations (this process's, and a
// second process's: tests/testing/port_holder and test_holder), real TCP and
// UDP sockets, and nothing; the registry and the table it publishes; and the
// /proc readers, over the real /proc and over trees a test makes.

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
#include "gtest_port/internal/proc_net.h"
#include "gtest_port/internal/registry.h"
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
using ::gtest_port_internal::RegisteredReservation;
using ::gtest_port_internal::ReservationRegistry;
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

TEST(DescribePortUserTest, OwnReservationNamesThisProcessAndThisTest) {
  PrivateRange range(1);
  absl::StatusOr<PortReservation> r = range.Allocator()->Reserve(1);
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
  absl::StatusOr<PortReservation> block = range.Allocator()->Reserve(3);
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
  absl::StatusOr<PortReservation> ours = range.Allocator()->Reserve(1);
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
  absl::StatusOr<PortReservation> r = range.Allocator()->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<std::vector<PortUser>> held = ListPortReservations();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_THAT(*held, Contains(Field(&PortUser::port, range.first())));

  r = absl::CancelledError("released");
  absl::StatusOr<std::vector<PortUser>> released = ListPortReservations();
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_THAT(*released, Not(Contains(Field(&PortUser::port, range.first()))));
}

// --- The registry and its published table ----------------------------------

// The path of this process's published table, from /proc/self/fd.
std::string OwnTablePath() {
  absl::StatusOr<DescriptorScan> scan =
      gtest_port_internal::ScanDescriptors("/proc", {});
  if (!scan.ok()) return "";
  auto it = scan->tables.find(::getpid());
  return it == scan->tables.end() || it->second.empty() ? ""
                                                        : it->second.front();
}

TEST(ReservationRegistryTest, KnowsLiveReservationsOldestFirstWithTheirTest) {
  PrivateRange range(3);
  auto allocator = range.Allocator();
  absl::StatusOr<PortReservation> block = allocator->Reserve(2);
  absl::StatusOr<PortReservation> a = allocator->Reserve(1);
  ASSERT_TRUE(a.ok() && block.ok());
  // Moving a reservation keeps its entry.
  PortReservation moved = *std::move(block);

  const ::testing::TestInfo* self =
      ::testing::UnitTest::GetInstance()->current_test_info();
  std::vector<std::string> mine;
  for (const RegisteredReservation& r :
       ReservationRegistry::Global().MadeBy(self)) {
    mine.push_back(absl::StrCat(r.DescribePorts(), " ", r.TestName()));
  }
  EXPECT_THAT(mine,
              ElementsAre(absl::StrCat("ports ", moved[0], "-", moved[1], " ",
                                       ThisTest()),
                          absl::StrCat("port ", a->port(), " ", ThisTest())));
  a = absl::CancelledError("released");
  EXPECT_EQ(ReservationRegistry::Global().MadeBy(self).size(), 1u);
}

TEST(ReservationRegistryTest, PublishesEntriesAndClearsThemOnRelease) {
  PrivateRange range(2);
  absl::StatusOr<PortReservation> r = range.Allocator()->Reserve(2);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string path = OwnTablePath();
  ASSERT_FALSE(path.empty()) << "no published table in /proc/self/fd";

  absl::StatusOr<std::vector<PublishedReservation>> table =
      gtest_port_internal::ReadPublishedTable(path);
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
  table = gtest_port_internal::ReadPublishedTable(path);
  ASSERT_TRUE(table.ok()) << table.status();
  for (const PublishedReservation& p : *table) {
    EXPECT_FALSE(range.range().contains(p.first_port)) << p.first_port;
  }
}

TEST(ReservationRegistryTest, PublishedTableIsCloseOnExec) {
  PrivateRange range(1);
  absl::StatusOr<PortReservation> r = range.Allocator()->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string path = OwnTablePath();
  ASSERT_FALSE(path.empty());
  int fd = 0;
  ASSERT_TRUE(absl::SimpleAtoi(path.substr(path.rfind('/') + 1), &fd)) << path;
  const int flags = ::fcntl(fd, F_GETFD);
  ASSERT_GE(flags, 0);
  EXPECT_TRUE(flags & FD_CLOEXEC);
}

TEST(ReservationRegistryTest, AForkedChildPublishesInATableOfItsOwn) {
  // A death-test child (fork without exec) shares the parent's table
  // mapping; it must not write its reservations there.
  PrivateRange range(2);
  auto allocator = range.Allocator();
  absl::StatusOr<PortReservation> parents = allocator->Reserve(1);
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
    absl::StatusOr<PortReservation> childs = allocator->Reserve(1);
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
      gtest_port_internal::ReadPublishedTable(parent_table);
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

TEST(ReservationRegistryTest, ReadingAFileThatIsNoTableFailsClearly) {
  absl::StatusOr<std::vector<PublishedReservation>> table =
      gtest_port_internal::ReadPublishedTable("/proc/self/cmdline");
  EXPECT_FALSE(table.ok());
  const std::string path = ::testing::TempDir() + "port_users_test_not_a_table";
  std::ofstream(path) << std::string(4096, 'x');
  table = gtest_port_internal::ReadPublishedTable(path);
  ::unlink(path.c_str());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(table.status().message(),
              HasSubstr("is not a gtest_port reservation table"));
}

// --- /proc readers ---------------------------------------------------------

TEST(ProcNetTest, ClaimSocketsOfTheRealProcNetUnixIncludeOurs) {
  PrivateRange range(1);
  absl::StatusOr<PortReservation> r = range.Allocator()->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<std::vector<ClaimSocket>> claims =
      gtest_port_internal::ReadClaimSockets("/proc");
  ASSERT_TRUE(claims.ok()) << claims.status();
  int found = 0;
  for (const ClaimSocket& c : *claims) found += c.port == range.first();
  EXPECT_EQ(found, 1);
}

TEST(ProcNetTest, ParsesClaimsAndSkipsOtherSockets) {
  const std::string text =
      "Num       RefCount Protocol Flags    Type St Inode Path\n"
      "0000000067bbfcb0: 00000002 00000000 00000000 0001 01 464532 "
      "@gtest_port/v1/20001\n"
      "00000000074e527f: 00000003 00000000 00000000 0001 03 461302\n"
      "00000000b45364da: 00000003 00000000 00000000 0001 03  1058 "
      "/run/systemd/notify\n"
      "00000000b45364db: 00000002 00000000 00000000 0001 01  77 "
      "@gtest_port/v1/70000\n"
      "00000000b45364dc: 00000002 00000000 00000000 0001 01  78 "
      "@gtest_port/v1/pid/12\n"
      "00000000b45364dd: 00000002 00000000 00000000 0002 01  79 "
      "@gtest_port/v1/65535\n";
  absl::StatusOr<std::vector<ClaimSocket>> claims =
      gtest_port_internal::ParseClaimSockets(text);
  ASSERT_TRUE(claims.ok()) << claims.status();
  ASSERT_EQ(claims->size(), 2u);
  EXPECT_EQ((*claims)[0].port, 20001);
  EXPECT_EQ((*claims)[0].inode, 464532u);
  EXPECT_EQ((*claims)[1].port, 65535);
  EXPECT_EQ((*claims)[1].inode, 79u);
}

TEST(ProcNetTest, MalformedProcNetUnixNamesTheLine) {
  for (const std::string& text :
       {std::string(""), std::string("garbage\n"),
        std::string("Num RefCount\n0000: 2 0 0 1 1 notanumber @x\n"),
        std::string("Num RefCount\n0000: 2 0\n")}) {
    absl::StatusOr<std::vector<ClaimSocket>> claims =
        gtest_port_internal::ParseClaimSockets(text);
    EXPECT_EQ(claims.status().code(), absl::StatusCode::kInvalidArgument)
        << text;
    EXPECT_THAT(claims.status().message(), HasSubstr("/proc/net/unix")) << text;
  }
  absl::StatusOr<std::vector<ClaimSocket>> bad =
      gtest_port_internal::ParseClaimSockets("Num\n0000: 2 0 0 1 1 x9 @a\n");
  EXPECT_THAT(bad.status().message(),
              HasSubstr("line 2 of /proc/net/unix: \"0000: 2 0 0 1 1 x9 @a\""));
}

TEST(ProcNetTest, RealTcpListenerIsReadBackWithAddressStateAndInode) {
  PrivateRange range(1);
  absl::StatusOr<UniqueFd> v4 =
      BindSocket(SOCK_STREAM, range.first(), Address::kLoopback4);
  ASSERT_TRUE(v4.ok()) << v4.status();
  struct stat st;
  ASSERT_EQ(::fstat(v4->get(), &st), 0);

  absl::StatusOr<std::vector<InetSocket>> sockets =
      gtest_port_internal::ReadInetSocketsOnPort("/proc", range.first());
  ASSERT_TRUE(sockets.ok()) << sockets.status();
  ASSERT_EQ(sockets->size(), 1u);
  const InetSocket& s = sockets->front();
  EXPECT_EQ(s.protocol, "tcp");
  EXPECT_EQ(s.local_address, "127.0.0.1");
  EXPECT_EQ(s.local_port, range.first());
  EXPECT_EQ(s.state, "LISTEN");
  EXPECT_EQ(s.uid, ::geteuid());
  EXPECT_EQ(s.inode, static_cast<uint64_t>(st.st_ino));
}

TEST(ProcNetTest, DecodesIpv6AndMappedAddresses) {
  const std::string text =
      "  sl  local_address                         remote_address          "
      "              st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode\n"
      "   0: 00000000000000000000000001000000:4E21 "
      "00000000000000000000000000000000:0000 0A 00000000:00000000 "
      "00:00000000 00000000  1000        0 424079 1 00000000e07e71bc 100 0 0 "
      "10 0\n"
      "   1: 0000000000000000FFFF00000100007F:4E22 "
      "0000000000000000FFFF00000100007F:C692 06 00000000:00000000 "
      "03:000011CB 00000000     0        0 0 3 0000000075d2ae1a\n";
  absl::StatusOr<std::vector<InetSocket>> sockets =
      gtest_port_internal::ParseInetSockets(text, "tcp6");
  ASSERT_TRUE(sockets.ok()) << sockets.status();
  ASSERT_EQ(sockets->size(), 2u);
  EXPECT_EQ((*sockets)[0].ToString(), "tcp6 [::1]:20001 LISTEN");
  EXPECT_EQ((*sockets)[0].uid, 1000u);
  EXPECT_EQ((*sockets)[0].inode, 424079u);
  EXPECT_EQ((*sockets)[1].ToString(),
            "tcp6 [::ffff:127.0.0.1]:20002 TIME_WAIT");
  EXPECT_EQ((*sockets)[1].inode, 0u);
}

TEST(ProcNetTest, MalformedInetTableNamesFileAndLine) {
  const std::string header =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
      "retrnsmt   uid  timeout inode\n";
  for (const std::string& text :
       {std::string(""), std::string("nonsense\n"),
        header + "   0: 0100007F:4E21 00000000:0000 0A\n",
        header + "   0: 0100007G:4E21 00000000:0000 0A 0:0 0:0 0 0 0 1\n",
        header + "   0: 0100007F:4E2100 00000000:0000 0A 0:0 0:0 0 0 0 1\n",
        header + "   0: 0100007F:4E21 00000000:0000 0A 0:0 0:0 0 -1 0 1\n"}) {
    absl::StatusOr<std::vector<InetSocket>> sockets =
        gtest_port_internal::ParseInetSockets(text, "udp");
    EXPECT_EQ(sockets.status().code(), absl::StatusCode::kInvalidArgument)
        << text;
    EXPECT_THAT(sockets.status().message(), HasSubstr("/proc/net/udp")) << text;
  }
}

// A /proc tree made of real files and symbolic links.
class FakeProc {
 public:
  FakeProc()
      : root_(absl::StrCat(::testing::TempDir(), "port_users_test_proc_",
                           ::getpid())) {
    Run("rm -rf " + root_ + " && mkdir -p " + root_ + "/net");
  }
  ~FakeProc() { Run("rm -rf " + root_); }

  const std::string& root() const { return root_; }
  void Link(const std::string& pid, int fd, const std::string& target) {
    Run("mkdir -p " + root_ + "/" + pid + "/fd");
    EXPECT_EQ(::symlink(target.c_str(),
                        absl::StrCat(root_, "/", pid, "/fd/", fd).c_str()),
              0);
  }
  void Write(const std::string& relative, const std::string& content) {
    Run("mkdir -p $(dirname " + root_ + "/" + relative + ")");
    std::ofstream(root_ + "/" + relative) << content;
  }

 private:
  static void Run(const std::string& command) {
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
  }
  std::string root_;
};

TEST(ProcNetTest, ScanFindsEveryHolderOfASocketAndEveryTable) {
  FakeProc proc;
  proc.Link("300", 3, "socket:[777]");
  proc.Link("300", 4, "socket:[778]");
  proc.Link("300", 5, "/memfd:gtest_port/v1/reservations (deleted)");
  proc.Link("12", 9, "socket:[777]");  // Inherited by fork.
  proc.Link("12", 1, "/dev/null");
  proc.Link("self", 3, "socket:[777]");  // Not a pid: skipped.
  proc.Write("net/unix", "Num\n");

  absl::StatusOr<DescriptorScan> scan =
      gtest_port_internal::ScanDescriptors(proc.root(), {777});
  ASSERT_TRUE(scan.ok()) << scan.status();
  ASSERT_EQ(scan->socket_owners.size(), 1u) << "778 was not asked for";
  EXPECT_THAT(scan->socket_owners[777], ElementsAre(12, 300));
  ASSERT_EQ(scan->tables.size(), 1u);
  EXPECT_THAT(scan->tables[300], ElementsAre(proc.root() + "/300/fd/5"));
  EXPECT_EQ(scan->unreadable_processes, 0);
}

TEST(ProcNetTest, ScanOfTheRealProcFindsOurOwnSocket) {
  absl::StatusOr<UniqueFd> socket =
      BindSocket(SOCK_DGRAM, 0, Address::kLoopback4);
  ASSERT_TRUE(socket.ok()) << socket.status();
  struct stat st;
  ASSERT_EQ(::fstat(socket->get(), &st), 0);
  absl::StatusOr<DescriptorScan> scan = gtest_port_internal::ScanDescriptors(
      "/proc", {static_cast<uint64_t>(st.st_ino)});
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_THAT(scan->socket_owners[st.st_ino], ElementsAre(::getpid()));
}

TEST(ProcNetTest, CommandLinesAreQuotedForAShell) {
  FakeProc proc;
  proc.Write("5/cmdline", std::string("sh\0-c\0echo 'a b' $X\0--x=1\0", 26));
  proc.Write("2/cmdline", "");
  proc.Write("2/comm", "kthreadd\n");
  absl::StatusOr<std::string> sh =
      gtest_port_internal::ReadCommandLine(proc.root(), 5);
  ASSERT_TRUE(sh.ok()) << sh.status();
  EXPECT_EQ(*sh, "sh -c 'echo '\\''a b'\\'' $X' --x=1");
  absl::StatusOr<std::string> kernel =
      gtest_port_internal::ReadCommandLine(proc.root(), 2);
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  EXPECT_EQ(*kernel, "[kthreadd]");
  EXPECT_EQ(
      gtest_port_internal::ReadCommandLine(proc.root(), 99).status().code(),
      absl::StatusCode::kNotFound);
}

TEST(ProcNetTest, ControlBytesInCommandLinesAreEscapedNotPrinted) {
  // A terminal would act on a raw ESC from another process's argv.
  FakeProc proc;
  proc.Write("7/cmdline", std::string("prog\0\x1b[2Jx\0", 11));
  absl::StatusOr<std::string> line =
      gtest_port_internal::ReadCommandLine(proc.root(), 7);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(*line, "prog $'\\x1b[2Jx'");
}

}  // namespace
}  // namespace gtest_port
