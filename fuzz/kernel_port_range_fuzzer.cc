// Fuzz target for /proc/sys/net/ipv4/ip_local_port_range:
// gtest_port_internal::ParseKernelPortRange.
//
// The file is outside input (a container may mount anything there). Every
// input either parses to a range with first <= last <= 65535 that
// re-parses to itself from the kernel's own rendering "LO\tHI\n", or is
// rejected with InvalidArgument and a bounded, printable message. Which
// inputs parse is checked against an independent reading of the format:
// exactly two runs of 1-5 decimal digits separated (and optionally
// surrounded) by spaces, tabs and newlines.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "gtest_port/internal/port_range.h"

namespace {

using gtest_port_internal::FormatPortRange;
using gtest_port_internal::ParseKernelPortRange;
using gtest_port_internal::PortRange;

std::optional<PortRange> Expected(absl::string_view text) {
  std::vector<std::string> fields;
  std::string field;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!field.empty()) fields.push_back(field);
      field.clear();
    } else {
      field += c;
    }
  }
  if (!field.empty()) fields.push_back(field);
  if (fields.size() != 2) return std::nullopt;
  int values[2];
  for (int i = 0; i < 2; ++i) {
    if (fields[i].size() > 5) return std::nullopt;
    values[i] = 0;
    for (char c : fields[i]) {
      if (c < '0' || c > '9') return std::nullopt;
      values[i] = values[i] * 10 + (c - '0');
    }
  }
  if (values[0] > values[1] || values[1] > 65535) return std::nullopt;
  return PortRange{static_cast<uint16_t>(values[0]),
                   static_cast<uint16_t>(values[1])};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<PortRange> got = ParseKernelPortRange(text);
  const std::optional<PortRange> want = Expected(text);
  const std::string answer =
      got.ok() ? FormatPortRange(*got) : got.status().ToString();

  FUZZ_CHECK(got.ok() == want.has_value(), text, answer);
  if (got.ok()) {
    FUZZ_CHECK(got->first <= got->last, text, answer);
    FUZZ_CHECK(*got == *want, text, answer);
    const std::string kernel = absl::StrCat(got->first, "\t", got->last, "\n");
    const absl::StatusOr<PortRange> again = ParseKernelPortRange(kernel);
    FUZZ_CHECK(again.ok() && *again == *got, text, kernel);
  } else {
    FUZZ_CHECK(got.status().code() == absl::StatusCode::kInvalidArgument, text,
               answer);
    // However large the file, the message quotes at most its start.
    const absl::string_view message = got.status().message();
    FUZZ_CHECK(message.size() <= 400, text, message);
    FUZZ_CHECK(absl::StrContains(message, "not a kernel port range"), text,
               message);
    for (char c : message) {
      FUZZ_CHECK(c >= 0x20 && c < 0x7f, text, message);
    }
  }
  return 0;
}
