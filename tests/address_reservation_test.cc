// Tests of loopback address reservations (gtest_port/address_reservation.h)
// with real sockets and real child processes: every address handed out is
// distinct -- across threads, reservations and processes -- so servers on
// ONE fixed port never clash; an address is claimed while held and free
// after; 127.0.0.1 is never handed out; an exhausted pool says so; shards
// get disjoint slices; and a host that does not route the pool to loopback
// gets an error that says what to run.

#include "gtest_port/address_reservation.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "gtest_port/internal/platform/unique_fd.h"
#include "gtest_port/port_fixture.h"
#include "gtest_port/port_reservation.h"
#include "tests/testing/mock_system.h"
#include "tests/testing/fixed_port.h"
#include "tests/testing/private_address_pool.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_lock_dir.h"

namespace gtest_port {
namespace {

using ::gtest_port_internal::AddressRange;
using ::gtest_port_internal::HeldAddresses;
using ::gtest_port_internal::UniqueFd;
using ::gtest_port_testing::HelperPath;
using ::gtest_port_testing::MockSystem;
using ::gtest_port_testing::FixedPort;
using ::gtest_port_testing::PrivateAddressPool;
using ::gtest_port_testing::Subprocess;
using ::testing::_;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kTimeout = absl::Seconds(30);

uint32_t Parse(const std::string& dotted) {
  absl::StatusOr<uint32_t> a = gtest_port_internal::ParseAddress(dotted);
  EXPECT_TRUE(a.ok()) << a.status();
  return a.ok() ? *a : 0;
}

// Binds `type` on address:port as a fixed-port server does, without
// SO_REUSEADDR: two servers on one address:port cannot both succeed.
absl::StatusOr<UniqueFd> BindOn(int type, const std::string& address,
                                uint16_t port) {
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
  if (!fd.valid() ||
      ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      (type == SOCK_STREAM && ::listen(fd.get(), 8) != 0)) {
    return absl::UnavailableError(absl::StrCat(
        "bind ", address, ":", port, ": ", std::strerror(errno)));
  }
  return fd;
}

TEST(AddressReservationTest, HandsOutAnAddressOfTheDefaultPoolThatServersCanBind) {
  FixedPort fixed;
  absl::StatusOr<AddressReservation> r = ReserveAddress({fixed.port()});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->size(), 1);
  const uint32_t a = Parse(r->address());
  EXPECT_TRUE(gtest_port_internal::kDefaultAddressRange.contains(a))
      << r->address();
  EXPECT_NE(r->address(), "127.0.0.1");
  EXPECT_THAT(BindOn(SOCK_STREAM, r->address(), fixed.port()).status(),
              absl::OkStatus());
  EXPECT_THAT(BindOn(SOCK_DGRAM, r->address(), fixed.port()).status(),
              absl::OkStatus());
  std::ostringstream printed;
  printed << *r;
  EXPECT_EQ(printed.str(), absl::StrCat("AddressReservation(", r->address(), ")"));
}

TEST(AddressReservationTest, AClusterGetsDistinctAddressesAllOnOneFixedPort) {
  FixedPort fixed;
  absl::StatusOr<AddressReservation> nodes = ReserveAddresses(3, {fixed.port()});
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 3);
  const std::vector<std::string> all = nodes->addresses();
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 3u);
  std::vector<UniqueFd> servers;  // All three at once, on the same port.
  for (const std::string& address : all) {
    absl::StatusOr<UniqueFd> tcp = BindOn(SOCK_STREAM, address, fixed.port());
    ASSERT_TRUE(tcp.ok()) << tcp.status();
    servers.push_back(*std::move(tcp));
  }
  AddressReservation moved = *std::move(nodes);
  EXPECT_EQ(nodes->size(), 0);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(nodes->address(), "");  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(moved.addresses(), all);
}

