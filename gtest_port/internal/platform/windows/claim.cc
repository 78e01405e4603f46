#include "gtest_port/internal/platform/windows/claim.h"

#include <windows.h>

#include "absl/strings/str_cat.h"
#include "gtest_port/internal/platform/shared_names.h"
#include "gtest_port/internal/platform/windows/win32_error.h"

namespace gtest_port_internal::windows {
namespace {

const wchar_t* Prefix(ClaimScope scope) {
  return scope == ClaimScope::kGlobal ? L"Global\\" : L"Local\\";
}

// Errors with which the object manager refuses the Global\ namespace itself.
bool IsNamespaceRefusal(DWORD error) {
  return error == ERROR_ACCESS_DENIED || error == ERROR_PRIVILEGE_NOT_HELD ||
         error == ERROR_PATH_NOT_FOUND || error == ERROR_BAD_PATHNAME;
}

// Creates the object `name`: a handle holding the claim, an empty handle
// when another live claim holds it, or the error.
absl::StatusOr<UniqueHandle> ClaimObject(const std::wstring& name) {
  // SYNCHRONIZE is the least access that can be asked for; asking for less
  // makes ERROR_ACCESS_DENIED on an object another user created less likely.
  UniqueHandle object(::CreateMutexExW(/*lpMutexAttributes=*/nullptr,
                                       name.c_str(), /*dwFlags=*/0,
                                       SYNCHRONIZE));
  const DWORD error = ::GetLastError();
  if (object.valid()) {
    if (error == ERROR_ALREADY_EXISTS) return UniqueHandle();  // held
    return object;
  }
  switch (error) {
    case ERROR_ACCESS_DENIED:   // exists; made by a user whose DACL excludes us
    case ERROR_INVALID_HANDLE:  // the name is taken by an object of another type
      return UniqueHandle();
    default:
      return Win32ErrorToStatus(
          error, absl::StrCat("CreateMutexExW(", WideToUtf8(name), ")"));
  }
}

}  // namespace

std::wstring ClaimObjectName(ClaimScope scope, uint16_t port) {
  return std::wstring(Prefix(scope)) + L"gtest_port/v1/" + std::to_wstring(port);
}

absl::StatusOr<ClaimNamespace> ChooseClaimNamespace() {
  const std::wstring probe_name = std::wstring(L"Global\\gtest_port/v1/probe/") +
                                  std::to_wstring(::GetCurrentProcessId());
  UniqueHandle probe(
      ::CreateMutexExW(nullptr, probe_name.c_str(), 0, SYNCHRONIZE));
  const DWORD error = ::GetLastError();
  if (probe.valid()) return ClaimNamespace{ClaimScope::kGlobal, ""};
  if (IsNamespaceRefusal(error)) {
    return ClaimNamespace{
        ClaimScope::kLocal,
        absl::StrCat("gtest_port: creating objects in Global\\ was refused (",
                     Win32ErrorMessage(error), ", code ", error,
                     "); port claims use Local\\ and are seen only by "
                     "processes in this logon session, so test runs in other "
                     "sessions (services, other users) may pick the same "
                     "ports")};
  }
  return Win32ErrorToStatus(
      error, absl::StrCat("CreateMutexExW(", WideToUtf8(probe_name), ")"));
}

absl::StatusOr<UniqueHandle> ClaimPort(ClaimScope scope, uint16_t port) {
  if (port == 0) {
    return absl::InvalidArgumentError(
        "ClaimPort: port 0 cannot be claimed; pass 1-65535");
  }
  return ClaimObject(ClaimObjectName(scope, port));
}

std::wstring AddressClaimObjectName(ClaimScope scope,
                                    absl::string_view dotted) {
  // The name is ASCII (digits and dots): widened byte for byte.
  const std::string name = AddressClaimName(dotted);
  return std::wstring(Prefix(scope)) + std::wstring(name.begin(), name.end());
}

absl::StatusOr<UniqueHandle> ClaimAddress(ClaimScope scope,
                                          absl::string_view dotted) {
  return ClaimObject(AddressClaimObjectName(scope, dotted));
}

std::string DescribeClaimNamespace(const ClaimNamespace& ns) {
  return absl::StrCat(
      "named objects ",
      ns.scope == ClaimScope::kGlobal ? "Global\\" : "Local\\",
      "gtest_port/v1/<port>");
}

}  // namespace gtest_port_internal::windows
