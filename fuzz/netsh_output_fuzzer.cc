// Fuzz target for the parsers of netsh's reports on Windows
// (gtest_port/internal/platform/windows/netsh_output.h): `netsh int ipv4 show
// dynamicport` and `show excludedportrange`. The parsers are pure and build
// on every platform, so they are fuzzed on Linux too.
//
// Input: the bytes netsh printed, given to both parsers.
//
// Invariants. An accepted dynamic range is 1 <= first <= last <= 65535; every
// accepted excluded range is 1 <= first <= last <= 65535; input longer than
// kMaxNetshOutputBytes is rejected. A rejection is InvalidArgument with a
// printable message (netsh's bytes escaped) that names the command.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "gtest_port/internal/platform/windows/netsh_output.h"

namespace {

using gtest_port::PortRange;
using gtest_port_internal::windows::kMaxNetshOutputBytes;
using gtest_port_internal::windows::ParseNetshDynamicPortRange;
using gtest_port_internal::windows::ParseNetshExcludedPortRanges;

bool Printable(absl::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) return false;
  }
  return true;
}

bool Valid(const PortRange& range) {
  return range.first >= 1 && range.first <= range.last;
}

void CheckRejection(absl::string_view input, const absl::Status& status,
                    absl::string_view command) {
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument, input,
             status.ToString());
  FUZZ_CHECK(Printable(status.message()), input, status.ToString());
  FUZZ_CHECK(absl::StartsWith(status.message(), command), input,
             status.ToString());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<PortRange> dynamic = ParseNetshDynamicPortRange(input);
  if (dynamic.ok()) {
    FUZZ_CHECK(Valid(*dynamic), input,
               absl::StrCat(dynamic->first, "-", dynamic->last));
    FUZZ_CHECK(size <= kMaxNetshOutputBytes, input, "oversized input accepted");
  } else {
    CheckRejection(input, dynamic.status(), "netsh show dynamicport: ");
  }

  absl::StatusOr<std::vector<PortRange>> excluded =
      ParseNetshExcludedPortRanges(input);
  if (excluded.ok()) {
    for (const PortRange& range : *excluded) {
      FUZZ_CHECK(Valid(range), input,
                 absl::StrCat(range.first, "-", range.last));
    }
    FUZZ_CHECK(size <= kMaxNetshOutputBytes, input, "oversized input accepted");
  } else {
    CheckRejection(input, excluded.status(), "netsh show excludedportrange: ");
  }
  return 0;
}
