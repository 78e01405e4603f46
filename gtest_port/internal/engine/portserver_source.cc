#include "gtest_port/internal/engine/portserver_source.h"

#include <unistd.h>

#include <deque>
#include <map>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest_port/internal/engine/local_source.h"
#include "gtest_port/internal/engine/reporter.h"
#include "gtest_port/internal/port_range.h"

namespace gtest_port_internal {

struct PortServerState {
  absl::Mutex mu;
  // Ports the server gave this process that it holds no claim on now:
  // released ones and ones put aside, each once. The server hands them to
  // nobody else while this process lives.
  std::deque<uint16_t> free_ports ABSL_GUARDED_BY(mu);
  absl::flat_hash_set<uint16_t> on_free_list ABSL_GUARDED_BY(mu);
  // Why this process stopped asking the server; OK while it asks.
  absl::Status error ABSL_GUARDED_BY(mu);
  // The server refused a block once (Python's portserver always does).
  bool blocks_refused ABSL_GUARDED_BY(mu) = false;
  // Reservations in a row that asked the server and got no usable port.
  int wasted ABSL_GUARDED_BY(mu) = 0;

  void Push(uint16_t port) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (on_free_list.insert(port).second) free_ports.push_back(port);
  }
  std::optional<uint16_t> Pop() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (free_ports.empty()) return std::nullopt;
    const uint16_t port = free_ports.front();
    free_ports.pop_front();
    on_free_list.erase(port);
    return port;
  }
};

namespace {

// Why a port from the server cannot be used at all (see the header); OK when
// it can.
absl::Status Unusable(const Config& config, const std::string& address,
                      uint16_t port) {
  if (port < kMinPort) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "port server at %s gave port %d, a privileged port (below %d); "
        "gtest_port uses ports %d-65535 only",
        address, port, kMinPort, kMinPort));
  }
  if (config.ephemeral.has_value() && config.ephemeral->contains(port)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "port server at %s gave port %d, inside the kernel's ephemeral port "
        "range %s, from which outgoing connections take their ports; give "
        "the server a pool outside it",
        address, port, FormatPortRange(*config.ephemeral)));
  }
  return absl::OkStatus();
}

// The process-wide state for the port server at `address`.
std::shared_ptr<PortServerState> StateFor(const std::string& address) {
  static absl::Mutex* const mu = new absl::Mutex();
  static auto* const states =
      new std::map<std::string, std::shared_ptr<PortServerState>>();
  absl::MutexLock lock(mu);
  std::shared_ptr<PortServerState>& state = (*states)[address];
  if (state == nullptr) state = std::make_shared<PortServerState>();
  return state;
}

}  // namespace

PortServerSource::PortServerSource(const Config& config, const Claimer& claimer,
                                   const Prober& prober, Stats& stats,
                                   System& system)
    : config_(config),
      claimer_(claimer),
      prober_(prober),
      stats_(stats),
      client_(config.portserver_address, config.portserver_timeout, system),
      state_(StateFor(config.portserver_address)) {}

