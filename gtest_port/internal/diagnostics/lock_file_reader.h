// File: gtest_port/internal/diagnostics/lock_file_reader.h
//
// Who holds which lock-file claim (platform/claim.h, ClaimMechanism::
// kLockFile): the portable back-end's answer to /proc/net/unix. A port is
// held when its lock file "<lock dir>/<port>.lock" is flock(2)ed by someone
// now; the holder wrote "pid <pid>\n" into it after locking, and
// "test <name>\n" once the reservation belonged to a test.
//
// The directory and the files in it are shared with every user on the host,
// so what they hold is hostile input: files are opened with O_NOFOLLOW and
// O_NONBLOCK, only regular files are read, at most kLockFileMaxContent bytes,
// and the content must be exactly "pid <1..2^31-1>\n", optionally followed
// by "test <name>\n", or the pid is reported as unknown ("garbled"); the
// test name is escaped for a terminal (terminal_text.h). Testing for the lock
// takes a shared lock for an instant; a claimer racing with it just moves on
// to its next candidate.
//
// Example:
//
//   absl::StatusOr<std::vector<LockFileHolder>> held =
//       ReadLockFileHolders("/var/tmp/gtest_port");
//   for (const LockFileHolder& h : *held) { /* h.port held by h.pid */ }
//
// Free functions without shared state: thread-safe.

#ifndef GTEST_PORT_INTERNAL_DIAGNOSTICS_LOCK_FILE_READER_H_
#define GTEST_PORT_INTERNAL_DIAGNOSTICS_LOCK_FILE_READER_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gtest_port_internal {

// A held lock-file claim.
struct LockFileHolder {
  uint16_t port = 0;     // A port's claim; 0 for an address's.
  uint32_t address = 0;  // An address's claim (IPv4, host order); else 0.
  pid_t pid = 0;  // 0 when unknown; then `unknown_reason` says why.
  std::string unknown_reason;
  std::string test_name;  // "" when none was written; escaped.
};

// What a holder wrote into its lock file.
struct LockFileContent {
  pid_t pid = 0;
  std::string test_name;  // Escaped for a terminal.
};

// Parses a lock file's content: exactly "pid <decimal>\n" with a pid in
// [1, 2^31-1], then optionally "test <name>\n" (a name of at most
// kLockFileMaxTestName bytes without a newline). InvalidArgument otherwise
// (total on any input).
absl::StatusOr<LockFileContent> ParseLockFileContent(absl::string_view content);

// Whether `port`'s lock file in `lock_dir` is held now, and by whom.
// NotFound when it is not held (or has no lock file); FailedPrecondition
// when it is not a regular file.
absl::StatusOr<LockFileHolder> ReadLockFileHolder(const std::string& lock_dir,
                                                  uint16_t port);

// Every held lock file in `lock_dir`, by port. Names other than
// "<1..65535>.lock" are ignored. An error when the directory cannot be
// read; NotFound when it does not exist.
absl::StatusOr<std::vector<LockFileHolder>> ReadLockFileHolders(
    const std::string& lock_dir);

// The same for loopback address claims, "<lock dir>/addr-127.1.0.7.lock"
// (shared_names.h): whether `address`'s lock file is held, and every held
// one, by address. Names other than "addr-<127.x.y.z>.lock" are ignored.
absl::StatusOr<LockFileHolder> ReadAddressLockFileHolder(
    const std::string& lock_dir, uint32_t address);
absl::StatusOr<std::vector<LockFileHolder>> ReadAddressLockFileHolders(
    const std::string& lock_dir);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_DIAGNOSTICS_LOCK_FILE_READER_H_
