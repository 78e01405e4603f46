// Tests of gtest_port/internal/platform/windows/claim.h: named-object claims, within
// one process, across threads, and across real processes (claim_holder.exe)
// that exit or are killed.

#include "gtest_port/internal/platform/windows/claim.h"

#include <windows.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/windows/testing/child_process.h"

namespace gtest_port_internal::windows {
namespace {

using ::gtest_port_testing_windows::ChildProcess;
using ::testing::HasSubstr;

constexpr absl::Duration kChildTimeout = absl::Seconds(60);

// Every test uses its own ports: ctest runs tests in parallel in one Wine
// prefix, where Global\ objects are shared.
absl::StatusOr<UniqueHandle> Claim(uint16_t port) {
  return ClaimPort(ClaimScope::kGlobal, port);
}

TEST(ClaimObjectNameTest, NamesThePortInItsNamespace) {
  EXPECT_EQ(ClaimObjectName(ClaimScope::kGlobal, 20123),
            L"Global\\gtest_port/v1/20123");
  EXPECT_EQ(ClaimObjectName(ClaimScope::kLocal, 1024),
            L"Local\\gtest_port/v1/1024");
}

TEST(ClaimObjectNameTest, NamesTheAddressInItsOwnNameSpace) {
  EXPECT_EQ(AddressClaimObjectName(ClaimScope::kGlobal, "127.1.0.7"),
            L"Global\\gtest_port/v1/addr/127.1.0.7");
  EXPECT_EQ(AddressClaimObjectName(ClaimScope::kLocal, "127.1.0.7"),
            L"Local\\gtest_port/v1/addr/127.1.0.7");
}

TEST(ClaimAddressTest, OneClaimPerAddressUntilReleasedApartFromPorts) {
  absl::StatusOr<UniqueHandle> first =
      ClaimAddress(ClaimScope::kGlobal, "127.4.0.1");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->valid());
  absl::StatusOr<UniqueHandle> second =
      ClaimAddress(ClaimScope::kGlobal, "127.4.0.1");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->valid()) << "two live claims on 127.4.0.1";
  absl::StatusOr<UniqueHandle> other =
      ClaimAddress(ClaimScope::kGlobal, "127.4.0.2");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_TRUE(other->valid()) << "a claim on 127.4.0.1 blocked 127.4.0.2";
  // Addresses and ports are separate name spaces: port 41007 stays free.
  absl::StatusOr<UniqueHandle> port = Claim(41007);
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_TRUE(port->valid());

  first->reset();
  absl::StatusOr<UniqueHandle> again =
      ClaimAddress(ClaimScope::kGlobal, "127.4.0.1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->valid()) << "a released address claim did not come back";
}

TEST(ChooseClaimNamespaceTest, ChoosesGlobalOrSaysWhyNot) {
  absl::StatusOr<ClaimNamespace> ns = ChooseClaimNamespace();
  ASSERT_TRUE(ns.ok()) << ns.status();
  if (ns->scope == ClaimScope::kGlobal) {
    EXPECT_EQ(ns->reason, "");
    EXPECT_EQ(DescribeClaimNamespace(*ns),
              "named objects Global\\gtest_port/v1/<port>");
  } else {
    EXPECT_THAT(ns->reason, HasSubstr("Global\\ was refused"));
    EXPECT_EQ(DescribeClaimNamespace(*ns),
              "named objects Local\\gtest_port/v1/<port>");
  }
}

TEST(ClaimPortTest, PortZeroIsInvalidArgument) {
  absl::StatusOr<UniqueHandle> claim = Claim(0);
  EXPECT_EQ(claim.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(claim.status().message()), HasSubstr("1-65535"));
}

TEST(ClaimPortTest, OneClaimPerPortUntilReleased) {
  absl::StatusOr<UniqueHandle> first = Claim(41001);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->valid());
  absl::StatusOr<UniqueHandle> second = Claim(41001);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->valid()) << "two live claims on 41001";
  absl::StatusOr<UniqueHandle> other = Claim(41002);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_TRUE(other->valid()) << "a claim on 41001 blocked 41002";

  first->reset();
  absl::StatusOr<UniqueHandle> again = Claim(41001);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->valid()) << "a released claim did not come back";
}

TEST(ClaimPortTest, GlobalAndLocalAreSeparateNamespaces) {
  absl::StatusOr<UniqueHandle> global = ClaimPort(ClaimScope::kGlobal, 41011);
  absl::StatusOr<UniqueHandle> local = ClaimPort(ClaimScope::kLocal, 41011);
  ASSERT_TRUE(global.ok()) << global.status();
  ASSERT_TRUE(local.ok()) << local.status();
  // Both succeed: processes must agree on one scope (ChooseClaimNamespace
  // gives every process on a host the same answer).
  EXPECT_TRUE(global->valid());
  EXPECT_TRUE(local->valid());
  absl::StatusOr<UniqueHandle> local_again = ClaimPort(ClaimScope::kLocal, 41011);
  ASSERT_TRUE(local_again.ok()) << local_again.status();
  EXPECT_FALSE(local_again->valid());
}

TEST(ClaimPortTest, HandleIsNotInheritable) {
  absl::StatusOr<UniqueHandle> claim = Claim(41021);
  ASSERT_TRUE(claim.ok()) << claim.status();
  ASSERT_TRUE(claim->valid());
  DWORD flags = 0;
  ASSERT_TRUE(::GetHandleInformation(claim->get(), &flags));
  EXPECT_EQ(flags & HANDLE_FLAG_INHERIT, 0u);
}

