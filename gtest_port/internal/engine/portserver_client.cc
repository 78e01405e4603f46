#include "gtest_port/internal/engine/portserver_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest_port/internal/platform/system.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_internal {
namespace {

// sizeof(sockaddr_un::sun_path) is 108: an abstract name fills it after the
// NUL byte that takes the place of "@"; a path needs room for its NUL.
constexpr size_t kMaxAbstractAddress = sizeof(sockaddr_un{}.sun_path);
constexpr size_t kMaxPathAddress = sizeof(sockaddr_un{}.sun_path) - 1;

// A reply longer than this is not a port; stop reading there.
constexpr size_t kMaxReply = 32;

// How much of a bad reply an error message quotes.
constexpr size_t kQuotedReply = 40;

std::string Quote(absl::string_view reply) {
  std::string quoted =
      absl::StrCat("\"", absl::CHexEscape(reply.substr(0, kQuotedReply)), "\"");
  if (reply.size() > kQuotedReply) absl::StrAppend(&quoted, "...");
  return quoted;
}

// Milliseconds left until `deadline` for poll(2), rounded up, at least 0.
int PollMillis(absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::min<int64_t>(
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))),
      INT_MAX));
}

}  // namespace

absl::Status ValidatePortServerAddress(absl::string_view address) {
  if (address.empty() || (address[0] != '@' && address[0] != '/')) {
    return absl::InvalidArgumentError(kPortServerAddressSyntax);
  }
  if (address.size() == 1) {
    return absl::InvalidArgumentError(absl::StrCat("the name after \"", address,
                                                   "\" is empty; ",
                                                   kPortServerAddressSyntax));
  }
  if (address.size() >
      (address[0] == '@' ? kMaxAbstractAddress : kMaxPathAddress)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "too long (", address.size(), " bytes); ", kPortServerAddressSyntax));
  }
  if (absl::StrContains(address, '\0')) {
    return absl::InvalidArgumentError(
        absl::StrCat("contains a NUL byte; ", kPortServerAddressSyntax));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint16_t> ParsePortServerReply(absl::string_view reply) {
  absl::string_view digits = reply;
  if (absl::ConsumeSuffix(&digits, "\n")) absl::ConsumeSuffix(&digits, "\r");
  if (digits.empty()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "refused (empty reply ", Quote(reply),
        "): its pool has no free port, or it does not accept this process"));
  }
  const bool all_digits = digits.size() <= 5 &&
                          std::all_of(digits.begin(), digits.end(), [](char c) {
                            return absl::ascii_isdigit(c);
                          });
  int port = 0;
  if (!all_digits || !absl::SimpleAtoi(digits, &port) || port < 1 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected reply ", Quote(reply),
                     "; expected a port number 1-65535 and a newline, or an "
                     "empty reply (a refusal)"));
  }
  return static_cast<uint16_t>(port);
}

PortServerClient::PortServerClient(std::string address, absl::Duration timeout,
                                   System& system)
    : address_(std::move(address)), timeout_(timeout), system_(system) {}

absl::StatusOr<uint16_t> PortServerClient::RequestPort(pid_t pid) const {
  return Request(pid, 0);
}

absl::StatusOr<uint16_t> PortServerClient::RequestBlock(int count) const {
  if (count < 1 || count > kMaxPortServerBlock) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot ask the port server at ", address_, " for ", count,
                     " ports; expected 1-", kMaxPortServerBlock));
  }
  return Request(0, count);
}

absl::StatusOr<uint16_t> PortServerClient::Request(pid_t pid, int block) const {
  const absl::Time deadline = absl::Now() + timeout_;
  const std::string at = absl::StrCat("the port server at ", address_);
  auto errno_status = [&at](int error, absl::string_view call) {
    return SyscallError(error, absl::StrCat(at, ": ", call));
  };
  auto timed_out = [&](absl::string_view waiting_for) {
    return absl::DeadlineExceededError(
        absl::StrCat(at, " did not ", waiting_for, " within ",
                     absl::FormatDuration(timeout_)));
  };

  absl::Status valid = ValidatePortServerAddress(address_);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, ": bad address: ", valid.message()));
  }
  sockaddr_un addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address_.data(), address_.size());
  if (address_[0] == '@') addr.sun_path[0] = '\0';  // The abstract namespace.
  const auto addr_len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size() +
                             (address_[0] == '@' ? 0 : 1));

  UniqueFd fd(system_.Socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return errno_status(errno, "socket(AF_UNIX)");

  // Connect. A Unix socket connects at once or fails at once, except when
  // the server's backlog is full (EAGAIN): then try again until the deadline.
  for (;;) {
    if (system_.Connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr),
                  addr_len) == 0) {
      break;
    }
    const int error = errno;
    if (error == EINTR) continue;
    if (error == EAGAIN) {
      if (PollMillis(deadline) == 0) return timed_out("accept the connection");
      system_.Poll(nullptr, 0, 1);
      continue;
    }
    if (error == EINPROGRESS) {  // Not on Linux, but allowed by POSIX.
      pollfd p{fd.get(), POLLOUT, 0};
      const int n = system_.Poll(&p, 1, PollMillis(deadline));
      if (n == 0) return timed_out("accept the connection");
      int so_error = 0;
      socklen_t len = sizeof(so_error);
      if (n < 0 ||
          system_.GetSockOpt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) {
        return errno_status(errno, "connect");
      }
      if (so_error == 0) break;
      return absl::UnavailableError(
          absl::StrCat(at, ": connect: ", std::strerror(so_error),
                       " (is a port server running there?)"));
    }
    if (error == EMFILE || error == ENFILE || error == ENOMEM) {
      return errno_status(error, "connect");
    }
    return absl::UnavailableError(
        absl::StrCat(at, ": connect: ", std::strerror(error),
                     " (is a port server running there?)"));
  }

  // The pid means this process only if the server can see it. SO_PEERCRED
  // gives the server's pid in this process's PID namespace: 0 when it lives
  // in a namespace this process cannot see.
  bool outside = false;
