#include "gtest_port/internal/allocator.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"

namespace gtest_port_internal {
namespace {

// splitmix64: spreads pid and clock over the whole 64-bit range.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t StartOffset() {
  const auto now = static_cast<uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count());
  return Mix((static_cast<uint64_t>(::getpid()) << 32) ^ now);
}

struct DefaultState {
  absl::Mutex mu;
  std::shared_ptr<PortAllocator> allocator ABSL_GUARDED_BY(mu);
  absl::Status error ABSL_GUARDED_BY(mu);  // Of the lazily made default.
};

DefaultState& Defaults() {
  static DefaultState* const state = new DefaultState();
  return *state;
}

// The process-wide state for the port server at `address`.
std::shared_ptr<PortServerState> PortServerStateFor(
    const std::string& address) {
  static absl::Mutex* const mu = new absl::Mutex();
  static auto* const states =
      new std::map<std::string, std::shared_ptr<PortServerState>>();
  absl::MutexLock lock(mu);
  std::shared_ptr<PortServerState>& state = (*states)[address];
  if (state == nullptr) state = std::make_shared<PortServerState>();
  return state;
}

absl::StatusOr<std::shared_ptr<PortAllocator>> Make(
    const gtest_port::Options& options) {
  absl::StatusOr<Config> config =
      ResolveConfig(options, System::Real(),
                    [](const char* name) -> const char* { return std::getenv(name); });
  if (!config.ok()) return config.status();
  return std::make_shared<PortAllocator>(*std::move(config), System::Real());
}

}  // namespace

PortAllocator::PortAllocator(Config config, System& system)
    : config_(std::move(config)),
      claimer_(system, config_.mechanism, config_.lock_dir),
      prober_(system),
      start_(StartOffset()),
      portserver_(
          config_.portserver_address.empty()
              ? nullptr
              : std::make_unique<const PortServerClient>(
                    config_.portserver_address, config_.portserver_timeout)),
      portserver_state_(config_.portserver_address.empty()
                            ? nullptr
                            : PortServerStateFor(config_.portserver_address)) {}

absl::StatusOr<gtest_port::PortReservation> PortAllocator::Reserve(int count) {
  if (portserver_ != nullptr && count == 1) return ReserveFromPortServer();
  if (portserver_ != nullptr && count > 1 && count <= kMaxPortServerBlock) {
    std::optional<absl::StatusOr<gtest_port::PortReservation>> block =
        ReserveBlockFromPortServer(count);
    if (block.has_value()) return *std::move(block);
  }
  return ReserveLocal(count);
}

std::optional<absl::StatusOr<gtest_port::PortReservation>>
PortAllocator::ReserveBlockFromPortServer(int count) {
  PortServerState& state = *portserver_state_;
  {
    absl::MutexLock lock(&state.mu);
    if (!state.error.ok() || state.blocks_refused) return std::nullopt;
  }
  absl::StatusOr<uint16_t> first = portserver_->RequestBlock(count);
  if (!first.ok()) {
    absl::MutexLock lock(&state.mu);
    state.blocks_refused = true;
    return std::nullopt;
  }
  HeldPorts held;
  for (int i = 0; i < count; ++i) {
    const uint16_t port = static_cast<uint16_t>(*first + i);
    absl::StatusOr<HeldPort> one = HoldPortServerPort(port);
    if (one.ok() && one->claim.valid()) {
      held.push_back(*std::move(one));
      continue;
    }
    // Busy here: the block is no good. Its ports stay this process's with
    // the server; they serve later single reservations.
    absl::MutexLock lock(&state.mu);
    for (int j = 0; j < count; ++j) {
      state.free_ports.push_back(static_cast<uint16_t>(*first + j));
    }
    held.clear();  // Drops the claims taken so far.
    if (!one.ok()) {
      return absl::StatusOr<gtest_port::PortReservation>(one.status());
    }
    return std::nullopt;
  }
  return absl::StatusOr<gtest_port::PortReservation>(Hand(std::move(held)));
}