TEST(ClaimPortTest, ThreadsNeverShareAClaim) {
  constexpr int kThreads = 8;
  constexpr int kPorts = 200;
  constexpr uint16_t kBase = 41100;
  std::vector<std::atomic<int>> winners(kPorts);
  std::vector<std::vector<UniqueHandle>> held(kThreads);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPorts; ++i) {
        absl::StatusOr<UniqueHandle> claim = Claim(kBase + i);
        if (!claim.ok()) {
          ++errors;
        } else if (claim->valid()) {
          ++winners[i];
          held[t].push_back(*std::move(claim));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  for (int i = 0; i < kPorts; ++i) {
    EXPECT_EQ(winners[i].load(), 1) << "port " << kBase + i;
  }
}

// Parses claim_holder's "CLAIMED p" / "HELD p" lines up to "READY".
absl::StatusOr<std::map<int, bool>> ReadClaims(ChildProcess& child) {
  std::map<int, bool> claimed;
  while (true) {
    absl::StatusOr<std::string> line = child.ReadLine(kChildTimeout);
    if (!line.ok()) return line.status();
    if (*line == "READY") return claimed;
    std::vector<std::string> fields = absl::StrSplit(*line, ' ');
    int port = 0;
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[1], &port) ||
        (fields[0] != "CLAIMED" && fields[0] != "HELD")) {
      return absl::InternalError(absl::StrCat("unexpected line: ", *line));
    }
    claimed[port] = fields[0] == "CLAIMED";
  }
}

TEST(ClaimPortTest, ProcessesNeverHoldTheSameClaim) {
  constexpr int kChildren = 4;
  constexpr int kPorts = 48;
  constexpr int kBase = 41400;
  std::vector<std::string> args = {"global"};
  for (int i = 0; i < kPorts; ++i) args.push_back(absl::StrCat(kBase + i));
  // All children start before any is read, so their claims race.
  std::vector<ChildProcess> children;
  for (int c = 0; c < kChildren; ++c) {
    absl::StatusOr<ChildProcess> child =
        ChildProcess::Start(L"claim_holder.exe", args);
    ASSERT_TRUE(child.ok()) << child.status();
    children.push_back(*std::move(child));
  }
  std::map<int, int> holders;  // port -> number of children that claimed it
  for (ChildProcess& child : children) {
    absl::StatusOr<std::map<int, bool>> claims = ReadClaims(child);
    ASSERT_TRUE(claims.ok()) << claims.status();
    ASSERT_EQ(claims->size(), static_cast<size_t>(kPorts));
    for (const auto& [port, claimed] : *claims) holders[port] += claimed;
  }
  for (int i = 0; i < kPorts; ++i) {
    EXPECT_EQ(holders[kBase + i], 1) << "port " << kBase + i;
    absl::StatusOr<UniqueHandle> mine = Claim(kBase + i);
    ASSERT_TRUE(mine.ok()) << mine.status();
    EXPECT_FALSE(mine->valid()) << "port " << kBase + i
                                << " claimable while a child holds it";
  }
  // Children that exit normally release everything.
  for (ChildProcess& child : children) {
    child.CloseStdin();
    absl::StatusOr<uint32_t> code = child.Wait(kChildTimeout);
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 0u);
  }
  for (int i = 0; i < kPorts; ++i) {
    absl::StatusOr<UniqueHandle> mine = Claim(kBase + i);
    ASSERT_TRUE(mine.ok()) << mine.status();
    EXPECT_TRUE(mine->valid()) << "port " << kBase + i
                               << " still claimed after its holder exited";
  }
}

TEST(ClaimPortTest, KilledHoldersClaimComesBackAtOnce) {
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start(L"claim_holder.exe", {"global", "41501", "41502"});
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<std::map<int, bool>> claims = ReadClaims(*child);
  ASSERT_TRUE(claims.ok()) << claims.status();
  ASSERT_EQ(*claims, (std::map<int, bool>{{41501, true}, {41502, true}}));
  absl::StatusOr<UniqueHandle> before = Claim(41501);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_FALSE(before->valid());

  ASSERT_TRUE(child->Terminate().ok());
  // No retry: once the process object is signalled its handles are closed.
  for (uint16_t port : {41501, 41502}) {
    absl::StatusOr<UniqueHandle> after = Claim(port);
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_TRUE(after->valid()) << "port " << port
                                << " still claimed after its holder was killed";
  }
}

TEST(ClaimPortTest, ChildStartedWhileHoldingDoesNotKeepTheClaim) {
  absl::StatusOr<UniqueHandle> claim = Claim(41601);
  ASSERT_TRUE(claim.ok()) << claim.status();
  ASSERT_TRUE(claim->valid());
  // Started with bInheritHandles = TRUE, as a test's server would be.
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start(L"claim_holder.exe", {"global", "41602"});
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE(ReadClaims(*child).ok());

  claim->reset();
  // Had the child inherited the handle, the object would still exist.
  absl::StatusOr<UniqueHandle> again = Claim(41601);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->valid()) << "a child process kept the released claim alive";
}

TEST(ClaimPortTest, LocalClaimsAlsoExcludeOtherProcesses) {
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start(L"claim_holder.exe", {"local", "41701"});
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<std::map<int, bool>> claims = ReadClaims(*child);
  ASSERT_TRUE(claims.ok()) << claims.status();
  ASSERT_EQ(*claims, (std::map<int, bool>{{41701, true}}));
  absl::StatusOr<UniqueHandle> mine = ClaimPort(ClaimScope::kLocal, 41701);
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_FALSE(mine->valid());
}

}  // namespace
}  // namespace gtest_port_internal::windows
