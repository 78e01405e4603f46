// ListeningSocket (gtest_port/listening_socket.h), with real sockets: a
// reserved port whose socket is bound before it is handed out. Clients
// connect and exchange bytes with an accept() loop; the port is claimed
// while the socket is held and free after; the descriptor is close-on-exec,
// reaches a child process only when given to it explicitly, and Release()
// hands it over while the claim stays; a process outside gtest_port that
// takes the port between probe and bind (reached through a System that
// fails bind() with EADDRINUSE) makes it try another port, a bounded number
// of times.

#include "gtest_port/listening_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "gtest_port/internal/glue/default_allocator.h"
#include "gtest_port/internal/platform/system.h"
#include "gtest_port/internal/platform/unique_fd.h"
#include "gtest_port/matchers.h"
#include "tests/testing/descriptor_hygiene.h"
#include "tests/testing/private_range.h"
#include "tests/testing/subprocess.h"

namespace gtest_port {
namespace {

using ::gtest_port_internal::ForwardingSystem;
using ::gtest_port_internal::UniqueFd;
using ::gtest_port_testing::HelperPath;
using ::gtest_port_testing::IsClaimed;
using ::gtest_port_testing::IsCloseOnExec;
using ::gtest_port_testing::OpenDescriptors;
using ::gtest_port_testing::PrivateRange;
using ::gtest_port_testing::Subprocess;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kTimeoutMs = 10000;

bool WaitReadable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, kTimeoutMs) == 1;
}

// A TCP connection to `port` on 127.0.0.1 (or ::1); invalid on failure,
// with errno set.
UniqueFd Connect(uint16_t port, bool ipv6 = false) {
  UniqueFd fd(::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  int rc;
  if (ipv6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = in6addr_loopback;
    rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
  }
  if (rc != 0) fd.reset();
  return fd;
}

// Reads up to and including '\n' (or EOF); bounded by kTimeoutMs per read.
std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (line.size() < 256 && WaitReadable(fd) && ::read(fd, &c, 1) == 1) {
    line.push_back(c);
    if (c == '\n') break;
  }
  return line;
}

bool WriteAll(int fd, const std::string& data) {
  return ::write(fd, data.data(), data.size()) ==
         static_cast<ssize_t>(data.size());
}

// Sends `line` on a new connection to `port` and returns the answer.
std::string Exchange(uint16_t port, const std::string& line,
                     bool ipv6 = false) {
  UniqueFd client = Connect(port, ipv6);
  if (!client.valid()) return absl::StrCat("connect: ", std::strerror(errno));
  if (!WriteAll(client.get(), line + "\n")) return "write failed";
  return ReadLine(client.get());
}

// Waits (bounded) until the peer has closed its side of `fd`. A server that
// closes only after its client did leaves no TIME_WAIT on the server's port
// (the side that closes first keeps it), so the port is free for the next
// test at once.
void AwaitPeerClose(int fd) {
  char c;
  while (WaitReadable(fd) && ::read(fd, &c, 1) > 0) {
  }
}

// Accepts `clients` connections on `listen_fd`, one after the other, and
// answers each one's line with "echo: <line>". Returns how many it served;
// stops early when no client comes within kTimeoutMs.
int AcceptLoop(int listen_fd, int clients) {
  int served = 0;
  for (int i = 0; i < clients; ++i) {
    if (!WaitReadable(listen_fd)) break;
    UniqueFd conn(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn.valid()) break;
    const std::string line = ReadLine(conn.get());
    if (!WriteAll(conn.get(), "echo: " + line)) break;
    AwaitPeerClose(conn.get());
    ++served;
  }
  return served;
}

// Whether this host can use IPv6 loopback at all (a container may have no
// ::1, a kernel no IPv6).
bool HostHasIpv6Loopback() {
  UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  return ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
}

