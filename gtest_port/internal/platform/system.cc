#include "gtest_port/internal/platform/system.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_internal {
namespace {

class RealSystem final : public System {
 public:
  int Socket(int domain, int type, int protocol) override {
    return ::socket(domain, type, protocol);
  }
  int Bind(int fd, const sockaddr* addr, socklen_t len) override {
    return ::bind(fd, addr, len);
  }
  int Listen(int fd, int backlog) override { return ::listen(fd, backlog); }
  int SetSockOpt(int fd, int level, int name, const void* value,
                 socklen_t len) override {
    return ::setsockopt(fd, level, name, value, len);
  }
  int Open(const char* path, int flags, mode_t mode) override {
    return ::open(path, flags, mode);
  }
  int Flock(int fd, int operation) override { return ::flock(fd, operation); }
  int Connect(int fd, const sockaddr* addr, socklen_t len) override {
    return ::connect(fd, addr, len);
  }
  int GetSockOpt(int fd, int level, int name, void* value,
                 socklen_t* len) override {
    return ::getsockopt(fd, level, name, value, len);
  }
  int Poll(pollfd* fds, nfds_t count, int timeout_ms) override {
    return ::poll(fds, count, timeout_ms);
  }
  ssize_t Send(int fd, const void* data, size_t size, int flags) override {
    return ::send(fd, data, size, flags);
  }
  ssize_t Recv(int fd, void* data, size_t size, int flags) override {
    return ::recv(fd, data, size, flags);
  }
  int Mkdir(const char* path, mode_t mode) override {
    return ::mkdir(path, mode);
  }
  int Chmod(const char* path, mode_t mode) override {
    return ::chmod(path, mode);
  }
  int Lstat(const char* path, struct stat* st) override {
    return ::lstat(path, st);
  }
  int Fstat(int fd, struct stat* st) override { return ::fstat(fd, st); }
  int Fchmod(int fd, mode_t mode) override { return ::fchmod(fd, mode); }
  int Ftruncate(int fd, off_t length) override {
    return ::ftruncate(fd, length);
  }
  ssize_t Pwrite(int fd, const void* data, size_t size,
                 off_t offset) override {
    return ::pwrite(fd, data, size, offset);
  }
  int Access(const char* path, int mode) override {
    return ::access(path, mode);
  }
  uid_t Geteuid() override { return ::geteuid(); }

  absl::StatusOr<std::string> ReadFile(absl::string_view path) override {
    return ReadWholeFile(std::string(path));
  }
};

}  // namespace

absl::Status SyscallError(int error, absl::string_view operation) {
  if (error == EMFILE || error == ENFILE) {
    return absl::ErrnoToStatus(
        error, absl::StrCat(operation,
                            "; the process is out of file descriptors: raise "
                            "`ulimit -n` or hold fewer reservations at once"));
  }
  return absl::ErrnoToStatus(error, operation);
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path,
                                          size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  std::string text;
  char buf[16384];
  while (text.size() < max_bytes) {
    const ssize_t n =
        ::read(fd.get(), buf, std::min(sizeof(buf), max_bytes - text.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, absl::StrCat("read ", path));
    }
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

System& System::Real() {
  static System* const real = new RealSystem();
  return *real;
}

int BindWildcard(System& system, int fd, bool ipv6, uint16_t port) {
  if (ipv6) {
    sockaddr_in6 addr;
    std::memset(&addr, 0, sizeof(addr));
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(port);
    addr.sin6_addr = in6addr_any;
    return system.Bind(fd, reinterpret_cast<const sockaddr*>(&addr),
                       sizeof(addr));
  }
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  return system.Bind(fd, reinterpret_cast<const sockaddr*>(&addr),
                     sizeof(addr));
}

}  // namespace gtest_port_internal
