// Tests of the /proc readers (gtest_port/internal/diagnostics/proc_net.h),
// over the real /proc and over trees a test makes.

#include "gtest_port/internal/diagnostics/proc_net.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "gtest_port/internal/platform/shared_names.h"
#include "gtest_port/internal/platform/unique_fd.h"
#include "gtest_port/port_reservation.h"
#include "tests/testing/private_range.h"
#include "tests/testing/sockets.h"
#include "tests/testing/subprocess.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port_testing::Address;
using ::gtest_port_testing::BindSocket;
using ::gtest_port_testing::PrivateRange;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

// --- /proc readers ---------------------------------------------------------

TEST(ProcNetTest, ClaimSocketsOfTheRealProcNetUnixIncludeOurs) {
  if (!gtest_port_internal::kLinuxBackend) {
    GTEST_SKIP() << "the portable POSIX back-end claims by lock files, not "
                    "abstract sockets in /proc/net/unix";
  }
  PrivateRange range(1);
  absl::StatusOr<Reservation> r = range.Allocator()->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<std::vector<ClaimSocket>> claims =
      ReadClaimSockets("/proc");
  ASSERT_TRUE(claims.ok()) << claims.status();
  int found = 0;
  for (const ClaimSocket& c : *claims) found += c.port == range.first();
  EXPECT_EQ(found, 1);
}

// Linux keeps abstract names per socket type: a datagram socket bound to a
// claim's name is a decoy, neither a claim nor in the claim's way.
TEST(ProcNetTest, ADatagramSocketBoundToAClaimsNameIsNoClaim) {
  if (!gtest_port_internal::kLinuxBackend) {
    GTEST_SKIP() << "the portable POSIX back-end claims by lock files, not "
                    "abstract sockets in /proc/net/unix";
  }
  PrivateRange range(1);
  UniqueFd decoy(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(decoy.valid()) << std::strerror(errno);
  const std::string name = ClaimName(range.first());
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  ASSERT_EQ(::bind(decoy.get(), reinterpret_cast<const sockaddr*>(&address),
                   static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                          1 + name.size())),
            0)
      << std::strerror(errno);
  absl::StatusOr<std::vector<ClaimSocket>> claims = ReadClaimSockets("/proc");
  ASSERT_TRUE(claims.ok()) << claims.status();
  for (const ClaimSocket& c : *claims) EXPECT_NE(c.port, range.first());
  // The real claim is still possible, and is then the one found.
  absl::StatusOr<Reservation> r = range.Allocator()->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  claims = ReadClaimSockets("/proc");
  ASSERT_TRUE(claims.ok()) << claims.status();
  int found = 0;
  for (const ClaimSocket& c : *claims) found += c.port == range.first();
  EXPECT_EQ(found, 1);
}

TEST(ProcNetTest, ParsesClaimsAndSkipsOtherSockets) {
  const std::string text =
      "Num       RefCount Protocol Flags    Type St Inode Path\n"
      "0000000067bbfcb0: 00000002 00000000 00000000 0001 01 464532 "
      "@gtest_port/v1/20001\n"
      "00000000074e527f: 00000003 00000000 00000000 0001 03 461302\n"
      "00000000b45364da: 00000003 00000000 00000000 0001 03  1058 "
      "/run/systemd/notify\n"
      "00000000b45364db: 00000002 00000000 00000000 0001 01  77 "
      "@gtest_port/v1/70000\n"
      "00000000b45364dc: 00000002 00000000 00000000 0001 01  78 "
      "@gtest_port/v1/pid/12\n"
      "00000000b45364dd: 00000002 00000000 00000000 0001 01  79 "
      "@gtest_port/v1/65535\n"
      // A datagram socket may hold the same abstract name as a claim (Linux
      // keeps names per socket type): a decoy, not a claim.
      "00000000b45364de: 00000002 00000000 00000000 0002 01  80 "
      "@gtest_port/v1/20002\n";
  absl::StatusOr<std::vector<ClaimSocket>> claims =
      ParseClaimSockets(text);
  ASSERT_TRUE(claims.ok()) << claims.status();
  ASSERT_EQ(claims->size(), 2u);
  EXPECT_EQ((*claims)[0].port, 20001);
  EXPECT_EQ((*claims)[0].inode, 464532u);
  EXPECT_EQ((*claims)[1].port, 65535);
  EXPECT_EQ((*claims)[1].inode, 79u);
}

