// Fuzz target for GTEST_PORT_ADDRESS_RANGE:
// gtest_port_internal::ParseAddressRange.
//
// Every input either parses to a pool inside 127.0.0.0/8 with first <= last
// that leaves out 127.0.0.0, 127.0.0.1 and 127.255.255.255, renders
// (FormatAddressRange) and re-parses to itself, or is rejected with
// InvalidArgument and a message that quotes the input and says what is
// accepted. Which inputs parse is checked against an independent reading of
// the documented syntax: optional ASCII whitespace, a dotted quad (each
// part 0-255, decimal, no leading zero), optionally '-' and another, optional
// ASCII whitespace.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "gtest_port/internal/address_range.h"

namespace {

using gtest_port_internal::AddressRange;
using gtest_port_internal::FormatAddressRange;
using gtest_port_internal::ParseAddressRange;

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

std::optional<uint32_t> Quad(absl::string_view s) {
  uint32_t address = 0;
  for (int part = 0; part < 4; ++part) {
    const size_t dot = part < 3 ? s.find('.') : s.size();
    if (dot == absl::string_view::npos) return std::nullopt;
    const absl::string_view digits = s.substr(0, dot);
    if (digits.empty() || digits.size() > 3 ||
        (digits.size() > 1 && digits[0] == '0')) {
      return std::nullopt;
    }
    int value = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return std::nullopt;
    address = (address << 8) | static_cast<uint32_t>(value);
    s.remove_prefix(part < 3 ? dot + 1 : dot);
  }
  return address;
}

std::optional<AddressRange> Expected(absl::string_view text) {
  while (!text.empty() && IsAsciiSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsAsciiSpace(text.back())) text.remove_suffix(1);
  const size_t dash = text.find('-');
  const std::optional<uint32_t> first = Quad(text.substr(0, dash));
  const std::optional<uint32_t> last =
      dash == absl::string_view::npos ? first : Quad(text.substr(dash + 1));
  if (!first || !last || (*first >> 24) != 127 || (*last >> 24) != 127 ||
      *first > *last || (*first <= 0x7f000001u && *last >= 0x7f000000u) ||
      *last == 0x7fffffffu) {
    return std::nullopt;
  }
  return AddressRange{*first, *last};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<AddressRange> got = ParseAddressRange(text);
  const std::optional<AddressRange> want = Expected(text);
  const std::string answer =
      got.ok() ? FormatAddressRange(*got) : got.status().ToString();

  FUZZ_CHECK(got.ok() == want.has_value(), text, answer);
  if (got.ok()) {
    FUZZ_CHECK(*got == *want, text, answer);
    FUZZ_CHECK(!got->contains(0x7f000001u), text, answer);
    const std::string rendered = FormatAddressRange(*got);
    const absl::StatusOr<AddressRange> again = ParseAddressRange(rendered);
    FUZZ_CHECK(again.ok() && *again == *got, text, rendered);
  } else {
    FUZZ_CHECK(got.status().code() == absl::StatusCode::kInvalidArgument, text,
               answer);
    const absl::string_view message = got.status().message();
    FUZZ_CHECK(message.size() <= 1024, text, message);
    FUZZ_CHECK(absl::StrContains(message, "expected FIRST-LAST"), text,
               message);
    for (char c : message) {
      FUZZ_CHECK(c >= 0x20 && c < 0x7f, text, message);
    }
  }
  return 0;
}
