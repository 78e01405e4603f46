// main() for the suite: GoogleTest with a SuiteEnvironment, the timed
// PortEnvironment (suite_ports.h).
//
// SUITE_ABSL_DEADLOCK_DETECTION=off turns off Abseil's mutex deadlock
// detector, which a debug build of Abseil (Debian's, Bazel's fastbuild)
// runs on every absl::Mutex; run_suite.py uses it to measure what the
// detector's first use costs a test process. "on" or unset leaves Abseil's
// default.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/synchronization/mutex.h"
#include "benchmarks/suite/suite_ports.h"
#include "gtest/gtest.h"

int main(int argc, char** argv) {
  if (const char* detection = std::getenv("SUITE_ABSL_DEADLOCK_DETECTION");
      detection != nullptr && std::string(detection) != "on") {
    if (std::string(detection) != "off") {
      std::fprintf(stderr,
                   "SUITE_ABSL_DEADLOCK_DETECTION=\"%s\": expected on or off\n",
                   absl::CHexEscape(detection).c_str());
      return 2;
    }
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  }
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new gtest_port_suite::SuiteEnvironment());
  return RUN_ALL_TESTS();
}
