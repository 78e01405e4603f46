// Tests of ReadPublishedTable() (gtest_port/internal/diagnostics/
// published_table_reader.h) on files that are not what they claim: another
// process controls those bytes and that descriptor.

#include "gtest_port/internal/diagnostics/published_table_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gtest_port_internal {
namespace {

using ::testing::HasSubstr;

TEST(PublishedTableReaderTest, ReadingAFileThatIsNoTableFailsClearly) {
  absl::StatusOr<std::vector<PublishedReservation>> table =
      ReadPublishedTable("/proc/self/cmdline");
  EXPECT_FALSE(table.ok());
  const std::string path = ::testing::TempDir() + "published_table_reader_test_not_a_table";
  std::ofstream(path) << std::string(4096, 'x');
  table = ReadPublishedTable(path);
  ::unlink(path.c_str());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(table.status().message(),
              HasSubstr("is not a gtest_port reservation table"));
}
}  // namespace
}  // namespace gtest_port_internal
