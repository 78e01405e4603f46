// Tests of loopback address reservations on Windows (gtest_port/
// address_reservation.h over the Windows back-end), with real sockets and
// real processes (reserve_holder.exe --addresses): an address is held by one
// reservation at a time, machine-wide; one a foreign server uses on the
// caller's port is skipped; a killed holder's addresses come back at once.

#include "gtest_port/address_reservation.h"

#include <windows.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/platform/windows/claim.h"
#include "gtest_port/port_reservation.h"
#include "tests/testing/fixed_port.h"
#include "tests/testing/private_address_pool.h"
#include "tests/windows/testing/child_process.h"
#include "tests/windows/testing/reserve_holder.h"
#include "tests/windows/testing/sockets.h"
#include "tests/windows/testing/wine.h"

namespace gtest_port {
namespace {

using ::gtest_port_internal::FormatAddress;
using ::gtest_port_internal::HeldAddresses;
using ::gtest_port_internal::windows::UniqueSocket;
using ::gtest_port_testing::FixedPort;
using ::gtest_port_testing::PrivateAddressPool;
using ::gtest_port_testing_windows::BindSocket;
using ::gtest_port_testing_windows::ChildProcess;
using ::gtest_port_testing_windows::HolderReport;
using ::gtest_port_testing_windows::ReadHolderReport;
using ::gtest_port_testing_windows::RunningUnderWine;
using ::gtest_port_testing_windows::SocketKind;
using ::gtest_port_testing_windows::SocketReuse;
using ::testing::HasSubstr;

constexpr absl::Duration kChildTimeout = absl::Seconds(90);

// A server on address:port as a fixed-port server binds it, exclusively.
absl::StatusOr<UniqueSocket> Serve(SocketKind kind, const std::string& address,
                                   uint16_t port) {
  return BindSocket(kind, address, port, SocketReuse::kExclusive);
}

TEST(WindowsAddressReservationTest, ServersBindTheAddressesOnOneFixedPort) {
  FixedPort fixed;
  absl::StatusOr<AddressReservation> nodes = ReserveAddresses(3, {fixed.port()});
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 3);
  const std::vector<std::string> all = nodes->addresses();
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 3u);
  // All three at once, on the same port. Wine binds a UDP socket on a
  // loopback address to 0.0.0.0 of its interface (to receive broadcasts), so
  // there two UDP sockets cannot share a port on different addresses: under
  // Wine each UDP server is closed before the next binds.
  const bool udp_at_once = !RunningUnderWine();
  std::vector<UniqueSocket> servers;
  for (const std::string& address : all) {
    absl::StatusOr<uint32_t> parsed = gtest_port_internal::ParseAddress(address);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_TRUE(gtest_port_internal::kDefaultAddressRange.contains(*parsed))
        << address;
    for (SocketKind kind : {SocketKind::kTcp, SocketKind::kUdp}) {
      absl::StatusOr<UniqueSocket> server = Serve(kind, address, fixed.port());
      ASSERT_TRUE(server.ok()) << server.status();
      if (kind == SocketKind::kTcp || udp_at_once) {
        servers.push_back(*std::move(server));
      }
    }
  }
}

TEST(WindowsAddressReservationTest, HeldAddressIsClaimedMachineWideAndFreeAfter) {
  PrivateAddressPool pool(1);
  auto allocator = pool.Allocator();
  ASSERT_NE(allocator, nullptr);
  absl::StatusOr<HeldAddresses> first = allocator->ReserveAddresses(1, {});
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string dotted = FormatAddress(pool.range().first);
  EXPECT_EQ(FormatAddress((*first)[0].address), dotted);

  // The named object exists while the reservation lives.
  namespace win = ::gtest_port_internal::windows;
  absl::StatusOr<win::UniqueHandle> probe =
      win::ClaimAddress(win::ClaimScope::kGlobal, dotted);
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_FALSE(probe->valid()) << dotted << " was claimable while held";
  absl::StatusOr<HeldAddresses> second =
      pool.Allocator()->ReserveAddresses(1, {});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted)
      << second.status();
  EXPECT_THAT(second.status().message(),
              HasSubstr("1 held by other gtest_port reservations"));

  first->clear();  // Released.
  second = pool.Allocator()->ReserveAddresses(1, {});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(FormatAddress((*second)[0].address), dotted);
}