TEST(ProcNetTest, ParsesAddressClaimsApartFromPortClaims) {
  const std::string text =
      "Num       RefCount Protocol Flags    Type St Inode Path\n"
      "0000000067bbfcb0: 00000002 00000000 00000000 0001 01 464532 "
      "@gtest_port/v1/20001\n"
      "0000000067bbfcb1: 00000002 00000000 00000000 0001 01 464533 "
      "@gtest_port/v1/addr/127.1.0.7\n"
      "0000000067bbfcb2: 00000002 00000000 00000000 0001 01 464534 "
      "@gtest_port/v1/addr/10.0.0.1\n"
      "0000000067bbfcb3: 00000002 00000000 00000000 0001 01 464535 "
      "@gtest_port/v1/addr/127.1.0.07\n"
      "0000000067bbfcb4: 00000002 00000000 00000000 0002 01 464536 "
      "@gtest_port/v1/addr/127.1.0.8\n"
      "0000000067bbfcb5: 00000002 00000000 00000000 0001 01 464537 "
      "@gtest_port/v1/addr/127.255.0.1\n";
  absl::StatusOr<std::vector<AddressClaimSocket>> addresses =
      ParseAddressClaimSockets(text);
  ASSERT_TRUE(addresses.ok()) << addresses.status();
  ASSERT_EQ(addresses->size(), 2u);
  EXPECT_EQ((*addresses)[0].address, 0x7f010007u);
  EXPECT_EQ((*addresses)[0].inode, 464533u);
  EXPECT_EQ((*addresses)[1].address, 0x7fff0001u);
  // And the port parser sees no address claim as a port.
  absl::StatusOr<std::vector<ClaimSocket>> ports = ParseClaimSockets(text);
  ASSERT_TRUE(ports.ok()) << ports.status();
  ASSERT_EQ(ports->size(), 1u);
  EXPECT_EQ((*ports)[0].port, 20001);
  EXPECT_FALSE(ParseAddressClaimSockets("garbage\n").ok());
}

TEST(ProcNetTest, MalformedProcNetUnixNamesTheLine) {
  for (const std::string& text :
       {std::string(""), std::string("garbage\n"),
        std::string("Num RefCount\n0000: 2 0 0 1 1 notanumber @x\n"),
        std::string("Num RefCount\n0000: 2 0\n")}) {
    absl::StatusOr<std::vector<ClaimSocket>> claims =
        ParseClaimSockets(text);
    EXPECT_EQ(claims.status().code(), absl::StatusCode::kInvalidArgument)
        << text;
    EXPECT_THAT(claims.status().message(), HasSubstr("/proc/net/unix")) << text;
  }
  absl::StatusOr<std::vector<ClaimSocket>> bad =
      ParseClaimSockets("Num\n0000: 2 0 0 1 1 x9 @a\n");
  EXPECT_THAT(bad.status().message(),
              HasSubstr("line 2 of /proc/net/unix: \"0000: 2 0 0 1 1 x9 @a\""));
}

TEST(ProcNetTest, RealTcpListenerIsReadBackWithAddressStateAndInode) {
  PrivateRange range(1);
  absl::StatusOr<UniqueFd> v4 =
      BindSocket(SOCK_STREAM, range.first(), Address::kLoopback4);
  ASSERT_TRUE(v4.ok()) << v4.status();
  struct stat st;
  ASSERT_EQ(::fstat(v4->get(), &st), 0);

  absl::StatusOr<std::vector<InetSocket>> sockets =
      ReadInetSocketsOnPort("/proc", range.first());
  ASSERT_TRUE(sockets.ok()) << sockets.status();
  ASSERT_EQ(sockets->size(), 1u);
  const InetSocket& s = sockets->front();
  EXPECT_EQ(s.protocol, "tcp");
  EXPECT_EQ(s.local_address, "127.0.0.1");
  EXPECT_EQ(s.local_port, range.first());
  EXPECT_EQ(s.state, "LISTEN");
  EXPECT_EQ(s.uid, ::geteuid());
  EXPECT_EQ(s.inode, static_cast<uint64_t>(st.st_ino));
}

