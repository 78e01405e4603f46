// File: tests/windows/testing/wine.h
//
// Whether the tests run under Wine rather than Windows, for the few checks
// Wine does not emulate (each such test says so in its skip message; see
// tests/windows/README.md for the list).
//
// Example:
//
//   if (RunningUnderWine()) GTEST_SKIP() << "Wine " << WineVersion() << ": ...";
//
// All functions are thread-safe.

#ifndef GTEST_PORT_TESTS_WINDOWS_TESTING_WINE_H_
#define GTEST_PORT_TESTS_WINDOWS_TESTING_WINE_H_

#include <string>

namespace gtest_port_testing_windows {

// True when ntdll.dll exports wine_get_version.
bool RunningUnderWine();

// E.g. "8.0"; "" on Windows.
std::string WineVersion();

}  // namespace gtest_port_testing_windows

#endif  // GTEST_PORT_TESTS_WINDOWS_TESTING_WINE_H_
