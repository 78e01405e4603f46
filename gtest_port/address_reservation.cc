#include "gtest_port/address_reservation.h"

#include <unistd.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/engine/reporter.h"
#include "gtest_port/internal/glue/default_allocator.h"
#include "gtest_port/internal/glue/test_registry.h"

namespace gtest_port {

absl::StatusOr<AddressReservation> ReserveAddresses(
    int count, const std::vector<uint16_t>& ports) {
  absl::StatusOr<std::shared_ptr<gtest_port_internal::PortAllocator>>
      allocator = gtest_port_internal::DefaultAllocator();
  if (!allocator.ok()) return allocator.status();
  absl::StatusOr<gtest_port_internal::HeldAddresses> held =
      (*allocator)->ReserveAddresses(count, ports);
  if (!held.ok()) return held.status();
  AddressReservation reservation(*std::move(held));
  if ((*allocator)->config().verbose) {
    const auto& shard = (*allocator)->config().shard;
    const std::string test = gtest_port_internal::TestNameOf(
        ::testing::UnitTest::GetInstance()->current_test_info());
    gtest_port_internal::Report(
        gtest_port_internal::Severity::kNote,
        absl::StrCat("pid ", ::getpid(), " shard ", shard.index, "/",
                     shard.total, " ",
                     test.empty() ? "(outside any test)" : test,
                     " reserved address",
                     reservation.size() == 1 ? " " : "es ",
                     absl::StrJoin(reservation.addresses(), ", ")));
  }
  return reservation;
}

std::string AddressReservation::Dotted(uint32_t address) {
  return gtest_port_internal::FormatAddress(address);
}

absl::StatusOr<AddressReservation> ReserveAddress(
    const std::vector<uint16_t>& ports) {
  return ReserveAddresses(1, ports);
}

}  // namespace gtest_port