absl::StatusOr<gtest_port::PortReservation> PortAllocator::ReserveLocal(
    int count) {
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
  for (int attempt = 0; attempt < positions; ++attempt) {
    const uint64_t ticket =
        count > 1 ? block_ticket + attempt
                  : next_.fetch_add(1, std::memory_order_relaxed);
    const uint16_t first =
        candidates.BlockStart(static_cast<int>((start_ + ticket) % positions),
                              count);
    HeldPorts held;
    for (int i = 0; i < count; ++i) {
      const uint16_t port = static_cast<uint16_t>(first + i);
      absl::StatusOr<UniqueFd> claim = claimer_.Claim(port);
      if (!claim.ok()) return claim.status();
      if (!claim->valid()) {
        ++claimed;
        break;
      }
      absl::StatusOr<bool> free = prober_.IsFree(port);
      if (!free.ok()) return free.status();
      if (!*free) {
        ++in_use;
        break;
      }
      held.push_back(HeldPort{port, *std::move(claim)});
    }
    if (static_cast<int>(held.size()) < count) continue;

    busy_claimed_.fetch_add(claimed, std::memory_order_relaxed);
    busy_in_use_.fetch_add(in_use, std::memory_order_relaxed);
    return Hand(std::move(held));
  }
  busy_claimed_.fetch_add(claimed, std::memory_order_relaxed);
  busy_in_use_.fetch_add(in_use, std::memory_order_relaxed);
  return NoFreePort(count, positions, claimed, in_use);
}

gtest_port::PortReservation PortAllocator::Hand(HeldPorts held) {
  reservations_.fetch_add(1, std::memory_order_relaxed);
  const int64_t live = live_.fetch_add(1, std::memory_order_relaxed) + 1;
  int64_t peak = peak_live_.load(std::memory_order_relaxed);
  while (live > peak && !peak_live_.compare_exchange_weak(
                            peak, live, std::memory_order_relaxed)) {
  }
  return gtest_port::PortReservation(shared_from_this(), std::move(held));
}

absl::StatusOr<gtest_port::PortReservation>
PortAllocator::ReserveFromPortServer() {
  PortServerState& state = *portserver_state_;
  // 1. Server ports this process was given before and holds no claim on now.
  //    Each is tried once; a busy one goes to the back again.
  size_t free_count = 0;
  {
    absl::MutexLock lock(&state.mu);
    free_count = state.free_ports.size();
  }
  for (size_t i = 0; i < free_count; ++i) {
    uint16_t port = 0;
    {
      absl::MutexLock lock(&state.mu);
      if (state.free_ports.empty()) break;
      port = state.free_ports.front();
      state.free_ports.pop_front();
    }
    absl::StatusOr<HeldPort> held = HoldPortServerPort(port);
    if (held.ok() && held->claim.valid()) {
      portserver_reused_.fetch_add(1, std::memory_order_relaxed);
      HeldPorts ports;
      ports.push_back(*std::move(held));
      return Hand(std::move(ports));
    }
    {
      absl::MutexLock lock(&state.mu);
      state.free_ports.push_back(port);
    }
    if (!held.ok()) return held.status();
    portserver_set_aside_.fetch_add(1, std::memory_order_relaxed);
  }

  // 2. New ports from the server, while it can be used.
  for (int ask = 0; ask < kMaxPortServerAsks; ++ask) {
    {
      absl::MutexLock lock(&state.mu);
      if (!state.error.ok()) break;
    }
    portserver_requests_.fetch_add(1, std::memory_order_relaxed);
    absl::StatusOr<uint16_t> port = portserver_->RequestPort(::getpid());
    if (!port.ok()) {
      GiveUpPortServer(port.status());
      break;
    }
    absl::StatusOr<HeldPort> held = HoldPortServerPort(*port);
    if (held.ok() && held->claim.valid()) {
      HeldPorts ports;
      ports.push_back(*std::move(held));
      return Hand(std::move(ports));
    }
    {
      absl::MutexLock lock(&state.mu);
      state.free_ports.push_back(*port);
    }
    if (!held.ok()) return held.status();
    portserver_set_aside_.fetch_add(1, std::memory_order_relaxed);
  }

  // 3. The local mechanism.
  portserver_local_.fetch_add(1, std::memory_order_relaxed);
  return ReserveLocal(1);
}

absl::StatusOr<HeldPort> PortAllocator::HoldPortServerPort(uint16_t port) {
  absl::StatusOr<UniqueFd> claim = claimer_.Claim(port);
  if (!claim.ok()) return claim.status();
  if (!claim->valid()) {
    busy_claimed_.fetch_add(1, std::memory_order_relaxed);
    return HeldPort{port, UniqueFd(), true};
  }
  absl::StatusOr<bool> free = prober_.IsFree(port);
  if (!free.ok()) return free.status();
  if (!*free) {
    busy_in_use_.fetch_add(1, std::memory_order_relaxed);
    return HeldPort{port, UniqueFd(), true};
  }
  return HeldPort{port, *std::move(claim), true};
}

