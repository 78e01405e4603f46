#include "gtest_port/internal/platform/windows/winsock.h"

#include <winsock2.h>

#include "absl/strings/str_cat.h"
#include "gtest_port/internal/platform/windows/win32_error.h"

namespace gtest_port_internal::windows {

absl::Status EnsureWinsock() {
  // A function-local static: C++11 guarantees one initialisation even when
  // several threads call this at once.
  static const absl::Status* const started = [] {
    WSADATA data;
    const int error = ::WSAStartup(MAKEWORD(2, 2), &data);
    if (error != 0) {
      return new absl::Status(Win32ErrorToStatus(error, "WSAStartup(2.2)"));
    }
    if (LOBYTE(data.wVersion) != 2 || HIBYTE(data.wVersion) != 2) {
      ::WSACleanup();
      return new absl::Status(absl::UnimplementedError(absl::StrCat(
          "WSAStartup: Winsock 2.2 is needed, the host offers ",
          LOBYTE(data.wVersion), ".", HIBYTE(data.wVersion))));
    }
    return new absl::Status();
  }();
  return *started;
}

}  // namespace gtest_port_internal::windows
