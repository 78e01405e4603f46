// Tests of gtest_port/internal/platform/windows_platform.cc: the Windows
// Platform behind the seam, and the Config the engine resolves through it --
// the ephemeral range, refused lock directories, the port server warning,
// and claims and probes over real named objects and sockets.

#include "gtest_port/internal/platform/windows_platform.h"

#include <winsock2.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/config.h"
#include "gtest_port/internal/engine/environment.h"
#include "tests/testing/private_range.h"
#include "tests/testing/sockets.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::BindSocket;
using ::gtest_port_testing::PrivateRange;
using ::gtest_port_testing::TestSocket;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(WindowsPlatformTest, EphemeralRangeIsTheDynamicRangeOrTheDefault) {
  const EphemeralPorts ports = RealPlatform().EphemeralRange();
  ASSERT_TRUE(ports.range.has_value());
  EXPECT_THAT(ports.source, HasSubstr("dynamicport"));
  if (!ports.warning.empty()) {
    // netsh could not tell (always under Wine): Windows' default, named.
    EXPECT_EQ(*ports.range, (gtest_port::PortRange{49152, 65535}));
    EXPECT_THAT(ports.warning, HasSubstr("netsh"));
  } else {
    EXPECT_LE(ports.range->first, ports.range->last);
  }
}

TEST(WindowsPlatformTest, LockDirectoriesAreRefusedSayingWhy) {
  EXPECT_EQ(RealPlatform().DefaultLockDir(), "");
  const absl::Status status =
      RealPlatform().PrepareLockDir("C:\\locks", "GTEST_PORT_LOCK_DIR=C:\\locks");
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("GTEST_PORT_LOCK_DIR=C:\\locks"),
                    HasSubstr("not supported on Windows"),
                    HasSubstr("named kernel objects")));
}

TEST(WindowsPlatformTest, ConfigRefusesALockDirFromTheEnvironment) {
  absl::StatusOr<Config> config = ResolveConfig(
      gtest_port::Options(), RealPlatform(),
      MapEnvironment({{"GTEST_PORT_LOCK_DIR", "C:\\locks"}}));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr("GTEST_PORT_LOCK_DIR"),
                    HasSubstr("not supported on Windows")));
}

TEST(WindowsPlatformTest, PortServerIsAWarningAndNotUsed) {
  absl::StatusOr<Config> config = ResolveConfig(
      gtest_port::Options(), RealPlatform(),
      MapEnvironment({{"PORTSERVER_ADDRESS", "@unittest-portserver"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->portserver_address, IsEmpty());
  EXPECT_THAT(config->warnings,
              Contains(AllOf(HasSubstr("PORTSERVER_ADDRESS"),
                             HasSubstr("not supported on Windows"))));
}

TEST(WindowsPlatformTest, DefaultRangeSkipsTheEphemeralRange) {
  gtest_port::Options options;
  options.range = gtest_port::PortRange{40000, 60000};
  absl::StatusOr<Config> config =
      ResolveConfig(options, RealPlatform(), MapEnvironment({}));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->ephemeral.has_value());
  EXPECT_THAT(config->warnings,
              Contains(HasSubstr("overlaps the kernel's ephemeral port range")));
  // No candidate inside the ephemeral range.
  const gtest_port::PortRange e = *config->ephemeral;
  const size_t below = e.first > 40000 ? e.first - 40000 : 0;
  const size_t above = e.last < 60000 ? 60000 - e.last : 0;
  EXPECT_EQ(config->candidates.size(), below + above);
}

TEST(WindowsPlatformTest, OneClaimPerPortAcrossClaimers) {
  PrivateRange range(1);
  std::unique_ptr<Claimer> a = RealPlatform().MakeClaimer("");
  std::unique_ptr<Claimer> b = RealPlatform().MakeClaimer("");
  EXPECT_THAT(a->Describe(), HasSubstr("gtest_port/v1/"));
  absl::StatusOr<PortClaim> first = a->Claim(range.first());
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->valid());
  absl::StatusOr<PortClaim> second = b->Claim(range.first());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->valid());
  first->reset();
  absl::StatusOr<PortClaim> third = b->Claim(range.first());
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_TRUE(third->valid());
}

TEST(WindowsPlatformTest, ProberSeesRealSockets) {
  PrivateRange range(2);
  std::unique_ptr<Prober> prober = RealPlatform().MakeProber();
  const uint16_t tcp_port = range.first();
  const uint16_t udp_port = static_cast<uint16_t>(range.first() + 1);
  absl::StatusOr<bool> before = prober->IsFree(tcp_port);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_TRUE(*before);
  absl::StatusOr<TestSocket> tcp = BindSocket(SOCK_STREAM, tcp_port);
  absl::StatusOr<TestSocket> udp = BindSocket(SOCK_DGRAM, udp_port);
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  ASSERT_TRUE(udp.ok()) << udp.status();
  for (uint16_t port : {tcp_port, udp_port}) {
    absl::StatusOr<bool> busy = prober->IsFree(port);
    ASSERT_TRUE(busy.ok()) << busy.status();
    EXPECT_FALSE(*busy) << "port " << port;
  }
}

}  // namespace
}  // namespace gtest_port_internal
