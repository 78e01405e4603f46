// File: gtest_port/internal/claim.h
//
// PortClaimer makes the machine-wide decision of which process may hand out a
// port. Exactly one live claim per port exists in a network namespace:
//
//   * kAbstractSocket (Linux default): bind an AF_UNIX socket to the abstract
//     name "\0gtest_port/v1/<port>". The kernel lets one socket hold a name
//     per network namespace -- the same scope as ports themselves -- and
//     drops it the instant its process dies. No file system, no cleanup, no
//     stale locks, and a private /tmp does not matter.
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

#ifndef GTEST_PORT_INTERNAL_CLAIM_H_
#define GTEST_PORT_INTERNAL_CLAIM_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "gtest_port/internal/system.h"
#include "gtest_port/internal/unique_fd.h"

namespace gtest_port_internal {

enum class ClaimMechanism { kAbstractSocket, kLockFile };

// The abstract socket name for `port`, without the leading NUL byte.
std::string AbstractClaimName(uint16_t port);

class PortClaimer {
 public:
  // `lock_dir` is used only by kLockFile and must already exist.
  PortClaimer(System& system, ClaimMechanism mechanism, std::string lock_dir);

  // Returns a valid descriptor holding the claim when `port` was free to
  // claim, an empty UniqueFd when another live claim holds it, and an error
  // (e.g. ResourceExhausted for EMFILE) when the claim could not be tried.
  absl::StatusOr<UniqueFd> Claim(uint16_t port) const;

  ClaimMechanism mechanism() const { return mechanism_; }

  // For the environment's start-up line, e.g.
  // "abstract sockets @gtest_port/v1/<port>".
  std::string Describe() const;

 private:
  absl::StatusOr<UniqueFd> ClaimAbstractSocket(uint16_t port) const;
  absl::StatusOr<UniqueFd> ClaimLockFile(uint16_t port) const;

  System& system_;
  const ClaimMechanism mechanism_;
  const std::string lock_dir_;
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_CLAIM_H_
