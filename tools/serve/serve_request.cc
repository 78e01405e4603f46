#include "tools/serve/serve_request.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace gtest_port_serve {
namespace {

constexpr size_t kQuoted = 40;

absl::Status Malformed(absl::string_view request, absl::string_view why) {
  std::string quoted = absl::CHexEscape(request.substr(0, kQuoted));
  if (request.size() > kQuoted) absl::StrAppend(&quoted, "...");
  return absl::InvalidArgumentError(absl::StrCat(
      "bad request \"", quoted, "\": ", why, "; ", kRequestSyntax));
}

// Python's int() on ASCII digits: "1_000" is 1000, "1__0", "_1" and "1_" are
// not numbers. Sets *value (saturated at INT64_MAX) and returns true.
bool ParseDigits(absl::string_view text, int64_t* value) {
  if (text.empty()) return false;
  int64_t v = 0;
  bool last_digit = false;
  for (char c : text) {
    if (c == '_') {
      if (!last_digit) return false;
      last_digit = false;
      continue;
    }
    if (!absl::ascii_isdigit(c)) return false;
    last_digit = true;
    const int d = c - '0';
    v = v > (INT64_MAX - d) / 10 ? INT64_MAX : v * 10 + d;
  }
  if (!last_digit) return false;
  *value = v;
  return true;
}

}  // namespace

absl::StatusOr<ServeRequest> ParseServeRequest(absl::string_view request) {
  if (request.size() > kMaxRequestBytes) {
    return Malformed(request,
                     absl::StrCat("longer than ", kMaxRequestBytes, " bytes"));
  }
  const absl::string_view line = absl::StripAsciiWhitespace(request);
  ServeRequest out;

  if (absl::StartsWith(line, kExtensionPrefix)) {
    out.client_claims = true;
    absl::string_view rest = line.substr(kExtensionPrefix.size());
    if (rest == "port") return out;
    if (rest == "stats") {
      out.kind = ServeRequest::kStats;
      return out;
    }
    if (absl::ConsumePrefix(&rest, "block ")) {
      int64_t n = 0;
      if (rest.size() > 3 ||
          !std::all_of(rest.begin(), rest.end(), absl::ascii_isdigit) ||
          !ParseDigits(rest, &n) || n < 1 || n > kMaxBlockPorts) {
        return Malformed(request, "the block size is not a number 1-64");
      }
      out.kind = ServeRequest::kBlock;
      out.count = static_cast<int>(n);
      return out;
    }
    return Malformed(request, "unknown extension request");
  }

  if (request.size() > kMaxClassicRequestBytes) {
    return Malformed(request, absl::StrCat("a pid request has at most ",
                                           kMaxClassicRequestBytes, " bytes"));
  }
  absl::string_view digits = line;
  bool negative = false;
  if (absl::ConsumePrefix(&digits, "+")) {
    out.client_claims = true;
  } else if (absl::ConsumePrefix(&digits, "-")) {
    negative = true;
  }
  int64_t pid = 0;
  if (!ParseDigits(digits, &pid)) {
    return Malformed(request, "not a decimal pid");
  }
  if (negative || pid <= 0) {
    return Malformed(request, "a pid must be positive");
  }
  if (pid > INT32_MAX) return Malformed(request, "no process has this pid");
  out.pid = pid;
  return out;
}

bool RequestComplete(absl::string_view buffered, bool eof) {
  if (eof || buffered.size() >= kMaxRequestBytes) return true;
  if (absl::StrContains(buffered, '\n')) return true;
  if (absl::StartsWith(buffered, kExtensionPrefix)) return false;
  return !buffered.empty() && ParseServeRequest(buffered).ok();
}

}  // namespace gtest_port_serve
