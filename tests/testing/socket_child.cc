// socket_child: a real child process for listening_socket_test.
//
//   socket_child --accept-fd=N   accepts one connection on descriptor N (a
//                                listening socket the parent passed it),
//                                reads a line, answers "echo: <line>\n",
//                                prints "ACCEPTED <line>" and exits 0
//   socket_child --hold          holds nothing of its own: prints "READY" and
//                                waits until its stdin closes, so that the
//                                test can look at its /proc/<pid>/fd
//
// Before accepting it prints "READY". On failure it prints "ERROR <what>"
// and exits 3. Everything is bounded: it waits at most 30 s for a client.

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace {

int Fail(const char* what) {
  std::printf("ERROR %s: %s\n", what, std::strerror(errno));
  std::fflush(stdout);
  return 3;
}

bool WaitReadable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 30000) == 1;
}

int AcceptOne(int listen_fd) {
  int accepting = 0;
  socklen_t len = sizeof(accepting);
  if (::getsockopt(listen_fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0) {
    return Fail("getsockopt(SO_ACCEPTCONN) on the passed descriptor");
  }
  if (!accepting) {
    errno = EINVAL;
    return Fail("the passed descriptor is not a listening socket");
  }
  std::printf("READY\n");
  std::fflush(stdout);
  if (!WaitReadable(listen_fd)) return Fail("poll for a client");
  const int conn = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (conn < 0) return Fail("accept4");
  std::string line;
  char c;
  while (line.size() < 256) {
    if (!WaitReadable(conn)) return Fail("poll for the client's line");
    const ssize_t n = ::read(conn, &c, 1);
    if (n <= 0 || c == '\n') break;
    line.push_back(c);
  }
  const std::string reply = "echo: " + line + "\n";
  if (::write(conn, reply.data(), reply.size()) !=
      static_cast<ssize_t>(reply.size())) {
    return Fail("write");
  }
  // Close after the client did: the side that closes first keeps the
  // port in TIME_WAIT, and that should not be the reserved port.
  while (WaitReadable(conn) && ::read(conn, &c, 1) > 0) {
  }
  ::close(conn);
  std::printf("ACCEPTED %s\n", line.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    int fd = -1;
    if (absl::ConsumePrefix(&arg, "--accept-fd=") && absl::SimpleAtoi(arg, &fd)) {
      return AcceptOne(fd);
    }
    if (arg == "--hold") {
      std::printf("READY\n");
      std::fflush(stdout);
      char buf[64];
      while (::read(0, buf, sizeof(buf)) > 0) {
      }
      return 0;
    }
  }
  std::printf("ERROR usage: socket_child --accept-fd=N | --hold\n");
  return 3;
}
