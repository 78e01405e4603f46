#include "gtest_port/internal/system.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest_port/internal/unique_fd.h"

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
  int SetSockOpt(int fd, int level, int name, const void* value,
                 socklen_t len) override {
    return ::setsockopt(fd, level, name, value, len);
  }
  int Open(const char* path, int flags, mode_t mode) override {
    return ::open(path, flags, mode);
  }
  int Flock(int fd, int operation) override { return ::flock(fd, operation); }

  absl::StatusOr<std::string> ReadFile(absl::string_view path) override {
    const std::string p(path);
    UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return absl::ErrnoToStatus(errno, absl::StrCat("open ", p));
    std::string text;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
      if (n < 0) {
        if (errno == EINTR) continue;
        return absl::ErrnoToStatus(errno, absl::StrCat("read ", p));
      }
      if (n == 0) break;
      text.append(buf, static_cast<size_t>(n));
      if (text.size() > (1 << 20)) {
        return absl::FailedPreconditionError(
            absl::StrCat(p, " is larger than 1 MiB"));
      }
    }
    return text;
  }
};

}  // namespace

System& System::Real() {
  static System* const real = new RealSystem();
  return *real;
}

}  // namespace gtest_port_internal
