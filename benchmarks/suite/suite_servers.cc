// File: benchmarks/suite/suite_servers.cc

#include "benchmarks/suite/suite_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace gtest_port_suite {
namespace {

constexpr int kIoTimeoutMs = 5000;
constexpr size_t kMaxResponse = 8 << 20;
constexpr absl::Duration kStopDeadline = absl::Seconds(10);
constexpr absl::Duration kPollInterval = absl::Milliseconds(5);

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

absl::StatusOr<Fd> ConnectTcp(uint16_t port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return absl::ErrnoToStatus(errno, "socket");
  const sockaddr_in address = Loopback(port);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address),
                sizeof address) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("connect 127.0.0.1:", port));
  }
  return fd;
}

// Waits until `fd` is readable; DeadlineExceeded after `timeout_ms`.
absl::Status WaitReadable(int fd, int timeout_ms, absl::string_view what) {
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return absl::ErrnoToStatus(errno, "poll");
    if (ready == 0) {
      return absl::DeadlineExceededError(
          absl::StrCat("no data from ", what, " within ", timeout_ms, " ms"));
    }
    return absl::OkStatus();
  }
}

absl::Status SendAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "send");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Reads until the peer closes: at most kMaxResponse bytes.
absl::StatusOr<std::string> ReadToEnd(int fd, absl::string_view what) {
  std::string all;
  for (;;) {
    if (absl::Status readable = WaitReadable(fd, kIoTimeoutMs, what);
        !readable.ok()) {
      return readable;
    }
    char chunk[16384];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "recv");
    if (n == 0) return all;
    all.append(chunk, static_cast<size_t>(n));
    if (all.size() > kMaxResponse) {
      return absl::OutOfRangeError(
          absl::StrCat(what, " sent more than ", kMaxResponse, " bytes"));
    }
  }
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::StartRedis(
    uint16_t port, const std::vector<std::string>& extra) {
  absl::StatusOr<std::string> dir = MakeTempDir("redis");
  if (!dir.ok()) return dir.status();
  std::vector<std::string> argv = {
      kRedisServer, "--port",       absl::StrCat(port), "--bind",
      "127.0.0.1",  "--save",       "",                 "--appendonly",
      "no",         "--daemonize",  "no",               "--dir",
      *dir};
  argv.insert(argv.end(), extra.begin(), extra.end());
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = Start(argv, port);
  if (!server.ok()) {
    RemoveTree(*dir);
    return server;
  }
  (*server)->owned_dir_ = *dir;
  return server;
}

ServerProcess::~ServerProcess() {
  if (!stopped_) {
    child_.Kill(SIGKILL);
    (void)child_.Wait(kStopDeadline);
  }
  RemoveTree(owned_dir_);
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::StartNoWait(
    const std::vector<std::string>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("empty command line");
  if (::access(argv[0].c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(argv[0], " is not installed (scripts/setup.sh installs "
                              "what the suite needs)"));
  }
  absl::StatusOr<gtest_port_testing::Subprocess> child =
      gtest_port_testing::Subprocess::Start(argv, {});
  if (!child.ok()) return child.status();
  return std::unique_ptr<ServerProcess>(
      new ServerProcess(absl::StrJoin(argv, " "), *std::move(child)));
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::vector<std::string>& argv, uint16_t port,
    absl::Duration deadline) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = StartNoWait(argv);
  if (!server.ok()) return server;
  const absl::Time give_up = absl::Now() + deadline;
  for (;;) {
    if ((*server)->Exited()) {
      absl::StatusOr<gtest_port_testing::ExitInfo> info =
          (*server)->child_.Wait(kStopDeadline);
      (*server)->stopped_ = true;
      return absl::UnavailableError(absl::StrCat(
          (*server)->name_, " exited before accepting on port ", port,
          "; its output:\n", info.ok() ? info->output : info.status().ToString()));
    }
    if (AcceptsTcp(port)) return server;
    if (absl::Now() > give_up) {
      return absl::DeadlineExceededError(
          absl::StrCat((*server)->name_, " did not accept on port ", port,
                       " within ", absl::FormatDuration(deadline)));
    }
    absl::SleepFor(kPollInterval);
  }
}

bool ServerProcess::Exited() const {
  if (stopped_) return true;
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(child_.pid()), &info,
               WEXITED | WNOHANG | WNOWAIT) != 0) {
    return true;  // Not our child any more.
  }
  return info.si_pid != 0;
}

