#include "gtest_port/port_reservation.h"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/allocator.h"
#include "gtest_port/internal/registry.h"

namespace gtest_port {

using gtest_port_internal::PortAllocator;

PortReservation::PortReservation(std::shared_ptr<PortAllocator> owner,
                                 gtest_port_internal::HeldPorts ports) noexcept
    : owner_(std::move(owner)), ports_(std::move(ports)) {
  // Remembers the test behind it, for the XML output, leak reports and
  // `gtest-port list` (~100 ns).
  gtest_port_internal::ReservationRegistry::Global().Add(
      ports_, ::testing::UnitTest::GetInstance()->current_test_info());
}

PortReservation::PortReservation(PortReservation&& other) noexcept
    : owner_(std::move(other.owner_)), ports_(std::move(other.ports_)) {
  other.ports_.clear();
}

PortReservation& PortReservation::operator=(PortReservation&& other) noexcept {
  if (this != &other) {
    Release();
    owner_ = std::move(other.owner_);
    ports_ = std::move(other.ports_);
    other.ports_.clear();
  }
  return *this;
}

PortReservation::~PortReservation() { Release(); }

void PortReservation::Release() noexcept {
  // While the claims are open: the registry's key is the claim descriptor.
  if (!ports_.empty()) {
    gtest_port_internal::ReservationRegistry::Global().Remove(ports_);
  }
  if (owner_ != nullptr) {
    owner_->OnRelease(ports_);  // Port-server ports go to its free list.
    owner_.reset();
  }
  ports_.clear();  // Closing the claim descriptors releases the ports.
}

namespace {

// "Suite.Name" of the running test, or "(no test)" outside one.
std::string CurrentTestName() {
  const ::testing::TestInfo* info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "(outside any test)";
  return absl::StrCat(info->test_suite_name(), ".", info->name());
}

absl::StatusOr<PortReservation> ReserveFromDefault(int count) {
  absl::StatusOr<std::shared_ptr<PortAllocator>> allocator =
      PortAllocator::Default();
  if (!allocator.ok()) return allocator.status();
  absl::StatusOr<PortReservation> reservation = (*allocator)->Reserve(count);
  if (reservation.ok() && (*allocator)->config().verbose) {
    const auto& shard = (*allocator)->config().shard;
    const std::string ports =
        reservation->size() == 1
            ? absl::StrCat("port ", reservation->port())
            : absl::StrCat("ports ", reservation->port(), "-",
                           (*reservation)[reservation->size() - 1]);
    std::fprintf(stderr, "[gtest_port] pid %d shard %d/%d %s reserved %s\n",
                 static_cast<int>(::getpid()), shard.index, shard.total,
                 CurrentTestName().c_str(), ports.c_str());
  }
  return reservation;
}

}  // namespace

absl::StatusOr<PortReservation> Reserve() { return ReserveFromDefault(1); }

absl::StatusOr<PortReservation> ReserveBlock(int count) {
  return ReserveFromDefault(count);
}

}  // namespace gtest_port
