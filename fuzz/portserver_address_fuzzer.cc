// Fuzz target for PORTSERVER_ADDRESS:
// gtest_port_internal::ValidatePortServerAddress.
//
// An address is accepted exactly when it is "@name" (at most 108 bytes: the
// name fills sockaddr_un::sun_path after the NUL byte that takes the place of
// "@") or "/path" (at most 107 bytes: a path needs its terminating NUL), with
// a non-empty name and no NUL byte; anything else is InvalidArgument with a
// printable message that says what is accepted. An accepted address always
// fits sun_path, which the client copies it into.

#include <sys/un.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "gtest_port/internal/engine/portserver_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view address(reinterpret_cast<const char*>(data), size);
  const absl::Status got =
      gtest_port_internal::ValidatePortServerAddress(address);
  constexpr size_t kSunPath = sizeof(sockaddr_un{}.sun_path);  // 108
  const bool abstract = !address.empty() && address[0] == '@';
  const bool path = !address.empty() && address[0] == '/';
  const bool want = (abstract || path) && address.size() >= 2 &&
                    address.size() <= (abstract ? kSunPath : kSunPath - 1) &&
                    address.find('\0') == absl::string_view::npos;
  FUZZ_CHECK(got.ok() == want, address, got.ToString());
  if (got.ok()) {
    // "@name" is copied with its "@" turned into the leading NUL; "/path"
    // needs a terminating NUL after it.
    FUZZ_CHECK(
        abstract ? address.size() <= kSunPath : address.size() < kSunPath,
        address, "accepted an address that does not fit sun_path");
    return 0;
  }
  FUZZ_CHECK(got.code() == absl::StatusCode::kInvalidArgument, address,
             got.ToString());
  FUZZ_CHECK(absl::StrContains(got.message(), "expected \"@name\""), address,
             got.message());
  for (char c : got.message()) {
    FUZZ_CHECK(c >= 0x20 && c < 0x7f, address, got.message());
  }
  return 0;
}
