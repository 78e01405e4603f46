// Tests for tools/serve/client_identity.h on real sockets and processes.

#include "tools/serve/client_identity.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "gtest/gtest.h"
#include "gtest_port/internal/unique_fd.h"

namespace gtest_port_serve {
namespace {

using gtest_port_internal::UniqueFd;

TEST(ClientIdentityTest, ParentOfIsTheParent) {
  EXPECT_EQ(ParentOf(::getpid()), ::getppid());
  EXPECT_EQ(ParentOf(0), 0);
}

// A connected pair: the peer of either end is this process.
absl::StatusOr<Peer> SelfPeer() {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    return absl::InternalError("socketpair");
  }
  UniqueFd a(pair[0]);
  UniqueFd b(pair[1]);
  return IdentifyPeer(a.get());
}

TEST(ClientIdentityTest, PeerIsTheConnectingProcessWithAPidfd) {
  absl::StatusOr<Peer> peer = SelfPeer();
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_EQ(peer->pid, ::getpid());
  EXPECT_EQ(peer->uid, ::getuid());
  ASSERT_TRUE(peer->pidfd.valid());
  EXPECT_NE(::fcntl(peer->pidfd.get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(ClientIdentityTest, WrittenPidOfAnAncestorOwnsOtherwiseThePeer) {
  // `portpicker $$`: the shell, an ancestor, owns the port.
  absl::StatusOr<Peer> peer = SelfPeer();
  ASSERT_TRUE(peer.ok());
  absl::StatusOr<Owner> parent = ResolveOwner(*std::move(peer), ::getppid());
  ASSERT_TRUE(parent.ok()) << parent.status();
  if (::getppid() > 1) {
    EXPECT_EQ(parent->pid, ::getppid());
  } else {
    EXPECT_EQ(parent->pid, ::getpid());
  }
  EXPECT_TRUE(parent->pidfd.valid());

  // A pid from another PID namespace, or made up: the connecting process.
  for (int64_t written : {int64_t{1}, int64_t{0}, int64_t{2147483000}}) {
    absl::StatusOr<Peer> p = SelfPeer();
    ASSERT_TRUE(p.ok());
    absl::StatusOr<Owner> owner = ResolveOwner(*std::move(p), written);
    ASSERT_TRUE(owner.ok()) << owner.status();
    EXPECT_EQ(owner->pid, ::getpid()) << written;
  }
}

}  // namespace
}  // namespace gtest_port_serve
