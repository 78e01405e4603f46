// File: gtest_port/internal/glue/test_registry.h
//
// TestRegistry remembers every reservation this process holds and the
// GoogleTest test that was running when it was made. It is the engine's
// ReservationObserver (engine/reservation.h), installed by the default
// allocator, and the one place that answers "which ports does this test
// hold" (PortFixture records them in the test's XML output) and "which
// reservations outlived their test" (PortEnvironment reports them as leaks).
// It also publishes each entry, with its test's name, in the process's
// PublishedTable, for `gtest-port list` in other processes.
//
// Cost: one mutex-protected flat_hash_map insert (and one erase on release)
// and a ~128-byte write to the published table: about 100 ns, no system
// call after the first.
//
// Example:
//
//   for (const TestReservation& r : TestRegistry::Global().Live()) {
//     std::printf("%s held by %s\n", DescribePorts(r.first_port, r.count)
//                 .c_str(), TestNameOf(r.test).c_str());
//   }
//
// This class is thread-safe.

#ifndef GTEST_PORT_INTERNAL_GLUE_TEST_REGISTRY_H_
#define GTEST_PORT_INTERNAL_GLUE_TEST_REGISTRY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/reservation.h"

namespace gtest_port_internal {

// One live reservation of this process.
struct TestReservation {
  uint16_t first_port = 0;
  int count = 0;  // Consecutive ports from first_port.
  // The test that was running when it was made; null outside any test
  // (static initialisers, environments, SetUpTestSuite).
  const ::testing::TestInfo* test = nullptr;
};

// "Suite.Name" of `test`, or "" for null.
std::string TestNameOf(const ::testing::TestInfo* test);

class TestRegistry final : public ReservationObserver {
 public:
  // The registry the default allocator reports to. Never destroyed, so that
  // reservations in statics can still be released at exit.
  static TestRegistry& Global();

  void OnReserved(const Reservation& r) noexcept override
      ABSL_LOCKS_EXCLUDED(mu_);
  void OnReleased(uint64_t id) noexcept override ABSL_LOCKS_EXCLUDED(mu_);

  // Every live reservation, oldest first.
  std::vector<TestReservation> Live() const ABSL_LOCKS_EXCLUDED(mu_);
  // The live reservations `test` made (null: made outside any test), oldest
  // first.
  std::vector<TestReservation> MadeBy(const ::testing::TestInfo* test) const
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    TestReservation reservation;
    int64_t published = -1;  // PublishedTable handle.
  };

  mutable absl::Mutex mu_;
  // By reservation id, which also orders them by age.
  absl::flat_hash_map<uint64_t, Entry> live_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_GLUE_TEST_REGISTRY_H_