void PortAllocator::GiveUpPortServer(const absl::Status& why) {
  PortServerState& state = *portserver_state_;
  {
    absl::MutexLock lock(&state.mu);
    // Another thread or allocator of this process gave up first.
    if (!state.error.ok()) return;
    state.error = why;
  }
  std::fprintf(
      stderr,
      "[gtest_port] warning: not using the port server: %s. Single ports "
      "come from gtest_port's own range from now on (shard %d of %d owns %s "
      "of %s)\n",
      std::string(why.message()).c_str(), config_.shard.index,
      config_.shard.total, FormatPortRange(config_.slice()).c_str(),
      FormatPortRange(config_.range).c_str());
  std::fflush(stderr);
}

absl::Status PortAllocator::portserver_status() const {
  if (portserver_state_ == nullptr) return absl::OkStatus();
  PortServerState& state = *portserver_state_;
  absl::MutexLock lock(&state.mu);
  return state.error;
}

absl::Status PortAllocator::NoFreePort(int count, int attempts, int64_t claimed,
                                       int64_t in_use) const {
  return absl::ResourceExhaustedError(absl::StrFormat(
      "no free %s in shard %d of %d's slice %s of range %s: all %d "
      "candidates were busy (%d held by other gtest_port reservations, %d in "
      "use by other sockets). Widen GTEST_PORT_RANGE, run fewer tests at once, "
      "or release reservations sooner",
      count == 1 ? std::string("port")
                 : absl::StrCat("block of ", count, " consecutive ports"),
      config_.shard.index, config_.shard.total,
      FormatPortRange(config_.slice()), FormatPortRange(config_.range),
      attempts, claimed, in_use));
}

void PortAllocator::OnRelease(HeldPorts& ports) noexcept {
  if (portserver_state_ != nullptr) {
    PortServerState& state = *portserver_state_;
    for (HeldPort& held : ports) {
      if (!held.from_port_server) continue;
      held.claim.reset();  // Unclaimed before anyone can take it again.
      absl::MutexLock lock(&state.mu);
      state.free_ports.push_back(held.port);
    }
  }
  live_.fetch_sub(1, std::memory_order_relaxed);
}

PortAllocator::Stats PortAllocator::stats() const {
  Stats s;
  s.reservations = reservations_.load(std::memory_order_relaxed);
  s.busy_claimed = busy_claimed_.load(std::memory_order_relaxed);
  s.busy_in_use = busy_in_use_.load(std::memory_order_relaxed);
  s.live = live_.load(std::memory_order_relaxed);
  s.peak_live = peak_live_.load(std::memory_order_relaxed);
  s.portserver_requests = portserver_requests_.load(std::memory_order_relaxed);
  s.portserver_reused = portserver_reused_.load(std::memory_order_relaxed);
  s.portserver_set_aside =
      portserver_set_aside_.load(std::memory_order_relaxed);
  s.portserver_local = portserver_local_.load(std::memory_order_relaxed);
  return s;
}

std::string PortAllocator::Describe() const {
  std::string line = absl::StrFormat(
      "shard %d of %d owns ports %s of %s (%d candidates); claims by %s; "
      "probes %s",
      config_.shard.index, config_.shard.total,
      FormatPortRange(config_.slice()), FormatPortRange(config_.range),
      config_.candidates.size(), claimer_.Describe(), prober_.Describe());
  if (portserver_ != nullptr) {
    const absl::Status error = portserver_status();
    if (error.ok()) {
      absl::StrAppend(&line, "; single ports come from the port server at ",
                      portserver_->address(),
                      " (blocks too where it serves them, as gtest-port serve "
                      "does; else from the range above)");
    } else {
      absl::StrAppend(&line, "; not using the port server: ", error.message());
    }
  }
  return line;
}

absl::StatusOr<std::shared_ptr<PortAllocator>> PortAllocator::Default() {
  DefaultState& state = Defaults();
  absl::MutexLock lock(&state.mu);
  if (state.allocator != nullptr) return state.allocator;
  if (!state.error.ok()) return state.error;
  absl::StatusOr<std::shared_ptr<PortAllocator>> made =
      Make(gtest_port::Options());
  if (!made.ok()) {
    state.error = made.status();
    return state.error;
  }
  for (const std::string& warning : (*made)->config().warnings) {
    std::fprintf(stderr, "[gtest_port] warning: %s\n", warning.c_str());
  }
  state.allocator = *made;
  return state.allocator;
}

absl::StatusOr<std::shared_ptr<PortAllocator>> PortAllocator::InstallDefault(
    const gtest_port::Options& options) {
  absl::StatusOr<std::shared_ptr<PortAllocator>> made = Make(options);
  if (!made.ok()) return made.status();
  DefaultState& state = Defaults();
  absl::MutexLock lock(&state.mu);
  state.allocator = *made;
  state.error = absl::OkStatus();
  return made;
}

}  // namespace gtest_port_internal