TEST(ProcNetTest, DecodesIpv6AndMappedAddresses) {
  const std::string text =
      "  sl  local_address                         remote_address          "
      "              st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode\n"
      "   0: 00000000000000000000000001000000:4E21 "
      "00000000000000000000000000000000:0000 0A 00000000:00000000 "
      "00:00000000 00000000  1000        0 424079 1 00000000e07e71bc 100 0 0 "
      "10 0\n"
      "   1: 0000000000000000FFFF00000100007F:4E22 "
      "0000000000000000FFFF00000100007F:C692 06 00000000:00000000 "
      "03:000011CB 00000000     0        0 0 3 0000000075d2ae1a\n";
  absl::StatusOr<std::vector<InetSocket>> sockets =
      ParseInetSockets(text, "tcp6");
  ASSERT_TRUE(sockets.ok()) << sockets.status();
  ASSERT_EQ(sockets->size(), 2u);
  EXPECT_EQ((*sockets)[0].ToString(), "tcp6 [::1]:20001 LISTEN");
  EXPECT_EQ((*sockets)[0].uid, 1000u);
  EXPECT_EQ((*sockets)[0].inode, 424079u);
  EXPECT_EQ((*sockets)[1].ToString(),
            "tcp6 [::ffff:127.0.0.1]:20002 TIME_WAIT");
  EXPECT_EQ((*sockets)[1].inode, 0u);
}

TEST(ProcNetTest, MalformedInetTableNamesFileAndLine) {
  const std::string header =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
      "retrnsmt   uid  timeout inode\n";
  for (const std::string& text :
       {std::string(""), std::string("nonsense\n"),
        header + "   0: 0100007F:4E21 00000000:0000 0A\n",
        header + "   0: 0100007G:4E21 00000000:0000 0A 0:0 0:0 0 0 0 1\n",
        header + "   0: 0100007F:4E2100 00000000:0000 0A 0:0 0:0 0 0 0 1\n",
        header + "   0: 0100007F:4E21 00000000:0000 0A 0:0 0:0 0 -1 0 1\n"}) {
    absl::StatusOr<std::vector<InetSocket>> sockets =
        ParseInetSockets(text, "udp");
    EXPECT_EQ(sockets.status().code(), absl::StatusCode::kInvalidArgument)
        << text;
    EXPECT_THAT(sockets.status().message(), HasSubstr("/proc/net/udp")) << text;
  }
}

// A /proc tree made of real files and symbolic links.
class FakeProc {
 public:
  FakeProc()
      : root_(absl::StrCat(::testing::TempDir(), "port_users_test_proc_",
                           ::getpid())) {
    Run("rm -rf " + root_ + " && mkdir -p " + root_ + "/net");
  }
  ~FakeProc() { Run("rm -rf " + root_); }

  const std::string& root() const { return root_; }
  void Link(const std::string& pid, int fd, const std::string& target) {
    Run("mkdir -p " + root_ + "/" + pid + "/fd");
    EXPECT_EQ(::symlink(target.c_str(),
                        absl::StrCat(root_, "/", pid, "/fd/", fd).c_str()),
              0);
  }
  void Write(const std::string& relative, const std::string& content) {
    Run("mkdir -p $(dirname " + root_ + "/" + relative + ")");
    std::ofstream(root_ + "/" + relative) << content;
  }

 private:
  static void Run(const std::string& command) {
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
  }
  std::string root_;
};

TEST(ProcNetTest, ScanFindsEveryHolderOfASocketAndEveryTable) {
  FakeProc proc;
  proc.Link("300", 3, "socket:[777]");
  proc.Link("300", 4, "socket:[778]");
  proc.Link("300", 5, "/memfd:gtest_port/v1/reservations (deleted)");
  proc.Link("12", 9, "socket:[777]");  // Inherited by fork.
  proc.Link("12", 1, "/dev/null");
  proc.Link("self", 3, "socket:[777]");  // Not a pid: skipped.
  proc.Write("net/unix", "Num\n");

  absl::StatusOr<DescriptorScan> scan =
      ScanDescriptors(proc.root(), {777});
  ASSERT_TRUE(scan.ok()) << scan.status();
  ASSERT_EQ(scan->socket_owners.size(), 1u) << "778 was not asked for";
  EXPECT_THAT(scan->socket_owners[777], ElementsAre(12, 300));
  ASSERT_EQ(scan->tables.size(), 1u);
  EXPECT_THAT(scan->tables[300], ElementsAre(proc.root() + "/300/fd/5"));
  EXPECT_EQ(scan->unreadable_processes, 0);
}