absl::Status ServerProcess::Stop() {
  if (stopped_) return absl::OkStatus();
  stopped_ = true;
  child_.Kill(SIGTERM);
  absl::StatusOr<gtest_port_testing::ExitInfo> info = child_.Wait(kStopDeadline);
  if (!info.ok()) {
    child_.Kill(SIGKILL);
    info = child_.Wait(kStopDeadline);
    return absl::DeadlineExceededError(
        absl::StrCat(name_, " ignored SIGTERM for ",
                     absl::FormatDuration(kStopDeadline), "; killed it"));
  }
  if (info->exit_code == 0 || info->term_signal == SIGTERM) {
    return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat(
      name_, " ended with status ", info->exit_code, " signal ",
      info->term_signal, "; its output:\n", info->output));
}

bool AcceptsTcp(uint16_t port) { return ConnectTcp(port).ok(); }

absl::StatusOr<RespConnection> RespConnection::Connect(uint16_t port) {
  absl::StatusOr<Fd> fd = ConnectTcp(port);
  if (!fd.ok()) return fd.status();
  return RespConnection(*std::move(fd));
}

absl::StatusOr<std::string> RespConnection::Command(
    const std::vector<std::string>& args) {
  absl::StatusOr<std::vector<std::string>> replies = Pipeline({args});
  if (!replies.ok()) return replies.status();
  return (*replies)[0];
}

absl::StatusOr<std::vector<std::string>> RespConnection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  std::string request;
  for (const std::vector<std::string>& args : commands) {
    absl::StrAppend(&request, "*", args.size(), "\r\n");
    for (const std::string& arg : args) {
      absl::StrAppend(&request, "$", arg.size(), "\r\n", arg, "\r\n");
    }
  }
  if (absl::Status sent = SendAll(fd_.get(), request); !sent.ok()) return sent;
  std::vector<std::string> replies;
  for (size_t i = 0; i < commands.size(); ++i) {
    absl::StatusOr<std::string> reply = ReadReply();
    if (!reply.ok()) return reply.status();
    replies.push_back(*std::move(reply));
  }
  return replies;
}

absl::StatusOr<std::string> RespConnection::ReadReply() {
  absl::StatusOr<std::string> line = ReadLine();
  if (!line.ok() || line->empty()) return line;
  const char type = (*line)[0];
  if (type != '$' && type != '*') return line;
  int count = 0;
  if (!absl::SimpleAtoi(line->substr(1), &count) || count > (1 << 24)) {
    return absl::DataLossError(
        absl::StrCat("bad length in reply: ", absl::CHexEscape(*line)));
  }
  if (count < 0) return std::string("nil");
  if (type == '$') {
    absl::StatusOr<std::string> body = ReadBytes(static_cast<size_t>(count) + 2);
    if (!body.ok()) return body;
    return absl::StrCat("$", body->substr(0, static_cast<size_t>(count)));
  }
  std::string array = "*";
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<std::string> element = ReadReply();
    if (!element.ok()) return element;
    absl::StrAppend(&array, i == 0 ? "" : ",", *element);
  }
  return array;
}

absl::StatusOr<std::string> RespConnection::ReadLine() {
  for (;;) {
    const size_t end = buffer_.find("\r\n");
    if (end != std::string::npos) {
      std::string text = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      return text;
    }
    if (absl::Status more = Fill(); !more.ok()) return more;
  }
}

absl::StatusOr<std::string> RespConnection::ReadBytes(size_t size) {
  while (buffer_.size() < size) {
    if (absl::Status more = Fill(); !more.ok()) return more;
  }
  std::string bytes = buffer_.substr(0, size);
  buffer_.erase(0, size);
  return bytes;
}

absl::Status RespConnection::Fill() {
  for (;;) {
    if (absl::Status readable = WaitReadable(fd_.get(), kIoTimeoutMs, "redis");
        !readable.ok()) {
      return readable;
    }
    char chunk[4096];
    const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "recv");
    if (n == 0) return absl::UnavailableError("redis closed the connection");
    buffer_.append(chunk, static_cast<size_t>(n));
    if (buffer_.size() > kMaxResponse) {
      return absl::OutOfRangeError("redis reply too long");
    }
    return absl::OkStatus();
  }
}

