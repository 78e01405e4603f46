#include "tests/stress/live_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"

namespace gtest_port_stress {
namespace {

using gtest_port_internal::UniqueFd;

// Waits are bounded: a server that does not answer fails the round trip
// instead of hanging the test.
constexpr int kWaitMs = 5000;

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

absl::StatusOr<UniqueFd> Bind(int type, uint16_t port) {
  const char* proto = type == SOCK_STREAM ? "TCP" : "UDP";
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return absl::ErrnoToStatus(errno, absl::StrCat("socket ", proto));
  }
  const int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) !=
      0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("setsockopt SO_REUSEADDR ", proto));
  }
  const sockaddr_in addr = Loopback(port);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr),
             sizeof(addr)) != 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("bind ", proto, " 127.0.0.1:", port));
  }
  if (type == SOCK_STREAM && ::listen(fd.get(), 16) != 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("listen TCP 127.0.0.1:", port));
  }
  return fd;
}

absl::Status WaitReadable(int fd, const std::string& what) {
  pollfd p{fd, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, kWaitMs);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return absl::ErrnoToStatus(errno, absl::StrCat("poll ", what));
  if (n == 0) {
    return absl::DeadlineExceededError(
        absl::StrCat(what, ": nothing arrived within ", kWaitMs, " ms"));
  }
  return absl::OkStatus();
}

// Reads exactly `size` bytes from a stream socket.
absl::StatusOr<std::string> ReadAll(int fd, size_t size,
                                    const std::string& what) {
  std::string got;
  while (got.size() < size) {
    if (absl::Status ready = WaitReadable(fd, what); !ready.ok()) return ready;
    char buf[512];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, absl::StrCat("recv ", what));
    if (n == 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

absl::Status Expect(const std::string& got, absl::string_view token,
                    const std::string& what) {
  if (got == token) return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat(what, ": sent \"", token, "\" but received \"", got, "\""));
}

}  // namespace

absl::StatusOr<LiveServer> LiveServer::Start(uint16_t port) {
  absl::StatusOr<UniqueFd> tcp = Bind(SOCK_STREAM, port);
  if (!tcp.ok()) return tcp.status();
  absl::StatusOr<UniqueFd> udp = Bind(SOCK_DGRAM, port);
  if (!udp.ok()) return udp.status();
  return LiveServer(port, *std::move(tcp), *std::move(udp));
}

absl::Status LiveServer::Roundtrip(absl::string_view token) {
  const std::string tcp_what = absl::StrCat("TCP 127.0.0.1:", port_);
  const std::string udp_what = absl::StrCat("UDP 127.0.0.1:", port_);
  const sockaddr_in addr = Loopback(port_);
  {
    UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!client.valid()) return absl::ErrnoToStatus(errno, "socket TCP client");
    // On loopback the handshake completes into the listen backlog, so a
    // blocking connect returns before accept() runs.
    if (::connect(client.get(), reinterpret_cast<const sockaddr*>(&addr),
                  sizeof(addr)) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("connect ", tcp_what));
    }
    if (::send(client.get(), token.data(), token.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(token.size())) {
      return absl::ErrnoToStatus(errno, absl::StrCat("send ", tcp_what));
    }
    if (absl::Status ready = WaitReadable(tcp_.get(), "accept " + tcp_what);
        !ready.ok()) {
      return ready;
    }
    UniqueFd accepted(::accept4(tcp_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!accepted.valid()) {
      return absl::ErrnoToStatus(errno, absl::StrCat("accept ", tcp_what));
    }
    absl::StatusOr<std::string> got =
        ReadAll(accepted.get(), token.size(), tcp_what);
    if (!got.ok()) return got.status();
    if (absl::Status same = Expect(*got, token, tcp_what); !same.ok()) {
      return same;
    }
    // The client closes first, so the TIME_WAIT that follows a TCP
    // connection stays on the client's ephemeral port, not on ours.
    client.reset();
  }
  UniqueFd sender(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sender.valid()) return absl::ErrnoToStatus(errno, "socket UDP client");
  if (::sendto(sender.get(), token.data(), token.size(), 0,
               reinterpret_cast<const sockaddr*>(&addr),
               sizeof(addr)) != static_cast<ssize_t>(token.size())) {
    return absl::ErrnoToStatus(errno, absl::StrCat("sendto ", udp_what));
  }
  if (absl::Status ready = WaitReadable(udp_.get(), udp_what); !ready.ok()) {
    return ready;
  }
  char buf[512];
  const ssize_t n = ::recv(udp_.get(), buf, sizeof(buf), 0);
  if (n < 0) return absl::ErrnoToStatus(errno, absl::StrCat("recv ", udp_what));
  return Expect(std::string(buf, static_cast<size_t>(n)), token, udp_what);
}

void LiveServer::Stop() {
  tcp_.reset();
  udp_.reset();
}

}  // namespace gtest_port_stress