TEST(ProcNetTest, ScanOfTheRealProcFindsOurOwnSocket) {
  absl::StatusOr<UniqueFd> socket =
      BindSocket(SOCK_DGRAM, 0, Address::kLoopback4);
  ASSERT_TRUE(socket.ok()) << socket.status();
  struct stat st;
  ASSERT_EQ(::fstat(socket->get(), &st), 0);
  absl::StatusOr<DescriptorScan> scan = ScanDescriptors(
      "/proc", {static_cast<uint64_t>(st.st_ino)});
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_THAT(scan->socket_owners[st.st_ino], ElementsAre(::getpid()));
}

TEST(ProcNetTest, CommandLinesAreQuotedForAShell) {
  FakeProc proc;
  proc.Write("5/cmdline", std::string("sh\0-c\0echo 'a b' $X\0--x=1\0", 26));
  proc.Write("2/cmdline", "");
  proc.Write("2/comm", "kthreadd\n");
  absl::StatusOr<std::string> sh =
      ReadCommandLine(proc.root(), 5);
  ASSERT_TRUE(sh.ok()) << sh.status();
  EXPECT_EQ(*sh, "sh -c 'echo '\\''a b'\\'' $X' --x=1");
  absl::StatusOr<std::string> kernel =
      ReadCommandLine(proc.root(), 2);
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  EXPECT_EQ(*kernel, "[kthreadd]");
  EXPECT_EQ(
      ReadCommandLine(proc.root(), 99).status().code(),
      absl::StatusCode::kNotFound);
}

TEST(ProcNetTest, ControlBytesInCommandLinesAreEscapedNotPrinted) {
  // A terminal would act on a raw ESC from another process's argv.
  FakeProc proc;
  proc.Write("7/cmdline", std::string("prog\0\x1b[2Jx\0", 11));
  absl::StatusOr<std::string> line =
      ReadCommandLine(proc.root(), 7);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(*line, "prog $'\\x1b[2Jx'");
}

TEST(ProcNetTest, PaddingOfARewrittenCommandLineIsNotArguments) {
  // What redis-server leaves: its title over argv, the rest NUL bytes.
  FakeProc proc;
  proc.Write("8/cmdline", std::string("redis-server 127.0.0.1:20001\0\0\0\0\0\0", 34));
  absl::StatusOr<std::string> line = ReadCommandLine(proc.root(), 8);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(*line, "'redis-server 127.0.0.1:20001'");
}

TEST(ProcNetTest, ARealRedisServersRewrittenCommandLineEndsWithItsTitle) {
  constexpr char kRedisServer[] = "/usr/bin/redis-server";
  if (::access(kRedisServer, X_OK) != 0) {
    GTEST_SKIP() << "no " << kRedisServer
                 << " (scripts/setup.sh installs redis-server)";
  }
  PrivateRange range(1);
  const std::string port = absl::StrCat(range.first());
  absl::StatusOr<gtest_port_testing::Subprocess> redis =
      gtest_port_testing::Subprocess::Start(
          {kRedisServer, "--port", port, "--bind", "127.0.0.1", "--save", "",
           "--appendonly", "no"},
          {});
  ASSERT_TRUE(redis.ok()) << redis.status();
  // redis-server rewrites its argv (setproctitle) once it is up, and only
  // then answers on its port.
  ASSERT_TRUE(redis->ReadLineStartingWith("", absl::Seconds(30)).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  absl::StatusOr<std::string> line;
  for (;;) {
    line = ReadCommandLine("/proc", redis->pid());
    ASSERT_TRUE(line.ok()) << line.status();
    if (absl::StrContains(*line, absl::StrCat("127.0.0.1:", port))) break;
    ASSERT_LT(absl::Now(), deadline) << "never rewritten: " << *line;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(*line, AllOf(HasSubstr("redis-server"), Not(HasSubstr("''"))));
  EXPECT_FALSE(absl::EndsWith(*line, " ")) << *line;
  redis->Kill(SIGKILL);
  EXPECT_TRUE(redis->Wait(absl::Seconds(30)).ok());
}

}  // namespace
}  // namespace gtest_port_internal
