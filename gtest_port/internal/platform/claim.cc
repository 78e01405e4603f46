#include "gtest_port/internal/platform/claim.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest_port/internal/platform/shared_names.h"

namespace gtest_port_internal {
namespace {

absl::Status ClaimError(int error, absl::string_view call, uint16_t port) {
  return SyscallError(error, absl::StrCat(call, " (claiming port ", port, ")"));
}

}  // namespace

std::string AbstractClaimName(uint16_t port) {
  return ClaimName(port);
}

PortClaimer::PortClaimer(System& system, ClaimMechanism mechanism,
                         std::string lock_dir)
    : system_(system), mechanism_(mechanism), lock_dir_(std::move(lock_dir)) {}

absl::StatusOr<UniqueFd> PortClaimer::Claim(uint16_t port) const {
  return mechanism_ == ClaimMechanism::kAbstractSocket ? ClaimAbstractSocket(port)
                                                       : ClaimLockFile(port);
}

std::string PortClaimer::Describe() const {
  if (mechanism_ == ClaimMechanism::kAbstractSocket) {
    return absl::StrCat("abstract sockets @", kClaimNamePrefix, "<port>");
  }
  return absl::StrCat("lock files ", lock_dir_, "/<port>", kLockFileSuffix);
}

absl::StatusOr<UniqueFd> PortClaimer::ClaimAbstractSocket(uint16_t port) const {
  UniqueFd fd(system_.Socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return ClaimError(errno, "socket(AF_UNIX)", port);

  sockaddr_un addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  const std::string name = AbstractClaimName(port);
  // sun_path[0] stays NUL: the abstract namespace.
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  const auto len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (system_.Bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), len) !=
      0) {
    if (errno == EADDRINUSE) return UniqueFd();
    return ClaimError(errno, absl::StrCat("bind(@", name, ")"), port);
  }
  return fd;
}

absl::StatusOr<UniqueFd> PortClaimer::ClaimLockFile(uint16_t port) const {
  const std::string path = LockFilePath(lock_dir_, port);
  UniqueFd fd(system_.Open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666));
  if (!fd.valid()) return ClaimError(errno, absl::StrCat("open ", path), port);
  while (system_.Flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return UniqueFd();
    return ClaimError(errno, absl::StrCat("flock ", path), port);
  }
  return fd;
}

}  // namespace gtest_port_internal
