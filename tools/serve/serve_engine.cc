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
