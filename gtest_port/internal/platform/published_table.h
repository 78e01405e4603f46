// File: gtest_port/internal/platform/published_table.h
//
// PublishedTable is where a process tells others which test holds which of
// its ports. `gtest-port list` can find which process holds a port's claim,
// but not which test reserved it; so each gtest_port process publishes its
// live reservations in a small shared-memory table that readers map
// read-only (diagnostics/published_table_reader.h).
//
// On Linux the table is a memfd named kPublishedTableName (shared_names.h),
// close-on-exec, made and mapped once, on the first Publish(). A reader finds
// it in the holder's /proc/<pid>/fd, which takes the same permission as
// reading that directory. Ports claimed by lock files (the portable POSIX
// back-end, or GTEST_PORT_LOCK_DIR) also get their test name written into
// their lock file (claim.h: WriteTestNameToLockFile), which is where
// readers on an OS without /proc and memfd find it.
//
// Layout (version kProtocolVersion): one header slot, then kCapacity slots of
// kSlotSize bytes. Slots [0, header.used) have been written at least once; a
// slot with count 0 is free. Each slot is written under a sequence counter (a
// seqlock), so a reader never takes a half-written test name for a whole one.
//
// Fork. A child forked without exec inherits the parent's mapping but not
// its reservations' future: the child stops writing to the inherited table
// (which stays the parent's) and publishes what it reserves itself in a
// table of its own. Slots the child inherited are not its to free.
//
// Example:
//
//   PublishedTable& table = PublishedTable::Global();
//   int64_t handle = table.Publish(20005, 1, "EchoTest.Roundtrip");
//   ...
//   table.Unpublish(handle);
//
// This class is thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_PUBLISHED_TABLE_H_
#define GTEST_PORT_INTERNAL_PLATFORM_PUBLISHED_TABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_internal {

// The table's layout, shared with its readers.
namespace published_table {

inline constexpr uint32_t kSlotSize = 128;
inline constexpr uint32_t kCapacity = 4096;  // Published per process.
inline constexpr size_t kTestNameSize = 120;
inline constexpr size_t kTableBytes = size_t{kSlotSize} * (kCapacity + 1);

struct Header {
  char magic[16];  // kPublishedTableMagic.
  std::atomic<uint32_t> used;
  uint32_t capacity;
  uint32_t slot_size;
  int32_t pid;
};

struct Slot {
  std::atomic<uint32_t> sequence;  // Odd while the slot is being written.
  uint16_t first_port;
  uint16_t count;                 // 0: free.
  char test_name[kTestNameSize];  // NUL-terminated, truncated with "...".
};

static_assert(sizeof(Slot) == kSlotSize, "slot layout");
static_assert(sizeof(Header) <= kSlotSize, "header layout");
static_assert(std::atomic<uint32_t>::is_always_lock_free,
              "the table is shared between processes");

}  // namespace published_table

class PublishedTable {
 public:
  // The process's table. Never destroyed, so that reservations in statics
  // can still unpublish themselves at exit.
  static PublishedTable& Global();

  PublishedTable() = default;
  ~PublishedTable();
  PublishedTable(const PublishedTable&) = delete;
  PublishedTable& operator=(const PublishedTable&) = delete;

  // Publishes ports [first_port, first_port + count) as held for
  // `test_name` ("" outside any test; cut to fit). Returns a handle for
  // Unpublish(), or -1 when nothing was published (the table is full, or
  // could not be made: publication is diagnostics only and never fails a
  // reservation).
  int64_t Publish(uint16_t first_port, uint16_t count,
                  absl::string_view test_name) ABSL_LOCKS_EXCLUDED(mu_);

  // Frees what Publish() returned; -1 and handles into a table this process
  // no longer writes (its parent's, after fork) are ignored.
  void Unpublish(int64_t handle) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  bool Usable() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Drop() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  UniqueFd fd_ ABSL_GUARDED_BY(mu_);
  void* table_ ABSL_GUARDED_BY(mu_) = nullptr;
  // Handles carry the fork generation of the table they point into.
  uint32_t fork_generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  uint32_t used_slots_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<int32_t> free_slots_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_PLATFORM_PUBLISHED_TABLE_H_
