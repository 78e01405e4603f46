// PublishedTable where the OS offers no way for `gtest-port list` to read
// another process's table (Windows): nothing is published, reservations
// work the same, and diagnostics name no test. See published_table.h.

#include "gtest_port/internal/platform/published_table.h"

namespace gtest_port_internal {

PublishedTable& PublishedTable::Global() {
  static PublishedTable* const table = new PublishedTable();
  return *table;
}

PublishedTable::~PublishedTable() = default;

int64_t PublishedTable::Publish(uint16_t /*first_port*/, uint16_t /*count*/,
                                absl::string_view /*test_name*/) {
  return -1;  // Nothing published: diagnostics only, never an error.
}

void PublishedTable::Unpublish(int64_t /*handle*/) {}

}  // namespace gtest_port_internal
