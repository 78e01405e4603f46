// File: gtest_port/version.h
//
// Which gtest_port this is: the release as macros, for the preprocessor,
// and as a string from the library that was actually linked, for a log line
// or a bug report. The numbers here are the release's; CMake's project()
// version and MODULE.bazel's module() version must equal them (the CMake
// configure step and tests/version_test.cc check it).
//
// Example:
//
//   #if GTEST_PORT_VERSION_MAJOR == 0 && GTEST_PORT_VERSION_MINOR < 2
//   #error "needs gtest_port 0.2 or later"
//   #endif
//   std::printf("gtest_port %s\n", gtest_port::Version());  // "0.2.0"
//
// Version() is thread-safe; it returns a string with static storage.

#ifndef GTEST_PORT_VERSION_H_
#define GTEST_PORT_VERSION_H_

#include "gtest_port/export.h"

#define GTEST_PORT_VERSION_MAJOR 0
#define GTEST_PORT_VERSION_MINOR 2
#define GTEST_PORT_VERSION_PATCH 0
#define GTEST_PORT_VERSION_STRING "0.2.0"

namespace gtest_port {

// The version of the gtest_port library linked into this program, e.g.
// "0.2.0". Differs from GTEST_PORT_VERSION_STRING only when a program was
// compiled against other headers than the library it runs with.
GTEST_PORT_EXPORT const char* Version();

}  // namespace gtest_port

#endif  // GTEST_PORT_VERSION_H_
