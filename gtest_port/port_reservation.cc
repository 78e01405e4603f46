#include "gtest_port/port_reservation.h"

#include <memory>
#include <string>
#include <utility>

#include "gtest_port/internal/glue/default_allocator.h"

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
    gtest_port_internal::NoteReservation(**allocator, held->DescribePorts());
  }
  return PortReservation(*std::move(held));
}

}  // namespace

absl::StatusOr<PortReservation> Reserve() { return ReserveFromDefault(1); }

absl::StatusOr<PortReservation> ReserveBlock(int count) {
  return ReserveFromDefault(count);
}

}  // namespace gtest_port
