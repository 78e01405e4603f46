// File: tests/windows/testing/reserve_holder.h
//
// Reads what reserve_holder.exe (reserve_holder.cc) reports up to READY:
// one "PORT <p>" or "ADDRESS <a.b.c.d>" line per reservation, "EXHAUSTED
// <message>" when nothing free was left. Its "[gtest_port]" start-up lines
// are skipped; anything else (ERROR) is an error naming the line.
//
// Example:
//
//   absl::StatusOr<HolderReport> report =
//       ReadHolderReport(*child, "ADDRESS", absl::Seconds(90));
//   for (const std::string& address : report->values) ...
//
// Thread-compatible, like the ChildProcess it reads.

#ifndef GTEST_PORT_TESTS_WINDOWS_TESTING_RESERVE_HOLDER_H_
#define GTEST_PORT_TESTS_WINDOWS_TESTING_RESERVE_HOLDER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tests/windows/testing/child_process.h"

namespace gtest_port_testing_windows {

struct HolderReport {
  std::vector<std::string> values;  // What followed "<kind> " on each line.
  bool exhausted = false;
};

inline absl::StatusOr<HolderReport> ReadHolderReport(ChildProcess& child,
                                                     absl::string_view kind,
                                                     absl::Duration timeout) {
  const std::string prefix = absl::StrCat(kind, " ");
  HolderReport report;
  for (;;) {
    absl::StatusOr<std::string> line = child.ReadLine(timeout);
    if (!line.ok()) return line.status();
    if (*line == "READY") return report;
    if (absl::StartsWith(*line, "[gtest_port]")) continue;
    if (absl::StartsWith(*line, "EXHAUSTED ")) {
      report.exhausted = true;
    } else if (absl::StartsWith(*line, prefix)) {
      report.values.push_back(line->substr(prefix.size()));
    } else {
      return absl::InternalError(absl::StrCat("reserve_holder said: ", *line));
    }
  }
}

}  // namespace gtest_port_testing_windows

#endif  // GTEST_PORT_TESTS_WINDOWS_TESTING_RESERVE_HOLDER_H_
