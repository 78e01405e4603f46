// main() for test binaries that use gtest_port: like gtest_main (and
// gmock_main), and it registers gtest_port::PortEnvironment.

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/port_environment.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new gtest_port::PortEnvironment());
  return RUN_ALL_TESTS();
}
