#include "gtest_port/internal/platform/published_table.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <utility>

#include "gtest_port/internal/platform/claim.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "gtest_port/internal/platform/shared_names.h"

namespace gtest_port_internal {
namespace {

using published_table::Header;
using published_table::kCapacity;
using published_table::kSlotSize;
using published_table::kTableBytes;
using published_table::kTestNameSize;
using published_table::Slot;

Header* HeaderOf(void* table) { return static_cast<Header*>(table); }
Slot* SlotsOf(void* table) {
  return reinterpret_cast<Slot*>(static_cast<char*>(table) + kSlotSize);
}

// Bumped in a child forked without exec: its inherited table belongs to the
// parent, so it must stop writing to it.
std::atomic<uint32_t> fork_generation{0};
void OnForkChild() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

void WriteName(absl::string_view name, char* out) {
  const size_t n = std::min(name.size(), kTestNameSize - 1);
  std::memcpy(out, name.data(), n);
  if (n < name.size()) std::memcpy(out + kTestNameSize - 4, "...", 3);
  out[n] = '\0';
}

int64_t Handle(uint32_t generation, uint32_t slot) {
  return static_cast<int64_t>((uint64_t{generation} << 32) | slot);
}

}  // namespace

PublishedTable& PublishedTable::Global() {
  static PublishedTable* const global = [] {
    ::pthread_atfork(nullptr, nullptr, &OnForkChild);
    return new PublishedTable();
  }();
  return *global;
}

PublishedTable::~PublishedTable() {
  absl::MutexLock lock(&mu_);
  Drop();
}

bool PublishedTable::Usable() {
  if (table_ != nullptr &&
      fork_generation_ != fork_generation.load(std::memory_order_relaxed)) {
    Drop();  // Forked: the mapped table is the parent's.
  }
  if (table_ != nullptr) return true;
  if (failed_) return false;
  failed_ = true;
#ifdef __linux__
  if constexpr (kLinuxBackend) {
    // Made once per process; diagnostics only, so a failure (e.g. EMFILE)
    // just leaves this process's test names unpublished.
    UniqueFd fd(::memfd_create(std::string(kPublishedTableName).c_str(),
                               MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd.valid() ||
        ::ftruncate(fd.get(), static_cast<off_t>(kTableBytes)) != 0) {
      return false;
    }
    // Readers may map it without fear: it can no longer shrink (or grow).
    ::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    void* table = ::mmap(nullptr, kTableBytes, PROT_READ | PROT_WRITE,
                         MAP_SHARED, fd.get(), 0);
    if (table == MAP_FAILED) return false;
    Header* header = HeaderOf(table);
    header->capacity = kCapacity;
    header->slot_size = kSlotSize;
    header->pid = static_cast<int32_t>(::getpid());
    header->used.store(0, std::memory_order_relaxed);
    std::memcpy(header->magic, kPublishedTableMagic,
                sizeof(kPublishedTableMagic));
    std::atomic_thread_fence(std::memory_order_release);
    table_ = table;
    fd_ = std::move(fd);
    fork_generation_ = fork_generation.load(std::memory_order_relaxed);
    failed_ = false;
    return true;
  }
#endif
  return false;
}

void PublishedTable::Drop() {
  if (table_ != nullptr) ::munmap(table_, kTableBytes);
  table_ = nullptr;
  fd_.reset();
  failed_ = false;
  used_slots_ = 0;
  free_slots_.clear();
}

int64_t PublishedTable::Publish(uint16_t first_port, uint16_t count,
                                absl::string_view test_name) {
  // Lock-file claims carry their test in the lock file itself.
  if (!test_name.empty()) {
    for (uint32_t i = 0; i < count && first_port + i <= 65535; ++i) {
      WriteTestNameToLockFile(static_cast<uint16_t>(first_port + i), test_name);
    }
  }
  absl::MutexLock lock(&mu_);
  if (!Usable()) return -1;
  int32_t index;
  if (!free_slots_.empty()) {
    index = free_slots_.back();
    free_slots_.pop_back();
  } else if (used_slots_ < kCapacity) {
    index = static_cast<int32_t>(used_slots_++);
  } else {
    return -1;  // Full: this one stays unpublished.
  }
  Slot& slot = SlotsOf(table_)[index];
  const uint32_t sequence = slot.sequence.load(std::memory_order_relaxed);
  slot.sequence.store(sequence + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  slot.first_port = first_port;
  slot.count = count;
  WriteName(test_name, slot.test_name);
  slot.sequence.store(sequence + 2, std::memory_order_release);
  HeaderOf(table_)->used.store(used_slots_, std::memory_order_release);
  return Handle(fork_generation_, static_cast<uint32_t>(index));
}

void PublishedTable::Unpublish(int64_t handle) {
  if (handle < 0) return;
  const auto generation = static_cast<uint32_t>(uint64_t(handle) >> 32);
  const auto index = static_cast<uint32_t>(handle & 0xffffffff);
  absl::MutexLock lock(&mu_);
  // A handle into the parent's table, inherited by fork, is not ours.
  if (generation != fork_generation.load(std::memory_order_relaxed)) return;
  if (!Usable() || generation != fork_generation_ || index >= used_slots_) {
    return;
  }
  Slot& slot = SlotsOf(table_)[index];
  const uint32_t sequence = slot.sequence.load(std::memory_order_relaxed);
  slot.sequence.store(sequence + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  slot.count = 0;
  slot.sequence.store(sequence + 2, std::memory_order_release);
  free_slots_.push_back(static_cast<int32_t>(index));
}

}  // namespace gtest_port_internal
