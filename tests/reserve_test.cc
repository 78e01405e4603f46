// Tests of reservations through the engine and the public RAII API, with
// real sockets: every port handed out is bound by a real TCP listener and a
// real UDP socket, ports other sockets use are never handed out, and a
// released port comes back.

#include <set>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/matchers.h"
#include "tests/testing/private_range.h"
#include "tests/testing/sockets.h"

namespace gtest_port {
namespace {

using ::gtest_port_testing::TestSocket;
using ::gtest_port_testing::BindSocket;
using ::gtest_port_testing::PrivateRange;
using ::testing::AllOf;
using ::testing::HasSubstr;

// Starts what a real test would on `port`: a TCP listener and a UDP socket.
void ExpectServersCanBind(uint16_t port) {
  absl::StatusOr<TestSocket> tcp = BindSocket(SOCK_STREAM, port);
  EXPECT_TRUE(tcp.ok()) << "TCP listener on reserved port: " << tcp.status();
  absl::StatusOr<TestSocket> udp = BindSocket(SOCK_DGRAM, port);
  EXPECT_TRUE(udp.ok()) << "UDP socket on reserved port: " << udp.status();
}

TEST(ReserveTest, HandsOutAPortOfTheDefaultRangeThatServersCanBind) {
  absl::StatusOr<PortReservation> r = Reserve();
  ASSERT_THAT(r, IsOkAndHoldsPortIn(20000, 32767));
  EXPECT_EQ(r->size(), 1);
  EXPECT_THAT(r->port(), IsFreeToBind());  // Claimed, not bound.
  ExpectServersCanBind(r->port());
}

TEST(ReserveTest, EightThreadsGetDistinctPortsAndBindThemAll) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  absl::Mutex mu;
  std::vector<uint16_t> ports;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::vector<PortReservation> held;  // All held at once.
      std::vector<TestSocket> servers;
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<PortReservation> r = Reserve();
        ASSERT_TRUE(r.ok()) << r.status();
        absl::StatusOr<TestSocket> tcp = BindSocket(SOCK_STREAM, r->port());
        absl::StatusOr<TestSocket> udp = BindSocket(SOCK_DGRAM, r->port());
        ASSERT_TRUE(tcp.ok()) << tcp.status();
        ASSERT_TRUE(udp.ok()) << udp.status();
        servers.push_back(*std::move(tcp));
        servers.push_back(*std::move(udp));
        {
          absl::MutexLock lock(&mu);
          ports.push_back(r->port());
        }
        held.push_back(*std::move(r));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(ports.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(std::set<uint16_t>(ports.begin(), ports.end()).size(), ports.size())
      << "two live reservations shared a port";
}

TEST(ReserveTest, OnePortRangeIsExhaustedWhileHeldAndReturnsOnRelease) {
  PrivateRange range(1);
  auto allocator = range.Allocator();
  ASSERT_NE(allocator, nullptr);
  absl::StatusOr<gtest_port_internal::Reservation> first = allocator->Reserve(1);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->port(), range.first());

  absl::StatusOr<gtest_port_internal::Reservation> second = allocator->Reserve(1);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted);
  const std::string slice = absl::StrCat(range.first(), "-", range.first());
  EXPECT_THAT(second.status().message(),
              AllOf(HasSubstr("slice " + slice), HasSubstr("range " + slice),
                    HasSubstr("all 1 candidates were busy"),
                    HasSubstr("1 held by other gtest_port reservations"),
                    HasSubstr("GTEST_PORT_RANGE")));

  first = absl::CancelledError("released");     // Destroys the reservation.
  absl::StatusOr<gtest_port_internal::Reservation> again = allocator->Reserve(1);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->port(), range.first());
}

// The ports browsers refuse are never handed out, unless allowed. 6664-6670
// holds IRC's 6665-6669 between two usable ports; no other test uses it.
TEST(ReserveTest, PortsBrowsersRefuseAreHandedOutOnlyWhenAllowed) {
  gtest_port::Options options;
  options.range = gtest_port::PortRange{6664, 6670};
  auto safe = PrivateRange::AllocatorFor(options);
  ASSERT_NE(safe, nullptr);
  absl::StatusOr<gtest_port_internal::Reservation> a = safe->Reserve(1);
  absl::StatusOr<gtest_port_internal::Reservation> b = safe->Reserve(1);
  ASSERT_TRUE(a.ok() && b.ok()) << a.status() << " " << b.status();
  EXPECT_EQ((std::set<int>{a->port(), b->port()}), (std::set<int>{6664, 6670}));
  absl::StatusOr<gtest_port_internal::Reservation> c = safe->Reserve(1);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted)
      << c.status();

  options.allow_unsafe_ports = true;
  auto allowed = PrivateRange::AllocatorFor(options);
  ASSERT_NE(allowed, nullptr);
  absl::StatusOr<gtest_port_internal::Reservation> irc = allowed->Reserve(1);
  ASSERT_TRUE(irc.ok()) << irc.status();
  EXPECT_GE(irc->port(), 6665);
  EXPECT_LE(irc->port(), 6669);
}

TEST(ReserveTest, PortsForeignSocketsUseAreSkippedNeverHandedOut) {
  PrivateRange range(3);
  const uint16_t p = range.first();
  absl::StatusOr<TestSocket> tcp = BindSocket(SOCK_STREAM, p);
  absl::StatusOr<TestSocket> udp =
      BindSocket(SOCK_DGRAM, static_cast<uint16_t>(p + 1));
  ASSERT_TRUE(tcp.ok() && udp.ok());
  auto allocator = range.Allocator();
  absl::StatusOr<gtest_port_internal::Reservation> r = allocator->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->port(), p + 2);

  absl::StatusOr<gtest_port_internal::Reservation> none = allocator->Reserve(1);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(),
              AllOf(HasSubstr("all 3 candidates were busy"),
                    HasSubstr("1 held by other gtest_port reservations"),
                    HasSubstr("2 in use by other sockets")));
  EXPECT_EQ(allocator->stats()[gtest_port_internal::Stats::kReservations], 1);
  EXPECT_GE(allocator->stats()[gtest_port_internal::Stats::kBusyInUse], 2);
}