absl::StatusOr<std::optional<HeldPort>> PortServerSource::Take() {
  PortServerState& state = *state_;
  // Claims and probes a server port; a busy one goes (back) on the free list.
  // One browsers refuse is dropped: this process keeps it with the server
  // and never uses it.
  auto hold = [&](uint16_t port) -> absl::StatusOr<std::optional<HeldPort>> {
    if (!config_.allow_unsafe_ports && IsUnsafePort(port)) {
      stats_.Add(Stats::kPortServerSetAside);
      return std::optional<HeldPort>();
    }
    absl::StatusOr<HoldResult> result =
        HoldPort(claimer_, prober_, port, stats_);
    if (result.ok() && result->state == HoldResult::kHeld) {
      return std::optional<HeldPort>(
          HeldPort{port, std::move(result->claim), true});
    }
    {
      absl::MutexLock lock(&state.mu);
      state.Push(port);
    }
    if (!result.ok()) return result.status();
    stats_.Add(Stats::kPortServerSetAside);
    return std::optional<HeldPort>();
  };

  // 1. Server ports this process was given before and holds no claim on now.
  //    Each is tried once; a busy one goes to the back again.
  size_t free_count = 0;
  {
    absl::MutexLock lock(&state.mu);
    free_count = state.free_ports.size();
  }
  for (size_t i = 0; i < free_count; ++i) {
    std::optional<uint16_t> port;
    {
      absl::MutexLock lock(&state.mu);
      port = state.Pop();
    }
    if (!port.has_value()) break;
    absl::StatusOr<std::optional<HeldPort>> held = hold(*port);
    if (!held.ok()) return held.status();
    if (held->has_value()) {
      stats_.Add(Stats::kPortServerReused);
      return held;
    }
  }

  // 2. New ports from the server, while it can be used: at most kMaxAsks
  //    asks, started within one timeout of the first.
  const absl::Time deadline = absl::Now() + config_.portserver_timeout;
  bool asked = false;
  for (int ask = 0; ask < kMaxAsks; ++ask) {
    if (!status().ok()) break;
    if (asked && absl::Now() >= deadline) break;
    asked = true;
    stats_.Add(Stats::kPortServerRequests);
    absl::StatusOr<uint16_t> port = client_.RequestPort(::getpid());
    if (!port.ok()) {
      GiveUp(port.status());
      break;
    }
    if (absl::Status usable = Unusable(config_, address(), *port);
        !usable.ok()) {
      GiveUp(usable);
      break;
    }
    absl::StatusOr<std::optional<HeldPort>> held = hold(*port);
    if (!held.ok()) return held;
    if (held->has_value()) {
      absl::MutexLock lock(&state.mu);
      state.wasted = 0;
      return held;
    }
  }
  if (asked && status().ok()) {
    int wasted = 0;
    {
      absl::MutexLock lock(&state.mu);
      wasted = ++state.wasted;
    }
    if (wasted >= kMaxWastedReservations) {
      GiveUp(absl::ResourceExhaustedError(absl::StrFormat(
          "port server at %s gave only claimed or busy ports, or answered "
          "too slowly, %d reservations in a row",
          address(), wasted)));
    }
  }
  return std::optional<HeldPort>();
}

absl::StatusOr<std::optional<HeldPorts>> PortServerSource::TakeBlock(
    int count) {
  PortServerState& state = *state_;
  {
    absl::MutexLock lock(&state.mu);
    if (!state.error.ok() || state.blocks_refused) return std::nullopt;
  }
  absl::StatusOr<uint16_t> first = client_.RequestBlock(count);
  if (!first.ok()) {
    absl::MutexLock lock(&state.mu);
    state.blocks_refused = true;
    return std::nullopt;
  }
  HeldPorts held;
  for (int i = 0; i < count; ++i) {
    const auto port = static_cast<uint16_t>(*first + i);
    // A port browsers refuse makes the block no good, as a busy one does.
    absl::StatusOr<HoldResult> result = HoldResult{HoldResult::kInUse, {}, {}};
    if (config_.allow_unsafe_ports || !IsUnsafePort(port)) {
      result = HoldPort(claimer_, prober_, port, stats_);
    }
    if (result.ok() && result->state == HoldResult::kHeld) {
      held.push_back(HeldPort{port, std::move(result->claim), true});
      continue;
    }
    // Busy here: the block is no good. Its ports stay this process's with
    // the server; they serve later single reservations.
    held.clear();  // Drops the claims taken so far.
    {
      absl::MutexLock lock(&state.mu);
      for (int j = 0; j < count; ++j) {
        state.Push(static_cast<uint16_t>(*first + j));
      }
    }
    stats_.Add(Stats::kPortServerSetAside);
    if (!result.ok()) return result.status();
    return std::nullopt;
  }
  return std::optional<HeldPorts>(std::move(held));
}

void PortServerSource::Return(uint16_t port) {
  absl::MutexLock lock(&state_->mu);
  state_->Push(port);
}

absl::Status PortServerSource::status() const {
  absl::MutexLock lock(&state_->mu);
  return state_->error;
}

void PortServerSource::GiveUp(const absl::Status& why) {
  {
    absl::MutexLock lock(&state_->mu);
    // Another thread or allocator of this process gave up first.
    if (!state_->error.ok()) return;
    state_->error = why;
  }
  Report(Severity::kWarning,
         absl::StrFormat(
             "not using the port server: %s. Single ports come from "
             "gtest_port's own range from now on (shard %d of %d owns %s of "
             "%s)",
             why.message(), config_.shard.index, config_.shard.total,
             FormatPortRange(config_.slice()), FormatPortRange(config_.range)));
}

}  // namespace gtest_port_internal
