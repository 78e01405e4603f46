// File: gtest_port/internal/platform/claim.h
//
// PortClaimer is the POSIX Claimer (see platform.h):
//
//   * kAbstractSocket (Linux default): bind an AF_UNIX socket to the abstract
//     name "\0gtest_port/v1/<port>" (shared_names.h). The kernel lets one
//     socket hold a name per network namespace -- the same scope as ports
//     themselves -- and drops it the instant its process dies. No file
//     system, no cleanup, no stale locks, and a private /tmp does not matter.
//   * kLockFile: flock(2) on "<lock_dir>/<port>.lock". Used where abstract
//     sockets do not exist, or when GTEST_PORT_LOCK_DIR is set. Lock files
//     are never unlinked: unlinking races with a concurrent open.
//
// A claim is held by a descriptor (close-on-exec, so a child server started
// by a test never inherits it). Closing the descriptor releases the claim.
//
// Example:
//
//   PortClaimer claimer(System::Real(), ClaimMechanism::kAbstractSocket, "");
//   absl::StatusOr<UniqueFd> claim = claimer.Claim(20123);
//   if (!claim.ok()) return claim.status();   // EMFILE and the like
//   if (!claim->valid()) { /* someone else holds 20123 */ }
//
// This class is thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_CLAIM_H_
#define GTEST_PORT_INTERNAL_PLATFORM_CLAIM_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "gtest_port/internal/platform/platform.h"
#include "gtest_port/internal/platform/system.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_internal {

enum class ClaimMechanism { kAbstractSocket, kLockFile };

// The abstract socket name for `port`, without the leading NUL byte.
std::string AbstractClaimName(uint16_t port);

class PortClaimer final : public Claimer {
 public:
  // `lock_dir` is used only by kLockFile and must already exist.
  PortClaimer(System& system, ClaimMechanism mechanism, std::string lock_dir);

  absl::StatusOr<UniqueFd> Claim(uint16_t port) const override;
  std::string Describe() const override;

  ClaimMechanism mechanism() const { return mechanism_; }

 private:
  absl::StatusOr<UniqueFd> ClaimAbstractSocket(uint16_t port) const;
  absl::StatusOr<UniqueFd> ClaimLockFile(uint16_t port) const;

  System& system_;
  const ClaimMechanism mechanism_;
  const std::string lock_dir_;
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_PLATFORM_CLAIM_H_
