// Tests of gtest_port's machine-wide guarantee on Windows, through the public
// API in real processes (reserve_holder.exe, which calls gtest_port::Reserve()):
// two processes never hold the same port, and a killed holder's ports come
// back at once.

#include <windows.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/allocator.h"
#include "tests/testing/private_range.h"
#include "tests/windows/testing/child_process.h"
#include "tests/windows/testing/reserve_holder.h"

namespace {

using ::gtest_port_testing::PrivateRange;
using ::gtest_port_testing_windows::ChildProcess;
using ::gtest_port_testing_windows::HolderReport;
using ::gtest_port_testing_windows::ReadHolderReport;

constexpr absl::Duration kChildTimeout = absl::Seconds(90);

// What a holder reported: its ports, and whether it ran out of them.
struct Held {
  std::vector<int> ports;
  bool exhausted = false;
};

absl::StatusOr<Held> ReadHeld(ChildProcess& child) {
  absl::StatusOr<HolderReport> report =
      ReadHolderReport(child, "PORT", kChildTimeout);
  if (!report.ok()) return report.status();
  Held held;
  held.exhausted = report->exhausted;
  for (const std::string& value : report->values) {
    int port = 0;
    if (!absl::SimpleAtoi(value, &port)) {
      return absl::InternalError(absl::StrCat("reserve_holder said: PORT ", value));
    }
    held.ports.push_back(port);
  }
  return held;
}

// Children inherit GTEST_PORT_RANGE from this process.
class MultiprocessTest : public ::testing::Test {
 protected:
  explicit MultiprocessTest(int size = 48) : range_(size) {
    const std::string text =
        absl::StrCat(range_.first(), "-", range_.range().last);
    const std::wstring value(text.begin(), text.end());
    ::SetEnvironmentVariableW(L"GTEST_PORT_RANGE", value.c_str());
  }
  ~MultiprocessTest() override {
    ::SetEnvironmentVariableW(L"GTEST_PORT_RANGE", nullptr);
  }

  PrivateRange range_;
};

TEST_F(MultiprocessTest, FourProcessesNeverHoldTheSamePort) {
  // 4 x 13 reservations race for the 48 ports: every port is held by exactly
  // one process, and the last ones find the range exhausted.
  constexpr int kChildren = 4;
  std::vector<ChildProcess> children;
  for (int c = 0; c < kChildren; ++c) {
    absl::StatusOr<ChildProcess> child =
        ChildProcess::Start(L"reserve_holder.exe", {"13"});
    ASSERT_TRUE(child.ok()) << child.status();
    children.push_back(*std::move(child));
  }
  std::map<int, int> holders;  // port -> processes holding it
  int exhausted = 0;
  for (ChildProcess& child : children) {
    absl::StatusOr<Held> held = ReadHeld(child);
    ASSERT_TRUE(held.ok()) << held.status();
    for (int port : held->ports) ++holders[port];
    exhausted += held->exhausted;
  }
  EXPECT_EQ(holders.size(), 48u);
  for (const auto& [port, count] : holders) {
    EXPECT_EQ(count, 1) << "port " << port << " held by " << count
                        << " processes";
    EXPECT_GE(port, range_.first());
    EXPECT_LE(port, range_.range().last);
  }
  EXPECT_GE(exhausted, 1);
  // While they hold everything, this process gets nothing.
  auto allocator = range_.Allocator();
  ASSERT_NE(allocator, nullptr);
  absl::StatusOr<gtest_port_internal::Reservation> none = allocator->Reserve(1);
  EXPECT_TRUE(absl::IsResourceExhausted(none.status())) << none.status();
  for (ChildProcess& child : children) {
    child.CloseStdin();
    absl::StatusOr<uint32_t> code = child.Wait(kChildTimeout);
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 0u);
  }
}

TEST_F(MultiprocessTest, KilledHoldersPortsComeBackAtOnce) {
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start(L"reserve_holder.exe", {"48"});
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<Held> held = ReadHeld(*child);
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_EQ(held->ports.size(), 48u);
  auto allocator = range_.Allocator();
  ASSERT_NE(allocator, nullptr);
  absl::StatusOr<gtest_port_internal::Reservation> before =
      allocator->Reserve(1);
  ASSERT_TRUE(absl::IsResourceExhausted(before.status())) << before.status();

  ASSERT_TRUE(child->Terminate().ok());
  // No retry: every port of the range is reservable right away.
  std::set<int> ports;
  std::vector<gtest_port_internal::Reservation> mine;
  for (int i = 0; i < 48; ++i) {
    absl::StatusOr<gtest_port_internal::Reservation> r = allocator->Reserve(1);
    ASSERT_TRUE(r.ok()) << "reservation " << i << ": " << r.status();
    ports.insert(r->port());
    mine.push_back(*std::move(r));
  }
  EXPECT_EQ(ports.size(), 48u);
}

}  // namespace
