#include "gtest_port/internal/registry.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gtest_port_internal {
namespace {

// The published table: one header slot, then kCapacity slots. Slots
// [0, header.used) have been written at least once; a slot with count 0 is
// free. Readers in other processes map the file read-only.
constexpr char kMagic[16] = "gtest_port/v1";
constexpr uint32_t kSlotSize = 128;
constexpr uint32_t kCapacity =
    4096;  // Live reservations published per process.
constexpr size_t kTestNameSize = 120;

struct TableHeader {
  char magic[16];
  std::atomic<uint32_t> used;
  uint32_t capacity;
  uint32_t slot_size;
  int32_t pid;
};

struct TableSlot {
  std::atomic<uint32_t> sequence;  // Odd while the slot is being written.
  uint16_t first_port;
  uint16_t count;                 // 0: free.
  char test_name[kTestNameSize];  // NUL-terminated, truncated with "...".
};

static_assert(sizeof(TableSlot) == kSlotSize, "slot layout");
static_assert(sizeof(TableHeader) <= kSlotSize, "header layout");
static_assert(std::atomic<uint32_t>::is_always_lock_free,
              "the table is shared between processes");

constexpr size_t kTableBytes = size_t{kSlotSize} * (kCapacity + 1);

TableHeader* Header(void* table) { return static_cast<TableHeader*>(table); }
TableSlot* Slots(void* table) {
  return reinterpret_cast<TableSlot*>(static_cast<char*>(table) + kSlotSize);
}

// Bumped in a child forked without exec: its inherited table belongs to the
// parent, so it must stop writing to it.
std::atomic<uint32_t> fork_generation{0};
void OnForkChild() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

uint64_t Key(const HeldPorts& ports) {
  // A valid claim descriptor is unique among this process's open
  // descriptors; without one (a port server's port), the port is unique
  // among this process's live reservations.
  const uint32_t fd = static_cast<uint32_t>(ports.front().claim.get());
  return (uint64_t{fd} << 16) | ports.front().port;
}

void WriteName(const ::testing::TestInfo* test, char* out) {
  size_t n = 0;
  if (test != nullptr) {
    const absl::string_view parts[] = {test->test_suite_name(), ".",
                                       test->name()};
    bool truncated = false;
    for (absl::string_view part : parts) {
      const size_t take = std::min(part.size(), kTestNameSize - 1 - n);
      std::memcpy(out + n, part.data(), take);
      n += take;
      truncated |= take < part.size();
    }
    if (truncated) std::memcpy(out + kTestNameSize - 4, "...", 3);
  }
  out[n] = '\0';
}

}  // namespace

std::string TestNameOf(const ::testing::TestInfo* test) {
  if (test == nullptr) return "";
  return absl::StrCat(test->test_suite_name(), ".", test->name());
}

std::string RegisteredReservation::TestName() const { return TestNameOf(test); }

std::string RegisteredReservation::DescribePorts() const {
  if (count == 1) return absl::StrCat("port ", first_port);
  return absl::StrCat("ports ", first_port, "-", first_port + count - 1);
}

ReservationRegistry::ReservationRegistry(bool publish) : publish_(publish) {}

ReservationRegistry::~ReservationRegistry() {
  absl::MutexLock lock(&mu_);
  DropTable();
}

ReservationRegistry& ReservationRegistry::Global() {
  static ReservationRegistry* const global = [] {
    ::pthread_atfork(nullptr, nullptr, &OnForkChild);
    return new ReservationRegistry(/*publish=*/true);
  }();
  return *global;
}

void ReservationRegistry::Add(const HeldPorts& ports,
                              const ::testing::TestInfo* test) {
  if (ports.empty()) return;
  Entry entry;
  entry.reservation.first_port = ports.front().port;
  entry.reservation.count = static_cast<int>(ports.size());
  entry.reservation.test = test;
  absl::MutexLock lock(&mu_);
  entry.sequence = next_sequence_++;
  auto [it, fresh] = live_.try_emplace(Key(ports), entry);
  if (!fresh) {  // Not expected: the key's claim is held. Keep the newer.
    Unpublish(it->second);
    it->second = entry;
  }
  if (publish_) Publish(it->second);
}

void ReservationRegistry::Remove(const HeldPorts& ports) {
  if (ports.empty()) return;
  absl::MutexLock lock(&mu_);
  auto it = live_.find(Key(ports));
  if (it == live_.end()) return;
  Unpublish(it->second);
  live_.erase(it);
}

