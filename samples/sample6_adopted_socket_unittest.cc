// Sample 6: a socket that is already bound, adopted by a real server.
//
// The lesson: ReservePort() hands out a port that was free when gtest_port
// probed it and leaves the bind to your server. A process outside
// gtest_port (an outgoing connection that the kernel gives that port, a
// daemon starting up) can take it in between. When your server can adopt a
// descriptor, ask for the socket instead: ReserveListeningSocket() returns a
// port with a TCP socket bound to it ([::], dual-stack) and listening, so
// there is no window at all.
//
// The server here is Boost.Asio's, the kind of event loop real servers use:
// tcp::acceptor::assign() adopts the descriptor. Ownership is the one thing
// to get right: the acceptor closes the descriptor when it is destroyed, so
// the test gives it up with Release(), and the fixture keeps the port
// claimed (the ListeningSocket itself) until the test ends.
//
// POSIX only, like ListeningSocket. Needs Debian's libboost-dev (Asio is
// header-only); scripts/setup.sh installs it.

#include <sys/socket.h>

#include <cerrno>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include <boost/asio.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "gtest_port/matchers.h"
#include "samples/echo_server.h"

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using gtest_port::IsFreeToBind;
using gtest_port_samples::Echo;
using gtest_port_samples::EchoServer;
using ::testing::Not;

// One client of the server: echoes what it reads until the client closes.
class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : socket_(std::move(socket)) {}

  void Read() {
    auto self = shared_from_this();
    socket_.async_read_some(
        asio::buffer(buffer_),
        [self](const boost::system::error_code& ec, std::size_t n) {
          if (ec) return;  // EOF (the client is done) or an error: close.
          asio::async_write(
              self->socket_, asio::buffer(self->buffer_, n),
              [self](const boost::system::error_code& ec2, std::size_t) {
                if (!ec2) self->Read();
              });
        });
  }

 private:
  tcp::socket socket_;
  char buffer_[1024];
};

// An echo server on Boost.Asio that serves on a socket it is given instead
// of binding one itself, on a thread of its own.
class AsioEchoServer {
 public:
  // Adopts `listener`'s descriptor. On success the acceptor owns it (and
  // closes it when the server stops); `listener` keeps the port's claim.
  static absl::StatusOr<std::unique_ptr<AsioEchoServer>> Start(
      gtest_port::ListeningSocket& listener) {
    // assign() must be told the protocol the socket was made with: IPv6
    // (dual-stack) on hosts with IPv6, IPv4 elsewhere.
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (::getsockname(listener.fd(), reinterpret_cast<sockaddr*>(&addr),
                      &len) != 0) {
      return absl::ErrnoToStatus(errno, "getsockname");
    }
    auto server = std::unique_ptr<AsioEchoServer>(new AsioEchoServer());
    boost::system::error_code ec;
    server->acceptor_.assign(
        addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), listener.fd(), ec);
    if (ec) return absl::InternalError("acceptor.assign: " + ec.message());
    listener.Release();  // The acceptor closes it now; never close it twice.
    server->Accept();
    server->thread_ = std::thread([s = server.get()] { s->io_.run(); });
    return server;
  }

  ~AsioEchoServer() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }  // The acceptor closes the adopted descriptor here.

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  AsioEchoServer() = default;

  void Accept() {
    acceptor_.async_accept(
        [this](const boost::system::error_code& ec, tcp::socket socket) {
          if (ec) return;  // Stopped.
          std::make_shared<Session>(std::move(socket))->Read();
          Accept();
        });
  }

  // Declared in this order so that the acceptor goes before its io_context.
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
};

class AdoptedSocketTest : public gtest_port::PortFixture {};

TEST_F(AdoptedSocketTest, AsioServerServesOnTheReservedSocket) {
  // Held by the fixture until the test ends: the socket until Release(),
  // the port's claim until then.
  gtest_port::ListeningSocket& listener = ReserveListeningSocket();
  ASSERT_GE(listener.fd(), 0);
  const uint16_t port = listener.port();

  absl::StatusOr<std::unique_ptr<AsioEchoServer>> server =
      AsioEchoServer::Start(listener);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->port(), port);
  EXPECT_EQ(listener.fd(), -1) << "the acceptor owns the descriptor now";

  for (const char* message : {"hello", "asio"}) {
    absl::StatusOr<std::string> reply =
        Echo(port, EchoServer::Protocol::kTcp, message);
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(*reply, message);
  }
  server->reset();  // Stop the server (and close the socket) before the
                    // port is released at the end of the test.
}

TEST_F(AdoptedSocketTest, TheSocketIsBoundBeforeTheTestSeesIt) {
  // The difference from ReservePort(): that port is free to bind (your
  // server binds it); this one is taken already -- by the socket you hold.
  const uint16_t claimed_only = ReservePort();
  EXPECT_THAT(claimed_only, IsFreeToBind());

  gtest_port::ListeningSocket& listener = ReserveListeningSocket();
  EXPECT_THAT(listener.port(), Not(IsFreeToBind()))
      << "no other process can bind the port any more";
}

}  // namespace
