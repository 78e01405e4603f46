#include "gtest_port/internal/engine/local_source.h"

#include <unistd.h>

#include <chrono>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gtest_port_internal {
namespace {

// splitmix64: spreads pid and clock over the whole 64-bit range.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t StartOffset() {
  const auto now = static_cast<uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count());
  return Mix((static_cast<uint64_t>(::getpid()) << 32) ^ now);
}

absl::StatusOr<HoldResult> HoldCandidate(
    absl::FunctionRef<absl::StatusOr<PortClaim>()> claim_it,
    absl::FunctionRef<absl::StatusOr<bool>()> probe_it) {
  absl::StatusOr<PortClaim> claim = claim_it();
  if (!claim.ok()) {
    const absl::StatusCode code = claim.status().code();
    if (code != absl::StatusCode::kPermissionDenied &&
        code != absl::StatusCode::kFailedPrecondition &&
        code != absl::StatusCode::kUnavailable) {
      return claim.status();
    }
    return HoldResult{HoldResult::kUnclaimable, PortClaim(),
                      std::string(claim.status().message())};
  }
  if (!claim->valid()) {
    return HoldResult{HoldResult::kClaimedElsewhere, PortClaim(), ""};
  }
  absl::StatusOr<bool> free = probe_it();
  if (!free.ok()) return free.status();
  if (!*free) return HoldResult{HoldResult::kInUse, PortClaim(), ""};
  return HoldResult{HoldResult::kHeld, *std::move(claim), ""};
}

absl::StatusOr<HoldResult> HoldPort(const Claimer& claimer,
                                    const Prober& prober, uint16_t port,
                                    Stats& stats) {
  absl::StatusOr<HoldResult> result =
      HoldCandidate([&] { return claimer.Claim(port); },
                    [&] { return prober.IsFree(port); });
  if (!result.ok()) return result;
  switch (result->state) {
    case HoldResult::kUnclaimable:
      stats.Add(Stats::kUnclaimable);
      break;
    case HoldResult::kClaimedElsewhere:
      stats.Add(Stats::kBusyClaimed);
      break;
    case HoldResult::kInUse:
      stats.Add(Stats::kBusyInUse);
      break;
    case HoldResult::kHeld:
      break;
  }
  return result;
}

LocalSource::LocalSource(const Config& config, const Claimer& claimer,
                         const Prober& prober, Stats& stats)
    : config_(config),
      claimer_(claimer),
      prober_(prober),
      stats_(stats),
      start_(StartOffset()) {}

absl::StatusOr<HeldPorts> LocalSource::Take(int count) {
  const CandidateSet& candidates = config_.candidates;
  const int positions = count >= 1 ? candidates.BlockCount(count) : 0;
  if (positions == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot reserve a block of %d ports: expected 1 <= count and a block "
        "that fits in shard %d's slice %s (%d candidate ports)",
        count, config_.shard.index, FormatPortRange(candidates.slice()),
        candidates.size()));
  }
  // Singles take a new ticket per attempt so that concurrent threads spread
  // out; a block scans consecutive start positions from one ticket.
  const uint64_t block_ticket =
      count > 1 ? next_.fetch_add(count, std::memory_order_relaxed) : 0;
  int64_t claimed = 0;
  int64_t in_use = 0;
  int64_t unclaimable = 0;
  std::string unclaimable_why;
  for (int attempt = 0; attempt < positions; ++attempt) {
    const uint64_t ticket =
        count > 1 ? block_ticket + attempt
                  : next_.fetch_add(1, std::memory_order_relaxed);
    const uint16_t first = candidates.BlockStart(
        static_cast<int>((start_ + ticket) % positions), count);
    HeldPorts held;
    for (int i = 0; i < count; ++i) {
      absl::StatusOr<HoldResult> result = HoldPort(
          claimer_, prober_, static_cast<uint16_t>(first + i), stats_);
      if (!result.ok()) return result.status();
      if (result->state == HoldResult::kUnclaimable) {
        if (unclaimable++ == 0) unclaimable_why = std::move(result->why);
        break;
      }
      if (result->state != HoldResult::kHeld) {
        ++(result->state == HoldResult::kClaimedElsewhere ? claimed : in_use);
        break;
      }
      held.push_back(HeldPort{static_cast<uint16_t>(first + i),
                              std::move(result->claim), false});
    }
    if (static_cast<int>(held.size()) == count) return held;
  }
  std::string could_not_claim;
  if (unclaimable > 0) {
    could_not_claim = absl::StrFormat(
        ", %d could not be claimed, e.g. %s", unclaimable, unclaimable_why);
  }
  return absl::ResourceExhaustedError(absl::StrFormat(
      "no free %s in shard %d of %d's slice %s of range %s: all %d "
      "candidates were busy (%d held by other gtest_port reservations, %d in "
      "use by other sockets%s). Widen GTEST_PORT_RANGE, run fewer tests at "
      "once, or release reservations sooner",
      count == 1 ? std::string("port")
                 : absl::StrCat("block of ", count, " consecutive ports"),
      config_.shard.index, config_.shard.total,
      FormatPortRange(config_.slice()), FormatPortRange(config_.range),
      positions, claimed, in_use, could_not_claim));
}

}  // namespace gtest_port_internal
