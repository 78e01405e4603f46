#include "tools/serve/serve_engine.h"

#include <sys/socket.h>

#include <cerrno>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest_port/internal/engine/config.h"
#include "gtest_port/internal/engine/environment.h"
#include "gtest_port/internal/platform/platform.h"
#include "gtest_port/internal/port_range.h"
#include "gtest_port/internal/engine/portserver_client.h"
#include "gtest_port/internal/platform/probe.h"
#include "gtest_port/internal/platform/system.h"

namespace gtest_port_serve {
namespace {

using gtest_port_internal::System;

// The real system, except that IPv6 sockets cannot be created: the prober
// then probes IPv4 only, as it does on a host without IPv6.
class Ipv4OnlySystem final : public gtest_port_internal::ForwardingSystem {
 public:
  int Socket(int domain, int type, int protocol) override {
    if (domain == AF_INET6) {
      errno = EAFNOSUPPORT;
      return -1;
    }
    return ForwardingSystem::Socket(domain, type, protocol);
  }
};

}  // namespace

absl::StatusOr<PortRange> ParseServeRange(absl::string_view text) {
  return gtest_port_internal::ParsePortRange(text);
}

absl::Status ValidateServeAddress(absl::string_view address) {
  return gtest_port_internal::ValidatePortServerAddress(address);
}

absl::StatusOr<std::string> ResolveServeLockDir() {
  return gtest_port_internal::ResolveLockDir(
      std::nullopt, gtest_port_internal::RealPlatform(),
      gtest_port_internal::ProcessEnvironment());
}

struct PortChecker::Engine {
  Engine(System& system, const std::string& lock_dir)
      : claimer(gtest_port_internal::RealPlatform().MakeClaimer(lock_dir)),
        prober(system) {}
  std::unique_ptr<gtest_port_internal::Claimer> claimer;
  gtest_port_internal::PortProber prober;
};

PortChecker::PortChecker(bool ipv6, const std::string& lock_dir) {
  static Ipv4OnlySystem* const ipv4_only = new Ipv4OnlySystem();
  engine_ =
      std::make_unique<Engine>(ipv6 ? System::Real() : *ipv4_only, lock_dir);
}

PortChecker::~PortChecker() = default;

absl::StatusOr<UniqueFd> PortChecker::CheckAndClaim(uint16_t port) const {
  absl::StatusOr<UniqueFd> claim = engine_->claimer->Claim(port);
  if (!claim.ok() || !claim->valid()) return claim;
  absl::StatusOr<bool> free = engine_->prober.IsFree(port);
  if (!free.ok()) return free.status();
  if (!*free) return UniqueFd();
  return claim;
}

std::string PortChecker::Describe() const {
  return absl::StrCat("claims: ", engine_->claimer->Describe(),
                      "; probe: ", engine_->prober.Describe());
}

}  // namespace gtest_port_serve
