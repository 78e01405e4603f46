// File: gtest_port/internal/platform/system.h
//
// System is the one seam between gtest_port and a POSIX operating system:
// the handful of calls that claim and probe ports, bind the sockets of
// gtest_port/listening_socket.h, talk to a port server,
// prepare a lock directory and read kernel settings. Every system call of
// the engine and of the POSIX platform goes through it. Production code uses System::Real(); tests substitute a
// GoogleMock subclass to reach error paths a real host rarely shows (EMFILE,
// EACCES, EAFNOSUPPORT, an unreadable /proc file).
//
// The methods follow POSIX conventions (return -1 and set errno) so that the
// engine's error handling is the same for the real and the mocked system.
// Descriptors returned by Socket() and Open() must be real descriptors: the
// engine closes them with close(2) through UniqueFd. A mock therefore
// delegates to the real call when it succeeds and only invents failures.
//
// Implementations must be thread-safe; System::Real() is.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_SYSTEM_H_
#define GTEST_PORT_INTERNAL_PLATFORM_SYSTEM_H_

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gtest_port_internal {

class System {
 public:
  virtual ~System() = default;

  virtual int Socket(int domain, int type, int protocol) = 0;
  virtual int Bind(int fd, const sockaddr* addr, socklen_t len) = 0;
  virtual int Listen(int fd, int backlog) = 0;
  virtual int SetSockOpt(int fd, int level, int name, const void* value,
                         socklen_t len) = 0;
  virtual int Open(const char* path, int flags, mode_t mode) = 0;
  virtual int Flock(int fd, int operation) = 0;
  virtual int Connect(int fd, const sockaddr* addr, socklen_t len) = 0;
  virtual int GetSockOpt(int fd, int level, int name, void* value,
                         socklen_t* len) = 0;
  virtual int Poll(pollfd* fds, nfds_t count, int timeout_ms) = 0;
  virtual ssize_t Send(int fd, const void* data, size_t size, int flags) = 0;
  virtual ssize_t Recv(int fd, void* data, size_t size, int flags) = 0;
  virtual int Mkdir(const char* path, mode_t mode) = 0;
  virtual int Chmod(const char* path, mode_t mode) = 0;
  // lstat(2): never follows a symbolic link.
  virtual int Lstat(const char* path, struct stat* st) = 0;
  virtual int Fstat(int fd, struct stat* st) = 0;
  virtual int Fchmod(int fd, mode_t mode) = 0;
  virtual int Ftruncate(int fd, off_t length) = 0;
  virtual ssize_t Pwrite(int fd, const void* data, size_t size,
                         off_t offset) = 0;
  // access(2): whether this process may e.g. write (W_OK) in `path`.
  virtual int Access(const char* path, int mode) = 0;
  virtual uid_t Geteuid() = 0;
  // Reads a small text file such as /proc/sys/net/ipv4/ip_local_port_range.
  // NotFound when it does not exist.
  virtual absl::StatusOr<std::string> ReadFile(absl::string_view path) = 0;

  // The real operating system. Never destroyed.
  static System& Real();
};

// A System that passes every call on to `next` (the real one by default):
// the base of a substitute that changes a call or two and keeps the rest.
class ForwardingSystem : public System {
 public:
  explicit ForwardingSystem(System& next = System::Real()) : next_(next) {}

  int Socket(int domain, int type, int protocol) override {
    return next_.Socket(domain, type, protocol);
  }
  int Bind(int fd, const sockaddr* addr, socklen_t len) override {
    return next_.Bind(fd, addr, len);
  }
  int Listen(int fd, int backlog) override {
    return next_.Listen(fd, backlog);
  }
  int SetSockOpt(int fd, int level, int name, const void* value,
                 socklen_t len) override {
    return next_.SetSockOpt(fd, level, name, value, len);
  }
  int Open(const char* path, int flags, mode_t mode) override {
    return next_.Open(path, flags, mode);
  }
  int Flock(int fd, int operation) override {
    return next_.Flock(fd, operation);
  }
  int Connect(int fd, const sockaddr* addr, socklen_t len) override {
    return next_.Connect(fd, addr, len);
  }
  int GetSockOpt(int fd, int level, int name, void* value,
                 socklen_t* len) override {
    return next_.GetSockOpt(fd, level, name, value, len);
  }
  int Poll(pollfd* fds, nfds_t count, int timeout_ms) override {
    return next_.Poll(fds, count, timeout_ms);
  }
  ssize_t Send(int fd, const void* data, size_t size, int flags) override {
    return next_.Send(fd, data, size, flags);
  }
  ssize_t Recv(int fd, void* data, size_t size, int flags) override {
    return next_.Recv(fd, data, size, flags);
  }
  int Mkdir(const char* path, mode_t mode) override {
    return next_.Mkdir(path, mode);
  }
  int Chmod(const char* path, mode_t mode) override {
    return next_.Chmod(path, mode);
  }
  int Lstat(const char* path, struct stat* st) override {
    return next_.Lstat(path, st);
  }
  int Fstat(int fd, struct stat* st) override { return next_.Fstat(fd, st); }
  int Fchmod(int fd, mode_t mode) override { return next_.Fchmod(fd, mode); }
  int Ftruncate(int fd, off_t length) override {
    return next_.Ftruncate(fd, length);
  }
  ssize_t Pwrite(int fd, const void* data, size_t size,
                 off_t offset) override {
    return next_.Pwrite(fd, data, size, offset);
  }
  int Access(const char* path, int mode) override {
    return next_.Access(path, mode);
  }
  uid_t Geteuid() override { return next_.Geteuid(); }
  absl::StatusOr<std::string> ReadFile(absl::string_view path) override {
    return next_.ReadFile(path);
  }

 private:
  System& next_;
};

// The status for a failed system call: "operation: system message", with
// what to do added where the user can act, e.g. for EMFILE ("raise
// `ulimit -n` or hold fewer reservations at once").
absl::Status SyscallError(int error, absl::string_view operation);

// Reads a whole file (open O_CLOEXEC | O_NONBLOCK, read to EOF, retrying
// EINTR), or its first `max_bytes`: what System::Real().ReadFile() does, for
// callers that read many /proc files and need no seam. NotFound when it does
// not exist, PermissionDenied when it may not be read.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path,
                                          size_t max_bytes = SIZE_MAX);

// Binds `fd` through `system` to `port` on the wildcard address: [::] when
// `ipv6` (the socket is AF_INET6), 0.0.0.0 otherwise. What bind(2) returns,
// errno set on failure. For the probe and for ListeningSocket.
int BindWildcard(System& system, int fd, bool ipv6, uint16_t port);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_PLATFORM_SYSTEM_H_
