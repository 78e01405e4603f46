#include "gtest_port/internal/platform/claim.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/platform/shared_names.h"

namespace gtest_port_internal {
namespace {

constexpr int kLockFileAttempts = 4;

// The writable lock files this process claimed, by port, so that the test
// name can be added once the reservation has one. An entry outlives its
// claim; it is trusted only while the descriptor is still that file.
struct WritableLockFile {
  int fd = -1;
  dev_t dev = 0;
  ino_t ino = 0;
};

// Constant-initialized (ABSL_CONST_INIT): no code runs for it at start-up,
// so nothing can throw there, whatever its constructor declares.
// NOLINTNEXTLINE(cert-err58-cpp)
ABSL_CONST_INIT absl::Mutex lock_files_mu(absl::kConstInit);
absl::flat_hash_map<uint16_t, WritableLockFile>& LockFiles()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_files_mu) {
  static auto* const files = new absl::flat_hash_map<uint16_t, WritableLockFile>();
  return *files;
}

std::string LockFileContent(absl::string_view test_name) {
  std::string content =
      absl::StrCat(kLockFilePidPrefix, static_cast<int64_t>(::getpid()), "\n");
  if (!test_name.empty()) {
    std::string name(test_name.substr(0, kLockFileMaxTestName));
    for (char& c : name) {
      if (c == '\n' || c == '\0') c = ' ';
    }
    absl::StrAppend(&content, kLockFileTestPrefix, name, "\n");
  }
  return content;
}

void WriteContent(System& system, int fd, const std::string& content) {
  if (system.Ftruncate(fd, 0) == 0) {
    system.Pwrite(fd, content.data(), content.size(), 0);
  }
}

// `what` is "port 20123" or "address 127.1.0.7".
absl::Status ClaimError(int error, absl::string_view call,
                        absl::string_view what) {
  return SyscallError(error, absl::StrCat(call, " (claiming ", what, ")"));
}

}  // namespace

void WriteTestNameToLockFile(uint16_t port, absl::string_view test_name) {
  absl::MutexLock lock(&lock_files_mu);
  auto it = LockFiles().find(port);
  if (it == LockFiles().end()) return;
  struct stat st;
  System& system = System::Real();
  if (system.Fstat(it->second.fd, &st) != 0 || st.st_dev != it->second.dev ||
      st.st_ino != it->second.ino) {
    LockFiles().erase(it);  // Released, and the descriptor is another file.
    return;
  }
  WriteContent(system, it->second.fd, LockFileContent(test_name));
}

std::string AbstractClaimName(uint16_t port) {
  return ClaimName(port);
}

PortClaimer::PortClaimer(System& system, ClaimMechanism mechanism,
                         std::string lock_dir)
    : system_(system), mechanism_(mechanism), lock_dir_(std::move(lock_dir)) {}

absl::StatusOr<UniqueFd> PortClaimer::Claim(uint16_t port) const {
  const std::string what = absl::StrCat("port ", port);
  return mechanism_ == ClaimMechanism::kAbstractSocket
             ? ClaimAbstractSocket(AbstractClaimName(port), what)
             : ClaimLockFile(LockFilePath(lock_dir_, port), what, port);
}

absl::StatusOr<UniqueFd> PortClaimer::ClaimAddress(uint32_t address) const {
  const std::string dotted = FormatAddress(address);
  const std::string what = absl::StrCat("address ", dotted);
  return mechanism_ == ClaimMechanism::kAbstractSocket
             ? ClaimAbstractSocket(AddressClaimName(dotted), what)
             : ClaimLockFile(AddressLockFilePath(lock_dir_, dotted), what,
                             std::nullopt);
}

std::string PortClaimer::Describe() const {
  if (mechanism_ == ClaimMechanism::kAbstractSocket) {
    return absl::StrCat("abstract sockets @", kClaimNamePrefix, "<port>");
  }
  return absl::StrCat("lock files ", lock_dir_, "/<port>", kLockFileSuffix);
}

absl::StatusOr<UniqueFd> PortClaimer::ClaimAbstractSocket(
    const std::string& name, absl::string_view what) const {
  UniqueFd fd(system_.Socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return ClaimError(errno, "socket(AF_UNIX)", what);

  sockaddr_un addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  // sun_path[0] stays NUL: the abstract namespace.
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  const auto len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (system_.Bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), len) !=
      0) {
    if (errno == EADDRINUSE) return UniqueFd();
    return ClaimError(errno, absl::StrCat("bind(@", name, ")"), what);
  }
  return fd;
}

absl::StatusOr<UniqueFd> PortClaimer::ClaimLockFile(
    const std::string& path, absl::string_view what,
    std::optional<uint16_t> port) const {
  // Never follow a symbolic link (someone else's file would be created or
  // locked), never block on a FIFO planted in the file's place.
  constexpr int kFlags = O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
  // A lock file replaced between open and flock is opened again; one that
  // keeps being replaced is skipped.
  for (int attempt = 0; attempt < kLockFileAttempts; ++attempt) {
    bool writable = true;
    UniqueFd fd(system_.Open(path.c_str(), O_RDWR | O_CREAT | kFlags, 0666));
    int error = errno;
    if (!fd.valid() && (error == EACCES || error == EPERM)) {
      // Made by another user with a narrower mode: flock(2) needs no write
      // access, only the holder's pid stays unpublished.
      writable = false;
      fd.reset(system_.Open(path.c_str(), O_RDONLY | kFlags, 0));
      // No such file: the directory refused to create it; say that.
      if (!fd.valid() && errno != ENOENT) error = errno;
    }
    if (!fd.valid()) {
      if (error == ELOOP || error == EMLINK) {
        return absl::FailedPreconditionError(absl::StrCat(
            path, " is a symbolic link; lock files are never followed "
                  "(claiming ", what, ")"));
      }
      return ClaimError(error, absl::StrCat("open ", path), what);
    }
    struct stat opened;
    if (system_.Fstat(fd.get(), &opened) != 0) {
      return ClaimError(errno, absl::StrCat("fstat ", path), what);
    }
    if (!S_ISREG(opened.st_mode) || opened.st_nlink != 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          path,
          S_ISREG(opened.st_mode) ? " has other hard links"
                                  : " is not a regular file",
          "; not a gtest_port lock file (claiming ", what, ")"));
    }
    if (writable && opened.st_uid == system_.Geteuid() &&
        (opened.st_mode & 0666) != 0666) {
      // The umask narrowed it: other users must be able to open it too.
      system_.Fchmod(fd.get(), 0666);
    }
    while (system_.Flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EINTR) continue;
      if (errno == EWOULDBLOCK) return UniqueFd();
      return ClaimError(errno, absl::StrCat("flock ", path), what);
    }
    // Holding the lock on a file no longer at `path` (deleted or replaced
    // after open) would let the next claimer lock the new file too.
    struct stat now;
    if (system_.Lstat(path.c_str(), &now) != 0 || now.st_dev != opened.st_dev ||
        now.st_ino != opened.st_ino) {
      continue;
    }
    if (writable) {
      // Diagnostics only (`gtest-port who`): a failure leaves it blank.
      WriteContent(system_, fd.get(), LockFileContent(""));
      if (port.has_value()) {
        absl::MutexLock lock(&lock_files_mu);
        LockFiles()[*port] = WritableLockFile{fd.get(), opened.st_dev,
                                              opened.st_ino};
      }
    }
    return fd;
  }
  return absl::UnavailableError(absl::StrCat(
      path, " was replaced each time it was locked (", kLockFileAttempts,
      " times); skipping ", what));
}

}  // namespace gtest_port_internal
