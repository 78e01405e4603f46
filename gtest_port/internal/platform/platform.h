// File: gtest_port/internal/platform/platform.h
//
// The platform seam: everything the allocation engine needs from the
// operating system, and the only place a new OS plugs in. The engine asks a
// Platform for
//
//   * a Claimer: the machine-wide decision of which process may hand out a
//     port (Linux: an abstract Unix socket per port; POSIX: flock(2) on a
//     lock file per port; Windows: a named kernel object per port).
//     Exactly one live claim per port exists in the
//     claim's scope, and the OS drops it when its holder dies, even by
//     SIGKILL.
//   * a Prober: whether a claimed port is really free, i.e. no process --
//     gtest_port user or not -- has a TCP or UDP socket on it.
//   * the ephemeral range: the ports the OS hands to outgoing connections,
//     which the engine skips.
//   * the lock directory: its default, and a check that it is safe to use.
//
// The other two OS-specific pieces sit beside it: the table in which a
// process publishes which test holds which port (published_table.h), and
// holder discovery for `gtest-port who/list` (diagnostics/proc_net.h, and
// diagnostics/lock_file_reader.h for lock-file claims).
//
// Example:
//
//   const Platform& platform = RealPlatform();
//   std::unique_ptr<Claimer> claimer = platform.MakeClaimer(/*lock_dir=*/"");
//   absl::StatusOr<PortClaim> claim = claimer->Claim(20123);
//   if (!claim.ok()) return claim.status();   // EMFILE and the like
//   if (!claim->valid()) { /* another gtest_port user holds 20123 */ }
//
// Implementations are thread-safe, and so are the Claimers and Probers they
// make.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_PLATFORM_H_
#define GTEST_PORT_INTERNAL_PLATFORM_PLATFORM_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest_port/export.h"
#include "gtest_port/options.h"

#ifdef _WIN32
#include "gtest_port/internal/platform/windows/unique_handle.h"
#else
#include "gtest_port/internal/platform/unique_fd.h"
#endif

namespace gtest_port_internal {

// A held claim. Destroying it (or the holder's death) releases the port.
// On POSIX systems it is the descriptor of the claim socket or lock file,
// close-on-exec so that no child process inherits it; on Windows the
// non-inheritable handle of the named claim object.
#ifdef _WIN32
using PortClaim = windows::UniqueHandle;
#else
using PortClaim = UniqueFd;
#endif

class Claimer {
 public:
  virtual ~Claimer() = default;

  // A valid claim when `port` was free to claim, an empty one when another
  // live claim holds it, and an error when the claim could not be tried:
  // PermissionDenied, FailedPrecondition or Unavailable when only this
  // port's claim is unusable (the engine skips the port and counts it),
  // anything else (e.g. ResourceExhausted for EMFILE) stops the reservation.
  virtual absl::StatusOr<PortClaim> Claim(uint16_t port) const = 0;

  // For the start-up line, e.g. "abstract sockets @gtest_port/v1/<port>".
  virtual std::string Describe() const = 0;

  // Claims the loopback address `address` (IPv4, host byte order) in the
  // address name space (shared_names.h), with the same results as Claim().
  // The default is Unimplemented: a platform without address claims refuses
  // gtest_port::ReserveAddress() with that status.
  virtual absl::StatusOr<PortClaim> ClaimAddress(uint32_t address) const {
    (void)address;
    return absl::UnimplementedError(
        "loopback address reservations are not supported on this platform");
  }
};

class Prober {
 public:
  virtual ~Prober() = default;

  // True when TCP and UDP can both be bound on `port` on every address
  // family the host has; false when a socket holds it or the host forbids
  // it; an error when the probe itself failed (e.g. EMFILE).
  virtual absl::StatusOr<bool> IsFree(uint16_t port) const = 0;

