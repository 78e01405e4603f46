// File: gtest_port/internal/platform/windows_platform.h
//
// The Platform of Windows, over the primitives in internal/platform/windows/:
// claims are named kernel objects "Global\gtest_port/v1/<port>" (claim.h;
// "Local\" when Global\ is refused), the probe binds TCP and UDP with
// SO_EXCLUSIVEADDRUSE (probe.h), and the ephemeral range is the union of
// the TCP and UDP dynamic port ranges netsh reports (port_range_query.h;
// 49152-65535 with a warning when netsh cannot tell). Windows' excluded port
// ranges are reported in EphemeralPorts::excluded: the engine warns about
// them and the probe refuses their ports (bind answers WSAEACCES). Lock
// directories are not used: a configured one is refused with a message that
// says so.
//
// Example:
//
//   const Platform& platform = RealPlatform();   // a WindowsPlatform
//   EphemeralPorts ephemeral = platform.EphemeralRange();
//
// Thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PLATFORM_H_
#define GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PLATFORM_H_

#include <memory>

#include "gtest_port/internal/platform/platform.h"

namespace gtest_port_internal {

std::unique_ptr<Platform> MakeWindowsPlatform();

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PLATFORM_H_
