// File: fuzz/fuzz_check.h
//
// FUZZ_CHECK for gtest_port's fuzz targets: when an invariant does not hold,
// print what was expected, the input (escaped) and the library's answer, and
// abort(). Under libFuzzer the abort is a crash that is saved as a
// reproducer; under the corpus replay driver (replay_main.cc) it fails the
// test.
//
// Example:
//
//   FUZZ_CHECK(range->first <= range->last, text, "first > last");
//
// Stateless: safe from any thread.

#ifndef GTEST_PORT_FUZZ_FUZZ_CHECK_H_
#define GTEST_PORT_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace gtest_port_fuzz {

[[noreturn]] inline void FuzzCheckFailed(const char* file, int line,
                                         const char* condition,
                                         absl::string_view input,
                                         absl::string_view detail) {
  std::fprintf(stderr,
               "%s:%d: invariant violated: %s\n  input: \"%s\"\n  detail: %s\n",
               file, line, condition, absl::CHexEscape(input).c_str(),
               std::string(detail).c_str());
  std::abort();
}

}  // namespace gtest_port_fuzz

// `input` is the fuzz input being checked; `detail` (anything convertible to
// absl::string_view) says what the library answered.
#define FUZZ_CHECK(condition, input, detail)                             \
  do {                                                                   \
    if (!(condition)) {                                                  \
      ::gtest_port_fuzz::FuzzCheckFailed(__FILE__, __LINE__, #condition, \
                                         (input), (detail));             \
    }                                                                    \
  } while (false)

#endif  // GTEST_PORT_FUZZ_FUZZ_CHECK_H_