int SockOpt(int fd, int level, int name) {
  int value = -1;
  socklen_t len = sizeof(value);
  if (::getsockopt(fd, level, name, &value, &len) != 0) return -1;
  return value;
}

// What /proc/self/fd says `fd` links to, e.g. "socket:[12345]".
std::string TargetOf(int fd) {
  const std::map<int, std::string> fds = OpenDescriptors();
  const auto it = fds.find(fd);
  return it == fds.end() ? "" : it->second;
}

TEST(ListeningSocketTest, ClientsExchangeBytesWithAnAcceptLoop) {
  absl::StatusOr<ListeningSocket> listener = ReserveListeningSocket();
  ASSERT_TRUE(listener.ok()) << listener.status();
  ASSERT_GE(listener->fd(), 0);
  EXPECT_EQ(SockOpt(listener->fd(), SOL_SOCKET, SO_ACCEPTCONN), 1);

  constexpr int kClients = 3;
  std::atomic<int> served{0};
  std::thread server(
      [&] { served = AcceptLoop(listener->fd(), kClients); });
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(Exchange(listener->port(), absl::StrCat("hello ", i)),
              absl::StrCat("echo: hello ", i, "\n"));
  }
  server.join();
  EXPECT_EQ(served.load(), kClients);
}

TEST(ListeningSocketTest, IsBoundOnTheWildcardAddressDualStackWhereThereIsIpv6) {
  absl::StatusOr<ListeningSocket> listener = ReserveListeningSocket();
  ASSERT_TRUE(listener.ok()) << listener.status();
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(listener->fd(), reinterpret_cast<sockaddr*>(&addr),
                          &len),
            0);
  UniqueFd v6(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (v6.valid()) {
    ASSERT_EQ(addr.ss_family, AF_INET6);
    const auto& a6 = reinterpret_cast<const sockaddr_in6&>(addr);
    EXPECT_EQ(ntohs(a6.sin6_port), listener->port());
    EXPECT_EQ(std::memcmp(&a6.sin6_addr, &in6addr_any, sizeof(in6_addr)), 0);
    EXPECT_EQ(SockOpt(listener->fd(), IPPROTO_IPV6, IPV6_V6ONLY), 0)
        << "not dual-stack: IPv4 clients could not connect";
  } else {
    ASSERT_EQ(addr.ss_family, AF_INET);
    const auto& a4 = reinterpret_cast<const sockaddr_in&>(addr);
    EXPECT_EQ(ntohs(a4.sin_port), listener->port());
    EXPECT_EQ(a4.sin_addr.s_addr, htonl(INADDR_ANY));
  }
  EXPECT_EQ(SockOpt(listener->fd(), SOL_SOCKET, SO_REUSEADDR), 1);
}

TEST(ListeningSocketTest, Ipv6ClientConnectsWhereTheHostHasIpv6) {
  if (!HostHasIpv6Loopback()) GTEST_SKIP() << "this host has no IPv6 loopback";
  absl::StatusOr<ListeningSocket> listener = ReserveListeningSocket();
  ASSERT_TRUE(listener.ok()) << listener.status();
  std::atomic<int> served{0};
  std::thread server([&] { served = AcceptLoop(listener->fd(), 2); });
  EXPECT_EQ(Exchange(listener->port(), "over v6", /*ipv6=*/true),
            "echo: over v6\n");
  EXPECT_EQ(Exchange(listener->port(), "over v4"), "echo: over v4\n");
  server.join();
  EXPECT_EQ(served.load(), 2);
}

TEST(ListeningSocketTest, DescriptorsAreCloseOnExec) {
  absl::StatusOr<ListeningSocket> tcp = ReserveListeningSocket();
  absl::StatusOr<ListeningSocket> udp = ReserveBoundDatagramSocket();
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  ASSERT_TRUE(udp.ok()) << udp.status();
  EXPECT_TRUE(IsCloseOnExec(tcp->fd()));
  EXPECT_TRUE(IsCloseOnExec(udp->fd()));
}

