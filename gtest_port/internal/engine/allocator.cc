#include "gtest_port/internal/engine/allocator.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace gtest_port_internal {

std::shared_ptr<PortAllocator> PortAllocator::Create(
    Config config, const Platform& platform, ReservationObserver* observer) {
  return std::shared_ptr<PortAllocator>(
      new PortAllocator(std::move(config), platform, observer));
}

PortAllocator::PortAllocator(Config config, const Platform& platform,
                             ReservationObserver* observer)
    : config_(std::move(config)),
      claimer_(platform.MakeClaimer(config_.lock_dir)),
      prober_(platform.MakeProber()),
      observer_(observer),
      local_(config_, *claimer_, *prober_, stats_),
      addresses_(config_, *claimer_, *prober_)
#ifndef _WIN32
      ,
      portserver_(config_.portserver_address.empty()
                      ? nullptr
                      : std::make_unique<PortServerSource>(
                            config_, *claimer_, *prober_, stats_))
#endif
{
}

absl::StatusOr<Reservation> PortAllocator::Reserve(int count) {
  HeldPorts ports;
#ifndef _WIN32
  if (portserver_ != nullptr && count == 1) {
    absl::StatusOr<std::optional<HeldPort>> port = portserver_->Take();
    if (!port.ok()) return port.status();
    if (port->has_value()) {
      ports.push_back(**std::move(port));
    } else {
      stats_.Add(Stats::kPortServerLocal);
    }
  } else if (portserver_ != nullptr && count > 1 &&
             count <= PortServerSource::kMaxBlock) {
    absl::StatusOr<std::optional<HeldPorts>> block =
        portserver_->TakeBlock(count);
    if (!block.ok()) return block.status();
    if (block->has_value()) ports = **std::move(block);
  }
#endif
  if (ports.empty()) {
    absl::StatusOr<HeldPorts> local = local_.Take(count);
    if (!local.ok()) return local.status();
    ports = *std::move(local);
  }
  stats_.OnReserved();
  Reservation reservation(shared_from_this(), std::move(ports),
                          Reservation::NextId());
  if (observer_ != nullptr) observer_->OnReserved(reservation);
  return reservation;
}

absl::StatusOr<HeldAddresses> PortAllocator::ReserveAddresses(
    int count, const std::vector<uint16_t>& ports) {
  return addresses_.Take(count, ports);
}

void PortAllocator::Release(uint64_t id, HeldPorts& ports) noexcept {
  if (observer_ != nullptr) observer_->OnReleased(id);
#ifndef _WIN32
  for (HeldPort& held : ports) {
    if (!held.from_port_server || portserver_ == nullptr) continue;
    held.claim.reset();  // Unclaimed before anyone can take it again.
    portserver_->Return(held.port);
  }
#else
  (void)ports;  // Every port is local; the claims close with `ports`.
#endif
  stats_.OnReleased();
}

absl::Status PortAllocator::portserver_status() const {
#ifdef _WIN32
  return absl::OkStatus();  // Never configured on Windows.
#else
  return portserver_ == nullptr ? absl::OkStatus() : portserver_->status();
#endif
}

std::string PortAllocator::Describe() const {
  std::string line = absl::StrCat(
      "shard ", config_.shard.index, " of ", config_.shard.total,
      " owns ports ", FormatPortRange(config_.slice()), " of ",
      FormatPortRange(config_.range), " (", config_.candidates.size(),
      " candidates); claims by ", claimer_->Describe(), "; probes ",
      prober_->Describe());
#ifndef _WIN32
  if (portserver_ != nullptr) {
    const absl::Status error = portserver_->status();
    if (error.ok()) {
      absl::StrAppend(&line, "; single ports come from the port server at ",
                      portserver_->address(),
                      " (blocks too where it serves them, as gtest-port serve "
                      "does; else from the range above)");
    } else {
      absl::StrAppend(&line, "; not using the port server: ", error.message());
    }
  }
#endif
  return line;
}

}  // namespace gtest_port_internal
