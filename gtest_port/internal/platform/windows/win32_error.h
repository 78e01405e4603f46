// File: gtest_port/internal/platform/windows/win32_error.h
//
// Turns a Win32 or Winsock error code into an absl::Status that reads
// "operation: system message (code N)", the Windows counterpart of
// absl::ErrnoToStatus, with a status code that says what the caller can do:
// kResourceExhausted for out-of-handles/memory/buffers, kPermissionDenied for
// access denied, kUnavailable for transient network conditions, kInternal
// for anything else. Also converts between UTF-16 (the W APIs) and UTF-8
// (every message gtest_port prints).
//
// Example:
//
//   HANDLE h = ::CreateMutexW(nullptr, FALSE, name.c_str());
//   if (h == nullptr) return Win32ErrorToStatus(::GetLastError(), "CreateMutexW");
//
//   SOCKET s = ::WSASocketW(...);
//   if (s == INVALID_SOCKET) return Win32ErrorToStatus(::WSAGetLastError(), "WSASocketW");
//
// All functions are thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_WIN32_ERROR_H_
#define GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_WIN32_ERROR_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace gtest_port_internal::windows {

// `error` is a GetLastError() or WSAGetLastError() value (both share one
// number space and FormatMessageW knows both).
absl::Status Win32ErrorToStatus(uint32_t error, absl::string_view operation);

// The system's text for `error`, without the trailing ".\r\n"; "error N" when
// the system has none.
std::string Win32ErrorMessage(uint32_t error);

// UTF-16 <-> UTF-8. Invalid sequences become U+FFFD; never fails.
std::string WideToUtf8(std::wstring_view wide);
std::wstring Utf8ToWide(absl::string_view utf8);

}  // namespace gtest_port_internal::windows

#endif  // GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_WIN32_ERROR_H_
