#include "gtest_port/internal/engine/stats.h"

#include "absl/strings/str_format.h"

namespace gtest_port_internal {

void Stats::OnReserved() {
  Add(kReservations);
  const int64_t live =
      counters_[kLive].fetch_add(1, std::memory_order_relaxed) + 1;
  int64_t peak = counters_[kPeakLive].load(std::memory_order_relaxed);
  while (live > peak && !counters_[kPeakLive].compare_exchange_weak(
                            peak, live, std::memory_order_relaxed)) {
  }
}

Stats::Values Stats::Snapshot() const {
  Values values;
  for (int c = 0; c < kCounterCount; ++c) {
    values.values_[c] = counters_[c].load(std::memory_order_relaxed);
  }
  return values;
}

std::string Stats::Summary(const Values& v) {
  std::string unclaimable;
  if (v[kUnclaimable] > 0) {
    unclaimable = absl::StrFormat(", %d could not be claimed", v[kUnclaimable]);
  }
  return absl::StrFormat(
      "%d reservations, %d candidates skipped (%d held by other gtest_port "
      "users, %d in use by other sockets%s), peak %d held at once, %d still "
      "held",
      v[kReservations], v[kBusyClaimed] + v[kBusyInUse] + v[kUnclaimable],
      v[kBusyClaimed], v[kBusyInUse], unclaimable, v[kPeakLive], v[kLive]);
}

}  // namespace gtest_port_internal
