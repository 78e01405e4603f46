#include "gtest_port/internal/diagnostics/published_table_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest_port/internal/diagnostics/terminal_text.h"
#include "gtest_port/internal/platform/published_table.h"
#include "gtest_port/internal/platform/shared_names.h"
#include "gtest_port/internal/platform/system.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_internal {
namespace {

using published_table::kCapacity;
using published_table::kSlotSize;
using published_table::kTestNameSize;

// Plain copies of the shared structs' fields, read with memcpy: the bytes
// are a copy, and may be anything.
struct HeaderFields {
  char magic[16];
  uint32_t used;
  uint32_t capacity;
  uint32_t slot_size;
  int32_t pid;
};

struct SlotFields {
  uint32_t sequence;
  uint16_t first_port;
  uint16_t count;
  char test_name[kTestNameSize];
};

static_assert(sizeof(HeaderFields) == sizeof(published_table::Header),
              "header layout");
static_assert(sizeof(SlotFields) == sizeof(published_table::Slot),
              "slot layout");

absl::Status NotATable(absl::string_view source, absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat(
      EscapeForTerminal(source), " is not a gtest_port reservation table: ",
      why));
}

// Reads up to `size` bytes at `offset`; fewer when the file is shorter.
absl::StatusOr<std::string> ReadAt(int fd, size_t offset, size_t size,
                                   const std::string& path) {
  std::string out(size, '\0');
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out.data() + done, size - done,
                              static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return SyscallError(errno, absl::StrCat("read ", path));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

}  // namespace

absl::StatusOr<std::vector<PublishedReservation>> ParsePublishedTable(
    absl::string_view bytes, absl::string_view source) {
  if (bytes.size() < kSlotSize) return NotATable(source, "shorter than its header");
  HeaderFields header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  if (std::memcmp(header.magic, kPublishedTableMagic,
                  sizeof(kPublishedTableMagic)) != 0) {
    return NotATable(source, "wrong magic");
  }
  if (header.slot_size != kSlotSize || header.capacity != kCapacity) {
    return NotATable(source, "unexpected layout");
  }
  const size_t slots_present = (bytes.size() - kSlotSize) / kSlotSize;
  const size_t used =
      std::min<size_t>({header.used, header.capacity, slots_present});
  std::vector<PublishedReservation> out;
  for (size_t i = 0; i < used; ++i) {
    SlotFields slot;
    std::memcpy(&slot, bytes.data() + kSlotSize * (i + 1), sizeof(slot));
    if ((slot.sequence & 1) != 0 || slot.count == 0) continue;
    // A slot whose ports run past 65535 was not written by gtest_port.
    if (int{slot.first_port} + int{slot.count} - 1 > 65535) continue;
    const size_t name_length =
        strnlen(slot.test_name, sizeof(slot.test_name));
    out.push_back(PublishedReservation{
        header.pid, slot.first_port, slot.count,
        EscapeForTerminal(absl::string_view(slot.test_name, name_length))});
  }
  return out;
}

absl::StatusOr<std::vector<PublishedReservation>> ReadPublishedTable(
    const std::string& path) {
  // Non-blocking: a FIFO swapped in for the table must not hang the reader.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("fstat ", path));
  }
  if (!S_ISREG(st.st_mode)) return NotATable(path, "not a regular file");

  // The header says how many slots are in use; read those only, and never
  // more than the layout's size, whatever the file claims.
  absl::StatusOr<std::string> head = ReadAt(fd.get(), 0, kSlotSize, path);
  if (!head.ok()) return head.status();
  size_t size = kSlotSize;
  if (head->size() == kSlotSize) {
    HeaderFields header;
    std::memcpy(&header, head->data(), sizeof(header));
    size = kSlotSize * (size_t{std::min(header.used, kCapacity)} + 1);
  }
  // Two copies: a slot that differs between them was being written, and is
  // left out.
  absl::StatusOr<std::string> first = ReadAt(fd.get(), 0, size, path);
  if (!first.ok()) return first.status();
  absl::StatusOr<std::string> second = ReadAt(fd.get(), 0, first->size(), path);
  if (!second.ok()) return second.status();
  std::string& stable = *first;
  stable.resize(std::min(stable.size(), second->size()));
  for (size_t offset = kSlotSize; offset + kSlotSize <= stable.size();
       offset += kSlotSize) {
    if (std::memcmp(stable.data() + offset, second->data() + offset,
                    kSlotSize) != 0) {
      std::memset(stable.data() + offset, 0, kSlotSize);  // count 0: skipped.
    }
  }
  return ParsePublishedTable(stable, path);
}

}  // namespace gtest_port_internal
