// Tests of PortServerSource (gtest_port/internal/engine/portserver_source.h)
// against port servers that waste a reservation's time or hand out ports
// gtest_port must not use: slow answers with busy ports, the same port over
// and over, privileged and ephemeral ports.

#include "gtest_port/internal/engine/portserver_source.h"

#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/engine/config.h"
#include "gtest_port/internal/engine/environment.h"
#include "gtest_port/internal/engine/stats.h"
#include "gtest_port/internal/platform/claim.h"
#include "gtest_port/internal/platform/platform.h"
#include "tests/testing/portserver.h"
#include "tests/testing/private_range.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::FakePortServer;
using ::gtest_port_testing::PrivateRange;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kWarning[] = "[gtest_port] warning: not using the port server";

std::shared_ptr<PortAllocator> MakeAllocator(const PrivateRange& local,
                                             const std::string& address,
                                             absl::Duration timeout,
                                             bool allow_unsafe_ports = false) {
  gtest_port::Options options;
  options.allow_unsafe_ports = allow_unsafe_ports;
  options.range = local.range();
  options.shard_index = 0;
  options.total_shards = 1;
  options.portserver_address = address;
  options.portserver_timeout = timeout;
  absl::StatusOr<Config> config =
      ResolveConfig(options, RealPlatform(), MapEnvironment({}));
  EXPECT_TRUE(config.ok()) << config.status();
  if (!config.ok()) return nullptr;
  return PortAllocator::Create(*std::move(config), RealPlatform());
}

// A port of a private range, claimed the way another gtest_port user of
// this platform would (its claimer, its default lock directory): every time
// the server hands it out, it is busy.
struct BusyPort {
  PrivateRange range{1};
  std::unique_ptr<Claimer> claimer =
      RealPlatform().MakeClaimer(RealPlatform().DefaultLockDir());
  absl::StatusOr<PortClaim> claim = claimer->Claim(range.first());
  std::string Reply() const { return absl::StrCat(range.first(), "\n"); }
};

// A server that answers within the timeout, but slowly and with a busy port:
// one reservation asks only while its timeout lasts (not kMaxAsks times),
// and after kMaxWastedReservations such reservations the server is dropped.
TEST(PortServerSourceTest, ASlowServerOfBusyPortsCostsBoundedTimeThenIsDropped) {
  BusyPort busy;
  ASSERT_TRUE(busy.claim.ok() && busy.claim->valid()) << busy.claim.status();
  FakePortServer slow(busy.Reply(), absl::Milliseconds(250));
  PrivateRange local(10);
  std::shared_ptr<PortAllocator> allocator =
      MakeAllocator(local, slow.address(), absl::Seconds(1));
  ASSERT_NE(allocator, nullptr);
  testing::internal::CaptureStderr();
  size_t asked = 0;
  for (int i = 0; i < PortServerSource::kMaxWastedReservations + 2; ++i) {
    absl::StatusOr<Reservation> r = allocator->Reserve(1);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(local.range().contains(r->port())) << r->port();
    const size_t now = slow.requests().size();
    if (i < PortServerSource::kMaxWastedReservations) {
      // 1 s / 250 ms: asks start at 0, 250, 500, 750 ms -- never 8.
      EXPECT_GE(now - asked, 1u) << "reservation " << i;
      EXPECT_LE(now - asked, 5u) << "reservation " << i;
    } else {
      EXPECT_EQ(now - asked, 0u) << "reservation " << i << " asked again";
    }
    asked = now;
  }
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_THAT(err, AllOf(HasSubstr(kWarning),
                         HasSubstr("gave only claimed or busy ports"),
                         HasSubstr("3 reservations in a row")));
  EXPECT_EQ(allocator->portserver_status().code(),
            absl::StatusCode::kResourceExhausted);
}

