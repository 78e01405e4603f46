#include "gtest_port/internal/address_range.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace gtest_port_internal {
namespace {

// 32: a message can quote the value, one address of it and one number of
// that (each escaped, up to 4 characters a byte) and stay under 1 KiB.
constexpr size_t kQuotedBytes = 32;
std::string Quote(absl::string_view text) {
  if (text.size() <= kQuotedBytes) return absl::CHexEscape(text);
  return absl::StrCat(absl::CHexEscape(text.substr(0, kQuotedBytes)), "...(",
                      text.size(), " bytes)");
}

absl::Status PoolError(absl::string_view text, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "\"%s\" %s; expected %s", Quote(text), what, kAddressRangeSyntax));
}

// The reason `range` may not be handed out, or "" when it may.
std::string PoolProblem(AddressRange range) {
  if ((range.first >> 24) != 127 || (range.last >> 24) != 127) {
    return "is not inside 127.0.0.0/8 (the loopback network)";
  }
  if (range.first > range.last) return "is reversed (FIRST > LAST)";
  if (range.contains(kLocalhost)) {
    return "includes 127.0.0.1, which every other program uses";
  }
  if (range.contains(kLoopbackNetwork)) {
    return "includes 127.0.0.0, the network's own address";
  }
  if (range.contains(kLoopbackBroadcast)) {
    return "includes 127.255.255.255, the broadcast address";
  }
  return "";
}

}  // namespace

std::string FormatAddress(uint32_t address) {
  return absl::StrCat(address >> 24, ".", (address >> 16) & 0xff, ".",
                      (address >> 8) & 0xff, ".", address & 0xff);
}

std::string FormatAddressRange(AddressRange range) {
  return absl::StrCat(FormatAddress(range.first), "-",
                      FormatAddress(range.last));
}

absl::StatusOr<uint32_t> ParseAddress(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.size() != 4) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "\"%s\" is not an IPv4 address (four numbers 0-255 joined by '.')",
        Quote(text)));
  }
  uint32_t address = 0;
  for (absl::string_view part : parts) {
    bool digits = !part.empty() && part.size() <= 3 &&
                  !(part.size() > 1 && part[0] == '0');
    for (char c : part) {
      digits = digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
    }
    int value = 0;
    if (!digits || !absl::SimpleAtoi(part, &value) || value > 255) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "\"%s\" is not an IPv4 address: \"%s\" is not a number 0-255 "
          "(decimal, no leading zeros)",
          Quote(text), Quote(part)));
    }
    address = (address << 8) | static_cast<uint32_t>(value);
  }
  return address;
}

absl::Status ValidateAddressRange(AddressRange range) {
  const std::string problem = PoolProblem(range);
  if (problem.empty()) return absl::OkStatus();
  return PoolError(FormatAddressRange(range), problem);
}

absl::StatusOr<AddressRange> ParseAddressRange(absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (trimmed.empty()) return PoolError(text, "is empty");
  const std::vector<absl::string_view> parts = absl::StrSplit(trimmed, '-');
  if (parts.size() > 2) {
    return PoolError(text, "is not two addresses joined by one '-'");
  }
  AddressRange range;
  absl::StatusOr<uint32_t> first = ParseAddress(parts[0]);
  if (!first.ok()) {
    return PoolError(text, absl::StrCat("has FIRST ", first.status().message()));
  }
  range.first = range.last = *first;
  if (parts.size() == 2) {
    absl::StatusOr<uint32_t> last = ParseAddress(parts[1]);
    if (!last.ok()) {
      return PoolError(text, absl::StrCat("has LAST ", last.status().message()));
    }
    range.last = *last;
  }
  const std::string problem = PoolProblem(range);
  if (!problem.empty()) return PoolError(text, problem);
  return range;
}

absl::StatusOr<AddressRange> ShardAddressSlice(AddressRange range,
                                               ShardSpec shard) {
  absl::StatusOr<ShardPart> part = SplitForShard(
      range.size(), shard,
      absl::StrCat("address range ", FormatAddressRange(range)), "addresses",
      "GTEST_PORT_ADDRESS_RANGE");
  if (!part.ok()) return part.status();
  return AddressRange{static_cast<uint32_t>(range.first + part->first),
                      static_cast<uint32_t>(range.first + part->last)};
}

}  // namespace gtest_port_internal
