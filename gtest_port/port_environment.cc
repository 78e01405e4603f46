#include "gtest_port/port_environment.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest_port/internal/engine/reporter.h"
#include "gtest_port/internal/engine/reservation.h"
#include "gtest_port/internal/glue/default_allocator.h"
#include "gtest_port/internal/glue/test_registry.h"

namespace gtest_port {

using gtest_port_internal::PortAllocator;
using gtest_port_internal::Report;
using gtest_port_internal::Severity;

namespace {

// What a configuration error is about, for GoogleTest's "file:" position:
// the first variable ("GTEST_PORT_RANGE") or Options field
// ("Options::portserver_timeout") the message names, else "gtest_port
// configuration".
std::string ConfigurationSource(absl::string_view message) {
  for (size_t i = 0; i < message.size(); ++i) {
    if (i > 0 && (absl::ascii_isalnum(message[i - 1]) || message[i - 1] == '_')) {
      continue;  // Not the start of a word.
    }
    absl::string_view rest = message.substr(i);
    if (absl::StartsWith(rest, "Options::")) {
      size_t end = 9;
      while (end < rest.size() &&
             (absl::ascii_islower(rest[end]) || rest[end] == '_')) {
        ++end;
      }
      if (end > 9) return std::string(rest.substr(0, end));
    }
    // An environment variable: upper case, digits and at least one '_'.
    size_t end = 0;
    bool underscore = false;
    while (end < rest.size() && (absl::ascii_isupper(rest[end]) ||
                                 absl::ascii_isdigit(rest[end]) ||
                                 rest[end] == '_')) {
      underscore = underscore || rest[end] == '_';
      ++end;
    }
    if (end > 3 && underscore && absl::ascii_isupper(rest[0])) {
      return std::string(rest.substr(0, end));
    }
  }
  return "gtest_port configuration";
}

}  // namespace

void PortEnvironment::SetUp() {
  absl::StatusOr<std::shared_ptr<PortAllocator>> allocator =
      gtest_port_internal::InstallDefaultAllocator(options_);
  if (!allocator.ok()) {
    // Not GTEST_FAIL(): GoogleTest 1.12 answers a fatal failure in a global
    // set-up by printing "[  SKIPPED ]" for every test, and CTest's
    // gtest_discover_tests counts those as skipped -- a run that passes. The
    // process ends here with code 1 instead, under every runner: the binary
    // itself, ctest, Bazel shards, --gtest_repeat. Listing tests
    // (--gtest_list_tests) sets up no environment and still works.
    //
    // The failure is printed the way GoogleTest prints one, at what the user
    // can change -- the variable or Options field the message names -- not
    // at a line of gtest_port's own source.
    const std::string where = ConfigurationSource(allocator.status().message());
    std::printf("%s: Failure\ngtest_port: invalid configuration: %s\n",
                where.c_str(),
                std::string(allocator.status().message()).c_str());
    Report(Severity::kNote,
           absl::StrCat("invalid configuration: ",
                        allocator.status().message(),
                        " -- no test was run; exit code 1"));
    std::cout.flush();
    std::fflush(nullptr);
    std::_Exit(1);
  }
  Report(Severity::kInfo, (*allocator)->Describe());
  for (const std::string& warning : (*allocator)->config().warnings) {
    Report(Severity::kWarning, warning);
  }
}

void PortEnvironment::TearDown() {
  // Every test has ended: a reservation a test made that is still held
  // outlived it (kept in a static, moved out of the test, never destroyed).
  // Reservations made outside any test (environments, SetUpTestSuite,
  // statics initialised before main) are long-lived on purpose. With
  // GTEST_PORT_FAIL_ON_LEAK (Options::fail_on_leak) a leak fails the run.
  absl::StatusOr<std::shared_ptr<PortAllocator>> allocator =
      gtest_port_internal::DefaultAllocator();
  const bool fail_on_leak = allocator.ok() && (*allocator)->config().fail_on_leak;
  for (const gtest_port_internal::TestReservation& r :
       gtest_port_internal::TestRegistry::Global().Live()) {
    if (r.test == nullptr) continue;
    const std::string leak = absl::StrCat(
        "leak: ", gtest_port_internal::DescribePorts(r.first_port, r.count),
        " reserved by ", gtest_port_internal::TestNameOf(r.test),
        " is still held after the test ended");
    if (fail_on_leak) {
      // The test named is where the user looks; no line of gtest_port's.
      GTEST_MESSAGE_AT_(
          "GTEST_PORT_FAIL_ON_LEAK", -1,
          absl::StrCat("gtest_port: ", leak).c_str(),
          ::testing::TestPartResult::kNonFatalFailure);
    } else {
      Report(Severity::kNote, leak);
    }
  }

  if (!allocator.ok() || !(*allocator)->config().verbose) return;
  Report(Severity::kInfo,
         gtest_port_internal::Stats::Summary((*allocator)->stats()));
}

}  // namespace gtest_port
