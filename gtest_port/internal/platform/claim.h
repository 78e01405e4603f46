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
//     are never unlinked: unlinking races with a concurrent open. They are
//     opened with O_NOFOLLOW (a planted symbolic link is refused, never
//     followed), must be regular files with one link, are made mode 0666
//     whatever the umask (another user sharing the directory can lock them;
//     one made narrower by an older version is locked read-only), and after
//     flock the locked file must still be the one at the path (same device
//     and inode), else it was deleted or replaced and is opened again. The
//     holder then writes "pid <pid>\n" into it, and PublishedTable adds
//     "test <name>\n" once the reservation has a test (shared_names.h).
//
// Errors that concern one port's lock file only -- PermissionDenied (not
// ours to open), FailedPrecondition (a symbolic link, not a regular file),
// Unavailable (replaced again and again) -- mean "skip this port"; the
// engine counts them and goes on. Others (EMFILE) stop the reservation.
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
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest_port/internal/platform/platform.h"
#include "gtest_port/internal/platform/system.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_internal {

enum class ClaimMechanism { kAbstractSocket, kLockFile };

// The abstract socket name for `port`, without the leading NUL byte.
std::string AbstractClaimName(uint16_t port);

// Writes "pid <pid>\ntest <test_name>\n" into the lock file through which
// this process holds `port` now, if it claimed it by a writable lock file
// (the table of published_table.h, for the lock-file back-end). Does
// nothing otherwise: diagnostics only, never fails. Thread-safe.
void WriteTestNameToLockFile(uint16_t port, absl::string_view test_name);

class PortClaimer final : public Claimer {
 public:
  // `lock_dir` is used only by kLockFile and must already exist.
  PortClaimer(System& system, ClaimMechanism mechanism, std::string lock_dir);

  absl::StatusOr<UniqueFd> Claim(uint16_t port) const override;
  std::string Describe() const override;
  // "\0gtest_port/v1/addr/127.1.0.7" or "<lock_dir>/addr-127.1.0.7.lock",
  // by the same code path and with the same checks as a port's claim.
  absl::StatusOr<UniqueFd> ClaimAddress(uint32_t address) const override;

  ClaimMechanism mechanism() const { return mechanism_; }

 private:
  // `name` is the abstract name without its NUL, `path` the lock file;
  // `what` ("port 20123", "address 127.1.0.7") goes into messages. `port`
  // is set for a port's lock file, which gets the test name later
  // (WriteTestNameToLockFile()).
  absl::StatusOr<UniqueFd> ClaimAbstractSocket(const std::string& name,
                                               absl::string_view what) const;
  absl::StatusOr<UniqueFd> ClaimLockFile(const std::string& path,
                                         absl::string_view what,
                                         std::optional<uint16_t> port) const;

  System& system_;
  const ClaimMechanism mechanism_;
  const std::string lock_dir_;
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_PLATFORM_CLAIM_H_
