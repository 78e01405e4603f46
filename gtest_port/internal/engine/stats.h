// File: gtest_port/internal/engine/stats.h
//
// Stats counts what an allocator did, for GTEST_PORT_VERBOSE's summary at
// the end of a run and for tests: one relaxed atomic per counter, and a
// Snapshot to read them all at once.
//
// Example:
//
//   Stats stats;
//   stats.Add(Stats::kBusyClaimed);
//   int64_t busy = stats.Snapshot()[Stats::kBusyClaimed];
//
// This class is thread-safe.

#ifndef GTEST_PORT_INTERNAL_ENGINE_STATS_H_
#define GTEST_PORT_INTERNAL_ENGINE_STATS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace gtest_port_internal {

class Stats {
 public:
  enum Counter {
    kReservations,  // Successful reservations.
    kBusyClaimed,   // Candidates another gtest_port user held.
    kBusyInUse,     // Candidates a foreign socket was bound to.
    kLive,          // Reservations held now.
    kPeakLive,      // Most reservations held at once.
    // With a port server only:
    kPortServerRequests,  // Ports asked of the server.
    kPortServerReused,    // Taken from the free list instead.
    kPortServerSetAside,  // Server ports found claimed or busy.
    kPortServerLocal,     // Single ports reserved locally instead.
    kUnclaimable,  // Candidates whose claim could not be tried (skipped).
    kCounterCount,
  };

  // The counters at one moment.
  class Values {
   public:
    int64_t operator[](Counter c) const { return values_[c]; }

   private:
    friend class Stats;
    std::array<int64_t, kCounterCount> values_{};
  };

  void Add(Counter c, int64_t n = 1) {
    counters_[c].fetch_add(n, std::memory_order_relaxed);
  }
  // One more live reservation (and the peak follows), or one fewer.
  void OnReserved();
  void OnReleased() { Add(kLive, -1); }

  Values Snapshot() const;

  // The end-of-run line, e.g. "12 reservations, 3 candidates skipped (...)".
  static std::string Summary(const Values& values);

 private:
  std::array<std::atomic<int64_t>, kCounterCount> counters_{};
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_ENGINE_STATS_H_
