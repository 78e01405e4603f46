#include "gtest_port/address_reservation.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/glue/default_allocator.h"

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
    gtest_port_internal::NoteReservation(
        **allocator, absl::StrCat("address",
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
