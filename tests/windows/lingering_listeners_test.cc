// Tests of gtest_port/internal/glue/lingering_listeners.h on Windows, through
// the Windows Prober (windows_platform.cc, FindListener over
// GetExtendedTcpTable's listener table): a server left listening on a
// released port -- in this process or in another one -- is reported with
// its owner, and what is not a server is not: a connection in TIME_WAIT
// (which on Windows can make the probe's SO_EXCLUSIVEADDRUSE bind fail) and
// a socket that is bound but does not listen (which does, under Wine too). No describer is installed, as in a binary
// with its own main().

#include "gtest_port/internal/glue/lingering_listeners.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/platform/platform.h"
#include "gtest_port/internal/platform/windows/port_owner.h"
#include "gtest_port/internal/platform/windows/unique_handle.h"
#include "gtest_port/internal/platform/windows/win32_error.h"
#include "gtest_port/internal/platform/windows/winsock.h"
#include "tests/testing/private_range.h"
#include "tests/windows/testing/child_process.h"
#include "tests/windows/testing/sockets.h"
#include "tests/windows/testing/wine.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::PrivateRange;
using ::gtest_port_testing_windows::BindSocket;
using ::gtest_port_testing_windows::BoundPort;
using ::gtest_port_testing_windows::ChildProcess;
using ::gtest_port_testing_windows::RunningUnderWine;
using ::gtest_port_testing_windows::SocketKind;
using ::gtest_port_testing_windows::SocketReuse;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using windows::UniqueSocket;

// The owner part of the report: the pid and executable on Windows; Wine
// fills in no owning pid (tests/windows/README.md), and the report says so.
std::string ExpectedOwner(uint32_t pid, const std::string& executable) {
  if (RunningUnderWine()) {
    return "pid unknown (the system names no owning process)";
  }
  return absl::StrCat("pid ", pid, " (", executable, ")");
}

// E.g. "lingering_listeners_test.exe".
std::string ExecutableName() {
  std::wstring path(32768, L'\0');
  path.resize(::GetModuleFileNameW(nullptr, path.data(),
                                   static_cast<DWORD>(path.size())));
  return windows::WideToUtf8(path.substr(path.find_last_of(L"\\/") + 1));
}

TEST(LingeringListenersTest, NamesAListenerOfThisProcessOnAReleasedPort) {
  PrivateRange range(1);
  absl::StatusOr<UniqueSocket> listener =
      BindSocket(SocketKind::kTcp, "127.0.0.1", range.first(),
                 SocketReuse::kNone);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_THAT(
      LingeringListeners("Suite.Test", {range.first()}),
      ElementsAre(absl::StrCat(
          "Suite.Test has ended, but a server still listens on port ",
          range.first(), ", which it reserved: ",
          ExpectedOwner(::GetCurrentProcessId(), ExecutableName()),
          ", TCP on IPv4. Stop the servers a test starts before it ends.")));
}

TEST(LingeringListenersTest, NamesAServerProcessLeftListening) {
  PrivateRange range(1);
  absl::StatusOr<ChildProcess> server = ChildProcess::Start(
      L"socket_holder.exe", {"tcp6", absl::StrCat(range.first())});
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_EQ(server->ReadLine(absl::Seconds(60)).value_or("?"),
            absl::StrCat("PORT ", range.first()));
  ASSERT_EQ(server->ReadLine(absl::Seconds(60)).value_or("?"), "READY");
  EXPECT_THAT(
      LingeringListeners("Suite.Test", {range.first()}),
      ElementsAre(AllOf(
          HasSubstr(absl::StrCat("a server still listens on port ",
                                 range.first())),
          HasSubstr(absl::StrCat(
              ExpectedOwner(server->pid(), "socket_holder.exe"),
              ", TCP on IPv6")))));
  ASSERT_TRUE(server->Terminate().ok());
  EXPECT_THAT(LingeringListeners("Suite.Test", {range.first()}), IsEmpty());
}

TEST(LingeringListenersTest, ASocketBoundButNotListeningIsNoServer) {
  PrivateRange range(1);
  ASSERT_TRUE(windows::EnsureWinsock().ok());
  UniqueSocket bound(::WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr,
                                  0, WSA_FLAG_NO_HANDLE_INHERIT));
  ASSERT_TRUE(bound.valid());
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = ::htons(range.first());
  address.sin_addr.s_addr = ::htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(bound.get(), reinterpret_cast<sockaddr*>(&address),
                   sizeof(address)),
            0)
      << ::WSAGetLastError();
  // The probe's exclusive bind sees the port busy; the listener check does
  // not take it for a server.
  const std::unique_ptr<Prober> prober = RealPlatform().MakeProber();
  EXPECT_EQ(prober->IsFree(range.first()).value_or(true), false);
  EXPECT_EQ(prober->HasListener(range.first()).value_or(true), false);
  EXPECT_THAT(LingeringListeners("Suite.Test", {range.first()}), IsEmpty());
}

TEST(LingeringListenersTest, AConnectionInTimeWaitIsNoServer) {
  // A port the system picked, not a private range's: the TIME_WAIT this test
  // leaves behind would make that port busy for the next test given it.
  uint16_t port = 0;
  {
    // A server that answered one connection and closed it first: its side
    // of the connection stays in TIME_WAIT after the listener is gone.
    absl::StatusOr<UniqueSocket> listener =
        BindSocket(SocketKind::kTcp, "127.0.0.1", 0, SocketReuse::kNone);
    ASSERT_TRUE(listener.ok()) << listener.status();
    port = BoundPort(listener->get()).value_or(0);
    ASSERT_NE(port, 0);
    UniqueSocket client(::WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP,
                                     nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT));
    ASSERT_TRUE(client.valid());
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = ::htons(port);
    address.sin_addr.s_addr = ::htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&address),
                        sizeof(address)),
              0)
        << ::WSAGetLastError();
    UniqueSocket accepted(::accept(listener->get(), nullptr, nullptr));
    ASSERT_TRUE(accepted.valid()) << ::WSAGetLastError();
    accepted.reset();  // The server closes first: TIME_WAIT on its side.
    char c;
    EXPECT_EQ(::recv(client.get(), &c, 1, 0), 0);
  }
  // The TIME_WAIT is really there. On Windows it can make the probe's
  // SO_EXCLUSIVEADDRUSE bind fail, so a check that took every busy port for
  // a server would report it; under Wine (Linux sockets underneath) that
  // bind succeeds, and ASocketBoundButNotListeningIsNoServer is the case
  // that tells the two checks apart.
  absl::StatusOr<std::vector<windows::PortOwner>> sockets =
      windows::FindPortOwners(windows::Protocol::kTcp, port);
  ASSERT_TRUE(sockets.ok()) << sockets.status();
  ASSERT_THAT(*sockets, Contains(Field(&windows::PortOwner::state, "TIME_WAIT")));
  const std::unique_ptr<Prober> prober = RealPlatform().MakeProber();
  EXPECT_EQ(prober->HasListener(port).value_or(true), false);
  EXPECT_THAT(LingeringListeners("Suite.Test", {port}), IsEmpty());
}

}  // namespace
}  // namespace gtest_port_internal
