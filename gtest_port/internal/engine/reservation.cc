#include "gtest_port/internal/engine/reservation.h"

#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"

namespace gtest_port_internal {

std::string DescribePorts(uint16_t first_port, int count) {
  if (count == 1) return absl::StrCat("port ", first_port);
  return absl::StrCat("ports ", first_port, "-", first_port + count - 1);
}

Reservation::Reservation(std::shared_ptr<ReleaseSink> owner, HeldPorts ports,
                         uint64_t id) noexcept
    : owner_(std::move(owner)), ports_(std::move(ports)), id_(id) {}

Reservation::Reservation(Reservation&& other) noexcept
    : owner_(std::move(other.owner_)),
      ports_(std::move(other.ports_)),
      id_(std::exchange(other.id_, 0)) {
  other.ports_.clear();
}

Reservation& Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    Release();
    owner_ = std::move(other.owner_);
    ports_ = std::move(other.ports_);
    id_ = std::exchange(other.id_, 0);
    other.ports_.clear();
  }
  return *this;
}

std::string Reservation::DescribePorts() const {
  if (ports_.empty()) return "no port";
  return gtest_port_internal::DescribePorts(port(), size());
}

void Reservation::Release() noexcept {
  if (owner_ != nullptr) {
    owner_->Release(id_, ports_);
    owner_.reset();
  }
  ports_.clear();  // Closing the claims releases the ports.
  id_ = 0;
}

uint64_t Reservation::NextId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace gtest_port_internal
