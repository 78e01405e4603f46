#include "tools/serve/serve_engine.h"

#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest_port/internal/platform/claim.h"
#include "gtest_port/internal/port_range.h"
#include "gtest_port/internal/engine/portserver_client.h"
#include "gtest_port/internal/platform/probe.h"
#include "gtest_port/internal/platform/system.h"

namespace gtest_port_serve {
namespace {

using gtest_port_internal::System;

// The real system, except that IPv6 sockets cannot be created: the prober
// then probes IPv4 only, as it does on a host without IPv6.
class Ipv4OnlySystem final : public System {
 public:
  int Socket(int domain, int type, int protocol) override {
    if (domain == AF_INET6) {
      errno = EAFNOSUPPORT;
      return -1;
    }
    return Real().Socket(domain, type, protocol);
  }
  int Bind(int fd, const sockaddr* addr, socklen_t len) override {
    return Real().Bind(fd, addr, len);
  }
  int SetSockOpt(int fd, int level, int name, const void* value,
                 socklen_t len) override {
    return Real().SetSockOpt(fd, level, name, value, len);
  }
  int Open(const char* path, int flags, mode_t mode) override {
    return Real().Open(path, flags, mode);
  }
  int Flock(int fd, int operation) override {
    return Real().Flock(fd, operation);
  }
  absl::StatusOr<std::string> ReadFile(absl::string_view path) override {
    return Real().ReadFile(path);
  }
  int Connect(int fd, const sockaddr* addr, socklen_t len) override {
    return Real().Connect(fd, addr, len);
  }
  int GetSockOpt(int fd, int level, int name, void* value,
                 socklen_t* len) override {
    return Real().GetSockOpt(fd, level, name, value, len);
  }
  int Poll(pollfd* fds, nfds_t count, int timeout_ms) override {
    return Real().Poll(fds, count, timeout_ms);
  }
  ssize_t Send(int fd, const void* data, size_t size, int flags) override {
    return Real().Send(fd, data, size, flags);
  }
  ssize_t Recv(int fd, void* data, size_t size, int flags) override {
    return Real().Recv(fd, data, size, flags);
  }
  int Mkdir(const char* path, mode_t mode) override {
    return Real().Mkdir(path, mode);
  }
  int Chmod(const char* path, mode_t mode) override {
    return Real().Chmod(path, mode);
  }
  int Lstat(const char* path, struct stat* st) override {
    return Real().Lstat(path, st);
  }
  int Fstat(int fd, struct stat* st) override { return Real().Fstat(fd, st); }
};

}  // namespace

absl::StatusOr<PortRange> ParseServeRange(absl::string_view text) {
  return gtest_port_internal::ParsePortRange(text);
}

absl::Status ValidateServeAddress(absl::string_view address) {
  return gtest_port_internal::ValidatePortServerAddress(address);
}

struct PortChecker::Engine {
  explicit Engine(System& system)
      : claimer(System::Real(),
                gtest_port_internal::ClaimMechanism::kAbstractSocket, ""),
        prober(system) {}
  gtest_port_internal::PortClaimer claimer;
  gtest_port_internal::PortProber prober;
};

PortChecker::PortChecker(bool ipv6) {
  static Ipv4OnlySystem* const ipv4_only = new Ipv4OnlySystem();
  engine_ = std::make_unique<Engine>(ipv6 ? System::Real() : *ipv4_only);
}

PortChecker::~PortChecker() = default;

absl::StatusOr<UniqueFd> PortChecker::CheckAndClaim(uint16_t port) const {
  absl::StatusOr<UniqueFd> claim = engine_->claimer.Claim(port);
  if (!claim.ok() || !claim->valid()) return claim;
  absl::StatusOr<bool> free = engine_->prober.IsFree(port);
  if (!free.ok()) return free.status();
  if (!*free) return UniqueFd();
  return claim;
}

std::string PortChecker::Describe() const {
  return absl::StrCat("claims: ", engine_->claimer.Describe(),
                      "; probe: ", engine_->prober.Describe());
}

}  // namespace gtest_port_serve
