#include "gtest_port/internal/platform/windows/netsh_output.h"

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace gtest_port_internal::windows {
namespace {

using gtest_port::PortRange;

// A line of netsh output for an error message: escaped, at most 60 bytes.
std::string Quote(absl::string_view line) {
  constexpr size_t kMax = 60;
  const bool cut = line.size() > kMax;
  return absl::StrCat("\"", absl::CHexEscape(line.substr(0, kMax)),
                      cut ? "...\"" : "\"");
}

absl::Status CheckSize(absl::string_view text, absl::string_view what) {
  if (text.size() > kMaxNetshOutputBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": output of ", text.size(),
                     " bytes is longer than the ", kMaxNetshOutputBytes,
                     " bytes netsh ever prints"));
  }
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": netsh printed nothing (it does not support the "
                           "command on this system)"));
  }
  return absl::OkStatus();
}

// Digits only (no sign, no spaces) and at most 65536.
bool ParseNumber(absl::string_view text, uint32_t* value) {
  if (text.empty() || text.size() > 5) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, value) && *value <= 65536;
}

}  // namespace

absl::StatusOr<PortRange> ParseNetshDynamicPortRange(absl::string_view text) {
  constexpr absl::string_view kWhat = "netsh show dynamicport";
  if (absl::Status size = CheckSize(text, kWhat); !size.ok()) return size;
  uint32_t values[2] = {0, 0};
  int found = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    const size_t colon = line.rfind(':');
    if (colon == absl::string_view::npos || colon == 0) continue;
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    uint32_t number;
    if (!ParseNumber(value, &number)) {
      return absl::InvalidArgumentError(absl::StrCat(
          kWhat, ": expected \"label : number\", got ", Quote(line)));
    }
    if (found == 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          kWhat, ": expected two \"label : number\" lines (start port, number "
                 "of ports), found a third: ",
          Quote(line)));
    }
    values[found++] = number;
  }
  if (found != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        kWhat, ": expected two \"label : number\" lines (start port, number of "
               "ports), found ",
        found));
  }
  const uint32_t start = values[0];
  const uint32_t count = values[1];
  if (start < 1 || start > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        kWhat, ": start port ", start, " is not in 1-65535"));
  }
  if (count < 1 || start + count - 1 > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        kWhat, ": ", count, " ports from ", start,
        " do not fit below 65536 (need 1 <= number <= ", 65536 - start, ")"));
  }
  return PortRange{static_cast<uint16_t>(start),
                   static_cast<uint16_t>(start + count - 1)};
}

absl::StatusOr<std::vector<PortRange>> ParseNetshExcludedPortRanges(
    absl::string_view text) {
  constexpr absl::string_view kWhat = "netsh show excludedportrange";
  if (absl::Status size = CheckSize(text, kWhat); !size.ok()) return size;
  std::vector<PortRange> ranges;
  bool in_table = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!in_table) {
      // The rule under the column headers: dashes and spaces only.
      in_table = !line.empty() && line[0] == '-' &&
                 line.find_first_not_of("- \t") == absl::string_view::npos;
      continue;
    }
    if (line.empty()) continue;
    if (line[0] == '*') break;  // the footnote after the table
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const bool administered = fields.size() == 3 && fields[2] == "*";
    uint32_t start, end;
    if ((fields.size() != 2 && !administered) ||
        !ParseNumber(fields[0], &start) || !ParseNumber(fields[1], &end)) {
      return absl::InvalidArgumentError(absl::StrCat(
          kWhat, ": expected a row \"START END\" or \"START END *\", got ",
          Quote(line)));
    }
    if (start < 1 || end > 65535 || start > end) {
      return absl::InvalidArgumentError(absl::StrCat(
          kWhat, ": row ", Quote(line),
          " is not a range 1 <= START <= END <= 65535"));
    }
    ranges.push_back(
        PortRange{static_cast<uint16_t>(start), static_cast<uint16_t>(end)});
  }
  if (!in_table) {
    return absl::InvalidArgumentError(absl::StrCat(
        kWhat, ": no \"----\" rule under the column headers; not a port "
               "exclusion table"));
  }
  return ranges;
}

}  // namespace gtest_port_internal::windows
