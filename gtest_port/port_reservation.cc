#include "gtest_port/port_reservation.h"

#include <unistd.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/reporter.h"
#include "gtest_port/internal/glue/default_allocator.h"
#include "gtest_port/internal/glue/test_registry.h"

namespace gtest_port {
namespace {

using gtest_port_internal::PortAllocator;

absl::StatusOr<PortReservation> ReserveFromDefault(int count) {
  absl::StatusOr<std::shared_ptr<PortAllocator>> allocator =
      gtest_port_internal::DefaultAllocator();
  if (!allocator.ok()) return allocator.status();
  absl::StatusOr<gtest_port_internal::Reservation> held =
      (*allocator)->Reserve(count);
  if (!held.ok()) return held.status();
  if ((*allocator)->config().verbose) {
    const auto& shard = (*allocator)->config().shard;
    const std::string test = gtest_port_internal::TestNameOf(
        ::testing::UnitTest::GetInstance()->current_test_info());
    gtest_port_internal::Report(
        gtest_port_internal::Severity::kNote,
        absl::StrCat("pid ", ::getpid(), " shard ", shard.index, "/",
                     shard.total, " ", test.empty() ? "(outside any test)" : test,
                     " reserved ", held->DescribePorts()));
  }
  return PortReservation(*std::move(held));
}

}  // namespace

absl::StatusOr<PortReservation> Reserve() { return ReserveFromDefault(1); }

absl::StatusOr<PortReservation> ReserveBlock(int count) {
  return ReserveFromDefault(count);
}

}  // namespace gtest_port
