// Tests of gtest_port/internal/platform/windows/winsock.h.

#include "gtest_port/internal/platform/windows/winsock.h"

#include <winsock2.h>

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace gtest_port_internal::windows {
namespace {

TEST(EnsureWinsockTest, StartsWinsockOnceFromManyThreads) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (!EnsureWinsock().ok()) ++failures;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  // Sockets work afterwards.
  SOCKET s = ::socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  EXPECT_NE(s, INVALID_SOCKET) << ::WSAGetLastError();
  if (s != INVALID_SOCKET) ::closesocket(s);
}

TEST(EnsureWinsockTest, LaterCallsGiveTheSameAnswer) {
  const absl::Status first = EnsureWinsock();
  EXPECT_TRUE(first.ok()) << first;
  EXPECT_EQ(EnsureWinsock(), first);
}

}  // namespace
}  // namespace gtest_port_internal::windows
