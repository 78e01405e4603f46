#include "gtest_port/internal/port_range.h"

#include <algorithm>
#include <iterator>
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

// Text quoted in a message: escaped, and at most kQuotedBytes of it, so the
// message stays one bounded line whatever was given.
constexpr size_t kQuotedBytes = 64;
std::string Quote(absl::string_view text) {
  if (text.size() <= kQuotedBytes) return absl::CHexEscape(text);
  return absl::StrCat(absl::CHexEscape(text.substr(0, kQuotedBytes)), "...(",
                      text.size(), " bytes)");
}

absl::Status RangeError(absl::string_view text, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "\"%s\" %s; expected %s", Quote(text), what, kRangeSyntax));
}

// Parses one bound: decimal digits only (no sign, no spaces, no "0x").
bool ParseBound(absl::string_view text, int* value) {
  if (text.empty() || text.size() > 5) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, value);
}

}  // namespace

absl::StatusOr<PortRange> ParsePortRange(absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (trimmed.empty()) return RangeError(text, "is empty");
  const std::vector<absl::string_view> parts = absl::StrSplit(trimmed, '-');
  if (parts.size() != 2) {
    return RangeError(text, "is not two numbers joined by one '-'");
  }
  int lo = 0;
  int hi = 0;
  if (!ParseBound(parts[0], &lo)) {
    return RangeError(text, absl::StrCat("has LO \"", Quote(parts[0]),
                                         "\", which is not a port number"));
  }
  if (!ParseBound(parts[1], &hi)) {
    return RangeError(text, absl::StrCat("has HI \"", Quote(parts[1]),
                                         "\", which is not a port number"));
  }
  if (lo < kMinPort || hi < kMinPort) {
    return RangeError(text, "reaches below 1024 (privileged ports)");
  }
  if (lo > kMaxPort || hi > kMaxPort) {
    return RangeError(text, "reaches above 65535");
  }
  if (lo > hi) return RangeError(text, "is reversed (LO > HI)");
  return PortRange{static_cast<uint16_t>(lo), static_cast<uint16_t>(hi)};
}

absl::StatusOr<PortRange> ParseKernelPortRange(absl::string_view text) {
  const std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
  int lo = 0;
  int hi = 0;
  if (parts.size() != 2 || !ParseBound(parts[0], &lo) ||
      !ParseBound(parts[1], &hi) || lo > hi || hi > kMaxPort) {
    return absl::InvalidArgumentError(
        absl::StrFormat("\"%s\" is not a kernel port range; expected two "
                        "port numbers LO <= HI separated by whitespace",
                        absl::CHexEscape(text.substr(0, 64))));
  }
  return PortRange{static_cast<uint16_t>(lo), static_cast<uint16_t>(hi)};
}

std::string FormatPortRange(PortRange range) {
  return absl::StrCat(range.first, "-", range.last);
}

absl::StatusOr<ShardPart> SplitForShard(int64_t size, ShardSpec shard,
                                        absl::string_view range,
                                        absl::string_view items,
                                        absl::string_view variable) {
  if (shard.total < 1 || shard.index < 0 || shard.index >= shard.total) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "shard index %d of %d shards is out of range; expected 0 <= index < "
        "total (GTEST_SHARD_INDEX, GTEST_TOTAL_SHARDS)",
        shard.index, shard.total));
  }
  const int64_t span = size / shard.total;
  if (span < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s has %d %s, too few for %d shards (span = %d / %d = 0 %s per "
        "shard); widen %s to at least %d %s or run fewer shards",
        range, size, items, shard.total, size, shard.total, items, variable,
        shard.total, items));
  }
  const int64_t first = shard.index * span;
  return ShardPart{first, first + span - 1};
}

absl::StatusOr<PortRange> ShardSlice(PortRange range, ShardSpec shard) {
  absl::StatusOr<ShardPart> part = SplitForShard(
      range.size(), shard, absl::StrCat("port range ", FormatPortRange(range)),
      "ports", "GTEST_PORT_RANGE");
  if (!part.ok()) return part.status();
  return PortRange{static_cast<uint16_t>(range.first + part->first),
                   static_cast<uint16_t>(range.first + part->last)};
}

bool IsUnsafePort(int port) {
  return std::binary_search(std::begin(kUnsafePorts), std::end(kUnsafePorts),
                            port);
}

CandidateSet::CandidateSet(PortRange slice, std::optional<PortRange> excluded,
                           absl::Span<const uint16_t> unsafe)
    : slice_(slice) {
  absl::InlinedVector<PortRange, 2> runs;
  if (excluded.has_value() && excluded->first <= slice.last &&
      excluded->last >= slice.first) {
    skipped_ = PortRange{std::max(slice.first, excluded->first),
                         std::min(slice.last, excluded->last)};
    if (skipped_->first > slice.first) {
      runs.push_back({slice.first, static_cast<uint16_t>(skipped_->first - 1)});
    }
    if (skipped_->last < slice.last) {
      runs.push_back({static_cast<uint16_t>(skipped_->last + 1), slice.last});
    }
  } else {
    runs.push_back(slice);
  }
  // Cut each unsafe port out of the run that holds it.
  for (PortRange run : runs) {
    int next = run.first;
    for (const uint16_t port : unsafe) {
      if (port < next || port > run.last) continue;
      skipped_unsafe_.push_back(port);
      if (port > next) {
        runs_.push_back({static_cast<uint16_t>(next),
                         static_cast<uint16_t>(port - 1)});
      }
      next = port + 1;
    }
    if (next <= run.last) {
      runs_.push_back({static_cast<uint16_t>(next), run.last});
    }
  }
  for (const PortRange& run : runs_) size_ += run.size();
}

uint16_t CandidateSet::port(int index) const {
  for (const PortRange& run : runs_) {
    if (index < run.size()) return static_cast<uint16_t>(run.first + index);
    index -= run.size();
  }
  return 0;  // Unreachable for 0 <= index < size().
}

int CandidateSet::BlockCount(int count) const {
  int blocks = 0;
  for (const PortRange& run : runs_) blocks += std::max(0, run.size() - count + 1);
  return blocks;
}

uint16_t CandidateSet::BlockStart(int index, int count) const {
  for (const PortRange& run : runs_) {
    const int starts = std::max(0, run.size() - count + 1);
    if (index < starts) return static_cast<uint16_t>(run.first + index);
    index -= starts;
  }
  return 0;  // Unreachable for 0 <= index < BlockCount(count).
}

}  // namespace gtest_port_internal
