#include "gtest_port/port_environment.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest_port/internal/engine/reporter.h"
#include "gtest_port/internal/engine/reservation.h"
#include "gtest_port/internal/glue/default_allocator.h"
#include "gtest_port/internal/glue/test_registry.h"

namespace gtest_port {

using gtest_port_internal::PortAllocator;
using gtest_port_internal::Report;
using gtest_port_internal::Severity;

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
  // statics initialised before main) are long-lived on purpose.
  for (const gtest_port_internal::TestReservation& r :
       gtest_port_internal::TestRegistry::Global().Live()) {
    if (r.test == nullptr) continue;
    Report(Severity::kNote,
           absl::StrCat("leak: ",
                        gtest_port_internal::DescribePorts(r.first_port,
                                                           r.count),
                        " reserved by ", gtest_port_internal::TestNameOf(r.test),
                        " is still held after the test ended"));
  }

  absl::StatusOr<std::shared_ptr<PortAllocator>> allocator =
      gtest_port_internal::DefaultAllocator();
  if (!allocator.ok() || !(*allocator)->config().verbose) return;
  Report(Severity::kInfo,
         gtest_port_internal::Stats::Summary((*allocator)->stats()));
}

}  // namespace gtest_port