TEST(ListeningSocketTest, DatagramSocketReceivesADatagram) {
  absl::StatusOr<ListeningSocket> socket = ReserveBoundDatagramSocket();
  ASSERT_TRUE(socket.ok()) << socket.status();
  EXPECT_EQ(SockOpt(socket->fd(), SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
  EXPECT_EQ(SockOpt(socket->fd(), SOL_SOCKET, SO_ACCEPTCONN), 0);
  EXPECT_TRUE(IsClaimed(socket->port()));

  UniqueFd client(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(client.valid());
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(socket->port());
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string datagram = "ping over udp";
  ASSERT_EQ(::sendto(client.get(), datagram.data(), datagram.size(), 0,
                     reinterpret_cast<sockaddr*>(&to), sizeof(to)),
            static_cast<ssize_t>(datagram.size()));
  ASSERT_TRUE(WaitReadable(socket->fd())) << "no datagram arrived";
  char buf[64];
  const ssize_t n = ::recv(socket->fd(), buf, sizeof(buf), 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), datagram);
}

// The tests below give the process's default allocator a one-port range of
// their own, so that "another reservation never gets the port" is a real
// question, and restore the default afterwards.
class OnePortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.range = range_.range();
    options.shard_index = 0;
    options.total_shards = 1;
    ASSERT_TRUE(gtest_port_internal::InstallDefaultAllocator(options).ok());
  }
  void TearDown() override {
    ASSERT_TRUE(gtest_port_internal::InstallDefaultAllocator(Options()).ok());
  }

  PrivateRange range_{1};
};

TEST_F(OnePortTest, PortIsClaimedWhileHeldAndFreeAfter) {
  uint16_t port = 0;
  {
    absl::StatusOr<ListeningSocket> listener = ReserveListeningSocket();
    ASSERT_TRUE(listener.ok()) << listener.status();
    port = listener->port();
    EXPECT_EQ(port, range_.first());
    EXPECT_TRUE(IsClaimed(port));

    absl::StatusOr<PortReservation> other = Reserve();
    EXPECT_EQ(other.status().code(), absl::StatusCode::kResourceExhausted)
        << "another reservation got the port of a held ListeningSocket";
    absl::StatusOr<ListeningSocket> second = ReserveBoundDatagramSocket();
    EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted);
  }
  EXPECT_FALSE(IsClaimed(port));
  EXPECT_THAT(port, IsFreeToBind());
  absl::StatusOr<PortReservation> again = Reserve();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->port(), port);
}

TEST_F(OnePortTest, ReleaseHandsOverTheDescriptorAndKeepsTheClaim) {
  int fd = -1;
  uint16_t port = 0;
  {
    absl::StatusOr<ListeningSocket> listener = ReserveListeningSocket();
    ASSERT_TRUE(listener.ok()) << listener.status();
    port = listener->port();
    const int owned = listener->fd();
    fd = listener->Release();
    EXPECT_EQ(fd, owned);
    EXPECT_EQ(listener->fd(), -1);
    EXPECT_EQ(listener->Release(), -1) << "released twice";
    EXPECT_EQ(listener->port(), port) << "the port is still this object's";
    EXPECT_TRUE(IsClaimed(port)) << "Release() let go of the claim";
    EXPECT_EQ(Reserve().status().code(), absl::StatusCode::kResourceExhausted);
  }
  // Destroyed: the claim is gone, the descriptor is not.
  EXPECT_FALSE(IsClaimed(port));
  UniqueFd adopted(fd);
  ASSERT_GE(::fcntl(fd, F_GETFD), 0) << "the destructor closed a released fd";
  std::thread server([&] { AcceptLoop(adopted.get(), 1); });
  EXPECT_EQ(Exchange(port, "still listening"), "echo: still listening\n");
  server.join();
}

