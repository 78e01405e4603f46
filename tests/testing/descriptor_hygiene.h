// File: tests/testing/descriptor_hygiene.h
//
// Looking at descriptors and claims from the outside, for
// descriptor_hygiene_test and gtest_corner_cases_test: which descriptors a
// process has open (/proc/<pid>/fd), what each one is (the link target, e.g.
// "socket:[12345]"), whether it is close-on-exec, and whether a port is
// claimed right now. None of it uses gtest_port's own claim code, so these
// checks do not trust what they check: a claim is tested by binding the
// abstract name "\0gtest_port/v1/<port>" (or flock()ing the lock file) with
// plain system calls.
//
// Example:
//
//   std::map<int, std::string> before = OpenDescriptors();
//   absl::StatusOr<gtest_port::PortReservation> r = gtest_port::Reserve();
//   for (const auto& [fd, target] : NewDescriptors(before)) {
//     EXPECT_TRUE(IsCloseOnExec(fd)) << fd << " -> " << target;
//   }
//   EXPECT_TRUE(IsClaimed(r->port()));
//
// The functions are thread-compatible: they read /proc, which other threads
// may change concurrently.

#ifndef GTEST_PORT_TESTS_TESTING_DESCRIPTOR_HYGIENE_H_
#define GTEST_PORT_TESTS_TESTING_DESCRIPTOR_HYGIENE_H_

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_testing {

// The open descriptors of process `pid` ("self" for this one) and what each
// links to. The descriptor used to read the directory is left out.
inline std::map<int, std::string> OpenDescriptors(
    const std::string& pid = "self") {
  std::map<int, std::string> fds;
  const std::string dir_path = absl::StrCat("/proc/", pid, "/fd");
  DIR* dir = ::opendir(dir_path.c_str());
  if (dir == nullptr) return fds;
  const int own = ::dirfd(dir);
  while (const dirent* entry = ::readdir(dir)) {
    int fd = -1;
    if (!absl::SimpleAtoi(entry->d_name, &fd) || fd == own) continue;
    char target[PATH_MAX];
    const ssize_t n = ::readlinkat(own, entry->d_name, target, sizeof(target));
    fds[fd] = n > 0 ? std::string(target, static_cast<size_t>(n)) : "?";
  }
  ::closedir(dir);
  return fds;
}

// Descriptors open now that were not open (or linked elsewhere) in `before`.
inline std::map<int, std::string> NewDescriptors(
    const std::map<int, std::string>& before) {
  std::map<int, std::string> added;
  for (const auto& [fd, target] : OpenDescriptors()) {
    const auto it = before.find(fd);
    if (it == before.end() || it->second != target) added[fd] = target;
  }
  return added;
}

inline bool IsCloseOnExec(int fd) {
  const int flags = ::fcntl(fd, F_GETFD);
  return flags >= 0 && (flags & FD_CLOEXEC) != 0;
}

// The inode of a "socket:[12345]" link target; nullopt for anything else.
inline std::optional<uint64_t> SocketInode(absl::string_view target) {
  uint64_t inode = 0;
  if (absl::ConsumePrefix(&target, "socket:[") &&
      absl::ConsumeSuffix(&target, "]") && absl::SimpleAtoi(target, &inode)) {
    return inode;
  }
  return std::nullopt;
}

// Whether a descriptor linking to `target` is a claim of the platform's
// default kind: a socket on Linux, a lock file in the default lock
// directory on the portable back-end.
inline bool IsDefaultClaimTarget(absl::string_view target) {
  if (gtest_port_internal::kLinuxBackend) return SocketInode(target).has_value();
  return absl::ConsumePrefix(&target, gtest_port_internal::kPosixDefaultLockDir) &&
         absl::ConsumePrefix(&target, "/") && absl::EndsWith(target, ".lock");
}

// Whether a live gtest_port lock-file claim in `lock_dir` holds `port`: a
// new open file description cannot flock() it.
inline bool IsLockFileClaimed(const std::string& lock_dir, uint16_t port) {
  const std::string path = absl::StrCat(lock_dir, "/", port, ".lock");
  gtest_port_internal::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;  // Never claimed: the file does not exist.
  return ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

// Whether a live gtest_port claim of the platform's default kind holds
// `port`. Linux: found by trying to bind its abstract name (EADDRINUSE means
// some socket holds it); the portable back-end: its lock file in the
// default lock directory.
inline bool IsClaimed(uint16_t port) {
  if (!gtest_port_internal::kLinuxBackend) {
    return IsLockFileClaimed(gtest_port_internal::kPosixDefaultLockDir, port);
  }
  gtest_port_internal::UniqueFd fd(
      ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string name = absl::StrCat("gtest_port/v1/", port);
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  const auto len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), len) != 0 &&
         errno == EADDRINUSE;
}

// How many descriptors this process has open.
inline int DescriptorCount() {
  return static_cast<int>(OpenDescriptors().size());
}

}  // namespace gtest_port_testing

#endif  // GTEST_PORT_TESTS_TESTING_DESCRIPTOR_HYGIENE_H_
