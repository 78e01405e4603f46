// Tests for tools/serve/client_identity.h on real sockets and processes.

#include "tools/serve/client_identity.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "gtest/gtest.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_serve {
namespace {

using gtest_port_internal::UniqueFd;

TEST(ClientIdentityTest, ParentOfIsTheParent) {
  EXPECT_EQ(ParentOf(::getpid()), ::getppid());
  EXPECT_EQ(ParentOf(0), 0);
}

// A connected pair: the peer of either end is this process.
struct Pair {
  UniqueFd a, b;
};
Pair Connected() {
  int pair[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  return Pair{UniqueFd(pair[0]), UniqueFd(pair[1])};
}

TEST(ClientIdentityTest, PeerIsTheConnectingProcessWithAPidfd) {
  Pair pair = Connected();
  absl::StatusOr<Peer> peer = IdentifyPeer(pair.a.get());
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_EQ(peer->pid, ::getpid());
  EXPECT_EQ(peer->uid, ::getuid());
  absl::StatusOr<UniqueFd> pidfd = PeerPidfd(pair.a.get(), peer->pid);
  ASSERT_TRUE(pidfd.ok()) << pidfd.status();
  ASSERT_TRUE(pidfd->valid());
  EXPECT_NE(::fcntl(pidfd->get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(ClientIdentityTest, WrittenPidOfAnAncestorOwnsOtherwiseThePeer) {
  Pair pair = Connected();
  absl::StatusOr<Peer> peer = IdentifyPeer(pair.a.get());
  ASSERT_TRUE(peer.ok());
  // `portpicker $$`: the shell, an ancestor, owns the port.
  Owner parent = ResolveOwner(*peer, ::getppid());
  if (::getppid() > 1) {
    EXPECT_EQ(parent.pid, ::getppid());
    EXPECT_TRUE(parent.pidfd.valid());
  } else {
    EXPECT_EQ(parent.pid, ::getpid());
  }
  // The peer itself, a pid from another PID namespace, or a made-up one:
  // the connecting process, pidfd left to PeerPidfd().
  for (int64_t written :
       {int64_t{::getpid()}, int64_t{1}, int64_t{0}, int64_t{2147483000}}) {
    Owner owner = ResolveOwner(*peer, written);
    EXPECT_EQ(owner.pid, ::getpid()) << written;
    EXPECT_FALSE(owner.pidfd.valid()) << written;
  }
}

}  // namespace
}  // namespace gtest_port_serve
