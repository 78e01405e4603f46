// Tests of gtest_port/internal/platform/windows/port_owner.h: the owners of sockets
// this process and a child process (socket_holder.exe) really hold.

#include "gtest_port/internal/platform/windows/port_owner.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/windows/testing/child_process.h"
#include "tests/windows/testing/sockets.h"
#include "tests/windows/testing/wine.h"

namespace gtest_port_internal::windows {

// For GoogleTest's messages (found by argument-dependent lookup).
void PrintTo(const PortOwner& owner, std::ostream* os) {
  *os << "{pid " << owner.pid << (owner.ipv6 ? ", IPv6" : ", IPv4") << ", \""
      << owner.state << "\"}";
}

namespace {

using ::gtest_port_testing_windows::BindSocket;
using ::gtest_port_testing_windows::BoundPort;
using ::gtest_port_testing_windows::ChildProcess;
using ::gtest_port_testing_windows::RunningUnderWine;
using ::gtest_port_testing_windows::WineVersion;
using ::gtest_port_testing_windows::SocketKind;
using ::gtest_port_testing_windows::SocketReuse;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::EndsWith;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::SizeIs;

auto Owner(uint32_t pid, bool ipv6, const std::string& state) {
  return AllOf(Field(&PortOwner::pid, pid), Field(&PortOwner::ipv6, ipv6),
               Field(&PortOwner::state, state));
}

// Wine fills in no owning process id (every row has pid 0; see
// tests/windows/README.md). There the row itself -- port, family, state --
// is still required, and the test is marked skipped for the pid alone.
// Whether `owners` has the row; false when the pid could not be checked.
bool ExpectOwner(const std::vector<PortOwner>& owners, uint32_t pid, bool ipv6,
                 const std::string& state) {
  if (RunningUnderWine() &&
      !::testing::Value(owners, Contains(Field(&PortOwner::pid, pid)))) {
    EXPECT_THAT(owners, Contains(Owner(0, ipv6, state)));
    return false;
  }
  EXPECT_THAT(owners, Contains(Owner(pid, ipv6, state)));
  return true;
}

#define SKIP_UNLESS_PID_CHECKED(checked)                                   \
  if (!(checked))                                                          \
  GTEST_SKIP() << "Wine " << WineVersion()                                 \
               << " reports owning pid 0 for every socket; the socket's row " \
                  "(port, family, state) was found, its pid not checked"

struct Held {
  UniqueSocket socket;
  uint16_t port = 0;
};

Held Hold(SocketKind kind, const char* address) {
  absl::StatusOr<UniqueSocket> socket =
      BindSocket(kind, address, 0, SocketReuse::kNone);
  EXPECT_TRUE(socket.ok()) << socket.status();
  if (!socket.ok()) return {};
  absl::StatusOr<uint16_t> port = BoundPort(socket->get());
  EXPECT_TRUE(port.ok()) << port.status();
  return {*std::move(socket), port.ok() ? *port : uint16_t{0}};
}

TEST(FindPortOwnersTest, PortZeroIsInvalidArgument) {
  EXPECT_EQ(FindPortOwners(Protocol::kTcp, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FindPortOwnersTest, FindsThisProcesssTcpListener) {
  Held held = Hold(SocketKind::kTcp, "0.0.0.0");
  absl::StatusOr<std::vector<PortOwner>> owners =
      FindPortOwners(Protocol::kTcp, held.port);
  ASSERT_TRUE(owners.ok()) << owners.status();
  SKIP_UNLESS_PID_CHECKED(
      ExpectOwner(*owners, ::GetCurrentProcessId(), false, "LISTEN"));
}

TEST(FindPortOwnersTest, FindsThisProcesssUdpSocket) {
  Held held = Hold(SocketKind::kUdp, "127.0.0.1");
  absl::StatusOr<std::vector<PortOwner>> owners =
      FindPortOwners(Protocol::kUdp, held.port);
  ASSERT_TRUE(owners.ok()) << owners.status();
  SKIP_UNLESS_PID_CHECKED(
      ExpectOwner(*owners, ::GetCurrentProcessId(), false, ""));
}

TEST(FindPortOwnersTest, FindsIpv6Sockets) {
  absl::StatusOr<UniqueSocket> probe =
      BindSocket(SocketKind::kUdp, "::1", 0, SocketReuse::kNone);
  if (!probe.ok()) GTEST_SKIP() << "no IPv6 here: " << probe.status();
  Held tcp = Hold(SocketKind::kTcp, "::");
  Held udp = Hold(SocketKind::kUdp, "::");
  absl::StatusOr<std::vector<PortOwner>> tcp_owners =
      FindPortOwners(Protocol::kTcp, tcp.port);
  ASSERT_TRUE(tcp_owners.ok()) << tcp_owners.status();
  absl::StatusOr<std::vector<PortOwner>> udp_owners =
      FindPortOwners(Protocol::kUdp, udp.port);
  ASSERT_TRUE(udp_owners.ok()) << udp_owners.status();
  const bool tcp_checked =
      ExpectOwner(*tcp_owners, ::GetCurrentProcessId(), true, "LISTEN");
  const bool udp_checked =
      ExpectOwner(*udp_owners, ::GetCurrentProcessId(), true, "");
  SKIP_UNLESS_PID_CHECKED(tcp_checked && udp_checked);
}

TEST(FindPortOwnersTest, FreePortHasNoOwners) {
  uint16_t port;
  {
    Held held = Hold(SocketKind::kUdp, "0.0.0.0");
    port = held.port;
  }
  absl::StatusOr<std::vector<PortOwner>> owners =
      FindPortOwners(Protocol::kUdp, port);
  ASSERT_TRUE(owners.ok()) << owners.status();
  EXPECT_THAT(*owners, IsEmpty());
}

TEST(FindPortOwnersTest, NamesAnotherProcessHoldingThePort) {
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start(L"socket_holder.exe", {"tcp4", "0"});
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<std::string> line = child->ReadLine(absl::Seconds(60));
  ASSERT_TRUE(line.ok()) << line.status();
  absl::string_view text = *line;
  int port = 0;
  ASSERT_TRUE(absl::ConsumePrefix(&text, "PORT ") && absl::SimpleAtoi(text, &port))
      << *line;

  absl::StatusOr<std::vector<PortOwner>> owners =
      FindPortOwners(Protocol::kTcp, static_cast<uint16_t>(port));
  ASSERT_TRUE(owners.ok()) << owners.status();
  const bool checked = ExpectOwner(*owners, child->pid(), false, "LISTEN");
  absl::StatusOr<std::string> image = ProcessImageName(child->pid());
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_THAT(absl::AsciiStrToLower(*image), EndsWith("\\socket_holder.exe"));
  SKIP_UNLESS_PID_CHECKED(checked);
}

TEST(FindTcpListenersTest, PortZeroIsInvalidArgument) {
  EXPECT_EQ(FindTcpListeners(0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FindTcpListenersTest, FindsListenersOfBothFamiliesOnly) {
  Held tcp4 = Hold(SocketKind::kTcp, "127.0.0.1");
  absl::StatusOr<std::vector<PortOwner>> listeners = FindTcpListeners(tcp4.port);
  ASSERT_TRUE(listeners.ok()) << listeners.status();
  ASSERT_THAT(*listeners, SizeIs(1));
  const bool v4_checked =
      ExpectOwner(*listeners, ::GetCurrentProcessId(), false, "LISTEN");

  bool v6_checked = true;
  if (BindSocket(SocketKind::kUdp, "::1", 0, SocketReuse::kNone).ok()) {
    Held tcp6 = Hold(SocketKind::kTcp, "::1");
    listeners = FindTcpListeners(tcp6.port);
    ASSERT_TRUE(listeners.ok()) << listeners.status();
    ASSERT_THAT(*listeners, SizeIs(1));
    v6_checked = ExpectOwner(*listeners, ::GetCurrentProcessId(), true, "LISTEN");
  }
  // A UDP socket is no listener.
  Held udp = Hold(SocketKind::kUdp, "127.0.0.1");
  listeners = FindTcpListeners(udp.port);
  ASSERT_TRUE(listeners.ok()) << listeners.status();
  EXPECT_THAT(*listeners, IsEmpty());
  SKIP_UNLESS_PID_CHECKED(v4_checked && v6_checked);
}

TEST(FindTcpListenersTest, AnEstablishedConnectionIsNoListener) {
  Held server = Hold(SocketKind::kTcp, "127.0.0.1");
  UniqueSocket client(::WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr,
                                   0, WSA_FLAG_NO_HANDLE_INHERIT));
  ASSERT_TRUE(client.valid());
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = ::htons(server.port);
  address.sin_addr.s_addr = ::htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&address),
                      sizeof(address)),
            0)
      << ::WSAGetLastError();
  absl::StatusOr<uint16_t> client_port = BoundPort(client.get());
  ASSERT_TRUE(client_port.ok()) << client_port.status();
  // The client's port has an ESTABLISHED row and no listener.
  absl::StatusOr<std::vector<PortOwner>> all =
      FindPortOwners(Protocol::kTcp, *client_port);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(*all, Contains(Field(&PortOwner::state, "ESTABLISHED")));
  absl::StatusOr<std::vector<PortOwner>> listeners =
      FindTcpListeners(*client_port);
  ASSERT_TRUE(listeners.ok()) << listeners.status();
  EXPECT_THAT(*listeners, IsEmpty());
}

TEST(ProcessImageNameTest, NamesThisProcess) {
  absl::StatusOr<std::string> image = ProcessImageName(::GetCurrentProcessId());
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_THAT(absl::AsciiStrToLower(*image), EndsWith("\\port_owner_test.exe"));
}

TEST(ProcessImageNameTest, RejectsPseudoProcessesAndMissingOnes) {
  EXPECT_EQ(ProcessImageName(0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ProcessImageName(4).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Process ids are multiples of 4; this one cannot exist.
  absl::StatusOr<std::string> missing = ProcessImageName(0xFFFFFFF1u);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound)
      << missing.status();
}

}  // namespace
}  // namespace gtest_port_internal::windows