TEST(ListeningSocketTest, MoveHandsOverTheSocketAndTheClaim) {
  absl::StatusOr<ListeningSocket> listener = ReserveListeningSocket();
  ASSERT_TRUE(listener.ok()) << listener.status();
  const int fd = listener->fd();
  const uint16_t port = listener->port();
  ListeningSocket moved = *std::move(listener);
  EXPECT_EQ(moved.fd(), fd);
  EXPECT_EQ(moved.port(), port);
  EXPECT_EQ(listener->fd(), -1);   // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(listener->port(), 0);  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(IsClaimed(port));
  std::ostringstream printed;
  printed << moved;
  EXPECT_EQ(printed.str(),
            absl::StrCat("ListeningSocket(port ", port, ", fd ", fd, ")"));
}

TEST(ListeningSocketTest, ChildGivenTheDescriptorAcceptsOnItAndNoOtherChildHasIt) {
  absl::StatusOr<ListeningSocket> listener = ReserveListeningSocket();
  ASSERT_TRUE(listener.ok()) << listener.status();
  const std::string socket_target = TargetOf(listener->fd());
  ASSERT_THAT(socket_target, HasSubstr("socket:["));

  // A child started without it: close-on-exec keeps it out.
  absl::StatusOr<Subprocess> bystander =
      Subprocess::Start({HelperPath("socket_child"), "--hold"}, {});
  ASSERT_TRUE(bystander.ok()) << bystander.status();
  absl::StatusOr<std::string> ready = bystander->ReadLine(absl::Seconds(10));
  ASSERT_TRUE(ready.ok()) << ready.status();
  ASSERT_EQ(*ready, "READY");
  for (const auto& [fd, target] :
       OpenDescriptors(absl::StrCat(bystander->pid()))) {
    EXPECT_NE(target, socket_target)
        << "a child that was not given the socket inherited it as fd " << fd;
  }

  // A child given it as descriptor 3 accepts a client on it.
  absl::StatusOr<Subprocess> server = Subprocess::Start(
      {HelperPath("socket_child"), "--accept-fd=3"}, {}, {{listener->fd(), 3}});
  ASSERT_TRUE(server.ok()) << server.status();
  ready = server->ReadLine(absl::Seconds(10));
  ASSERT_TRUE(ready.ok()) << ready.status();
  ASSERT_EQ(*ready, "READY");
  EXPECT_EQ(OpenDescriptors(absl::StrCat(server->pid()))[3], socket_target);
  EXPECT_EQ(Exchange(listener->port(), "from the parent"),
            "echo: from the parent\n");
  absl::StatusOr<gtest_port_testing::ExitInfo> exit =
      server->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 0) << exit->output;
  EXPECT_THAT(exit->output, HasSubstr("ACCEPTED from the parent"));

  bystander->CloseStdin();
  exit = bystander->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 0) << exit->output;
}

TEST(ListeningSocketTest, ManyThreadsAtOnceGetDistinctPorts) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 6;
  absl::Mutex mu;
  std::vector<ListeningSocket> sockets;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<ListeningSocket> s = (t + i) % 2 == 0
                                                ? ReserveListeningSocket()
                                                : ReserveBoundDatagramSocket();
        absl::MutexLock lock(&mu);
        if (s.ok()) {
          sockets.push_back(*std::move(s));
        } else {
          errors.push_back(s.status().ToString());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(errors, ::testing::IsEmpty());
  std::set<uint16_t> ports;
  for (const ListeningSocket& s : sockets) {
    EXPECT_GE(s.fd(), 0);
    ports.insert(s.port());
  }
  EXPECT_EQ(ports.size(), sockets.size()) << "two live sockets shared a port";
  EXPECT_EQ(sockets.size(), size_t{kThreads * kPerThread});
}

// A System whose first `taken` binds fail with EADDRINUSE: a process outside
// gtest_port that took each port between the probe and the bind. Records
// the port of every bind.
class TakenPortsSystem final : public ForwardingSystem {
 public:
  explicit TakenPortsSystem(int taken) : taken_(taken) {}

