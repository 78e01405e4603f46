// A user's test, built against gtest_port the way a downstream project gets
// it: from an install (find_package, pkg-config), with add_subdirectory or
// with FetchContent. It is linked with gtest_port_main, takes a port from
// PortFixture, starts a real TCP listener on it and connects to it -- what an
// integration test does -- and uses the GoogleMock matchers, so the
// installed internal headers they include are exercised too.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "gtest_port/matchers.h"

namespace {

using ::gtest_port::IsFreeToBind;
using ::testing::ElementsAre;
using ::testing::Not;

// Closes the descriptor when the test ends, even on an ASSERT failure.
class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

class ConsumerTest : public gtest_port::PortFixture {};

TEST_F(ConsumerTest, ReservedPortTakesATcpListener) {
  uint16_t port = 0;
  ASSERT_NO_FATAL_FAILURE(port = ReservePort());
  ASSERT_NE(port, 0);
  EXPECT_THAT(ReservedPorts(), ElementsAre(port));
  EXPECT_THAT(port, IsFreeToBind());

  Socket listener;
  ASSERT_GE(listener.fd(), 0) << "socket: " << std::strerror(errno);
  const sockaddr_in addr = Loopback(port);
  ASSERT_EQ(::bind(listener.fd(), reinterpret_cast<const sockaddr*>(&addr),
                   sizeof(addr)),
            0)
      << "bind 127.0.0.1:" << port << ": " << std::strerror(errno);
  ASSERT_EQ(::listen(listener.fd(), 1), 0) << std::strerror(errno);
  EXPECT_THAT(port, Not(IsFreeToBind()));

  Socket client;
  ASSERT_GE(client.fd(), 0) << "socket: " << std::strerror(errno);
  ASSERT_EQ(::connect(client.fd(), reinterpret_cast<const sockaddr*>(&addr),
                      sizeof(addr)),
            0)
      << "connect 127.0.0.1:" << port << ": " << std::strerror(errno);
  const Socket accepted(
      ::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_GE(accepted.fd(), 0) << "accept: " << std::strerror(errno);
  ASSERT_EQ(::send(client.fd(), "ping", 4, 0), 4) << std::strerror(errno);
  char reply[4] = {};
  ASSERT_EQ(::recv(accepted.fd(), reply, sizeof(reply), MSG_WAITALL), 4)
      << std::strerror(errno);
  EXPECT_EQ(std::string(reply, sizeof(reply)), "ping");
}

TEST(ConsumerReserveTest, ReservationOutsideAFixtureHoldsAFreePort) {
  absl::StatusOr<gtest_port::PortReservation> reservation =
      gtest_port::Reserve();
  ASSERT_TRUE(reservation.ok()) << reservation.status();
  EXPECT_EQ(reservation->size(), 1);
  EXPECT_THAT(reservation->port(), IsFreeToBind());
}

}  // namespace
