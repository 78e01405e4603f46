// Fuzz target for GTEST_PORT_RANGE: gtest_port_internal::ParsePortRange.
//
// Every input either parses to a range with 1024 <= first <= last <= 65535
// that renders (FormatPortRange) and re-parses to itself, or is rejected
// with InvalidArgument and a message that quotes the input and says what is
// accepted. Which inputs parse is checked against an independent reading of
// the documented syntax: optional ASCII whitespace, 1-5 decimal digits, one
// '-', 1-5 decimal digits, optional ASCII whitespace.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "gtest_port/internal/port_range.h"

namespace {

using gtest_port_internal::FormatPortRange;
using gtest_port_internal::ParsePortRange;
using gtest_port_internal::PortRange;

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

// 1-5 decimal digits.
std::optional<int> Bound(absl::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  int value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// The documented syntax, read independently of the library.
std::optional<PortRange> Expected(absl::string_view text) {
  while (!text.empty() && IsAsciiSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsAsciiSpace(text.back())) text.remove_suffix(1);
  const size_t dash = text.find('-');
  if (dash == absl::string_view::npos) return std::nullopt;
  const std::optional<int> lo = Bound(text.substr(0, dash));
  const std::optional<int> hi = Bound(text.substr(dash + 1));
  if (!lo || !hi || *lo < 1024 || *hi > 65535 || *lo > *hi) return std::nullopt;
  return PortRange{static_cast<uint16_t>(*lo), static_cast<uint16_t>(*hi)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<PortRange> got = ParsePortRange(text);
  const std::optional<PortRange> want = Expected(text);
  const std::string answer =
      got.ok() ? FormatPortRange(*got) : got.status().ToString();

  FUZZ_CHECK(got.ok() == want.has_value(), text, answer);
  if (got.ok()) {
    FUZZ_CHECK(1024 <= got->first && got->first <= got->last, text, answer);
    FUZZ_CHECK(*got == *want, text, answer);
    // Renders and re-parses to itself, with or without whitespace around.
    const std::string rendered = FormatPortRange(*got);
    const absl::StatusOr<PortRange> again = ParsePortRange(rendered);
    FUZZ_CHECK(again.ok() && *again == *got, text, rendered);
    const absl::StatusOr<PortRange> padded =
        ParsePortRange(absl::StrCat(" \t", rendered, "\n"));
    FUZZ_CHECK(padded.ok() && *padded == *got, text, rendered);
  } else {
    FUZZ_CHECK(got.status().code() == absl::StatusCode::kInvalidArgument, text,
               answer);
    // The message quotes the input (escaped, so it stays one printable line;
    // its first 64 bytes, so it stays bounded) and says what is accepted.
    const absl::string_view message = got.status().message();
    FUZZ_CHECK(absl::StrContains(message, absl::CHexEscape(text.substr(0, 64))),
               text, message);
    FUZZ_CHECK(message.size() <= 1024, text, message);
    FUZZ_CHECK(absl::StrContains(message, "expected LO-HI with 1024 <= LO"),
               text, message);
    for (char c : message) {
      FUZZ_CHECK(c >= 0x20 && c < 0x7f, text, message);
    }
  }
  return 0;
}
