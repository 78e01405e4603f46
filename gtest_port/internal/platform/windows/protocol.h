// File: gtest_port/internal/platform/windows/protocol.h
//
// The transport protocol a Windows query is about: the dynamic port range,
// the excluded port ranges and the owners of a port are each kept per
// protocol by Windows.
//
// Example:
//
//   DynamicPortRange udp = QueryDynamicPortRange(Protocol::kUdp);
//   absl::string_view name = ProtocolName(Protocol::kUdp);  // "udp"

#ifndef GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PROTOCOL_H_
#define GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PROTOCOL_H_

#include "absl/strings/string_view.h"

namespace gtest_port_internal::windows {

enum class Protocol { kTcp, kUdp };

// "tcp" or "udp", as netsh spells them.
inline absl::string_view ProtocolName(Protocol protocol) {
  return protocol == Protocol::kTcp ? "tcp" : "udp";
}

}  // namespace gtest_port_internal::windows

#endif  // GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_PROTOCOL_H_
