// Sample 2: reservations by hand, outside a fixture.
//
// The lesson: gtest_port::Reserve() returns a PortReservation, a move-only
// RAII value that holds the port until it is destroyed -- like a
// std::unique_ptr for a port. Use it where a fixture does not fit: a helper
// that starts a server for several tests, a port that must outlive one test
// body's scope, or code that is not a test at all.
//
// It also shows the matchers of gtest_port/matchers.h (target
// gtest_port::gtest_port_matchers, Bazel //gtest_port:matchers), and the one
// fact about reservations people get wrong: a reservation CLAIMS a port
// among gtest_port users, it does not BIND it. While you hold it, the port is
// free to bind -- that is the point: your server binds it.

#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "gtest_port/matchers.h"
#include "samples/echo_server.h"

namespace {

using gtest_port::IsFreeToBind;
using gtest_port::IsOkAndHoldsPortIn;
using gtest_port::PortReservation;
using gtest_port_samples::Echo;
using gtest_port_samples::EchoServer;
using ::testing::Not;

// The range reservations come from: GTEST_PORT_RANGE when the run sets it
// (the PortEnvironment has already rejected a malformed value), otherwise
// the library's default. Reading it here keeps the range test honest under
// any configuration instead of hard-coding 20000-32767.
gtest_port::PortRange ConfiguredRange() {
  const char* value = std::getenv("GTEST_PORT_RANGE");
  if (value == nullptr) return gtest_port::kDefaultPortRange;
  const std::vector<std::string> bounds = absl::StrSplit(value, '-');
  int first = 0;
  int last = 0;
  if (bounds.size() != 2 || !absl::SimpleAtoi(bounds[0], &first) ||
      !absl::SimpleAtoi(bounds[1], &last)) {
    return gtest_port::kDefaultPortRange;
  }
  return {static_cast<uint16_t>(first), static_cast<uint16_t>(last)};
}

TEST(RaiiTest, ReservationClaimsButDoesNotBind) {
  // Keep the StatusOr in a local: the reservation lives exactly as long as
  // `r`. ASSERT on ok() with the status streamed, so that a failure says why
  // (for example which range was exhausted) instead of "false".
  absl::StatusOr<PortReservation> r = gtest_port::Reserve();
  ASSERT_TRUE(r.ok()) << r.status();
  const uint16_t port = r->port();

  // Held, yet free to bind: nothing listens on it until we start a server.
  EXPECT_THAT(port, IsFreeToBind());

  auto server = EchoServer::Start(port, EchoServer::Protocol::kTcp);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_THAT(port, Not(IsFreeToBind()));  // Now our server holds it.
  auto reply = Echo(port, EchoServer::Protocol::kTcp, "ping");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "ping");

  // After Stop() the port is free to bind again -- and still reserved for
  // us, so a restarted server would find it waiting. (This holds because
  // Echo() hangs up first: had the server closed the connection first, the
  // connection would linger in TIME_WAIT on this port for a minute and the
  // probe, which binds without SO_REUSEADDR, would call the port busy.)
  (*server)->Stop();
  EXPECT_THAT(port, IsFreeToBind());
}  // `r` is destroyed here, and the port goes back to the pool.

TEST(RaiiTest, ReservationComesFromTheConfiguredRange) {
  const gtest_port::PortRange range = ConfiguredRange();
  // The matcher takes the StatusOr itself, so a failed reservation prints
  // its status rather than crashing on r->port(). The temporary reservation
  // is released at the end of the full expression.
  EXPECT_THAT(gtest_port::Reserve(),
              IsOkAndHoldsPortIn(range.first, range.last));
}

TEST(RaiiTest, BlockOfThreeIsConsecutive) {
  // A block is for servers that derive ports from a base (base, base+1,
  // ...); three separate Reserve() calls would give three unrelated ports.
  absl::StatusOr<PortReservation> block = gtest_port::ReserveBlock(3);
  ASSERT_TRUE(block.ok()) << block.status();
  ASSERT_EQ(block->size(), 3);
  for (int i = 0; i < block->size(); ++i) {
    EXPECT_EQ((*block)[i], block->port() + i);
    EXPECT_THAT((*block)[i], IsFreeToBind());
  }
  const gtest_port::PortRange range = ConfiguredRange();
  EXPECT_THAT(block, IsOkAndHoldsPortIn(range.first, range.last));
}

TEST(RaiiTest, ReservationsMoveIntoAVector) {
  std::vector<PortReservation> held;
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<PortReservation> r = gtest_port::Reserve();
    ASSERT_TRUE(r.ok()) << r.status();
    // PortReservation cannot be copied -- two owners would release the port
    // twice -- so ownership moves. Its move is noexcept, which is also what
    // lets the vector move (not copy) its elements when it grows.
    held.push_back(*std::move(r));
    // The moved-from reservation holds nothing and releases nothing.
    EXPECT_EQ(r->port(), 0);
    EXPECT_EQ(r->size(), 0);
  }

  // Reservations held at the same time never share a port.
  std::set<uint16_t> distinct;
  for (const PortReservation& reservation : held) {
    distinct.insert(reservation.port());
  }
  EXPECT_EQ(distinct.size(), held.size());

  // Clearing the vector (or letting it go out of scope) releases them all.
  held.clear();
}

TEST(RaiiTest, UdpServerOnAReservedPort) {
  absl::StatusOr<PortReservation> r = gtest_port::Reserve();
  ASSERT_TRUE(r.ok()) << r.status();
  {
    // A server scoped inside the reservation's lifetime: it stops at the
    // closing brace, while the port is still ours.
    auto server = EchoServer::Start(r->port(), EchoServer::Protocol::kUdp);
    ASSERT_TRUE(server.ok()) << server.status();
    EXPECT_THAT(r->port(), Not(IsFreeToBind()));
    auto reply = Echo(r->port(), EchoServer::Protocol::kUdp, "datagram");
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(*reply, "datagram");
  }
  // UDP has no TIME_WAIT: the port is free the moment the socket closes.
  EXPECT_THAT(r->port(), IsFreeToBind());
}

}  // namespace
