#include "tools/serve/client_identity.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77  // Linux 6.5; older headers lack it.
#endif
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

namespace gtest_port_serve {
namespace {

using gtest_port_internal::UniqueFd;

// How far up the process tree a written pid is looked for.
constexpr int kMaxAncestors = 32;

absl::Status Errno(int error, absl::string_view call) {
  return absl::ErrnoToStatus(error, call);
}

int PidfdOpen(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

// pidfds are close-on-exec from birth (pidfd_open(2), SO_PEERPIDFD).

}  // namespace

pid_t ParentOf(pid_t pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/stat");
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return 0;
  char buf[512];
  ssize_t got;
  do {
    got = ::read(fd.get(), buf, sizeof(buf) - 1);
  } while (got < 0 && errno == EINTR);
  if (got <= 0) return 0;
  // "pid (comm) state ppid ...": comm may hold anything, even ") ", so the
  // fields after it start after the LAST ')'.
  const absl::string_view stat(buf, static_cast<size_t>(got));
  const size_t close = stat.rfind(')');
  if (close == absl::string_view::npos) return 0;
  std::vector<absl::string_view> fields =
      absl::StrSplit(stat.substr(close + 1), ' ', absl::SkipEmpty());
  int ppid = 0;
  if (fields.size() < 2 || !absl::SimpleAtoi(fields[1], &ppid)) return 0;
  return ppid;
}

absl::StatusOr<Peer> IdentifyPeer(int connection_fd) {
  ucred cred;
  socklen_t len = sizeof(cred);
  if (::getsockopt(connection_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return Errno(errno, "getsockopt(SO_PEERCRED)");
  }
  if (cred.pid <= 0) {
    return absl::FailedPreconditionError(
        "the client lives in a PID namespace this server cannot see (run the "
        "server in the outermost PID namespace of the host)");
  }
  return Peer{cred.pid, cred.uid};
}

absl::StatusOr<UniqueFd> PeerPidfd(int connection_fd, pid_t peer_pid) {
  int pidfd = -1;
  socklen_t pidfd_len = sizeof(pidfd);
  if (::getsockopt(connection_fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd,
                   &pidfd_len) == 0 &&
      pidfd >= 0) {
    return UniqueFd(pidfd);
  }
  // Older kernels: the connection is open, so the peer (or a process it
  // passed the socket to) still runs; its pid is not free for reuse yet.
  UniqueFd fd(PidfdOpen(peer_pid));
  if (!fd.valid()) {
    return Errno(errno, absl::StrCat("pidfd_open(", peer_pid, ")"));
  }
  return fd;
}

Owner ResolveOwner(const Peer& peer, int64_t written_pid) {
  Owner owner;
  owner.pid = peer.pid;
  if (written_pid <= 1 || written_pid == peer.pid) return owner;
  pid_t ancestor = peer.pid;
  for (int i = 0; i < kMaxAncestors; ++i) {
    ancestor = ParentOf(ancestor);
    if (ancestor <= 1) break;
    if (ancestor == written_pid) {
      UniqueFd pidfd(PidfdOpen(ancestor));
      // The ancestor may have exited meanwhile: then the peer owns the port.
      if (!pidfd.valid() || ParentOf(peer.pid) == 0) break;
      owner.pid = ancestor;
      owner.pidfd = std::move(pidfd);
      return owner;
    }
  }
  return owner;
}

}  // namespace gtest_port_serve