absl::Status WaitForRedisReply(uint16_t port,
                               const std::vector<std::string>& command,
                               absl::string_view want,
                               absl::Duration deadline) {
  const absl::Time give_up = absl::Now() + deadline;
  std::string last = "no reply yet";
  while (absl::Now() < give_up) {
    absl::StatusOr<RespConnection> connection = RespConnection::Connect(port);
    if (connection.ok()) {
      absl::StatusOr<std::string> reply = connection->Command(command);
      if (reply.ok() && absl::StrContains(*reply, want)) {
        return absl::OkStatus();
      }
      last = reply.ok() ? *reply : reply.status().ToString();
    } else {
      last = connection.status().ToString();
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      absl::StrJoin(command, " "), " on port ", port, " did not answer with \"",
      want, "\" within ", absl::FormatDuration(deadline), "; last: ",
      absl::CHexEscape(last.substr(0, 400))));
}

absl::StatusOr<HttpResponse> HttpRequest(uint16_t port,
                                         absl::string_view method,
                                         absl::string_view path) {
  absl::StatusOr<Fd> fd = ConnectTcp(port);
  if (!fd.ok()) return fd.status();
  if (absl::Status sent = SendAll(
          fd->get(), absl::StrCat(method, " ", path,
                                  " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"));
      !sent.ok()) {
    return sent;
  }
  absl::StatusOr<std::string> raw = ReadToEnd(fd->get(), "the HTTP server");
  if (!raw.ok()) return raw.status();
  const size_t header_end = raw->find("\r\n\r\n");
  int status = 0;
  if (header_end == std::string::npos || !absl::StartsWith(*raw, "HTTP/1.") ||
      raw->size() < 12 || !absl::SimpleAtoi(raw->substr(9, 3), &status)) {
    return absl::DataLossError(absl::StrCat(
        "not an HTTP response: ", absl::CHexEscape(raw->substr(0, 200))));
  }
  HttpResponse response;
  response.status = status;
  response.headers = raw->substr(0, header_end);
  response.body = raw->substr(header_end + 4);
  return response;
}

absl::StatusOr<Fd> BindUdp(uint16_t port) {
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return absl::ErrnoToStatus(errno, "socket");
  const sockaddr_in address = Loopback(port);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address),
             sizeof address) != 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("bind UDP 127.0.0.1:", port));
  }
  return fd;
}

absl::Status SendUdp(int fd, uint16_t to_port, absl::string_view message) {
  const sockaddr_in address = Loopback(to_port);
  const ssize_t n =
      ::sendto(fd, message.data(), message.size(), 0,
               reinterpret_cast<const sockaddr*>(&address), sizeof address);
  if (n != static_cast<ssize_t>(message.size())) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("sendto 127.0.0.1:", to_port));
  }
  return absl::OkStatus();
}

absl::StatusOr<Datagram> ReceiveUdp(int fd, absl::Duration timeout) {
  if (absl::Status readable = WaitReadable(
          fd, static_cast<int>(absl::ToInt64Milliseconds(timeout)),
          "the UDP peer");
      !readable.ok()) {
    return readable;
  }
  char buffer[65536];
  sockaddr_in from{};
  socklen_t from_size = sizeof from;
  const ssize_t n = ::recvfrom(fd, buffer, sizeof buffer, 0,
                               reinterpret_cast<sockaddr*>(&from), &from_size);
  if (n < 0) return absl::ErrnoToStatus(errno, "recvfrom");
  return Datagram{std::string(buffer, static_cast<size_t>(n)),
                  ntohs(from.sin_port)};
}

absl::StatusOr<std::string> TcpExchange(uint16_t port,
                                        absl::string_view message) {
  absl::StatusOr<Fd> fd = ConnectTcp(port);
  if (!fd.ok()) return fd.status();
  if (absl::Status sent = SendAll(fd->get(), message); !sent.ok()) return sent;
  ::shutdown(fd->get(), SHUT_WR);
  return ReadToEnd(fd->get(), absl::StrCat("127.0.0.1:", port));
}

absl::StatusOr<std::string> MakeTempDir(absl::string_view tag) {
  std::string pattern = absl::StrCat(::testing::TempDir(), "suite_", tag, "_XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("mkdtemp ", pattern));
  }
  return pattern;
}

absl::Status WriteFile(const std::string& path, absl::string_view contents) {
  const int fd = ::open(path.c_str(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  Fd owned(fd);
  absl::string_view rest = contents;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, absl::StrCat("write ", path));
    rest.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

void RemoveTree(const std::string& path) {
  if (path.empty()) return;
  ::nftw(
      path.c_str(),
      [](const char* name, const struct stat*, int, struct FTW*) {
        return ::remove(name);
      },
      16, FTW_DEPTH | FTW_PHYS);
}

}  // namespace gtest_port_suite
