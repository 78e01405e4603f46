// File: gtest_port/internal/platform/unique_fd.h
//
// UniqueFd owns one POSIX file descriptor and closes it when destroyed. It is
// how every descriptor the library opens (claim sockets, lock files, probe
// sockets) is held, so that none can leak on an error path.
//
// Example:
//
//   UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
//   if (!fd.valid()) return absl::ErrnoToStatus(errno, "socket");
//
// This class is thread-compatible.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_UNIQUE_FD_H_
#define GTEST_PORT_INTERNAL_PLATFORM_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace gtest_port_internal {

class [[nodiscard]] UniqueFd final {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  bool valid() const noexcept { return fd_ >= 0; }
  int get() const noexcept { return fd_; }

  // Gives up ownership without closing.
  int release() noexcept { return std::exchange(fd_, -1); }

  // Closes the owned descriptor (if any) and takes ownership of `fd`.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_PLATFORM_UNIQUE_FD_H_
