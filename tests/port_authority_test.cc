// Tests for tools/serve/port_authority.h with the real claim and probe and
// real processes as owners.

#include "tools/serve/port_authority.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/platform/platform.h"
#include "tests/testing/private_range.h"
#include "tests/testing/subprocess.h"

namespace gtest_port_serve {
namespace {

using gtest_port_testing::PrivateRange;
using gtest_port_testing::Subprocess;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A real process to own ports: lives until killed.
struct Child {
  Subprocess process;
  UniqueFd Pidfd() const {
    return UniqueFd(
        static_cast<int>(::syscall(SYS_pidfd_open, process.pid(), 0)));
  }
};

Child StartChild() {
  absl::StatusOr<Subprocess> p = Subprocess::Start({"/bin/sleep", "600"}, {});
  EXPECT_TRUE(p.ok()) << p.status();
  return Child{*std::move(p)};
}

void KillAndReap(Child& child) {
  child.process.Kill(SIGKILL);
  (void)child.process.Wait(absl::Seconds(10));
}

// Where a gtest_port process on this host claims, as the server resolves it.
const std::string& LockDir() {
  static const std::string* const dir = [] {
    absl::StatusOr<std::string> resolved = ResolveServeLockDir();
    EXPECT_TRUE(resolved.ok()) << resolved.status();
    return new std::string(resolved.ok() ? *resolved : "");
  }();
  return *dir;
}

// Claims `port` as a gtest_port test process on this host would.
absl::StatusOr<UniqueFd> ClaimAsATestWould(uint16_t port) {
  return gtest_port_internal::RealPlatform().MakeClaimer(LockDir())->Claim(port);
}

// Whether a gtest_port process could claim `port` now.
bool Claimable(uint16_t port) {
  absl::StatusOr<UniqueFd> claim = ClaimAsATestWould(port);
  return claim.ok() && claim->valid();
}

TEST(PortAuthorityTest, GrantsEachPortOnceThenRefuses) {
  PrivateRange pool(3);
  PortChecker checker(true, LockDir());
  PortAuthority authority(pool.range(), 100, checker);
  Child child = StartChild();
  std::set<int> ports;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<PortAuthority::Granted> g =
        authority.Grant(child.process.pid(), child.Pidfd(), 1, false);
    ASSERT_TRUE(g.ok()) << g.status();
    EXPECT_TRUE(pool.range().contains(g->first)) << g->first;
    EXPECT_EQ(g->new_owner_fd >= 0, i == 0);
    ports.insert(g->first);
  }
  EXPECT_EQ(ports.size(), 3u);
  absl::StatusOr<PortAuthority::Granted> none =
      authority.Grant(child.process.pid(), child.Pidfd(), 1, false);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(authority.stats().refused_pool_empty, 1);
  EXPECT_EQ(authority.stats().ports_held, 3);
  KillAndReap(child);
}

TEST(PortAuthorityTest, HoldsTheClaimUnlessTheClientClaimsItself) {
  PrivateRange pool(2);
  PortChecker checker(true, LockDir());
  PortAuthority authority(pool.range(), 100, checker);
  Child child = StartChild();
  absl::StatusOr<PortAuthority::Granted> held =
      authority.Grant(child.process.pid(), child.Pidfd(), 1, false);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_FALSE(Claimable(held->first));
  absl::StatusOr<PortAuthority::Granted> self =
      authority.Grant(child.process.pid(), child.Pidfd(), 1, true);
  ASSERT_TRUE(self.ok()) << self.status();
  EXPECT_NE(self->first, held->first);
  EXPECT_TRUE(Claimable(self->first));
  KillAndReap(child);
}

TEST(PortAuthorityTest, PortsComeBackWhenTheOwnerDies) {
  PrivateRange pool(2);
  PortChecker checker(true, LockDir());
  PortAuthority authority(pool.range(), 100, checker);
  Child first = StartChild();
  absl::StatusOr<PortAuthority::Granted> g =
      authority.Grant(first.process.pid(), first.Pidfd(), 2, false);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_GE(g->new_owner_fd, 0);
  EXPECT_EQ(authority.OwnerDied(g->new_owner_fd), 0);  // Still running.
  KillAndReap(first);
  EXPECT_EQ(authority.OwnerDied(g->new_owner_fd), 2);
  EXPECT_TRUE(Claimable(g->first));
  EXPECT_EQ(authority.stats().ports_reclaimed, 2);

  // And without OwnerDied(): a refusal first reclaims dead owners.
  Child second = StartChild();
  Child third = StartChild();
  ASSERT_TRUE(
      authority.Grant(second.process.pid(), second.Pidfd(), 2, false).ok());
  KillAndReap(second);
  absl::StatusOr<PortAuthority::Granted> again =
      authority.Grant(third.process.pid(), third.Pidfd(), 1, false);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(authority.PortsOf(third.process.pid()),
              ElementsAre(again->first));
  EXPECT_TRUE(authority.PortsOf(second.process.pid()).empty());
  KillAndReap(third);
}

TEST(PortAuthorityTest, SkipsPortsClaimedByGtestPortOrInUse) {
  PrivateRange pool(3);
  PortChecker checker(true, LockDir());
  PortAuthority authority(pool.range(), 100, checker);
  // first: claimed by a gtest_port process (this one); first+1: a TCP socket
  // (no claim) listens on it.
  absl::StatusOr<UniqueFd> claim = ClaimAsATestWould(pool.first());
  ASSERT_TRUE(claim.ok() && claim->valid());
  UniqueFd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(pool.first() + 1));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(tcp.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
            0);
  Child child = StartChild();
  absl::StatusOr<PortAuthority::Granted> g =
      authority.Grant(child.process.pid(), child.Pidfd(), 1, false);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->first, pool.first() + 2);
  EXPECT_EQ(authority.stats().ports_busy_skipped, 2);
  EXPECT_EQ(authority.Grant(child.process.pid(), child.Pidfd(), 1, false)
                .status()
                .code(),
            absl::StatusCode::kResourceExhausted);
  KillAndReap(child);
}

TEST(PortAuthorityTest, BlocksAreConsecutiveAndOwnersAreBounded) {
  PrivateRange pool(10);
  PortChecker checker(true, LockDir());
  PortAuthority authority(pool.range(), 6, checker);
  Child child = StartChild();
  absl::StatusOr<PortAuthority::Granted> block =
      authority.Grant(child.process.pid(), child.Pidfd(), 4, true);
  ASSERT_TRUE(block.ok()) << block.status();
  std::vector<uint16_t> want;
  for (int i = 0; i < 4; ++i) want.push_back(block->first + i);
  EXPECT_EQ(authority.PortsOf(child.process.pid()), want);
  absl::StatusOr<PortAuthority::Granted> over =
      authority.Grant(child.process.pid(), child.Pidfd(), 3, true);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(over.status().message()),
              HasSubstr("at most 6 per process"));
  EXPECT_EQ(authority.stats().refused_owner_limit, 1);
  // A known, running owner needs no new pidfd; a new owner does.
  EXPECT_TRUE(authority.IsLiveOwner(child.process.pid()));
  EXPECT_TRUE(authority.Grant(child.process.pid(), UniqueFd(), 1, true).ok());
  Child other = StartChild();
  EXPECT_FALSE(authority.IsLiveOwner(other.process.pid()));
  EXPECT_EQ(
      authority.Grant(other.process.pid(), UniqueFd(), 1, true).status().code(),
      absl::StatusCode::kInvalidArgument);
  KillAndReap(other);
  KillAndReap(child);
}

}  // namespace
}  // namespace gtest_port_serve
