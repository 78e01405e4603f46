#include "gtest_port/internal/engine/reporter.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace gtest_port_internal {

std::string FormatReport(Severity severity, absl::string_view message) {
  std::string line = absl::StrCat(
      "[gtest_port] ", severity == Severity::kWarning ? "warning: " : "",
      message);
  for (char& c : line) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return line;
}

void Report(Severity severity, absl::string_view message) {
  std::FILE* stream = severity == Severity::kInfo ? stdout : stderr;
  const std::string line = absl::StrCat(FormatReport(severity, message), "\n");
  std::fwrite(line.data(), 1, line.size(), stream);
  std::fflush(stream);
}

}  // namespace gtest_port_internal