TEST(WindowsAddressReservationTest, AnAddressWhereAForeignServerHasThePortIsSkipped) {
  FixedPort fixed;
  PrivateAddressPool pool(2);
  const std::string a = FormatAddress(pool.range().first);
  const std::string b = FormatAddress(pool.range().last);
  // Not a gtest_port user: a plain server on a:port. (TCP: Wine's UDP
  // socket on a loopback address would hold the port on every address.)
  absl::StatusOr<UniqueSocket> foreign =
      BindSocket(SocketKind::kTcp, a, fixed.port(), SocketReuse::kNone);
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  auto allocator = pool.Allocator();
  ASSERT_NE(allocator, nullptr);
  absl::StatusOr<HeldAddresses> held =
      allocator->ReserveAddresses(1, {fixed.port()});
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(FormatAddress((*held)[0].address), b);
  absl::StatusOr<HeldAddresses> none =
      allocator->ReserveAddresses(1, {fixed.port()});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(none.status().message(),
              HasSubstr("1 in use by other sockets on port "));
}

absl::StatusOr<HolderReport> ReadAddresses(ChildProcess& child) {
  return ReadHolderReport(child, "ADDRESS", kChildTimeout);
}

// Children inherit GTEST_PORT_ADDRESS_RANGE from this process.
class WindowsAddressProcessesTest : public ::testing::Test {
 protected:
  WindowsAddressProcessesTest() : pool_(24) {
    const std::string text = pool_.Text();
    const std::wstring value(text.begin(), text.end());
    ::SetEnvironmentVariableW(L"GTEST_PORT_ADDRESS_RANGE", value.c_str());
  }
  ~WindowsAddressProcessesTest() override {
    ::SetEnvironmentVariableW(L"GTEST_PORT_ADDRESS_RANGE", nullptr);
  }

  PrivateAddressPool pool_;
};

TEST_F(WindowsAddressProcessesTest, FourProcessesNeverHoldTheSameAddress) {
  // 4 x 7 reservations race for the 24 addresses.
  std::vector<ChildProcess> children;
  for (int c = 0; c < 4; ++c) {
    absl::StatusOr<ChildProcess> child =
        ChildProcess::Start(L"reserve_holder.exe", {"--addresses", "7"});
    ASSERT_TRUE(child.ok()) << child.status();
    children.push_back(*std::move(child));
  }
  std::map<std::string, int> holders;  // address -> processes holding it
  int exhausted = 0;
  for (ChildProcess& child : children) {
    absl::StatusOr<HolderReport> held = ReadAddresses(child);
    ASSERT_TRUE(held.ok()) << held.status();
    for (const std::string& address : held->values) ++holders[address];
    exhausted += held->exhausted;
  }
  EXPECT_EQ(holders.size(), 24u);
  for (const auto& [address, count] : holders) {
    EXPECT_EQ(count, 1) << address << " held by " << count << " processes";
    absl::StatusOr<uint32_t> parsed = gtest_port_internal::ParseAddress(address);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_TRUE(pool_.range().contains(*parsed)) << address;
  }
  EXPECT_GE(exhausted, 1);
  for (ChildProcess& child : children) {
    child.CloseStdin();
    absl::StatusOr<uint32_t> code = child.Wait(kChildTimeout);
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 0u);
  }
}

TEST_F(WindowsAddressProcessesTest, KilledHoldersAddressesComeBackAtOnce) {
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start(L"reserve_holder.exe", {"--addresses", "24"});
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<HolderReport> held = ReadAddresses(*child);
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_EQ(held->values.size(), 24u);
  auto allocator = pool_.Allocator();
  ASSERT_NE(allocator, nullptr);
  EXPECT_EQ(allocator->ReserveAddresses(1, {}).status().code(),
            absl::StatusCode::kResourceExhausted);

  ASSERT_TRUE(child->Terminate().ok());
  // No retry: every address of the pool is reservable right away.
  absl::StatusOr<HeldAddresses> all = allocator->ReserveAddresses(24, {});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 24u);
}

}  // namespace
}  // namespace gtest_port
