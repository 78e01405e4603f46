#include "gtest_port/internal/platform/posix_platform.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest_port/internal/platform/claim.h"
#include "gtest_port/internal/platform/probe.h"
#include "gtest_port/internal/port_range.h"

#if defined(__APPLE__)
#include <sys/sysctl.h>
#endif

namespace gtest_port_internal {
namespace {

class PosixPlatform final : public Platform {
 public:
  explicit PosixPlatform(System& system) : system_(system) {}

  EphemeralPorts EphemeralRange() const override {
    EphemeralPorts ports;
    if constexpr (kLinuxBackend) {
      ports.source = std::string(kLinuxEphemeralFile);
      absl::StatusOr<std::string> text = system_.ReadFile(kLinuxEphemeralFile);
      if (!text.ok()) {
        // No /proc at all (a chroot): nothing to warn about.
        if (!absl::IsNotFound(text.status())) {
          ports.warning = absl::StrCat("cannot read the ephemeral port range: ",
                                       text.status().message());
        }
        return ports;
      }
      absl::StatusOr<gtest_port::PortRange> range = ParseKernelPortRange(*text);
      if (range.ok()) {
        ports.range = *range;
      } else {
        ports.warning = absl::StrCat(
            "cannot read the ephemeral port range from ", kLinuxEphemeralFile,
            ": ", range.status().message());
      }
      return ports;
    }
#if defined(__APPLE__)
    ports.source = "sysctl net.inet.ip.portrange.first/last";
    int first = 0;
    int last = 0;
    size_t size = sizeof(first);
    if (::sysctlbyname("net.inet.ip.portrange.first", &first, &size, nullptr,
                       0) != 0 ||
        (size = sizeof(last),
         ::sysctlbyname("net.inet.ip.portrange.last", &last, &size, nullptr,
                        0) != 0) ||
        first < 1 || first > last || last > kMaxPort) {
      ports.warning = absl::StrCat("cannot read the ephemeral port range (",
                                   ports.source, ")");
      return ports;
    }
    ports.range = gtest_port::PortRange{static_cast<uint16_t>(first),
                                        static_cast<uint16_t>(last)};
#endif
    return ports;
  }

  std::string DefaultLockDir() const override {
    return kLinuxBackend ? "" : kPosixDefaultLockDir;
  }

  absl::Status PrepareLockDir(const std::string& dir,
                              const std::string& what) const override {
    if (dir.empty() || dir[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": expected an absolute directory path"));
    }
    if (system_.Mkdir(dir.c_str(), 01777) == 0) {
      // Shared like /tmp; the umask must not narrow it.
      system_.Chmod(dir.c_str(), 01777);
    } else if (errno != EEXIST) {
      return SyscallError(errno, absl::StrCat(what, ": mkdir"));
    }
    return CheckLockDir(dir, what);
  }

  // Refuses a directory whose lock files someone else could delete, replace
  // or plant symbolic links among -- any of which could hand one port out
  // twice -- the way ssh refuses a key file others can write.
  absl::Status CheckLockDir(const std::string& dir,
                            const std::string& what) const {
    struct stat st;
    if (system_.Lstat(dir.c_str(), &st) != 0) {
      return SyscallError(errno, absl::StrCat(what, ": lstat"));
    }
    if (S_ISLNK(st.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": is a symbolic link; name the directory itself "
                "(symbolic links are never followed)"));
    }
    if (!S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": exists but is not a directory"));
    }
    const uid_t me = system_.Geteuid();
    const std::string mode = absl::StrFormat("%04o", st.st_mode & 07777);
    if (st.st_uid != me && st.st_uid != 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: is owned by uid %d, not by you (uid %d) or root, so its owner "
          "could delete or replace the lock files in it and one port could be "
          "handed out twice; use a directory you or root own (shared by "
          "several users: `install -d -m 1777 -o root %s` as root)",
          what, st.st_uid, me, dir));
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
        (st.st_mode & S_ISVTX) == 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: is writable by others (mode %s) without the sticky bit, so "
          "anyone could delete or replace the lock files in it and one port "
          "could be handed out twice; `chmod +t %s` or `chmod go-w %s`",
          what, mode, dir, dir));
    }
    if (system_.Access(dir.c_str(), W_OK | X_OK) != 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: you (uid %d) cannot create lock files in it (mode %s, owner "
          "uid %d): %s; `chmod 1777 %s` to share it, or choose another "
          "directory",
          what, me, mode, st.st_uid, std::strerror(errno), dir));
    }
    return absl::OkStatus();
  }

  std::unique_ptr<Claimer> MakeClaimer(
      const std::string& lock_dir) const override {
    if (lock_dir.empty()) {
      return std::make_unique<PortClaimer>(
          system_, ClaimMechanism::kAbstractSocket, "");
    }
    return std::make_unique<PortClaimer>(system_, ClaimMechanism::kLockFile,
                                         lock_dir);
  }

  std::unique_ptr<Prober> MakeProber() const override {
    return std::make_unique<PortProber>(system_);
  }

 private:
  System& system_;
};

}  // namespace

std::unique_ptr<Platform> MakePosixPlatform(System& system) {
  return std::make_unique<PosixPlatform>(system);
}

const Platform& RealPlatform() {
  static const Platform* const real =
      MakePosixPlatform(System::Real()).release();
  return *real;
}

}  // namespace gtest_port_internal