#ifdef SO_PEERCRED
  ucred peer;
  socklen_t peer_len = sizeof(peer);
  if (system_.GetSockOpt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer,
                         &peer_len) != 0) {
    return errno_status(errno, "getsockopt(SO_PEERCRED)");
  }
  outside = peer.pid == 0;
#endif
  // Requests (see the header): "+PID\n" is a plain request to Python's
  // server and tells `gtest-port serve` that this process claims the port
  // itself; the "gtest_port/1 ..." extensions name no pid (the server goes by
  // SO_PEERCRED) and Python's server refuses them with an empty reply.
  std::string request;
  if (block >= 1) {
    request = absl::StrCat("gtest_port/1 block ", block, "\n");
  } else if (outside) {
    request = "gtest_port/1 port\n";
  } else {
    request = absl::StrCat("+", pid, "\n");
  }
  const std::string outside_message = absl::StrCat(
      at,
      " runs in another PID namespace than this process (as under "
      "Bazel's sandbox, in a container or after `unshare --pid`), so "
      "it cannot tell which process asks from a pid, and it does not "
      "identify clients itself (`gtest-port serve` does)");

  // One send: the server reads its request with a single read.
  for (;;) {
    const ssize_t sent =
        system_.Send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
    if (sent == static_cast<ssize_t>(request.size())) break;
    if (sent >= 0) {
      return absl::UnavailableError(absl::StrCat(
          at, ": sent only ", sent, " of ", request.size(), " request bytes"));
    }
    const int error = errno;
    if (error == EINTR) continue;
    if (error == EAGAIN) {
      pollfd p{fd.get(), POLLOUT, 0};
      if (system_.Poll(&p, 1, PollMillis(deadline)) == 0) {
        return timed_out("take the request");
      }
      continue;
    }
    return absl::UnavailableError(
        absl::StrCat(at, ": send: ", std::strerror(error)));
  }

  // The reply is one line, or nothing when the server closes at once.
  std::string reply;
  char buf[kMaxReply];
  while (reply.size() < kMaxReply && !absl::StrContains(reply, '\n')) {
    pollfd p{fd.get(), POLLIN, 0};
    const int n = system_.Poll(&p, 1, PollMillis(deadline));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "poll");
    }
    if (n == 0) return timed_out("answer");
    const ssize_t got = system_.Recv(fd.get(), buf, kMaxReply - reply.size(), 0);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == ECONNRESET) break;  // Closed without reading it all.
      return errno_status(errno, "recv");
    }
    if (got == 0) break;
    reply.append(buf, static_cast<size_t>(got));
  }

  absl::StatusOr<uint16_t> port = ParsePortServerReply(reply);
  if (!port.ok() &&
      port.status().code() == absl::StatusCode::kResourceExhausted) {
    if (block >= 1) {
      return absl::ResourceExhaustedError(absl::StrCat(
          at, ": refused a block of ", block,
          " ports (it does not serve blocks, as Python's portserver does "
          "not, or it has no such block free)"));
    }
    if (outside) {
      return absl::FailedPreconditionError(
          absl::StrCat(outside_message, "; or its pool has no free port"));
    }
  }
  if (port.ok() && block >= 1 && int{*port} + block - 1 > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        at, ": block of ", block, " ports from ", *port, " runs past 65535"));
  }
  if (!port.ok()) {
    return absl::Status(port.status().code(),
                        absl::StrCat(at, ": ", port.status().message()));
  }
  return port;
}

}  // namespace gtest_port_internal
