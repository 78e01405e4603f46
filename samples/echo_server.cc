#include "samples/echo_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gtest_port_samples {
namespace {

// Long enough for a loaded CI machine, short enough that a broken server
// fails the test rather than the test runner's timeout.
constexpr int kClientTimeoutSeconds = 5;

// Closes a descriptor on every early return of Start() and Echo().
class ScopedFd final {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// `host`:`port`; false when `host` is not a dotted IPv4 address.
bool Endpoint(const std::string& host, uint16_t port, sockaddr_in* address) {
  *address = {};
  address->sin_family = AF_INET;
  address->sin_port = htons(port);
  return ::inet_pton(AF_INET, host.c_str(), &address->sin_addr) == 1;
}

int SocketType(EchoServer::Protocol protocol) {
  // SOCK_CLOEXEC on every descriptor: a test that forks a helper process
  // must not hand it our sockets, or the port would stay in use after Stop().
  return (protocol == EchoServer::Protocol::kTcp ? SOCK_STREAM : SOCK_DGRAM) |
         SOCK_CLOEXEC;
}

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

absl::Status ReadError(int error, const std::string& host, uint16_t port) {
  if (error == EAGAIN || error == EWOULDBLOCK) {
    return absl::DeadlineExceededError(
        absl::StrCat("no echo from ", host, ":", port, " within ",
                     kClientTimeoutSeconds, "s"));
  }
  return absl::ErrnoToStatus(error,
                             absl::StrCat("recv from ", host, ":", port));
}

}  // namespace

absl::StatusOr<std::unique_ptr<EchoServer>> EchoServer::Start(
    uint16_t port, Protocol protocol, const std::string& host) {
  ScopedFd fd(::socket(AF_INET, SocketType(protocol), 0));
  if (fd.get() < 0) return absl::ErrnoToStatus(errno, "socket");
  if (protocol == Protocol::kTcp) {
    // SO_REUSEADDR lets a server bind a port whose earlier connections are
    // still in TIME_WAIT (say, a previous test's server on a reused port).
    // It does not let two live listeners share the port -- that would be
    // SO_REUSEPORT -- so a real clash still fails bind() loudly. On UDP it
    // WOULD let two sockets share the port, hiding a clash, so UDP goes
    // without it.
    const int one = 1;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) !=
        0) {
      return absl::ErrnoToStatus(errno, "setsockopt(SO_REUSEADDR)");
    }
  }
  sockaddr_in address;
  if (!Endpoint(host, port, &address)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", host, "\" is not an IPv4 address"));
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address),
             sizeof address) != 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("bind ", host, ":", port));
  }
  if (protocol == Protocol::kTcp && ::listen(fd.get(), SOMAXCONN) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("listen on ", port));
  }
  std::unique_ptr<EchoServer> server(
      new EchoServer(port, protocol, fd.release()));
  server->thread_ = std::thread([raw = server.get()] {
    if (raw->protocol_ == Protocol::kTcp) {
      raw->ServeTcp();
    } else {
      raw->ServeUdp();
    }
  });
  return server;
}

EchoServer::EchoServer(uint16_t port, Protocol protocol, int socket_fd)
    : port_(port), protocol_(protocol), socket_fd_(socket_fd) {}

EchoServer::~EchoServer() { Stop(); }

void EchoServer::Stop() {
  std::call_once(stop_once_, [this] {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      // shutdown(), not close(), wakes the thread blocked in accept() or
      // recvfrom(): closing a descriptor another thread is blocked on does
      // not wake it on Linux, and its number could be reused meanwhile.
      // (On an unconnected UDP socket shutdown() reports ENOTCONN but still
      // wakes the reader, which then reads 0 bytes.)
      ::shutdown(socket_fd_, SHUT_RDWR);
      // A client still connected would keep the thread in recv(). Note that
      // this makes the server close first, so that connection lingers in
      // TIME_WAIT on our port for a minute; clients that hang up first (as
      // Echo() does) leave the port clean.
      if (connection_fd_ >= 0) ::shutdown(connection_fd_, SHUT_RDWR);
    }
    if (thread_.joinable()) thread_.join();
    ::close(socket_fd_);
  });
}

void EchoServer::ServeTcp() {
  for (;;) {
    const int connection =
        ::accept4(socket_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EINVAL once Stop() shut the listening socket down.
    }
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) {
        ::close(connection);
        return;
      }
      connection_fd_ = connection;
    }
    // One client at a time is plenty for tests and keeps the server small.
    char buffer[4096];
    for (;;) {
      const ssize_t received = ::recv(connection, buffer, sizeof buffer, 0);
      if (received < 0 && errno == EINTR) continue;
      if (received <= 0) break;  // The client hung up, or Stop().
      if (!SendAll(connection, buffer, static_cast<size_t>(received))) break;
    }
    {
      absl::MutexLock lock(&mu_);
      connection_fd_ = -1;
    }
    ::close(connection);
  }
}

void EchoServer::ServeUdp() {
  char buffer[65536];
  for (;;) {
    sockaddr_storage peer = {};
    socklen_t peer_size = sizeof peer;
    const ssize_t received =
        ::recvfrom(socket_fd_, buffer, sizeof buffer, 0,
                   reinterpret_cast<sockaddr*>(&peer), &peer_size);
    if (received < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (received == 0) {
      // Either an empty datagram or Stop(); only the flag tells them apart.
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    ::sendto(socket_fd_, buffer, static_cast<size_t>(received), 0,
             reinterpret_cast<const sockaddr*>(&peer), peer_size);
  }
}

absl::StatusOr<std::string> Echo(uint16_t port, EchoServer::Protocol protocol,
                                 std::string_view message,
                                 const std::string& host) {
  ScopedFd fd(::socket(AF_INET, SocketType(protocol), 0));
  if (fd.get() < 0) return absl::ErrnoToStatus(errno, "socket");
  const timeval timeout = {kClientTimeoutSeconds, 0};
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout,
                   sizeof timeout) != 0) {
    return absl::ErrnoToStatus(errno, "setsockopt(SO_RCVTIMEO)");
  }
  sockaddr_in address;
  if (!Endpoint(host, port, &address)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", host, "\" is not an IPv4 address"));
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address),
                sizeof address) != 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("connect to ", host, ":", port));
  }
  if (!SendAll(fd.get(), message.data(), message.size())) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("send to ", host, ":", port));
  }

  std::string reply;
  if (protocol == EchoServer::Protocol::kUdp) {
    char buffer[65536];
    const ssize_t received = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (received < 0) return ReadError(errno, host, port);
    reply.assign(buffer, static_cast<size_t>(received));
    return reply;
  }
  // Half-close, then read to the end: the server learns the message is
  // complete, and because we hang up first the TIME_WAIT state lands on our
  // ephemeral port, not on the server's -- so the server's port is free to
  // bind again as soon as the server stops.
  if (::shutdown(fd.get(), SHUT_WR) != 0) {
    return absl::ErrnoToStatus(errno, "shutdown(SHUT_WR)");
  }
  char buffer[4096];
  for (;;) {
    const ssize_t received = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (received < 0 && errno == EINTR) continue;
    if (received < 0) return ReadError(errno, host, port);
    if (received == 0) return reply;
    reply.append(buffer, static_cast<size_t>(received));
  }
}

}  // namespace gtest_port_samples