TEST(AddressReservationTest, EightThreadsGetDistinctAddressesAndBindOnePortOnEach) {
  FixedPort fixed;
  absl::Mutex mu;
  std::vector<std::string> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      std::vector<AddressReservation> held;
      std::vector<UniqueFd> servers;
      for (int i = 0; i < 10; ++i) {
        absl::StatusOr<AddressReservation> r = ReserveAddress({fixed.port()});
        ASSERT_TRUE(r.ok()) << r.status();
        absl::StatusOr<UniqueFd> tcp =
            BindOn(SOCK_STREAM, r->address(), fixed.port());
        EXPECT_TRUE(tcp.ok()) << tcp.status();
        if (tcp.ok()) servers.push_back(*std::move(tcp));
        absl::MutexLock lock(&mu);
        seen.push_back(r->address());
        held.push_back(*std::move(r));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 80u);
}

TEST(AddressReservationTest, AnAddressIsClaimedWhileHeldAndFreeAfter) {
  PrivateAddressPool pool(1);
  auto allocator = pool.Allocator();
  ASSERT_NE(allocator, nullptr);
  absl::StatusOr<HeldAddresses> first = allocator->ReserveAddresses(1, {});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)[0].address, pool.range().first);

  // A second allocator (another source of reservations, as another process
  // would be) finds it claimed.
  auto other = pool.Allocator();
  absl::StatusOr<HeldAddresses> second = other->ReserveAddresses(1, {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(second.status().message(),
              AllOf(HasSubstr("1 held by other gtest_port reservations"),
                    HasSubstr(pool.Text()),
                    HasSubstr("Widen GTEST_PORT_ADDRESS_RANGE")));

  first->clear();  // Released.
  second = other->ReserveAddresses(1, {});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)[0].address, pool.range().first);
}

TEST(AddressReservationTest, AnAddressWhereAForeignServerHasThePortIsSkipped) {
  FixedPort fixed;
  PrivateAddressPool pool(2);
  const std::string a = gtest_port_internal::FormatAddress(pool.range().first);
  const std::string b = gtest_port_internal::FormatAddress(pool.range().last);
  // Not a gtest_port user: a plain server on a:port.
  absl::StatusOr<UniqueFd> foreign = BindOn(SOCK_STREAM, a, fixed.port());
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  auto allocator = pool.Allocator();
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<HeldAddresses> held =
        allocator->ReserveAddresses(1, {fixed.port()});
    ASSERT_TRUE(held.ok()) << held.status();
    EXPECT_EQ(gtest_port_internal::FormatAddress((*held)[0].address), b);
  }
  // Without the port to probe, the address itself is all that is checked.
  absl::StatusOr<HeldAddresses> both = allocator->ReserveAddresses(2, {});
  EXPECT_TRUE(both.ok()) << both.status();
  both = HeldAddresses();
  // Both busy: exhausted, saying how.
  absl::StatusOr<HeldAddresses> b_held =
      allocator->ReserveAddresses(1, {fixed.port()});
  ASSERT_TRUE(b_held.ok());
  absl::StatusOr<HeldAddresses> none =
      allocator->ReserveAddresses(1, {fixed.port()});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(none.status().message(),
              AllOf(HasSubstr("1 held by other gtest_port reservations"),
                    HasSubstr("1 in use by other sockets on port ")));
}

