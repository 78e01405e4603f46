#include "gtest_port/internal/engine/address_source.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gtest_port/internal/engine/local_source.h"

namespace gtest_port_internal {

AddressSource::AddressSource(const Config& config, const Claimer& claimer,
                             const Prober& prober)
    : config_(config),
      claimer_(claimer),
      prober_(prober),
      start_(StartOffset()) {}

absl::StatusOr<HeldAddresses> AddressSource::Take(
    int count, const std::vector<uint16_t>& ports) {
  const AddressRange slice = config_.address_slice;
  const int64_t size = slice.size();
  if (count < 1 || count > size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot reserve %d loopback addresses: expected 1 <= count <= %d, the "
        "addresses of shard %d's slice %s of GTEST_PORT_ADDRESS_RANGE %s",
        count, size, config_.shard.index, FormatAddressRange(slice),
        FormatAddressRange(config_.address_range)));
  }
  for (uint16_t port : ports) {
    if (port == 0) {
      return absl::InvalidArgumentError(
          "cannot probe port 0 on a reserved address: pass the fixed ports "
          "(1-65535) the servers will bind, or no ports at all");
    }
  }
  HeldAddresses held;
  int64_t claimed = 0;
  int64_t in_use = 0;
  int64_t unclaimable = 0;
  std::string unclaimable_why;
  for (int64_t attempt = 0; attempt < size; ++attempt) {
    const uint64_t ticket = next_.fetch_add(1, std::memory_order_relaxed);
    const auto address = static_cast<uint32_t>(
        slice.first + (start_ + ticket) % static_cast<uint64_t>(size));
    absl::StatusOr<HoldResult> result =
        HoldCandidate([&] { return claimer_.ClaimAddress(address); },
                      [&] { return prober_.IsAddressFree(address, ports); });
    if (!result.ok()) return result.status();
    switch (result->state) {
      case HoldResult::kUnclaimable:
        if (unclaimable++ == 0) unclaimable_why = std::move(result->why);
        continue;
      case HoldResult::kClaimedElsewhere:
        ++claimed;
        continue;
      case HoldResult::kInUse:
        ++in_use;
        continue;
      case HoldResult::kHeld:
        break;
    }
    held.push_back(HeldAddress{address, std::move(result->claim)});
    if (static_cast<int>(held.size()) == count) return held;
  }
  std::string could_not_claim;
  if (unclaimable > 0) {
    could_not_claim = absl::StrFormat(", %d could not be claimed, e.g. %s",
                                      unclaimable, unclaimable_why);
  }
  std::string on_ports;
  if (!ports.empty()) {
    on_ports = absl::StrCat(" on port", ports.size() == 1 ? " " : "s ",
                            absl::StrJoin(ports, ","));
  }
  return absl::ResourceExhaustedError(absl::StrFormat(
      "no %s in shard %d of %d's slice %s of address range %s: %d of %d "
      "candidates were busy (%d held by other gtest_port reservations, %d in "
      "use by other sockets%s%s). Widen GTEST_PORT_ADDRESS_RANGE, run fewer "
      "tests at once, or release address reservations sooner",
      count == 1 ? std::string("free loopback address")
                 : absl::StrCat(count, " free loopback addresses (found ",
                                held.size(), ")"),
      config_.shard.index, config_.shard.total, FormatAddressRange(slice),
      FormatAddressRange(config_.address_range), claimed + in_use + unclaimable,
      size, claimed, in_use, on_ports, could_not_claim));
}

}  // namespace gtest_port_internal