  int Bind(int fd, const sockaddr* addr, socklen_t len) override {
    uint16_t port = 0;
    if (addr->sa_family == AF_INET6) {
      port = ntohs(reinterpret_cast<const sockaddr_in6*>(addr)->sin6_port);
    } else if (addr->sa_family == AF_INET) {
      port = ntohs(reinterpret_cast<const sockaddr_in*>(addr)->sin_port);
    }
    bool fail;
    {
      absl::MutexLock lock(&mu_);
      ports_.push_back(port);
      fail = taken_ < 0 || static_cast<int>(ports_.size()) <= taken_;
    }
    if (fail) {
      errno = EADDRINUSE;
      return -1;
    }
    return ForwardingSystem::Bind(fd, addr, len);
  }

  std::vector<uint16_t> ports() const {
    absl::MutexLock lock(&mu_);
    return ports_;
  }

 private:
  const int taken_;  // < 0: every bind.
  mutable absl::Mutex mu_;
  std::vector<uint16_t> ports_ ABSL_GUARDED_BY(mu_);
};

TEST(ListeningSocketTest, PortTakenBetweenProbeAndBindIsReleasedAndAnotherTried) {
  for (const bool datagram : {false, true}) {
    SCOPED_TRACE(datagram ? "UDP" : "TCP");
    TakenPortsSystem system(/*taken=*/2);
    absl::StatusOr<ListeningSocket> socket =
        gtest_port_internal::ReserveWildcardSocket(system, datagram);
    ASSERT_TRUE(socket.ok()) << socket.status();
    const std::vector<uint16_t> tried = system.ports();
    ASSERT_EQ(tried.size(), 3u);
    EXPECT_EQ(tried[2], socket->port());
    EXPECT_EQ(std::set<uint16_t>(tried.begin(), tried.end()).size(), 3u)
        << "a taken port was tried again";
    EXPECT_FALSE(IsClaimed(tried[0])) << "a taken port stayed claimed";
    EXPECT_FALSE(IsClaimed(tried[1])) << "a taken port stayed claimed";
    EXPECT_TRUE(IsClaimed(socket->port()));
  }
}

