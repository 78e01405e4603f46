// File: gtest_port/internal/engine/reporter.h
//
// Every line gtest_port prints goes through Report(), so that all of them
// look alike ("[gtest_port] ...") and follow one stream policy:
//
//   kInfo     stdout   what the user expects to see in a run's log, in order
//                      with GoogleTest's own lines: the start-up line (shard,
//                      slice, mechanisms), GTEST_PORT_VERBOSE's summary.
//   kNote     stderr   facts about one test or reservation, next to the
//                      test's own failure messages: the ports a failed test
//                      held, a reservation that outlived its test ("leak:"),
//                      GTEST_PORT_VERBOSE's line per reservation.
//   kWarning  stderr   "warning: " and something to fix that does not stop
//                      the run: a range overlapping the ephemeral range, a
//                      port server given up.
//
// Each line is written whole and flushed at once. Text that came from
// outside (values of variables, replies) must be escaped by the caller;
// Report() replaces any remaining control byte with '?' so that nothing can
// reach a terminal as an escape sequence.
//
// Example:
//
//   Report(Severity::kWarning, "port range 30000-40000 overlaps ...");
//   // stderr: "[gtest_port] warning: port range 30000-40000 overlaps ..."
//
// Thread-safe.

#ifndef GTEST_PORT_INTERNAL_ENGINE_REPORTER_H_
#define GTEST_PORT_INTERNAL_ENGINE_REPORTER_H_

#include <string>

#include "absl/strings/string_view.h"

namespace gtest_port_internal {

enum class Severity { kInfo, kNote, kWarning };

void Report(Severity severity, absl::string_view message);

// The line Report() writes, without its newline.
std::string FormatReport(Severity severity, absl::string_view message);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_ENGINE_REPORTER_H_
