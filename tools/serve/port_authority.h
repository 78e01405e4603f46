// File: tools/serve/port_authority.h
//
// PortAuthority is the bookkeeping of `gtest-port serve`: which ports of its
// range it has handed to which process, the gtest_port claims it holds on
// their behalf, and taking ports back when a process dies.
//
// An owner is a process named by a pidfd, never by a number alone: a pid can
// be reused once its process is gone, a pidfd cannot. The server watches each
// owner's pidfd (readable once the process has exited) and calls OwnerDied();
// Grant() also checks an owner's pidfd before giving it more ports, so a
// death the loop has not seen yet is never mistaken for a live owner.
//
// A port is handed out only when PortChecker says so: claimable in
// gtest_port's name space and free for TCP and UDP. For a client that claims
// its ports itself (gtest_port) the claim is dropped right after the check;
// for every other client (portpicker) it is held until the owner dies, so a
// gtest_port process that does not use the server never takes the port.
//
// Example:
//
//   PortChecker checker(/*ipv6=*/true);
//   PortAuthority authority({15000, 24999}, /*max_ports_per_owner=*/1000,
//                           checker);
//   absl::StatusOr<PortAuthority::Granted> g =
//       authority.Grant(pid, std::move(pidfd), /*count=*/1,
//                       /*client_claims=*/false);
//   if (g.ok() && g->new_owner_fd >= 0) { /* watch it; OwnerDied() later */ }
//
// This class is thread-compatible: the server's single loop owns it.

#ifndef GTEST_PORT_TOOLS_SERVE_PORT_AUTHORITY_H_
#define GTEST_PORT_TOOLS_SERVE_PORT_AUTHORITY_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/serve/serve_engine.h"

namespace gtest_port_serve {

class PortAuthority {
 public:
  struct Granted {
    uint16_t first = 0;  // The ports are first .. first + count - 1.
    // The pidfd of an owner seen for the first time, still owned by the
    // authority: the caller watches it and calls OwnerDied(fd) once it is
    // readable. -1 when the owner was known.
    int new_owner_fd = -1;
  };

  struct Stats {
    int64_t ports_managed = 0;
    int64_t ports_held = 0;
    int64_t owners = 0;
    int64_t ports_granted = 0;
    int64_t refused_pool_empty = 0;
    int64_t refused_owner_limit = 0;
    int64_t ports_reclaimed = 0;
    int64_t ports_busy_skipped = 0;  // Claimed by gtest_port or in use.
  };

  // `checker` must outlive the authority.
  PortAuthority(PortRange range, int max_ports_per_owner,
                const PortChecker& checker);
  PortAuthority(const PortAuthority&) = delete;
  PortAuthority& operator=(const PortAuthority&) = delete;

  // Whether `pid` is an owner whose process still runs (then it is the same
  // process: a running process's pid names no other).
  bool IsLiveOwner(pid_t pid) const;

  // Hands `count` consecutive free ports to process `pid`, whose pidfd is
  // `pidfd` (taken when the owner is new, closed otherwise; may be empty
  // when IsLiveOwner(pid) was just true). Errors:
  //   * ResourceExhausted: no `count` consecutive ports are free, or the
  //     owner would hold more than max_ports_per_owner;
  //   * InvalidArgument: `pidfd` is empty for an unknown owner, or
  //     count < 1;
  //   * the checker's error when a claim or probe could not be tried.
  absl::StatusOr<Granted> Grant(pid_t pid, UniqueFd pidfd, int count,
                                bool client_claims);

  // The process behind `owner_fd` (a Granted::new_owner_fd) has exited:
  // its ports go back to the pool, its claims are dropped and `owner_fd`
  // is closed. Returns how many ports came back; 0 for an unknown fd or
  // one whose process still runs.
  int OwnerDied(int owner_fd);

  // The ports `pid` holds now, ascending.
  std::vector<uint16_t> PortsOf(pid_t pid) const;

  Stats stats() const;

 private:
  struct Owner {
    pid_t pid = 0;
    UniqueFd pidfd;
    // Each port with the claim held for it (empty when the client claims).
    std::map<uint16_t, UniqueFd> ports;
  };

  // Grant() without the last-chance reclaim; takes `pidfd` only when it
  // creates a new owner.
  absl::StatusOr<Granted> Find(pid_t pid, UniqueFd& pidfd, int count,
                               bool client_claims);
  // Reclaims `pid`'s record if its process has already exited.
  void ReapIfDead(pid_t pid);
  int Release(std::map<pid_t, Owner>::iterator owner);

  const PortRange range_;
  const int max_ports_per_owner_;
  const PortChecker& checker_;
  std::vector<bool> assigned_;  // Indexed by port - range_.first.
  int cursor_ = 0;              // Where the next search starts.
  std::map<pid_t, Owner> owners_;
  std::map<int, pid_t> owner_by_fd_;
  Stats stats_;
};

}  // namespace gtest_port_serve

#endif  // GTEST_PORT_TOOLS_SERVE_PORT_AUTHORITY_H_
