#include "gtest_port/internal/platform/windows/win32_error.h"

#include <winsock2.h>
#include <windows.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace gtest_port_internal::windows {
namespace {

absl::StatusCode CodeFor(uint32_t error) {
  switch (error) {
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_NO_SYSTEM_RESOURCES:
    case ERROR_TOO_MANY_OPEN_FILES:
    case WSAEMFILE:
    case WSAENOBUFS:
      return absl::StatusCode::kResourceExhausted;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
    case WSAEACCES:
      return absl::StatusCode::kPermissionDenied;
    case ERROR_INVALID_PARAMETER:
    case ERROR_INVALID_NAME:
    case ERROR_FILENAME_EXCED_RANGE:
    case WSAEINVAL:
      return absl::StatusCode::kInvalidArgument;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
      return absl::StatusCode::kNotFound;
    case WSAEAFNOSUPPORT:
    case WSAEPROTONOSUPPORT:
    case ERROR_NOT_SUPPORTED:
    case ERROR_CALL_NOT_IMPLEMENTED:
      return absl::StatusCode::kUnimplemented;
    case WSAENETDOWN:
    case WSASYSNOTREADY:
    case WSAEPROCLIM:
    case ERROR_SEM_TIMEOUT:
    case WAIT_TIMEOUT:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

std::string Win32ErrorMessage(uint32_t error) {
  wchar_t* buffer = nullptr;
  const DWORD length = ::FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
          FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, error, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT),
      reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  if (length == 0 || buffer == nullptr) return absl::StrCat("error ", error);
  std::string text = WideToUtf8(std::wstring_view(buffer, length));
  ::LocalFree(buffer);
  absl::string_view trimmed = absl::StripTrailingAsciiWhitespace(text);
  absl::ConsumeSuffix(&trimmed, ".");
  if (trimmed.empty()) return absl::StrCat("error ", error);
  return std::string(trimmed);
}

absl::Status Win32ErrorToStatus(uint32_t error, absl::string_view operation) {
  return absl::Status(CodeFor(error),
                      absl::StrCat(operation, ": ", Win32ErrorMessage(error),
                                   " (code ", error, ")"));
}

std::string WideToUtf8(std::wstring_view wide) {
  if (wide.empty()) return "";
  const int size = ::WideCharToMultiByte(CP_UTF8, 0, wide.data(),
                                         static_cast<int>(wide.size()),
                                         nullptr, 0, nullptr, nullptr);
  if (size <= 0) return "";
  std::string out(static_cast<size_t>(size), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()),
                        out.data(), size, nullptr, nullptr);
  return out;
}

std::wstring Utf8ToWide(absl::string_view utf8) {
  if (utf8.empty()) return L"";
  const int size = ::MultiByteToWideChar(
      CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  if (size <= 0) return L"";
  std::wstring out(static_cast<size_t>(size), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()),
                        out.data(), size);
  return out;
}

}  // namespace gtest_port_internal::windows
