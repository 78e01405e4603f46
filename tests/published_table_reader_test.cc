// Tests of ReadPublishedTable() (gtest_port/internal/diagnostics/
// published_table_reader.h) on files that are not what they claim: another
// process controls those bytes and that descriptor.

#include "gtest_port/internal/diagnostics/published_table_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/diagnostics/terminal_text.h"
#include "gtest_port/internal/platform/published_table.h"
#include "gtest_port/internal/platform/shared_names.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

namespace pt = published_table;

// The bytes of a table that claims `used` slots, the first `named` of them
// holding port 20000 + i for `name`.
std::string TableBytes(uint32_t used, int named, absl::string_view name) {
  std::string bytes(pt::kTableBytes, '\0');
  std::memcpy(bytes.data(), kPublishedTableMagic, sizeof(kPublishedTableMagic));
  const uint32_t fields[] = {used, pt::kCapacity, pt::kSlotSize};
  std::memcpy(bytes.data() + 16, fields, sizeof(fields));
  const int32_t pid = static_cast<int32_t>(::getpid());
  std::memcpy(bytes.data() + 28, &pid, sizeof(pid));
  for (int i = 0; i < named; ++i) {
    char* slot = bytes.data() + pt::kSlotSize * (i + 1);
    const uint16_t port_count[] = {static_cast<uint16_t>(20000 + i), 1};
    std::memcpy(slot + 4, port_count, sizeof(port_count));
    std::memcpy(slot + 8, name.data(),
                std::min(name.size(), pt::kTestNameSize - 1));
  }
  return bytes;
}

// A memfd named like a published table, holding `bytes`; not sealed, as a
// forger's is not.
UniqueFd ForgedTable(const std::string& bytes) {
  UniqueFd fd(::memfd_create(std::string(kPublishedTableName).c_str(),
                             MFD_CLOEXEC));
  if (!fd.valid()) return fd;
  if (::pwrite(fd.get(), bytes.data(), bytes.size(), 0) !=
      static_cast<ssize_t>(bytes.size())) {
    return UniqueFd();
  }
  return fd;
}

std::string FdPath(const UniqueFd& fd) {
  return absl::StrCat("/proc/self/fd/", fd.get());
}

// Bytes this process has read so far (read(2), pread(2): /proc/self/io).
int64_t BytesRead() {
  std::ifstream io("/proc/self/io");
  std::string key;
  int64_t value = 0;
  while (io >> key >> value) {
    if (key == "rchar:") return value;
  }
  return -1;
}

// This process's peak resident memory in KiB (VmHWM in /proc/self/status).
int64_t PeakMemoryKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    int64_t kib = 0;
    if (absl::StartsWith(line, "VmHWM:") &&
        absl::SimpleAtoi(absl::StripSuffix(
                             absl::StripAsciiWhitespace(line.substr(6)), " kB"),
                         &kib)) {
      return kib;
    }
  }
  return -1;
}

// A table shrunk and regrown by another process while it is read: a
// mapping of it would fault (SIGBUS kills this test); copies cannot.
TEST(PublishedTableReaderTest, ATableShrunkWhileItIsReadNeverFaults) {
  UniqueFd fd = ForgedTable(TableBytes(pt::kCapacity, 100, "Suite.Test"));
  ASSERT_TRUE(fd.valid()) << std::strerror(errno);
  const pid_t shrinker = ::fork();
  ASSERT_NE(shrinker, -1);
  if (shrinker == 0) {
    for (;;) {
      (void)::ftruncate(fd.get(), 0);
      (void)::ftruncate(fd.get(), pt::kSlotSize * 3);
      (void)::ftruncate(fd.get(), static_cast<off_t>(pt::kTableBytes));
    }
  }
  int ok = 0;
  int refused = 0;
  for (int i = 0; i < 2000; ++i) {
    absl::StatusOr<std::vector<PublishedReservation>> table =
        ReadPublishedTable(FdPath(fd));
    if (table.ok()) {
      ++ok;
      EXPECT_LE(table->size(), 100u);
    } else {
      ++refused;
      EXPECT_EQ(table.status().code(), absl::StatusCode::kFailedPrecondition)
          << table.status();
    }
  }
  ::kill(shrinker, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(shrinker, &status, 0), shrinker);
  EXPECT_EQ(ok + refused, 2000);
}

// A FIFO swapped in for the table (the path another process's descriptor
// names): refused at once, never waited on.
TEST(PublishedTableReaderTest, AFifoInPlaceOfTheTableIsRefusedWithoutBlocking) {
  const std::string path =
      absl::StrCat(::testing::TempDir(), "published_table_reader_fifo_",
                   ::getpid());
  ::unlink(path.c_str());
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);
  // In a child with an alarm: a reader that blocks dies of SIGALRM.
  const pid_t child = ::fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    ::alarm(10);
    absl::StatusOr<std::vector<PublishedReservation>> table =
        ReadPublishedTable(path);
    const bool refused =
        table.status().code() == absl::StatusCode::kFailedPrecondition &&
        absl::StrContains(table.status().message(), "not a regular file");
    ::_exit(refused ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ::unlink(path.c_str());
  ASSERT_FALSE(WIFSIGNALED(status))
      << "the reader blocked on a FIFO (signal " << WTERMSIG(status) << ")";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the FIFO was not refused as such";
}

// A table that claims 4 GiB and 2^32-1 used slots: read up to the layout's
// size, no further, in a bounded time.
TEST(PublishedTableReaderTest, AnAbsurdSizeIsReadOnlyUpToTheLayout) {
  UniqueFd fd = ForgedTable(TableBytes(0xffffffffu, 3, "Suite.Test"));
  ASSERT_TRUE(fd.valid()) << std::strerror(errno);
  ASSERT_EQ(::ftruncate(fd.get(), off_t{1} << 32), 0) << std::strerror(errno);
  const int64_t before = BytesRead();
  const int64_t peak_before = PeakMemoryKib();
  ASSERT_GE(before, 0) << "no /proc/self/io";
  absl::StatusOr<std::vector<PublishedReservation>> table =
      ReadPublishedTable(FdPath(fd));
  const int64_t read = BytesRead() - before;
  // Neither read nor mapped and walked: memory stays put too.
  EXPECT_LE(PeakMemoryKib() - peak_before, 16 * 1024);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 3u);
  // The header, then the table twice (the stable-copy check), and the
  // read of /proc/self/io itself.
  EXPECT_LE(read, static_cast<int64_t>(3 * pt::kTableBytes + 65536));
}

// A forged test name with ESC, CSI, C1 controls in UTF-8 and a bidi
// override reaches `gtest-port list` escaped, safe for a terminal.
TEST(PublishedTableReaderTest, AForgedTestNameIsEscapedForTheTerminal) {
  const std::string forged =
      "Evil\x1b]0;owned\x07\x1b[2J.Test\xc2\x9b" "31m\xc2\x85\xe2\x80\xaetseT";
  UniqueFd fd = ForgedTable(TableBytes(1, 1, forged));
  ASSERT_TRUE(fd.valid()) << std::strerror(errno);
  absl::StatusOr<std::vector<PublishedReservation>> table =
      ReadPublishedTable(FdPath(fd));
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->size(), 1u);
  const std::string& shown = (*table)[0].test_name;
  EXPECT_TRUE(TerminalSafe(shown)) << shown;
  for (const unsigned char c : shown) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "byte " << int{c} << " in " << shown;
  }
  EXPECT_THAT(shown, HasSubstr("Evil\\x1b]0;owned"));
  EXPECT_THAT(shown, Not(HasSubstr("\xe2\x80\xae")));
}

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