std::vector<RegisteredReservation> ReservationRegistry::Live() const {
  std::vector<std::pair<uint64_t, RegisteredReservation>> ordered;
  {
    absl::MutexLock lock(&mu_);
    ordered.reserve(live_.size());
    for (const auto& [key, entry] : live_) {
      ordered.emplace_back(entry.sequence, entry.reservation);
    }
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<RegisteredReservation> out;
  out.reserve(ordered.size());
  for (auto& [sequence, reservation] : ordered) out.push_back(reservation);
  return out;
}

std::vector<RegisteredReservation> ReservationRegistry::MadeBy(
    const ::testing::TestInfo* test) const {
  std::vector<RegisteredReservation> out;
  for (const RegisteredReservation& r : Live()) {
    if (r.test == test) out.push_back(r);
  }
  return out;
}

// --- Publication -----------------------------------------------------------

bool ReservationRegistry::TableUsable() {
  if (table_ != nullptr &&
      table_fork_generation_ !=
          fork_generation.load(std::memory_order_relaxed)) {
    DropTable();  // Forked: the mapped table is the parent's.
  }
  if (table_ != nullptr) return true;
  if (table_failed_) return false;
#ifdef __linux__
  // Made once per process; diagnostics only, so a failure (e.g. EMFILE) just
  // leaves this process's test names unpublished.
  table_failed_ = true;
  UniqueFd fd(
      ::memfd_create(std::string(kPublishedTableName).c_str(), MFD_CLOEXEC));
  if (!fd.valid() ||
      ::ftruncate(fd.get(), static_cast<off_t>(kTableBytes)) != 0) {
    return false;
  }
  void* table = ::mmap(nullptr, kTableBytes, PROT_READ | PROT_WRITE, MAP_SHARED,
                       fd.get(), 0);
  if (table == MAP_FAILED) return false;
  TableHeader* header = Header(table);
  header->capacity = kCapacity;
  header->slot_size = kSlotSize;
  header->pid = static_cast<int32_t>(::getpid());
  header->used.store(0, std::memory_order_relaxed);
  std::memcpy(header->magic, kMagic, sizeof(kMagic));
  std::atomic_thread_fence(std::memory_order_release);
  table_ = table;
  table_fd_ = std::move(fd);
  table_fork_generation_ = fork_generation.load(std::memory_order_relaxed);
  table_failed_ = false;
  return true;
#else
  table_failed_ = true;
  return false;
#endif
}

void ReservationRegistry::DropTable() {
  if (table_ != nullptr) ::munmap(table_, kTableBytes);
  table_ = nullptr;
  table_fd_.reset();
  table_failed_ = false;
  used_slots_ = 0;
  free_slots_.clear();
  for (auto& [key, entry] : live_) entry.slot = -1;
}

void ReservationRegistry::Publish(Entry& entry) {
  if (!TableUsable()) return;
  int32_t slot_index;
  if (!free_slots_.empty()) {
    slot_index = free_slots_.back();
    free_slots_.pop_back();
  } else if (used_slots_ < kCapacity) {
    slot_index = static_cast<int32_t>(used_slots_++);
  } else {
    return;  // Full: this one stays unpublished.
  }
  TableSlot& slot = Slots(table_)[slot_index];
  const uint32_t sequence = slot.sequence.load(std::memory_order_relaxed);
  slot.sequence.store(sequence + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  slot.first_port = entry.reservation.first_port;
  slot.count = static_cast<uint16_t>(entry.reservation.count);
  WriteName(entry.reservation.test, slot.test_name);
  slot.sequence.store(sequence + 2, std::memory_order_release);
  Header(table_)->used.store(used_slots_, std::memory_order_release);
  entry.slot = slot_index;
}

void ReservationRegistry::Unpublish(const Entry& entry) {
  if (entry.slot < 0 || !TableUsable()) return;
  TableSlot& slot = Slots(table_)[entry.slot];
  const uint32_t sequence = slot.sequence.load(std::memory_order_relaxed);
  slot.sequence.store(sequence + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  slot.count = 0;
  slot.sequence.store(sequence + 2, std::memory_order_release);
  free_slots_.push_back(entry.slot);
}

absl::StatusOr<std::vector<PublishedReservation>> ReadPublishedTable(
    const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid())
    return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("fstat ", path));
  }
  const auto not_a_table = [&path](absl::string_view why) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not a gtest_port reservation table: ", why));
  };
  if (st.st_size < static_cast<off_t>(kSlotSize)) {
    return not_a_table("shorter than its header");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  void* table = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (table == MAP_FAILED) {
    return absl::ErrnoToStatus(errno, absl::StrCat("mmap ", path));
  }
  struct Unmap {
    void* table;
    size_t size;
    ~Unmap() { ::munmap(table, size); }
  } unmap{table, size};

  const TableHeader* header = Header(table);
  if (std::memcmp(header->magic, kMagic, sizeof(kMagic)) != 0) {
    return not_a_table("wrong magic");
  }
  std::atomic_thread_fence(std::memory_order_acquire);
  if (header->slot_size != kSlotSize ||
      size < size_t{kSlotSize} * (size_t{header->capacity} + 1)) {
    return not_a_table("unexpected size");
  }
  const uint32_t used =
      std::min(header->used.load(std::memory_order_acquire), header->capacity);
  std::vector<PublishedReservation> out;
  const TableSlot* slots = Slots(table);
  for (uint32_t i = 0; i < used; ++i) {
    const TableSlot& slot = slots[i];
    // A writer holds a slot for ~100 ns; give up on one that stays busy.
    for (int attempt = 0; attempt < 1000; ++attempt) {
      const uint32_t before = slot.sequence.load(std::memory_order_acquire);
      if (before & 1) continue;
      const uint16_t first_port = slot.first_port;
      const uint16_t count = slot.count;
      char name[kTestNameSize];
      std::memcpy(name, slot.test_name, sizeof(name));
      std::atomic_thread_fence(std::memory_order_acquire);
      if (slot.sequence.load(std::memory_order_relaxed) != before) continue;
      // A slot whose ports run past 65535 was not written by gtest_port.
      if (count != 0 && int{first_port} + int{count} - 1 <= 65535) {
        name[kTestNameSize - 1] = '\0';
        out.push_back(PublishedReservation{header->pid, first_port, count,
                                           std::string(name)});
      }
      break;
    }
  }
  return out;
}

}  // namespace gtest_port_internal
