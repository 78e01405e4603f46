// File: gtest_port/internal/diagnostics/terminal_text.h
//
// Text that another process controls -- a test name from its published
// table, its command line -- is printed by `gtest-port list/who` into
// someone's terminal. TerminalSafe() tells whether it can be printed as it
// is: no C0 or C1 control (ESC, CSI, ...), no DEL, no bidirectional
// override or isolate (which reorder what the reader sees), valid UTF-8.
// EscapeForTerminal() makes any text safe: unchanged when it already is,
// otherwise every byte outside printable ASCII written as \xNN.
//
// Example:
//
//   std::string shown = EscapeForTerminal("Evil\x1b[2JTest");
//   // "Evil\\x1b[2JTest"
//
// Pure functions: thread-safe.

#ifndef GTEST_PORT_INTERNAL_DIAGNOSTICS_TERMINAL_TEXT_H_
#define GTEST_PORT_INTERNAL_DIAGNOSTICS_TERMINAL_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace gtest_port_internal {

bool TerminalSafe(absl::string_view text);

std::string EscapeForTerminal(absl::string_view text);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_DIAGNOSTICS_TERMINAL_TEXT_H_
