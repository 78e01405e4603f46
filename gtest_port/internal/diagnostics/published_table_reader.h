// File: gtest_port/internal/diagnostics/published_table_reader.h
//
// ReadPublishedTable() reads the table another gtest_port process published
// (platform/published_table.h) to say which test holds which of its ports.
// Those bytes are untrusted -- another user, or a buggy test, controls them
// and the descriptor they come through -- so the reader
//
//   * opens without blocking and reads regular files only (a FIFO or a
//     socket swapped in for the table is refused at once);
//   * copies what it reads with pread(2) instead of mapping it, so a table
//     shrunk while it is read cannot fault the reader (no SIGBUS);
//   * reads at most the layout's size, whatever size or slot count the file
//     claims, and gives up on a slot a writer keeps busy;
//   * returns test names escaped for a terminal (terminal_text.h).
//
// Example:
//
//   absl::StatusOr<std::vector<PublishedReservation>> entries =
//       ReadPublishedTable("/proc/1234/fd/5");
//
// Thread-safe.

#ifndef GTEST_PORT_INTERNAL_DIAGNOSTICS_PUBLISHED_TABLE_READER_H_
#define GTEST_PORT_INTERNAL_DIAGNOSTICS_PUBLISHED_TABLE_READER_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gtest_port_internal {

// One entry of a table another process published.
struct PublishedReservation {
  pid_t publisher = 0;  // The process that made the table.
  uint16_t first_port = 0;
  int count = 0;
  std::string test_name;  // "" when made outside any test; escaped.
};

// Reads the table at `path`, e.g. "/proc/1234/fd/5". PermissionDenied when
// the holder belongs to another user; FailedPrecondition when the file is not
// a gtest_port table (not a regular file, wrong magic or layout).
absl::StatusOr<std::vector<PublishedReservation>> ReadPublishedTable(
    const std::string& path);

// Parses a table's bytes as read from `source` (named in errors): what
// ReadPublishedTable() does once it has a stable copy, and what its fuzzer
// drives. Total on any input; slots whose sequence is odd (being written)
// or whose ports run past 65535 are skipped.
absl::StatusOr<std::vector<PublishedReservation>> ParsePublishedTable(
    absl::string_view bytes, absl::string_view source);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_DIAGNOSTICS_PUBLISHED_TABLE_READER_H_
