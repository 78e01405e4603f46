// Tests of gtest_port/internal/platform/windows/win32_error.h.

#include "gtest_port/internal/platform/windows/win32_error.h"

#include <winsock2.h>
#include <windows.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gtest_port_internal::windows {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(Win32ErrorToStatusTest, NamesTheOperationAndTheCode) {
  absl::Status status = Win32ErrorToStatus(ERROR_ACCESS_DENIED, "CreateMutexExW(x)");
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(status.message()), StartsWith("CreateMutexExW(x): "));
  EXPECT_THAT(std::string(status.message()), EndsWith(" (code 5)"));
  // The system's text, without its trailing ".\r\n".
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("\r")));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr(". (code")));
}

TEST(Win32ErrorToStatusTest, MapsCodesToWhatTheCallerCanDo) {
  EXPECT_EQ(Win32ErrorToStatus(ERROR_NOT_ENOUGH_MEMORY, "op").code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Win32ErrorToStatus(WSAEMFILE, "op").code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Win32ErrorToStatus(WSAEAFNOSUPPORT, "op").code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(Win32ErrorToStatus(ERROR_FILE_NOT_FOUND, "op").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Win32ErrorToStatus(WSAEADDRINUSE, "op").code(),
            absl::StatusCode::kInternal);
}

TEST(Win32ErrorMessageTest, UnknownCodeStillSaysSomething) {
  EXPECT_EQ(Win32ErrorMessage(0x2000FFFF), "error 536936447");
}

TEST(WideUtf8Test, RoundTripsNonAscii) {
  const std::string utf8 = "Gr\xC3\xB6\xC3\x9F" "e \xE2\x9C\x93 \xF0\x9F\x98\x80";
  const std::wstring wide = Utf8ToWide(utf8);
  EXPECT_EQ(wide, L"Gr\u00f6\u00dfe \u2713 \U0001F600");
  EXPECT_EQ(WideToUtf8(wide), utf8);
  EXPECT_EQ(WideToUtf8(L""), "");
  EXPECT_EQ(Utf8ToWide(""), L"");
}

}  // namespace
}  // namespace gtest_port_internal::windows
