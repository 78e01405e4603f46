// Fuzz target for the reservation tables other gtest_port processes publish
// (gtest_port/internal/platform/published_table.h): ReadPublishedTable reads
// a file another process wrote -- possibly an older or newer gtest_port, or a process that
// died mid-write -- so its bytes are outside input.
//
// Each input becomes the whole content of a memfd, read back through
// /proc/self/fd/<n>, the way `gtest-port list` reads another process's
// table. Inputs of every size, the truncated and the oversized, test the
// reader's size lies. Invariants: a table either reads as entries that each
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const int fd = TableFd();
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) {
    std::perror("published_table_fuzzer: writing the memfd");
    std::abort();
  }
  const std::string path = absl::StrCat("/proc/self/fd/", fd);
  const absl::StatusOr<std::vector<gtest_port_internal::PublishedReservation>>
      table = gtest_port_internal::ReadPublishedTable(path);
  if (!table.ok()) {
    FUZZ_CHECK(table.status().code() == absl::StatusCode::kFailedPrecondition,
               input, table.status().ToString());
    FUZZ_CHECK(absl::StrContains(table.status().message(), path), input,
               table.status().ToString());
    return 0;
  }
  FUZZ_CHECK(absl::StartsWith(input, absl::string_view("gtest_port/v1\0", 14)),
             input, "accepted a table without the magic");
  for (const gtest_port_internal::PublishedReservation& r : *table) {
    const std::string detail =
        absl::StrCat("ports ", r.first_port, "+", r.count, " \"",
                     absl::CHexEscape(r.test_name), "\"");
    FUZZ_CHECK(r.count >= 1, input, detail);
    FUZZ_CHECK(int{r.first_port} + int{r.count} - 1 <= 65535, input, detail);
    FUZZ_CHECK(r.test_name.size() < 4 * 120, input, detail);
    FUZZ_CHECK(gtest_port_internal::TerminalSafe(r.test_name), input, detail);
  }
  return 0;
}
