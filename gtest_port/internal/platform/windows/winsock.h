// File: gtest_port/internal/platform/windows/winsock.h
//
// Winsock must be started (WSAStartup) in a process before any socket call.
// EnsureWinsock() does it once per process, on first use, from any thread;
// it is never cleaned up (WSACleanup at exit would race with sockets other
// threads still hold, and the process exit releases everything anyway).
//
// Example:
//
//   if (absl::Status s = EnsureWinsock(); !s.ok()) return s;
//   SOCKET s = ::WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
//                           WSA_FLAG_NO_HANDLE_INHERIT);
//
// This function is thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_WINSOCK_H_
#define GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_WINSOCK_H_

#include "absl/status/status.h"

namespace gtest_port_internal::windows {

// Starts Winsock 2.2 the first time it is called; later calls return the
// first call's result (a failure is not retried: it means the host has no
// usable Winsock).
absl::Status EnsureWinsock();

}  // namespace gtest_port_internal::windows

#endif  // GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_WINSOCK_H_
