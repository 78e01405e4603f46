#include "tools/serve/port_authority.h"

#include <poll.h>

#include <iterator>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gtest_port_serve {
namespace {

// True when the process behind `pidfd` has exited (the pidfd is readable).
bool Exited(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP)) != 0;
}

}  // namespace

PortAuthority::PortAuthority(PortRange range, int max_ports_per_owner,
                             const PortChecker& checker)
    : range_(range),
      max_ports_per_owner_(max_ports_per_owner),
      checker_(checker),
      assigned_(static_cast<size_t>(range.size()), false) {
  stats_.ports_managed = range.size();
}

void PortAuthority::ReapIfDead(pid_t pid) {
  auto it = owners_.find(pid);
  if (it != owners_.end() && Exited(it->second.pidfd.get())) Release(it);
}

int PortAuthority::Release(std::map<pid_t, Owner>::iterator owner) {
  const int count = static_cast<int>(owner->second.ports.size());
  for (const auto& [port, claim] : owner->second.ports) {
    assigned_[port - range_.first] = false;
  }
  stats_.ports_reclaimed += count;
  stats_.ports_held -= count;
  owner_by_fd_.erase(owner->second.pidfd.get());
  owners_.erase(owner);  // Closes the pidfd and every claim.
  return count;
}

bool PortAuthority::IsLiveOwner(pid_t pid) const {
  auto it = owners_.find(pid);
  return it != owners_.end() && !Exited(it->second.pidfd.get());
}

int PortAuthority::OwnerDied(int owner_fd) {
  auto by_fd = owner_by_fd_.find(owner_fd);
  if (by_fd == owner_by_fd_.end() || !Exited(owner_fd)) return 0;
  auto owner = owners_.find(by_fd->second);
  if (owner == owners_.end()) return 0;
  return Release(owner);
}

absl::StatusOr<PortAuthority::Granted> PortAuthority::Grant(
    pid_t pid, UniqueFd pidfd, int count, bool client_claims) {
  if (count < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot grant ", count, " ports; expected 1 or more"));
  }
  if (pidfd.valid()) ReapIfDead(pid);
  auto existing = owners_.find(pid);
  if (!pidfd.valid() && existing == owners_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no pidfd for process ", pid, ", a new owner"));
  }
  const int held = existing == owners_.end()
                       ? 0
                       : static_cast<int>(existing->second.ports.size());
  if (held + count > max_ports_per_owner_) {
    ++stats_.refused_owner_limit;
    return absl::ResourceExhaustedError(
        absl::StrCat("process ", pid, " holds ", held, " ports; at most ",
                     max_ports_per_owner_, " per process"));
  }

  absl::StatusOr<Granted> granted = Find(pid, pidfd, count, client_claims);
  if (granted.ok() ||
      granted.status().code() != absl::StatusCode::kResourceExhausted) {
    return granted;
  }
  // Before refusing: owners that died since the loop last looked (their
  // pidfd events may still be queued behind this request) give their ports
  // back now.
  bool reclaimed = false;
  for (auto it = owners_.begin(); it != owners_.end();) {
    auto next = std::next(it);
    if (Exited(it->second.pidfd.get()) && Release(it) > 0) reclaimed = true;
    it = next;
  }
  if (reclaimed) {
    granted = Find(pid, pidfd, count, client_claims);
    if (granted.ok()) return granted;
  }
  ++stats_.refused_pool_empty;
  return granted;
}

absl::StatusOr<PortAuthority::Granted> PortAuthority::Find(pid_t pid,
                                                           UniqueFd& pidfd,
                                                           int count,
                                                           bool client_claims) {
  auto existing = owners_.find(pid);
  const int positions = range_.size() - count + 1;
  for (int tried = 0; tried < positions; ++tried) {
    const int start = (cursor_ + tried) % positions;
    std::vector<UniqueFd> claims;
    for (int i = 0; i < count; ++i) {
      if (assigned_[start + i]) break;
      const uint16_t port = static_cast<uint16_t>(range_.first + start + i);
      absl::StatusOr<UniqueFd> claim = checker_.CheckAndClaim(port);
      if (!claim.ok()) return claim.status();
      if (!claim->valid()) {
        ++stats_.ports_busy_skipped;
        break;
      }
      claims.push_back(*std::move(claim));
    }
    if (static_cast<int>(claims.size()) < count) continue;

    cursor_ = (start + count) % positions;
    Granted granted;
    granted.first = static_cast<uint16_t>(range_.first + start);
    if (existing == owners_.end()) {
      granted.new_owner_fd = pidfd.get();
      owner_by_fd_[pidfd.get()] = pid;
      existing = owners_.emplace(pid, Owner{pid, std::move(pidfd), {}}).first;
    }
    for (int i = 0; i < count; ++i) {
      assigned_[start + i] = true;
      existing->second.ports.emplace(
          static_cast<uint16_t>(granted.first + i),
          client_claims ? UniqueFd() : std::move(claims[i]));
    }
    stats_.ports_granted += count;
    stats_.ports_held += count;
    return granted;
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("no ", count, " consecutive free ports in ", range_.first,
                   "-", range_.last));
}

std::vector<uint16_t> PortAuthority::PortsOf(pid_t pid) const {
  std::vector<uint16_t> ports;
  auto it = owners_.find(pid);
  if (it == owners_.end()) return ports;
  for (const auto& [port, claim] : it->second.ports) ports.push_back(port);
  return ports;
}

PortAuthority::Stats PortAuthority::stats() const {
  Stats s = stats_;
  s.owners = static_cast<int64_t>(owners_.size());
  return s;
}

}  // namespace gtest_port_serve
