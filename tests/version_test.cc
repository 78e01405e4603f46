// Tests of gtest_port/version.h: the macros, Version() of the linked
// library, and that CMake's project() and MODULE.bazel's module() carry the
// same release.

#include "gtest_port/version.h"

#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#ifndef GTEST_PORT_SOURCE_DIR
#define GTEST_PORT_SOURCE_DIR "."  // Bazel: the runfiles' workspace root.
#endif

namespace gtest_port {
namespace {

std::optional<std::string> ReadSourceFile(const std::string& name) {
  std::ifstream in(absl::StrCat(GTEST_PORT_SOURCE_DIR, "/", name));
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first group of `pattern`'s first match in the source file `name`.
std::string Find(const std::string& name, const std::string& pattern) {
  std::optional<std::string> text = ReadSourceFile(name);
  if (!text.has_value()) {
    ADD_FAILURE() << "cannot read " << name << " in " << GTEST_PORT_SOURCE_DIR;
    return "";
  }
  std::smatch match;
  if (!std::regex_search(*text, match, std::regex(pattern))) {
    ADD_FAILURE() << name << " has no match for " << pattern;
    return "";
  }
  return match[1];
}

TEST(VersionTest, TheStringIsTheThreeNumbers) {
  EXPECT_EQ(GTEST_PORT_VERSION_STRING,
            absl::StrCat(GTEST_PORT_VERSION_MAJOR, ".",
                         GTEST_PORT_VERSION_MINOR, ".",
                         GTEST_PORT_VERSION_PATCH));
}

TEST(VersionTest, TheLinkedLibraryReportsTheHeadersVersion) {
  EXPECT_STREQ(Version(), GTEST_PORT_VERSION_STRING);
}

TEST(VersionTest, CMakeProjectVersionIsTheHeaders) {
  EXPECT_EQ(Find("CMakeLists.txt",
                 R"re(project\(gtest_port\s+VERSION\s+([0-9.]+))re"),
            GTEST_PORT_VERSION_STRING);
}

TEST(VersionTest, BazelModuleVersionIsTheHeaders) {
  EXPECT_EQ(Find("MODULE.bazel",
                 R"re(module\(\s*name\s*=\s*"gtest_port",\s*version\s*=\s*"([^"]+)")re"),
            GTEST_PORT_VERSION_STRING);
}

}  // namespace
}  // namespace gtest_port
