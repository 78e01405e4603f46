// main() for the suite: GoogleTest with a SuiteEnvironment, the timed
// PortEnvironment (suite_ports.h).

#include "benchmarks/suite/suite_ports.h"
#include "gtest/gtest.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new gtest_port_suite::SuiteEnvironment());
  return RUN_ALL_TESTS();
}
