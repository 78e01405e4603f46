// File: gtest_port/export.h
//
// GTEST_PORT_EXPORT marks what a shared gtest_port library exports: the
// public API (namespace gtest_port) and the few internal symbols that the
// public headers' inline code or another gtest_port library calls across a
// library boundary. Everything else stays hidden (CMake builds shared
// libraries with -fvisibility=hidden -fvisibility-inlines-hidden), so the
// ABI is what the installed headers promise and no more.
//
// Static builds (CMake's default, and Bazel) leave it empty. Shared builds
// define GTEST_PORT_SHARED, for the library and for every program that uses
// it (CMake's exported targets and the .pc files pass it on), and
// GTEST_PORT_BUILDING while compiling the library itself:
//
//   Windows      __declspec(dllexport) when building, dllimport when using
//   elsewhere    [[gnu::visibility("default")]] (GCC, Clang)
//
// Write it first in a declaration (GTEST_PORT_EXPORT const char* Version();),
// or right after `class`/`struct`, before any other attribute:
// `class GTEST_PORT_EXPORT [[nodiscard]] Reservation final`.
//
// Example:
//
//   #include "gtest_port/export.h"
//
//   namespace gtest_port {
//   GTEST_PORT_EXPORT const char* Version();
//   class GTEST_PORT_EXPORT PortEnvironment : public ::testing::Environment {
//     ...
//   };
//   }  // namespace gtest_port

#ifndef GTEST_PORT_EXPORT_H_
#define GTEST_PORT_EXPORT_H_

#if !defined(GTEST_PORT_SHARED)
#define GTEST_PORT_EXPORT
#elif defined(_WIN32) || defined(__CYGWIN__)
#if defined(GTEST_PORT_BUILDING)
#define GTEST_PORT_EXPORT __declspec(dllexport)
#else
#define GTEST_PORT_EXPORT __declspec(dllimport)
#endif
#else
#define GTEST_PORT_EXPORT [[gnu::visibility("default")]]
#endif

#endif  // GTEST_PORT_EXPORT_H_
