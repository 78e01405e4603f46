// Fuzz target for the reservation tables other gtest_port processes publish
// (gtest_port/internal/platform/published_table.h): ReadPublishedTable reads
// a file another process wrote -- possibly an older or newer gtest_port, or a process that
// died mid-write -- so its bytes are outside input.
//
// Each input becomes the whole content of a memfd, read back through
// /proc/self/fd/<n>, the way `gtest-port list` reads another process's
// table -- three times: as it is; truncated to half its length (a table cut
// short of what its header claims); and as it is followed by a hole up to
// 1 GiB (a file far larger than any table). Invariants: the reader reads at
// most three times the layout's size whatever the file's size or header say
// (/proc/self/io), and a table either reads as entries that each
// hold at least one port and a test name safe to print (no control bytes,
// at most a slot's name escaped), or is rejected with FailedPrecondition
// naming the file; nothing is read outside the file (AddressSanitizer would
// say so).

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "gtest_port/internal/diagnostics/terminal_text.h"
#include "gtest_port/internal/diagnostics/published_table_reader.h"
#include "gtest_port/internal/platform/published_table.h"

namespace {

// One memfd for the whole run (close-on-exec, like the library's own).
int TableFd() {
  static const int fd = [] {
    const int made = ::memfd_create("published_table_fuzzer", MFD_CLOEXEC);
    if (made < 0) {
      std::perror("published_table_fuzzer: memfd_create");
      std::abort();
    }
    return made;
  }();
  return fd;
}

// Bytes this process has read so far (rchar in /proc/self/io), or -1.
int64_t BytesRead() {
  std::FILE* io = std::fopen("/proc/self/io", "re");
  if (io == nullptr) return -1;
  char key[32];
  long long value = 0;
  int64_t rchar = -1;
  while (std::fscanf(io, "%31s %lld", key, &value) == 2) {
    if (std::string(key) == "rchar:") rchar = value;
  }
  std::fclose(io);
  return rchar;
}

// Reads `content` as a table, the file `file_size` bytes long (a hole after
// the content when larger, the content cut when smaller), and checks the
// invariants.
void Check(absl::string_view input, absl::string_view content,
           off_t file_size) {
  const int fd = TableFd();
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, content.data(), content.size(), 0) !=
          static_cast<ssize_t>(content.size()) ||
      ::ftruncate(fd, file_size) != 0) {
    std::perror("published_table_fuzzer: writing the memfd");
    std::abort();
  }
  const std::string path = absl::StrCat("/proc/self/fd/", fd);
  const int64_t before = BytesRead();
  const absl::StatusOr<std::vector<gtest_port_internal::PublishedReservation>>
      table = gtest_port_internal::ReadPublishedTable(path);
  const int64_t read = BytesRead() - before;
  if (before >= 0) {
    // Three table-sized reads at most (the header, then two copies), and
    // the read of /proc/self/io.
    FUZZ_CHECK(read <= static_cast<int64_t>(
                           3 * gtest_port_internal::published_table::kTableBytes +
                           65536),
               input, absl::StrCat("read ", read, " bytes of a ", file_size,
                                   "-byte file"));
  }
  if (!table.ok()) {
    FUZZ_CHECK(table.status().code() == absl::StatusCode::kFailedPrecondition,
               input, table.status().ToString());
    FUZZ_CHECK(absl::StrContains(table.status().message(), path), input,
               table.status().ToString());
    return;
  }
  FUZZ_CHECK(absl::StartsWith(content, absl::string_view("gtest_port/v1\0", 14)),
             input, "accepted a table without the magic");
  for (const gtest_port_internal::PublishedReservation& r : *table) {
    const std::string detail =
        absl::StrCat("ports ", r.first_port, "+", r.count, " \"",
                     absl::CHexEscape(r.test_name), "\"");
    FUZZ_CHECK(r.count >= 1, input, detail);
    FUZZ_CHECK(int{r.first_port} + int{r.count} - 1 <= 65535, input, detail);
    // At most every byte of the 120-byte field escaped as \xNN.
    FUZZ_CHECK(r.test_name.size() <= 4 * gtest_port_internal::published_table::kTestNameSize,
               input, detail);
    FUZZ_CHECK(gtest_port_internal::TerminalSafe(r.test_name), input, detail);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  Check(input, input, static_cast<off_t>(size));
  Check(input, input.substr(0, size / 2), static_cast<off_t>(size / 2));
  Check(input, input, off_t{1} << 30);
  return 0;
}