TEST(ReserveTest, MoveTransfersOwnershipAndReleasesOnce) {
  PrivateRange range(1);
  auto allocator = range.Allocator();
  absl::StatusOr<gtest_port_internal::Reservation> r = allocator->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  PortReservation moved(*std::move(r));
  EXPECT_EQ(moved.port(), range.first());
  EXPECT_EQ(r->port(), 0);  // NOLINT(bugprone-use-after-move): documented.
  EXPECT_EQ(r->size(), 0);
  EXPECT_EQ(allocator->stats()[gtest_port_internal::Stats::kLive], 1);
  EXPECT_FALSE(allocator->Reserve(1).ok()) << "moved reservation lost its claim";
  {
    PortReservation sink = std::move(moved);
  }
  EXPECT_EQ(allocator->stats()[gtest_port_internal::Stats::kLive], 0);
  EXPECT_TRUE(allocator->Reserve(1).ok());
}

TEST(ReserveBlockTest, BlockIsConsecutiveAndAllHeld) {
  absl::StatusOr<PortReservation> block = ReserveBlock(3);
  ASSERT_THAT(block, IsOkAndHoldsPortIn(20000, 32767));
  ASSERT_EQ(block->size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*block)[i], block->port() + i);
    ExpectServersCanBind((*block)[i]);
  }
}

TEST(ReserveBlockTest, ForeignListenerInsideACandidateBlockMovesTheBlockOn) {
  PrivateRange range(5);
  const uint16_t p = range.first();
  absl::StatusOr<TestSocket> foreign =
      BindSocket(SOCK_STREAM, static_cast<uint16_t>(p + 1));
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  auto allocator = range.Allocator();
  absl::StatusOr<gtest_port_internal::Reservation> block = allocator->Reserve(3);
  ASSERT_TRUE(block.ok()) << block.status();
  EXPECT_EQ(block->port(), p + 2);  // The only 3 free in a row: p+2..p+4.
  EXPECT_EQ((*block)[2], p + 4);
}

TEST(ReserveBlockTest, FailedBlockHoldsNothing) {
  PrivateRange range(3);
  auto allocator = range.Allocator();
  absl::StatusOr<gtest_port_internal::Reservation> single = allocator->Reserve(1);
  ASSERT_TRUE(single.ok());
  absl::StatusOr<gtest_port_internal::Reservation> block = allocator->Reserve(3);
  ASSERT_FALSE(block.ok());
  EXPECT_EQ(block.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(block.status().message(), HasSubstr("block of 3 consecutive"));
  // The two ports the failed block claimed on its way were given back.
  absl::StatusOr<gtest_port_internal::Reservation> a = allocator->Reserve(1);
  absl::StatusOr<gtest_port_internal::Reservation> b = allocator->Reserve(1);
  EXPECT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST(ReserveBlockTest, BlockLargerThanTheSliceIsAClearError) {
  PrivateRange range(4);
  auto allocator = range.Allocator();
  for (int count : {0, -1, 5}) {
    absl::StatusOr<gtest_port_internal::Reservation> block = allocator->Reserve(count);
    ASSERT_FALSE(block.ok());
    EXPECT_EQ(block.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(block.status().message(),
                AllOf(HasSubstr(absl::StrCat("block of ", count)),
                      HasSubstr("4 candidate ports")));
  }
}

// --- What GoogleTest prints ------------------------------------------------

TEST(PortReservationPrintTest, PrintsItsPortsNotItsBytes) {
  // Four ports: wherever the single port lands, two in a row stay free.
  PrivateRange range(4);
  auto allocator = range.Allocator();
  ASSERT_NE(allocator, nullptr);
  absl::StatusOr<gtest_port_internal::Reservation> held = allocator->Reserve(1);
  ASSERT_TRUE(held.ok()) << held.status();
  PortReservation one(*std::move(held));
  EXPECT_EQ(::testing::PrintToString(one),
            absl::StrCat("PortReservation(port ", one.port(), ")"));

  held = allocator->Reserve(2);
  ASSERT_TRUE(held.ok()) << held.status();
  PortReservation block(*std::move(held));
  EXPECT_EQ(::testing::PrintToString(block),
            absl::StrCat("PortReservation(ports ", block[0], "-", block[1],
                         ")"));

  PortReservation taken = std::move(one);
  EXPECT_EQ(::testing::PrintToString(one), "PortReservation(no port)");
}

TEST(PortReservationPrintTest, PrintsAStatusOrAsOkAndTheReservationOrTheError) {
  absl::StatusOr<PortReservation> r = Reserve();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(::testing::PrintToString(r),
            absl::StrCat("OK: PortReservation(port ", r->port(), ")"));
  absl::StatusOr<PortReservation> bad = ReserveBlock(0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(::testing::PrintToString(bad), bad.status().ToString());
}

TEST(PortReservationPrintTest, AFailingMatcherShowsTheReservation) {
  absl::StatusOr<PortReservation> r = Reserve();
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string printed =
      absl::StrCat("Actual: OK: PortReservation(port ", r->port(), ")");
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(r, IsOkAndHoldsPortIn(1, 2)), printed);
}

}  // namespace
}  // namespace gtest_port
