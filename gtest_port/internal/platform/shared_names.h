// File: gtest_port/internal/platform/shared_names.h
//
// The names and versions that gtest_port processes share with each other:
// what one process creates and another looks for. They are a protocol, so
// they live here and nowhere else; bump kProtocolVersion together with any
// change to their meaning or to the published table's layout, and
// processes of the old and the new version simply stop seeing each other's
// reservations (they never misread them).
//
// Example:
//
//   // "gtest_port/v1/20123", bound as an abstract Unix socket "\0...".
//   std::string name = ClaimName(20123);
//
// Constants and pure functions: thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_SHARED_NAMES_H_
#define GTEST_PORT_INTERNAL_PLATFORM_SHARED_NAMES_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace gtest_port_internal {

// The version of everything below.
inline constexpr int kProtocolVersion = 1;

// Claims: an abstract Unix socket "\0gtest_port/v1/<port>" (Linux), a lock
// file "<lock dir>/<port>.lock" (elsewhere, or with GTEST_PORT_LOCK_DIR).
inline constexpr absl::string_view kClaimNamePrefix = "gtest_port/v1/";
inline constexpr absl::string_view kLockFileSuffix = ".lock";

// The claim name of `port`, without the leading NUL of an abstract socket.
inline std::string ClaimName(uint16_t port) {
  return absl::StrCat(kClaimNamePrefix, port);
}

// The lock file of `port` in `lock_dir`.
inline std::string LockFilePath(absl::string_view lock_dir, uint16_t port) {
  return absl::StrCat(lock_dir, "/", port, kLockFileSuffix);
}

// Address claims (GTEST_PORT_ADDRESS_RANGE; gtest_port::ReserveAddress()),
// a name space of their own beside the ports': an abstract Unix socket
// "\0gtest_port/v1/addr/127.1.0.7" (Linux), a lock file
// "<lock dir>/addr-127.1.0.7.lock" (elsewhere, or with GTEST_PORT_LOCK_DIR),
// with the same content as a port's lock file. `dotted` is the address as
// "127.x.y.z", decimal, no leading zeros.
inline constexpr absl::string_view kAddressClaimNamePrefix =
    "gtest_port/v1/addr/";
inline constexpr absl::string_view kAddressLockFilePrefix = "addr-";

inline std::string AddressClaimName(absl::string_view dotted) {
  return absl::StrCat(kAddressClaimNamePrefix, dotted);
}

inline std::string AddressLockFilePath(absl::string_view lock_dir,
                                       absl::string_view dotted) {
  return absl::StrCat(lock_dir, "/", kAddressLockFilePrefix, dotted,
                      kLockFileSuffix);
}

// The variable naming the lock directory, read by test processes and by
// `gtest-port who/list` alike.
inline constexpr char kLockDirEnvVar[] = "GTEST_PORT_LOCK_DIR";

// What the holder of a lock file writes into it once it holds the lock:
// "pid <decimal pid>\n", and then, once the reservation belongs to a test,
// "test <name>\n" (at most kLockFileMaxTestName bytes, no newline).
// Readers (`gtest-port who/list` with lock-file claims) read at most
// kLockFileMaxContent bytes and trust none of it.
inline constexpr absl::string_view kLockFilePidPrefix = "pid ";
inline constexpr absl::string_view kLockFileTestPrefix = "test ";
inline constexpr size_t kLockFileMaxTestName = 200;
inline constexpr size_t kLockFileMaxContent = 256;

// The table in which a process publishes the test behind each of its
// reservations: a memfd of this name (Linux shows it in /proc/<pid>/fd as
// "/memfd:<name> (deleted)"), starting with kPublishedTableMagic.
inline constexpr absl::string_view kPublishedTableName =
    "gtest_port/v1/reservations";
inline constexpr char kPublishedTableMagic[16] = "gtest_port/v1";

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_PLATFORM_SHARED_NAMES_H_
