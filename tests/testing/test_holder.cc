// test_holder: a test binary as users write it (gtest_port_main registers
// the PortEnvironment) whose tests hold, fail with and leak reservations,
// for the diagnostics tests (leak_report_test, port_users_test,
// gtest_port_cli_test). Pick tests with --gtest_filter; each prints
// "PORT <p>" for every port it reserves.
//
//   TestHolder.HoldsUntilStdinCloses  two ports through the fixture, then
//                                     "READY", held until stdin closes
//   TestHolder.PassesHoldingPorts     two ports through the fixture
//   TestHolder.FailsHoldingPorts      a port and a block of two, then fails
//   TestHolder.ReservesOnePort        one port through the fixture
//   TestHolderPlain.ReleasesInTime    a Reserve() that ends with the test
//   TestHolderPlain.LeaksIntoStatic   a Reserve() kept in a static
//   TestHolderPlain.LeaksBlockByMovingItOut
//                                     a ReserveBlock(2) moved out of the
//                                     test into an object never destroyed
//   TestHolderLingering.LeavesRedisListening
//                                     a real redis-server on its port, still
//                                     running when PortFixture::TearDown()
//                                     runs (the fixture stops it after); prints
//                                     "REDIS_PID <pid>"
//   TestHolderLingering.StopsRedisInTime
//                                     the same, stopped in the test body

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "gtest_port/internal/platform/unique_fd.h"
#include "tests/testing/subprocess.h"

namespace {

void Print(uint16_t port) {
  std::printf("PORT %d\n", port);
  std::fflush(stdout);
}

class TestHolder : public gtest_port::PortFixture {};

TEST_F(TestHolder, HoldsUntilStdinCloses) {
  Print(ReservePort());
  Print(ReservePort());
  std::printf("READY\n");
  std::fflush(stdout);
  char c;
  while (::read(0, &c, 1) > 0) {
  }
}

TEST_F(TestHolder, PassesHoldingPorts) {
  Print(ReservePort());
  Print(ReservePort());
}

TEST_F(TestHolder, FailsHoldingPorts) {
  Print(ReservePort());
  const uint16_t block = ReserveBlock(2);
  Print(block);
  Print(static_cast<uint16_t>(block + 1));
  ADD_FAILURE() << "failing on purpose while holding ports";
}

TEST_F(TestHolder, ReservesOnePort) { Print(ReservePort()); }

TEST(TestHolderPlain, ReleasesInTime) {
  absl::StatusOr<gtest_port::PortReservation> r = gtest_port::Reserve();
  ASSERT_TRUE(r.ok()) << r.status();
  Print(r->port());
}

TEST(TestHolderPlain, LeaksIntoStatic) {
  static absl::StatusOr<gtest_port::PortReservation>* const kept =
      new absl::StatusOr<gtest_port::PortReservation>(gtest_port::Reserve());
  ASSERT_TRUE(kept->ok()) << kept->status();
  Print((*kept)->port());
}

TEST(TestHolderPlain, LeaksBlockByMovingItOut) {
  absl::StatusOr<gtest_port::PortReservation> r = gtest_port::ReserveBlock(2);
  ASSERT_TRUE(r.ok()) << r.status();
  Print(r->port());
  Print((*r)[1]);
  new gtest_port::PortReservation(*std::move(r));  // Never destroyed.
}

constexpr char kRedisServer[] = "/usr/bin/redis-server";

// True once something accepts TCP connections on 127.0.0.1:`port`.
bool Accepts(uint16_t port) {
  gtest_port_internal::UniqueFd fd(
      ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return fd.valid() && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr),
                                 sizeof(addr)) == 0;
}

class TestHolderLingering : public gtest_port::PortFixture {
 protected:
  void StartRedis() {
    if (::access(kRedisServer, X_OK) != 0) {
      GTEST_SKIP() << "no " << kRedisServer;
    }
    const uint16_t port = ReservePort();
    ASSERT_NE(port, 0);
    Print(port);
    absl::StatusOr<gtest_port_testing::Subprocess> child =
        gtest_port_testing::Subprocess::Start(
            {kRedisServer, "--port", absl::StrCat(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"},
            {});
    ASSERT_TRUE(child.ok()) << child.status();
    redis_ = std::make_unique<gtest_port_testing::Subprocess>(
        *std::move(child));
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (!Accepts(port)) {
      ASSERT_LT(absl::Now(), deadline) << "redis-server never listened";
      absl::SleepFor(absl::Milliseconds(10));
    }
    std::printf("REDIS_PID %d\n", redis_->pid());
    std::fflush(stdout);
  }

  void TearDown() override {
    PortFixture::TearDown();  // What it sees of a server still running.
    redis_.reset();           // SIGKILL and reap: nothing is left behind.
  }

  std::unique_ptr<gtest_port_testing::Subprocess> redis_;
};

TEST_F(TestHolderLingering, LeavesRedisListening) { StartRedis(); }

TEST_F(TestHolderLingering, StopsRedisInTime) {
  StartRedis();
  redis_.reset();
}

}  // namespace