  // True when a TCP listener holds `port` now, e.g. a server that outlived
  // its test. Unlike !IsFree(), connections in TIME_WAIT or still closing do
  // not count. The default is !IsFree(), for platforms that cannot tell.
  virtual absl::StatusOr<bool> HasListener(uint16_t port) const {
    absl::StatusOr<bool> free = IsFree(port);
    if (!free.ok()) return free.status();
    return !*free;
  }

  // A TCP listener on a port, as the check for servers that outlived their
  // test reports it.
  struct Listener {
    bool listening = false;
    // Who listens, in a few words (e.g. "pid 1234 (server.exe), TCP on
    // IPv4"), bounded and escaped for a terminal; "" when this platform
    // cannot name the process without the diagnostics.
    std::string who;
  };

  // HasListener(), and who listens where the platform's own socket tables
  // name the process (Windows: GetExtendedTcpTable's listener table). The
  // default is HasListener() with `who` empty.
  virtual absl::StatusOr<Listener> FindListener(uint16_t port) const {
    absl::StatusOr<bool> listening = HasListener(port);
    if (!listening.ok()) return listening.status();
    return Listener{*listening, ""};
  }

  // E.g. "TCP+UDP on [::] (dual-stack)".
  virtual std::string Describe() const = 0;

  // Whether the loopback address `address` (IPv4, host byte order) is free
  // for a server on each of `ports`: TCP and UDP can both be bound on
  // address:port. With no ports, only that the address itself can be bound
  // (TCP on address:0): which ports other programs use on it is not known.
  // False when a socket holds one of the ports; FailedPrecondition, saying
  // what to run, when the host does not route the address to loopback
  // (bind's EADDRNOTAVAIL: macOS without an lo0 alias; connect's
  // ENETUNREACH: a network namespace whose loopback is down); another error
  // when the probe failed (EMFILE). The
  // default is Unimplemented, as for Claimer::ClaimAddress().
  virtual absl::StatusOr<bool> IsAddressFree(
      uint32_t address, const std::vector<uint16_t>& ports) const {
    (void)address;
    (void)ports;
    return absl::UnimplementedError(
        "loopback address reservations are not supported on this platform");
  }
};

// The ports the OS gives to outgoing connections on its own.
struct EphemeralPorts {
  std::optional<gtest_port::PortRange> range;  // Unset when unknown.
  // Ports the OS refuses to bind at all (Windows' excluded port ranges,
  // reserved by Hyper-V, WSL, Docker...). Not skipped by the candidates: the
  // probe finds them busy; ResolveConfig() warns when the range meets one.
  std::vector<gtest_port::PortRange> excluded;
  std::string source;   // Where it was read, e.g. the /proc file.
  std::string warning;  // Why it is unknown, when it could not be read.
};

class Platform {
 public:
  virtual ~Platform() = default;

  virtual EphemeralPorts EphemeralRange() const = 0;

  // The lock directory claims use when none is configured; "" when this OS
  // has a claim that needs no file system (Linux's abstract sockets).
  virtual std::string DefaultLockDir() const = 0;

  // Creates `dir` if needed (mode 01777) and checks, once at start-up, that
  // it is safe and usable: a directory, not a symbolic link, owned by this
  // user or root, not writable by others without the sticky bit, writable
  // by this user. InvalidArgument naming `what` (the setting it came from),
  // the problem and the fix otherwise.
  virtual absl::Status PrepareLockDir(const std::string& dir,
                                      const std::string& what) const = 0;

  // Claims by lock files in `lock_dir`, or by this OS's own mechanism when
  // `lock_dir` is empty. `lock_dir` must have passed PrepareLockDir().
  virtual std::unique_ptr<Claimer> MakeClaimer(
      const std::string& lock_dir) const = 0;

  // Inspects the host once (which address families it has).
  virtual std::unique_ptr<Prober> MakeProber() const = 0;
};

// This OS's platform over the real system. Never destroyed.
// Exported by a shared gtest_port (gtest_port/export.h): IsFreeToBind() in
// gtest_port/matchers.h calls it from users' code.
GTEST_PORT_EXPORT const Platform& RealPlatform();

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_PLATFORM_PLATFORM_H_
