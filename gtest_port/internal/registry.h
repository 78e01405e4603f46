// File: gtest_port/internal/registry.h
//
// ReservationRegistry remembers every reservation this process holds and the
// test that made it. PortReservation adds itself when it is made and removes
// itself when it is released, so the registry is the one place that answers
// "which ports does this test hold" (PortFixture records them in the test's
// XML output), "which reservations outlived their test" (PortEnvironment
// reports them as leaks at the end of the run) and "which test holds port N"
// (DescribePortUser(), `gtest-port list`).
//
// Cost. A reservation costs ~19 µs of system calls; the registry adds one
// mutex-protected flat_hash_map insert keyed by the claim's identity (and one
// erase on release) and a ~128-byte write to the published table: about
// 100 ns, no system call.
//
// Publication. Another process (`gtest-port list`) can find which process
// holds a port's claim socket, but not which test reserved it. So the global
// registry publishes its entries in a small shared-memory table: a memfd
// named "gtest_port/v1/reservations" (close-on-exec), made and mapped once,
// on the first reservation. The reader finds it in the holder's
// /proc/<pid>/fd during the same pass that finds the claim sockets, and maps
// it read-only, which takes the same permission as reading that directory.
// Each slot is written under a sequence counter (a seqlock), so a reader
// never takes a half-written test name for a whole one. A process forked
// without exec (a death-test child) leaves the inherited table to its parent
// and publishes its own reservations in a table of its own.
//
// Example:
//
//   ReservationRegistry& registry = ReservationRegistry::Global();
//   for (const RegisteredReservation& r : registry.Live()) {
//     std::printf("%s held by %s\n", r.DescribePorts().c_str(),
//                 r.TestName().c_str());
//   }
//
// This class is thread-safe.

#ifndef GTEST_PORT_INTERNAL_REGISTRY_H_
#define GTEST_PORT_INTERNAL_REGISTRY_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/held_port.h"
#include "gtest_port/internal/unique_fd.h"

namespace gtest_port_internal {

// One live reservation of this process.
struct RegisteredReservation {
  uint16_t first_port = 0;
  int count = 0;  // Consecutive ports from first_port.
  // The test that was running when it was made; null outside any test
  // (static initialisers, environments, SetUpTestSuite, plain programs).
  const ::testing::TestInfo* test = nullptr;

  // "Suite.Name" of `test`, or "" outside any test.
  std::string TestName() const;
  // "port 20005" or "ports 20005-20007".
  std::string DescribePorts() const;
};

// "Suite.Name" of `test`, or "" for null.
std::string TestNameOf(const ::testing::TestInfo* test);

class ReservationRegistry {
 public:
  // `publish`: also publish entries for other processes (see the file
  // comment). Only the global registry does.
  explicit ReservationRegistry(bool publish);
  ~ReservationRegistry();
  ReservationRegistry(const ReservationRegistry&) = delete;
  ReservationRegistry& operator=(const ReservationRegistry&) = delete;

  // The registry PortReservation uses. Never destroyed, so reservations that
  // live in statics can still remove themselves at exit.
  static ReservationRegistry& Global();

  // Records a reservation made while `test` was running. The key is the
  // claim's identity (its descriptor and first port), which is unique among
  // the live reservations of a process and does not change when the
  // PortReservation moves. Must be called before the claims close.
  void Add(const HeldPorts& ports, const ::testing::TestInfo* test)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Forgets it. Must be called before the claim descriptors close: a closed
  // descriptor's number may be reused by a new claim at once.
  void Remove(const HeldPorts& ports) ABSL_LOCKS_EXCLUDED(mu_);

  // Every live reservation, oldest first.
  std::vector<RegisteredReservation> Live() const ABSL_LOCKS_EXCLUDED(mu_);
  // The live reservations `test` made (null: made outside any test), oldest
  // first.
  std::vector<RegisteredReservation> MadeBy(
      const ::testing::TestInfo* test) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    RegisteredReservation reservation;
    uint64_t sequence = 0;  // Order of Add().
    int32_t slot = -1;      // In the published table; -1 when unpublished.
  };

  // Publication; see registry.cc.
  void Publish(Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Unpublish(const Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool TableUsable() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropTable() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const bool publish_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, Entry> live_ ABSL_GUARDED_BY(mu_);
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 0;

  UniqueFd table_fd_ ABSL_GUARDED_BY(mu_);
  void* table_ ABSL_GUARDED_BY(mu_) = nullptr;
  uint32_t table_fork_generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool table_failed_ ABSL_GUARDED_BY(mu_) = false;
  uint32_t used_slots_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<int32_t> free_slots_ ABSL_GUARDED_BY(mu_);
};

// The memfd name of a published table, as /proc/<pid>/fd shows it after
// "/memfd:".
inline constexpr absl::string_view kPublishedTableName =
    "gtest_port/v1/reservations";

// One entry of a table another process published.
struct PublishedReservation {
  pid_t publisher = 0;  // The process that made the table.
  uint16_t first_port = 0;
  int count = 0;
  std::string test_name;  // "" when made outside any test.
};

// Reads the table at `path`, e.g. "/proc/1234/fd/5". PermissionDenied when
// the holder belongs to another user; FailedPrecondition when the file is not
// a gtest_port table.
absl::StatusOr<std::vector<PublishedReservation>> ReadPublishedTable(
    const std::string& path);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_REGISTRY_H_
