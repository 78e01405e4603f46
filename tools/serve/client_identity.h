// File: tools/serve/client_identity.h
//
// Who a connection to `gtest-port serve` is from, and which process its
// ports belong to -- decided by the kernel, not by what the client wrote.
//
// IdentifyPeer() reads SO_PEERCRED: the pid of the process that connected,
// translated into the server's PID namespace. PeerPidfd() takes a pidfd for
// it: SO_PEERPIDFD where the kernel has it (Linux 6.5+; the pidfd of the
// very process that connected, no reuse race), else pidfd_open(2) while the
// connection is still open. The server needs one only for an owner it does
// not know yet: a known owner whose pidfd says it still runs is the peer
// (a running process's pid names no other).
//
// ResolveOwner() then picks the owner of the ports. The portpicker protocol
// lets a client write another pid than its own: `portpicker $$` in a shell
// asks for the shell, which outlives the short-lived Python process that
// connects. The written pid is honoured when it names the connecting process
// or one of its ancestors (other than init) in the server's PID namespace;
// anything else -- a pid from another PID namespace, which names an
// unrelated process here, or a made-up number -- makes the connecting
// process the owner. A client in a PID namespace of its own is therefore
// served, and its ports come back when it exits.
//
// Example:
//
//   absl::StatusOr<Peer> peer = IdentifyPeer(connection_fd);
//   Owner owner = ResolveOwner(*peer, written_pid);
//   if (!owner.pidfd.valid()) {
//     owner.pidfd = *PeerPidfd(connection_fd, owner.pid);
//   }
//   authority.Grant(owner.pid, std::move(owner.pidfd), 1, false);
//
// All functions are thread-safe.

#ifndef GTEST_PORT_TOOLS_SERVE_CLIENT_IDENTITY_H_
#define GTEST_PORT_TOOLS_SERVE_CLIENT_IDENTITY_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_serve {

struct Peer {
  pid_t pid = 0;  // In the server's PID namespace.
  uid_t uid = 0;
};

struct Owner {
  pid_t pid = 0;  // In the server's PID namespace.
  // Set for an ancestor (opened while checking it); empty for the peer,
  // whose pidfd PeerPidfd() gives when it is needed.
  gtest_port_internal::UniqueFd pidfd;
};

// FailedPrecondition when the peer lives in a PID namespace the server
// cannot see (the kernel reports pid 0); the errno status of getsockopt.
absl::StatusOr<Peer> IdentifyPeer(int connection_fd);

// A close-on-exec pidfd for the process `peer_pid` that connected to
// `connection_fd`; the errno status when it cannot be had (e.g. ESRCH).
absl::StatusOr<gtest_port_internal::UniqueFd> PeerPidfd(int connection_fd,
                                                        pid_t peer_pid);

// The process the ports belong to, as described above. `written_pid` <= 0
// means none was written (extension requests).
Owner ResolveOwner(const Peer& peer, int64_t written_pid);

// The parent of `pid` as /proc/<pid>/stat gives it; 0 when unknown.
pid_t ParentOf(pid_t pid);

}  // namespace gtest_port_serve

#endif  // GTEST_PORT_TOOLS_SERVE_CLIENT_IDENTITY_H_
