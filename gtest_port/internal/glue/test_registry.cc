#include "gtest_port/internal/glue/test_registry.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest_port/internal/platform/published_table.h"

namespace gtest_port_internal {

std::string TestNameOf(const ::testing::TestInfo* test) {
  if (test == nullptr) return "";
  return absl::StrCat(test->test_suite_name(), ".", test->name());
}

TestRegistry& TestRegistry::Global() {
  static TestRegistry* const global = new TestRegistry();
  return *global;
}

void TestRegistry::OnReserved(const Reservation& r) noexcept {
  if (r.size() == 0) return;
  Entry entry;
  entry.reservation.first_port = r.port();
  entry.reservation.count = r.size();
  entry.reservation.test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  entry.published = PublishedTable::Global().Publish(
      r.port(), static_cast<uint16_t>(r.size()),
      TestNameOf(entry.reservation.test));
  absl::MutexLock lock(&mu_);
  live_[r.id()] = entry;
}

void TestRegistry::OnReleased(uint64_t id) noexcept {
  int64_t published = -1;
  {
    absl::MutexLock lock(&mu_);
    auto it = live_.find(id);
    if (it == live_.end()) return;
    published = it->second.published;
    live_.erase(it);
  }
  PublishedTable::Global().Unpublish(published);
}

std::vector<TestReservation> TestRegistry::Live() const {
  std::vector<std::pair<uint64_t, TestReservation>> ordered;
  {
    absl::MutexLock lock(&mu_);
    ordered.reserve(live_.size());
    for (const auto& [id, entry] : live_) {
      ordered.emplace_back(id, entry.reservation);
    }
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<TestReservation> out;
  out.reserve(ordered.size());
  for (auto& [id, reservation] : ordered) out.push_back(reservation);
  return out;
}

std::vector<TestReservation> TestRegistry::MadeBy(
    const ::testing::TestInfo* test) const {
  std::vector<TestReservation> out;
  for (const TestReservation& r : Live()) {
    if (r.test == test) out.push_back(r);
  }
  return out;
}

}  // namespace gtest_port_internal
