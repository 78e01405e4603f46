// File: gtest_port/internal/platform/posix_platform.h
//
// The Platform of POSIX systems, over a System (system.h) so that tests can
// substitute failing system calls. On Linux it claims ports with abstract
// Unix sockets and reads the ephemeral range from /proc; built with
// GTEST_PORT_BACKEND_POSIX (CMake -DGTEST_PORT_BACKEND=posix), or on any
// other POSIX system, it uses only what POSIX offers: flock(2) on lock files
// in a directory shared by every process on the host.
//
// Example:
//
//   MockSystem system;   // tests/testing/mock_system.h
//   std::unique_ptr<Platform> platform = MakePosixPlatform(system);
//
// Thread-safe; `system` must outlive the platform and what it makes.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_POSIX_PLATFORM_H_
#define GTEST_PORT_INTERNAL_PLATFORM_POSIX_PLATFORM_H_

#include <memory>

#include "absl/strings/string_view.h"

#include "gtest_port/internal/platform/platform.h"
#include "gtest_port/internal/platform/system.h"

namespace gtest_port_internal {

// Whether this build claims ports with Linux's abstract sockets (and reads
// /proc); false for the portable POSIX back-end.
#if defined(__linux__) && !defined(GTEST_PORT_BACKEND_POSIX)
inline constexpr bool kLinuxBackend = true;
#else
inline constexpr bool kLinuxBackend = false;
#endif

// Where the Linux kernel keeps its ephemeral port range.
inline constexpr absl::string_view kLinuxEphemeralFile =
    "/proc/sys/net/ipv4/ip_local_port_range";

// The lock directory of the portable back-end when none is configured: one
// directory for every process and user on the host. Not $TMPDIR (per user,
// and changed by Bazel's sandbox) and not /tmp (private under Bazel's
// hermetic /tmp and `unshare -m`).
inline constexpr char kPosixDefaultLockDir[] = "/var/tmp/gtest_port";

std::unique_ptr<Platform> MakePosixPlatform(System& system);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_PLATFORM_POSIX_PLATFORM_H_