TEST(ListeningSocketTest, GivesUpAfterABoundedNumberOfTakenPorts) {
  TakenPortsSystem system(/*taken=*/-1);
  absl::StatusOr<ListeningSocket> socket =
      gtest_port_internal::ReserveWildcardSocket(system, /*datagram=*/false);
  ASSERT_FALSE(socket.ok());
  EXPECT_EQ(socket.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(socket.status().message(),
              AllOf(HasSubstr("bind(TCP)"), HasSubstr("Address already in use"),
                    HasSubstr(absl::StrCat(
                        gtest_port_internal::kMaxSocketBindAttempts,
                        " reserved ports")),
                    HasSubstr("gtest-port who")));
  const std::vector<uint16_t> tried = system.ports();
  EXPECT_EQ(tried.size(),
            size_t{gtest_port_internal::kMaxSocketBindAttempts});
  for (uint16_t port : tried) EXPECT_FALSE(IsClaimed(port)) << port;
}

// A System that fails one call with `error`.
class FailingSystem final : public ForwardingSystem {
 public:
  enum class Call { kSocket, kListen };
  FailingSystem(Call call, int error) : call_(call), error_(error) {}

  int Socket(int domain, int type, int protocol) override {
    if (call_ == Call::kSocket) {
      errno = error_;
      return -1;
    }
    return ForwardingSystem::Socket(domain, type, protocol);
  }
  int Listen(int fd, int backlog) override {
    if (call_ == Call::kListen) {
      errno = error_;
      return -1;
    }
    return ForwardingSystem::Listen(fd, backlog);
  }

 private:
  const Call call_;
  const int error_;
};

TEST(ListeningSocketTest, OtherErrorsAreReturnedNamingTheCallAndReleaseThePort) {
  {
    FailingSystem system(FailingSystem::Call::kSocket, EMFILE);
    absl::StatusOr<ListeningSocket> socket =
        gtest_port_internal::ReserveWildcardSocket(system, false);
    ASSERT_FALSE(socket.ok());
    EXPECT_EQ(socket.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_THAT(socket.status().message(),
                AllOf(HasSubstr("socket(AF_INET6, TCP) for port"),
                      HasSubstr("ulimit -n")));
  }
  {
    FailingSystem system(FailingSystem::Call::kListen, EOPNOTSUPP);
    absl::StatusOr<ListeningSocket> socket =
        gtest_port_internal::ReserveWildcardSocket(system, false);
    ASSERT_FALSE(socket.ok());
    EXPECT_THAT(socket.status().message(), HasSubstr("listen(TCP port "));
    EXPECT_THAT(socket.status().message(), Not(HasSubstr("Address already")));
  }
}

// The fixture form: held until the test ends, closed in TearDown().
class ListeningSocketFixtureTest : public PortFixture {};

TEST_F(ListeningSocketFixtureTest, HoldsTheSocketUntilTearDown) {
  ListeningSocket& tcp = ReserveListeningSocket();
  ListeningSocket& udp = ReserveBoundDatagramSocket();
  ASSERT_GE(tcp.fd(), 0);
  ASSERT_GE(udp.fd(), 0);
  const uint16_t tcp_port = tcp.port();
  const uint16_t udp_port = udp.port();
  EXPECT_NE(tcp_port, udp_port);
  EXPECT_THAT(ReservedPorts(), ::testing::UnorderedElementsAre(tcp_port, udp_port));
  EXPECT_TRUE(IsClaimed(tcp_port));
  EXPECT_TRUE(IsClaimed(udp_port));
  std::thread server([&] { AcceptLoop(tcp.fd(), 1); });
  EXPECT_EQ(Exchange(tcp_port, "fixture"), "echo: fixture\n");
  server.join();

  const std::string target = TargetOf(tcp.fd());
  PortFixture::TearDown();
  EXPECT_FALSE(IsClaimed(tcp_port));
  EXPECT_FALSE(IsClaimed(udp_port));
  for (const auto& [fd, open] : OpenDescriptors()) {
    EXPECT_NE(open, target) << "TearDown() left the socket open as fd " << fd;
  }
  EXPECT_THAT(ReservedPorts(), ::testing::IsEmpty());
}

class OnePortFixtureTest : public PortFixture {
 protected:
  PrivateRange range_{1};
};

TEST_F(OnePortFixtureTest, NoFreePortIsAFatalFailureThatSaysWhy) {
  Options options;
  options.range = range_.range();
  options.shard_index = 0;
  options.total_shards = 1;
  ASSERT_TRUE(gtest_port_internal::InstallDefaultAllocator(options).ok());
  const uint16_t only = ReservePort();
  EXPECT_EQ(only, range_.first());

  ::testing::TestPartResultArray failures;
  ListeningSocket* socket = nullptr;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
        &failures);
    socket = &ReserveListeningSocket();
  }
  ASSERT_TRUE(gtest_port_internal::InstallDefaultAllocator(Options()).ok());
  EXPECT_EQ(socket->port(), 0);
  EXPECT_EQ(socket->fd(), -1);
  ASSERT_EQ(failures.size(), 1);
  const ::testing::TestPartResult& failure = failures.GetTestPartResult(0);
  EXPECT_TRUE(failure.fatally_failed());
  EXPECT_THAT(failure.file_name(), HasSubstr("listening_socket_test.cc"));
  EXPECT_THAT(failure.message(),
              AllOf(HasSubstr("could not reserve a bound socket"),
                    HasSubstr("RESOURCE_EXHAUSTED"),
                    HasSubstr("1 candidates were busy")));
}

}  // namespace
}  // namespace gtest_port