TEST(AddressReservationTest, PoolExhaustionIsResourceExhaustedWithAClearMessage) {
  PrivateAddressPool pool(2);
  auto allocator = pool.Allocator();
  absl::StatusOr<HeldAddresses> two = allocator->ReserveAddresses(2, {});
  ASSERT_TRUE(two.ok()) << two.status();
  absl::StatusOr<HeldAddresses> one_more = allocator->ReserveAddresses(1, {});
  ASSERT_FALSE(one_more.ok());
  EXPECT_EQ(one_more.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(one_more.status().message(),
              AllOf(HasSubstr("no free loopback address"),
                    HasSubstr("shard 0 of 1's slice"), HasSubstr(pool.Text()),
                    HasSubstr("2 of 2 candidates were busy")));

  absl::StatusOr<HeldAddresses> too_many = allocator->ReserveAddresses(3, {});
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_many.status().message(),
              AllOf(HasSubstr("cannot reserve 3 loopback addresses"),
                    HasSubstr("1 <= count <= 2")));
  EXPECT_EQ(allocator->ReserveAddresses(0, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(allocator->ReserveAddresses(1, {0}).status().message(),
              HasSubstr("port 0"));
}

TEST(AddressReservationTest, NeverHandsOut127001EvenFromAPoolNextToIt) {
  // The closest pool there can be: 127.0.0.2-127.0.0.9. Every address of it
  // is handed out, and none is 127.0.0.1.
  gtest_port::Options options;
  options.address_range = "127.0.0.1-127.0.0.9";
  EXPECT_THAT(gtest_port_internal::ResolveConfig(
                  options, gtest_port_internal::RealPlatform(),
                  gtest_port_internal::MapEnvironment({}))
                  .status()
                  .message(),
              HasSubstr("includes 127.0.0.1"));
  options.address_range = "127.0.0.2-127.0.0.9";
  absl::StatusOr<gtest_port_internal::Config> config =
      gtest_port_internal::ResolveConfig(
          options, gtest_port_internal::RealPlatform(),
          gtest_port_internal::MapEnvironment({}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->address_slice.contains(gtest_port_internal::kLocalhost));
}

TEST(AddressReservationTest, ShardsGetDisjointSlicesOfThePool) {
  PrivateAddressPool pool(12);
  std::set<uint32_t> seen;
  std::vector<HeldAddresses> held;
  for (int shard = 0; shard < 3; ++shard) {
    auto allocator = pool.Allocator(shard, 3);
    const AddressRange slice = allocator->config().address_slice;
    EXPECT_EQ(slice.size(), 4);
    EXPECT_EQ(slice.first, pool.range().first + 4u * shard);
    absl::StatusOr<HeldAddresses> all = allocator->ReserveAddresses(4, {});
    ASSERT_TRUE(all.ok()) << all.status();
    for (const auto& h : *all) {
      EXPECT_TRUE(slice.contains(h.address));
      seen.insert(h.address);
    }
    held.push_back(*std::move(all));
  }
  EXPECT_EQ(seen.size(), 12u);  // The whole pool, each address once.
}

TEST(AddressReservationTest, LockFileClaimsUseTheirOwnFileNames) {
  gtest_port_testing::TempLockDir dir;
  PrivateAddressPool pool(1);
  auto allocator = pool.Allocator(0, 1, gtest_port_internal::RealPlatform(),
                                  dir.path());
  absl::StatusOr<HeldAddresses> held = allocator->ReserveAddresses(1, {});
  ASSERT_TRUE(held.ok()) << held.status();
  const std::string path = absl::StrCat(
      dir.path(), "/addr-", gtest_port_internal::FormatAddress(pool.range().first),
      ".lock");
  std::ifstream file(path);
  std::string content((std::istreambuf_iterator<char>(file)),
                      std::istreambuf_iterator<char>());
  EXPECT_EQ(content, absl::StrCat("pid ", ::getpid(), "\n")) << path;
  // Claimed: a second allocator on the same directory cannot have it.
  auto other = pool.Allocator(0, 1, gtest_port_internal::RealPlatform(),
                              dir.path());
  EXPECT_EQ(other->ReserveAddresses(1, {}).status().code(),
            absl::StatusCode::kResourceExhausted);
  held->clear();
  EXPECT_TRUE(other->ReserveAddresses(1, {}).ok());
}

// The start-up check, through the seam: a host that does not route the
// address to loopback (macOS without an lo0 alias) refuses the bind with
// EADDRNOTAVAIL. The reservation stops at the first candidate with what to
// run, instead of trying the whole pool.
TEST(AddressReservationTest, AnUnroutedAddressSaysWhatToRun) {
  MockSystem system;
  EXPECT_CALL(system, Bind(_, _, _))
      .WillRepeatedly([](int fd, const sockaddr* addr, socklen_t len) {
        if (addr->sa_family == AF_INET) {
          errno = EADDRNOTAVAIL;
          return -1;
        }
        return gtest_port_internal::System::Real().Bind(fd, addr, len);
      });
  std::unique_ptr<gtest_port_internal::Platform> platform =
      gtest_port_internal::MakePosixPlatform(system);
  PrivateAddressPool pool(50);
  auto allocator = pool.Allocator(0, 1, *platform);
  absl::StatusOr<HeldAddresses> held = allocator->ReserveAddresses(1, {9042});
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(held.status().message(),
              AllOf(HasSubstr(":9042"), HasSubstr("does not route"),
                    HasSubstr("sudo ifconfig lo0 alias 127.2."),
                    HasSubstr("GTEST_PORT_ADDRESS_RANGE"),
                    HasSubstr("ip link set lo up")));
  // No ports: the address itself is bound (port 0), with the same answer.
  held = allocator->ReserveAddresses(1, {});
  EXPECT_EQ(held.status().code(), absl::StatusCode::kFailedPrecondition);
}

// Really: a new network namespace (`unshare -rn`) whose loopback interface
// is down. There Linux lets a process BIND 127.x.y.z (the bind probes alone
// would pass) but no client can connect (ENETUNREACH): the route check
// turns that into FailedPrecondition naming `ip link set lo up`. With the
// loopback brought up, the same holder gets its address and binds it.
// Where unprivileged user namespaces are not allowed, skipped.
TEST(AddressReservationTest, InANetworkNamespaceWithLoopbackDownItSaysWhatToRun) {
  if (::access("/usr/bin/unshare", X_OK) != 0) {
    GTEST_SKIP() << "no /usr/bin/unshare";
  }
  absl::StatusOr<gtest_port_testing::ExitInfo> probe = gtest_port_testing::Run(
      {"/usr/bin/unshare", "-rn", "/bin/true"}, {}, kTimeout);
  if (!probe.ok() || probe->exit_code != 0) {
    GTEST_SKIP() << "unshare -rn is not permitted here: "
                 << (probe.ok() ? probe->output : probe.status().ToString());
  }
  PrivateAddressPool pool(4);
  const std::vector<std::string> env = {pool.EnvEntry(), "GTEST_SHARD_INDEX",
                                        "GTEST_TOTAL_SHARDS"};
  absl::StatusOr<gtest_port_testing::ExitInfo> down = gtest_port_testing::Run(
      {"/usr/bin/unshare", "-rn", HelperPath("port_holder"), "--addresses=1",
       "--fixed-port=9042", "--bind"},
      env, kTimeout);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->exit_code, 3) << down->output;
  EXPECT_THAT(down->output,
              AllOf(HasSubstr("FAILED_PRECONDITION"),
                    HasSubstr("Network is unreachable"),
                    HasSubstr("ip link set lo up")));

  if (::access("/usr/sbin/ip", X_OK) != 0 && ::access("/sbin/ip", X_OK) != 0) {
    return;  // No iproute2 to bring the loopback up with.
  }
  absl::StatusOr<gtest_port_testing::ExitInfo> up = gtest_port_testing::Run(
      {"/usr/bin/unshare", "-rn", "/bin/sh", "-c",
       "ip link set lo up && exec \"$0\" --addresses=1 --fixed-port=9042 "
       "--bind </dev/null",
       HelperPath("port_holder")},
      env, kTimeout);
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->exit_code, 0) << up->output;
  EXPECT_THAT(up->output, AllOf(HasSubstr("ADDRESS 127.2."),
                                Not(HasSubstr("ERROR"))));
}

// Several real processes at once, each reserving addresses from one small
// pool and binding the SAME fixed port on every one of them, without
// SO_REUSEADDR: a holder handed an address another holds would fail to bind
// (exit 4). Zero clashes, every address distinct.
TEST(AddressReservationTest, ProcessesReservingAtOnceNeverShareAnAddress) {
  FixedPort fixed;
  PrivateAddressPool pool(16);
  const std::vector<std::string> env = {pool.EnvEntry(), "GTEST_SHARD_INDEX",
                                        "GTEST_TOTAL_SHARDS"};
  std::vector<Subprocess> holders;
  for (int i = 0; i < 6; ++i) {
    absl::StatusOr<Subprocess> child = Subprocess::Start(
        {HelperPath("port_holder"), "--addresses=2",
         absl::StrCat("--fixed-port=", fixed.port()), "--bind"},
        env);
    ASSERT_TRUE(child.ok()) << child.status();
    holders.push_back(*std::move(child));
  }
  std::set<std::string> seen;
  int handed_out = 0;
  for (Subprocess& holder : holders) {
    for (;;) {
      absl::StatusOr<std::string> line = holder.ReadLine(kTimeout);
      ASSERT_TRUE(line.ok()) << line.status();
      if (*line == "READY") break;
      if (absl::StartsWith(*line, "HELD ")) continue;
      ASSERT_TRUE(absl::StartsWith(*line, "ADDRESS ")) << *line;
      seen.insert(line->substr(8));
      ++handed_out;
    }
  }
  EXPECT_EQ(handed_out, 12);
  EXPECT_EQ(seen.size(), 12u);
  for (Subprocess& holder : holders) {
    holder.CloseStdin();
    absl::StatusOr<gtest_port_testing::ExitInfo> exit = holder.Wait(kTimeout);
    ASSERT_TRUE(exit.ok()) << exit.status();
    EXPECT_EQ(exit->exit_code, 0) << exit->output;
  }
}

TEST(AddressReservationTest, AcrossProcessesClaimedWhileHeldAndFreeAfter) {
  PrivateAddressPool pool(1);
  const std::vector<std::string> env = {pool.EnvEntry(), "GTEST_SHARD_INDEX",
                                        "GTEST_TOTAL_SHARDS"};
  absl::StatusOr<Subprocess> holder = Subprocess::Start(
      {HelperPath("port_holder"), "--addresses=1", "--fixed-port=9042"}, env);
  ASSERT_TRUE(holder.ok()) << holder.status();
  absl::StatusOr<std::string> line = holder->ReadLine(kTimeout);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(*line, absl::StrCat("ADDRESS ", pool.Text().substr(
                                                 0, pool.Text().find('-'))));
  ASSERT_TRUE(holder->ReadLineStartingWith("READY", kTimeout).ok());

  absl::StatusOr<gtest_port_testing::ExitInfo> second = gtest_port_testing::Run(
      {HelperPath("port_holder"), "--addresses=1", "--fixed-port=9042"}, env,
      kTimeout);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->exit_code, 3) << second->output;
  EXPECT_THAT(second->output, HasSubstr("RESOURCE_EXHAUSTED"));

  // Killed, not asked: the kernel drops the claim.
  holder->Kill(SIGKILL);
  ASSERT_TRUE(holder->Wait(kTimeout).ok());
  absl::StatusOr<Subprocess> third = Subprocess::Start(
      {HelperPath("port_holder"), "--addresses=1", "--fixed-port=9042"}, env);
  ASSERT_TRUE(third.ok()) << third.status();
  line = third->ReadLine(kTimeout);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_THAT(*line, HasSubstr("ADDRESS 127.2."));
}