// A server that keeps returning one (busy) port: the free list holds it
// once, so each reservation tries at most 1 + kMaxAsks ports, not more and
// more.
TEST(PortServerSourceTest, ARepeatedPortIsOnTheFreeListOnce) {
  BusyPort busy;
  ASSERT_TRUE(busy.claim.ok() && busy.claim->valid()) << busy.claim.status();
  FakePortServer same(busy.Reply());
  PrivateRange local(10);
  std::shared_ptr<PortAllocator> allocator =
      MakeAllocator(local, same.address(), absl::Seconds(10));
  ASSERT_NE(allocator, nullptr);
  testing::internal::CaptureStderr();
  int64_t set_aside = 0;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<Reservation> r = allocator->Reserve(1);
    ASSERT_TRUE(r.ok()) << r.status();
    const int64_t now = allocator->stats()[Stats::kPortServerSetAside];
    EXPECT_LE(now - set_aside, 1 + PortServerSource::kMaxAsks)
        << "reservation " << i;
    set_aside = now;
  }
  testing::internal::GetCapturedStderr();
  EXPECT_GE(set_aside, 2 * PortServerSource::kMaxAsks);
}

// A port browsers refuse, from the server, is set aside like a busy one
// (the server is kept) unless such ports are allowed.
TEST(PortServerSourceTest, APortBrowsersRefuseIsSetAsideUnlessAllowed) {
  FakePortServer irc("6667\n");
  PrivateRange local(2);
  std::shared_ptr<PortAllocator> allocator =
      MakeAllocator(local, irc.address(), absl::Seconds(10));
  ASSERT_NE(allocator, nullptr);
  testing::internal::CaptureStderr();
  absl::StatusOr<Reservation> r = allocator->Reserve(1);
  const std::string err = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(local.range().contains(r->port())) << r->port();
  EXPECT_GE(irc.requests().size(), 1u);
  EXPECT_GE(allocator->stats()[Stats::kPortServerSetAside], 1);
  EXPECT_TRUE(allocator->portserver_status().ok())
      << allocator->portserver_status();
  EXPECT_THAT(err, Not(HasSubstr(kWarning)));

  FakePortServer irc_allowed("6667\n");
  std::shared_ptr<PortAllocator> allowing = MakeAllocator(
      local, irc_allowed.address(), absl::Seconds(10), /*allow_unsafe_ports=*/true);
  ASSERT_NE(allowing, nullptr);
  absl::StatusOr<Reservation> given = allowing->Reserve(1);
  ASSERT_TRUE(given.ok()) << given.status();
  EXPECT_EQ(given->port(), 6667);
}

struct UnusablePort {
  const char* name;
  std::string reply;
  std::string expect;
};

// A port gtest_port would never use itself is not used from a server
// either: the server is dropped at once, with a warning naming the port.
TEST(PortServerSourceTest, PrivilegedAndEphemeralPortsAreRefused) {
  PrivateRange local(10);
  std::vector<UnusablePort> cases = {
      {"privileged", "80\n", "gave port 80, a privileged port (below 1024)"}};
  const std::optional<PortRange> ephemeral = RealPlatform().EphemeralRange().range;
  if (ephemeral.has_value()) {
    cases.push_back({"ephemeral", absl::StrCat(ephemeral->first, "\n"),
                     absl::StrCat("gave port ", ephemeral->first,
                                  ", inside the kernel's ephemeral port "
                                  "range")});
  }
  for (const UnusablePort& c : cases) {
    SCOPED_TRACE(c.name);
    FakePortServer server(c.reply);
    std::shared_ptr<PortAllocator> allocator =
        MakeAllocator(local, server.address(), absl::Seconds(10));
    ASSERT_NE(allocator, nullptr);
    testing::internal::CaptureStderr();
    absl::StatusOr<Reservation> first = allocator->Reserve(1);
    absl::StatusOr<Reservation> second = allocator->Reserve(1);
    const std::string err = testing::internal::GetCapturedStderr();
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_TRUE(local.range().contains(first->port())) << first->port();
    EXPECT_TRUE(local.range().contains(second->port())) << second->port();
    EXPECT_EQ(server.requests().size(), 1u);
    EXPECT_THAT(err, AllOf(HasSubstr(kWarning), HasSubstr(c.expect)));
    EXPECT_EQ(allocator->portserver_status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
}

}  // namespace
}  // namespace gtest_port_internal