// Checks, after PortFixture::TearDown(), what it recorded for the XML
// output and that it released the addresses.
class AddressFixtureTest : public PortFixture {
 protected:
  void TearDown() override {
    const std::vector<std::string> held = ReservedAddresses();
    PortFixture::TearDown();
    const ::testing::TestResult* result =
        ::testing::UnitTest::GetInstance()->current_test_info()->result();
    std::string recorded;
    for (int i = 0; i < result->test_property_count(); ++i) {
      if (std::string(result->GetTestProperty(i).key()) ==
          "gtest_port_addresses") {
        recorded = result->GetTestProperty(i).value();
      }
    }
    EXPECT_EQ(recorded, absl::StrJoin(held, ","));
    EXPECT_TRUE(ReservedAddresses().empty());
  }
};

TEST_F(AddressFixtureTest, HoldsAddressesUntilTheTestEnds) {
  const std::string one = ReserveAddress({9042});
  ASSERT_FALSE(one.empty());
  const std::vector<std::string> three = ReserveAddresses(3, {9042});
  ASSERT_EQ(three.size(), 3u);
  std::vector<std::string> expected = {one};
  expected.insert(expected.end(), three.begin(), three.end());
  EXPECT_EQ(ReservedAddresses(), expected);
  EXPECT_THAT(three, Not(::testing::Contains(one)));
  EXPECT_THAT(three, Not(::testing::Contains("127.0.0.1")));
}

}  // namespace
}  // namespace gtest_port
