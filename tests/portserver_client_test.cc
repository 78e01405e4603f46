// Tests of the port server client and of the engine's use of it, against the
// real port server (Debian's /usr/bin/portserver, started by each test with
// its own address and its own small pool) and, for the failures a real
// server does not show on demand, a fake listener that never answers or
// answers garbage.
//
// Every pool and every local range comes from a PrivateRange, so a port
// outside the pool is one gtest_port reserved locally: that is how these
// tests tell a port-server port from a fallback.

#include "gtest_port/internal/engine/portserver_client.h"

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <set>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/platform/claim.h"
#include "gtest_port/internal/platform/platform.h"
#include "gtest_port/internal/engine/config.h"
#include "gtest_port/matchers.h"
#include "gtest_port/port_reservation.h"
#include "tests/testing/portserver.h"
#include "tests/testing/private_range.h"
#include "tests/testing/subprocess.h"

namespace gtest_port {
namespace {

using ::gtest_port_internal::Config;
using ::gtest_port_internal::ParsePortServerReply;
using ::gtest_port_internal::PortAllocator;
using ::gtest_port_internal::PortServerClient;
using ::gtest_port_internal::ResolveConfig;
using ::gtest_port_internal::UniqueFd;
using ::gtest_port_internal::ValidatePortServerAddress;
using ::gtest_port_testing::FakePortServer;
using ::gtest_port_testing::HelperPath;
using ::gtest_port_testing::PortServer;
using ::gtest_port_testing::PrivateRange;
using ::gtest_port_testing::Subprocess;
using ::gtest_port_testing::UniquePortServerAddress;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr absl::Duration kTimeout = absl::Seconds(30);
std::string Message(const absl::Status& status) {
  return std::string(status.message());
}

constexpr char kWarning[] = "[gtest_port] warning: not using the port server";

// ---------------------------------------------------------------------------
// ParsePortServerReply and ValidatePortServerAddress: pure functions.

struct ReplyCase {
  std::string reply;
  absl::StatusCode code;
  int port;  // When code is kOk.
};

TEST(ParsePortServerReplyTest, AcceptsAPortAndRejectsEverythingElse) {
  const std::vector<ReplyCase> cases = {
      {"20000\n", absl::StatusCode::kOk, 20000},
      {"1\n", absl::StatusCode::kOk, 1},
      {"65535\n", absl::StatusCode::kOk, 65535},
      {"20000", absl::StatusCode::kOk, 20000},  // Closed without newline.
      {"20000\r\n", absl::StatusCode::kOk, 20000},
      {"08080\n", absl::StatusCode::kOk, 8080},
      // Refusals.
      {"", absl::StatusCode::kResourceExhausted, 0},
      {"\n", absl::StatusCode::kResourceExhausted, 0},
      {"\r\n", absl::StatusCode::kResourceExhausted, 0},
      // Garbage.
      {"banana\n", absl::StatusCode::kInvalidArgument, 0},
      {"0\n", absl::StatusCode::kInvalidArgument, 0},
      {"65536\n", absl::StatusCode::kInvalidArgument, 0},
      {"99999\n", absl::StatusCode::kInvalidArgument, 0},
      {"123456\n", absl::StatusCode::kInvalidArgument, 0},
      {"99999999999999999999\n", absl::StatusCode::kInvalidArgument, 0},
      {"-1\n", absl::StatusCode::kInvalidArgument, 0},
      {"+80\n", absl::StatusCode::kInvalidArgument, 0},
      {" 80\n", absl::StatusCode::kInvalidArgument, 0},
      {"80 \n", absl::StatusCode::kInvalidArgument, 0},
      {"8 0\n", absl::StatusCode::kInvalidArgument, 0},
      {"80\n\n", absl::StatusCode::kInvalidArgument, 0},
      {"80\nextra", absl::StatusCode::kInvalidArgument, 0},
      {"0x50\n", absl::StatusCode::kInvalidArgument, 0},
      {"\r", absl::StatusCode::kInvalidArgument, 0},
      {std::string("80\0\n", 4), absl::StatusCode::kInvalidArgument, 0},
  };
  for (const ReplyCase& c : cases) {
    SCOPED_TRACE(absl::StrCat("reply \"", absl::CHexEscape(c.reply), "\""));
    absl::StatusOr<uint16_t> port = ParsePortServerReply(c.reply);
    EXPECT_EQ(port.status().code(), c.code) << port.status();
    if (c.code == absl::StatusCode::kOk && port.ok()) {
      EXPECT_EQ(*port, c.port);
    }
  }
}

TEST(ParsePortServerReplyTest, MessagesQuoteTheReplyAndSayWhatIsAccepted) {
  absl::StatusOr<uint16_t> garbage = ParsePortServerReply("banana\n");
  EXPECT_THAT(Message(garbage.status()),
              AllOf(HasSubstr("\"banana\\n\""), HasSubstr("1-65535")));
  absl::StatusOr<uint16_t> refusal = ParsePortServerReply("");
  EXPECT_THAT(Message(refusal.status()),
              AllOf(HasSubstr("refused"), HasSubstr("empty reply")));
  // A long reply is cut, not copied whole into the message.
  absl::StatusOr<uint16_t> long_reply =
      ParsePortServerReply(std::string(10000, 'x'));
  EXPECT_THAT(Message(long_reply.status()), HasSubstr("xxx\"...;"));
  EXPECT_LT(Message(long_reply.status()).size(), 300u);
}

TEST(ValidatePortServerAddressTest, AcceptsAbstractNamesAndPaths) {
  EXPECT_TRUE(ValidatePortServerAddress("@unittest-portserver").ok());
  EXPECT_TRUE(ValidatePortServerAddress("/run/portserver.sock").ok());
  EXPECT_TRUE(ValidatePortServerAddress("@" + std::string(107, 'a')).ok());
  EXPECT_TRUE(ValidatePortServerAddress("/" + std::string(106, 'a')).ok());
  for (const std::string& bad :
       {std::string(""), std::string("unittest-portserver"), std::string("@"),
        std::string("/"), std::string("localhost:1234"),
        "@" + std::string(108, 'a'), "/" + std::string(107, 'a'),
        std::string("@a\0b", 4)}) {
    SCOPED_TRACE(absl::CHexEscape(bad));
    absl::Status status = ValidatePortServerAddress(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(status), HasSubstr("\"@name\""));
  }
}

// ---------------------------------------------------------------------------
// Configuration: PORTSERVER_ADDRESS and Options.

absl::StatusOr<Config> ConfigWith(const char* env_address, Options options) {
  std::map<std::string, std::string> env;
  if (env_address != nullptr) env["PORTSERVER_ADDRESS"] = env_address;
  return ResolveConfig(options, gtest_port_internal::RealPlatform(),
                       gtest_port_internal::MapEnvironment(std::move(env)));
}

TEST(PortServerConfigTest, ReadsAndValidatesPortServerAddress) {
  absl::StatusOr<Config> none = ConfigWith(nullptr, Options());
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->portserver_address, "");

  absl::StatusOr<Config> empty = ConfigWith("", Options());
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->portserver_address, "");

  absl::StatusOr<Config> set = ConfigWith("@unittest-portserver", Options());
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->portserver_address, "@unittest-portserver");
  EXPECT_EQ(set->portserver_timeout,
            gtest_port_internal::kDefaultPortServerTimeout);

  absl::StatusOr<Config> bad = ConfigWith("unittest-portserver", Options());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(bad.status()),
              AllOf(StartsWith("PORTSERVER_ADDRESS=unittest-portserver: "),
                    HasSubstr("\"@name\""), HasSubstr("\"/path\"")));
}

TEST(PortServerConfigTest, OptionsWinOverTheEnvironment) {
  Options options;
  options.portserver_address = "@from-options";
  options.portserver_timeout = absl::Milliseconds(250);
  absl::StatusOr<Config> config = ConfigWith("@from-env", options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->portserver_address, "@from-options");
  EXPECT_EQ(config->portserver_timeout, absl::Milliseconds(250));

  options.portserver_address = "";  // Ignore PORTSERVER_ADDRESS.
  config = ConfigWith("@from-env", options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->portserver_address, "");

  options.portserver_address = "relative/path";
  config = ConfigWith(nullptr, options);
  EXPECT_THAT(Message(config.status()),
              StartsWith("Options::portserver_address \"relative/path\": "));

  options.portserver_address = "@ok";
  options.portserver_timeout = absl::ZeroDuration();
  config = ConfigWith(nullptr, options);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(config.status()),
              HasSubstr("Options::portserver_timeout 0 is invalid"));
}

// ---------------------------------------------------------------------------
// PortServerClient against the real server and against fakes.

std::unique_ptr<PortServer> StartServer(const PrivateRange& pool) {
  absl::StatusOr<std::unique_ptr<PortServer>> server =
      PortServer::Start(pool.range());
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

TEST(PortServerClientTest, GetsEveryPortOfThePoolOnceThenIsRefused) {
  PrivateRange pool(3);
  std::unique_ptr<PortServer> server = StartServer(pool);
  ASSERT_NE(server, nullptr);
  PortServerClient client(server->address(), absl::Seconds(10));
  std::set<int> ports;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<uint16_t> port = client.RequestPort(::getpid());
    ASSERT_TRUE(port.ok()) << port.status() << "\n" << server->Log();
    EXPECT_TRUE(pool.range().contains(*port)) << *port;
    ports.insert(*port);
  }
  EXPECT_EQ(ports.size(), 3u);
  // The server keeps a port with its process while that process lives.
  absl::StatusOr<uint16_t> refused = client.RequestPort(::getpid());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted)
      << refused.status();
  EXPECT_THAT(Message(refused.status()),
              AllOf(HasSubstr(server->address()), HasSubstr("refused")));
}

TEST(PortServerClientTest, SendsThePidAndANewlineInOneSend) {
  FakePortServer fake("20001\n");
  PortServerClient client(fake.address(), absl::Seconds(10));
  absl::StatusOr<uint16_t> port = client.RequestPort(::getpid());
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_EQ(*port, 20001);
  // The fake, like the real server, takes what one read returns. The "+"
  // tells `gtest-port serve` that this process claims the port itself;
  // Python's int() reads "+PID" as PID.
  EXPECT_EQ(fake.requests(),
            std::vector<std::string>{absl::StrCat("+", ::getpid(), "\n")});
}

TEST(PortServerClientTest, NobodyListeningIsUnavailable) {
  for (const std::string& address :
       {UniquePortServerAddress("nobody"),
        absl::StrCat("/nonexistent/gtest_port_test_", ::getpid(), ".sock")}) {
    SCOPED_TRACE(address);
    PortServerClient client(address, absl::Seconds(10));
    absl::StatusOr<uint16_t> port = client.RequestPort(::getpid());
    EXPECT_EQ(port.status().code(), absl::StatusCode::kUnavailable)
        << port.status();
    EXPECT_THAT(Message(port.status()),
                AllOf(HasSubstr(address), HasSubstr("connect")));
  }
}

TEST(PortServerClientTest, AServerThatNeverAnswersTimesOut) {
  FakePortServer silent(std::nullopt);
  PortServerClient client(silent.address(), absl::Milliseconds(200));
  absl::StatusOr<uint16_t> port = client.RequestPort(::getpid());
  EXPECT_EQ(port.status().code(), absl::StatusCode::kDeadlineExceeded)
      << port.status();
  EXPECT_THAT(Message(port.status()),
              AllOf(HasSubstr(silent.address()),
                    HasSubstr("did not answer within 200ms")));
}

TEST(PortServerClientTest, GarbageAndEmptyRepliesAreErrorsNamingThem) {
  FakePortServer garbage("banana\n");
  absl::StatusOr<uint16_t> port =
      PortServerClient(garbage.address(), absl::Seconds(10))
          .RequestPort(::getpid());
  EXPECT_EQ(port.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(port.status()),
              AllOf(HasSubstr(garbage.address()), HasSubstr("banana")));

  FakePortServer refusing("");
  port = PortServerClient(refusing.address(), absl::Seconds(10))
             .RequestPort(::getpid());
  EXPECT_EQ(port.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(port.status()), HasSubstr("refused"));
}

// ---------------------------------------------------------------------------
// The engine with a port server.

std::shared_ptr<PortAllocator> MakeAllocator(
    const PrivateRange& local, const std::string& address,
    absl::Duration timeout = absl::Seconds(10)) {
  Options options;
  options.range = local.range();
  options.shard_index = 0;
  options.total_shards = 1;
  options.portserver_address = address;
  options.portserver_timeout = timeout;
  absl::StatusOr<Config> config = ConfigWith(nullptr, options);
  EXPECT_TRUE(config.ok()) << config.status();
  if (!config.ok()) return nullptr;
  return PortAllocator::Create(*std::move(config),
                                gtest_port_internal::RealPlatform());
}

int CountOf(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

TEST(PortServerAllocatorTest, SinglePortsComeFromThePoolAndAreClaimed) {
  PrivateRange pool(4);
  PrivateRange local(10);
  std::unique_ptr<PortServer> server = StartServer(pool);
  ASSERT_NE(server, nullptr);
  std::shared_ptr<PortAllocator> allocator =
      MakeAllocator(local, server->address());
  ASSERT_NE(allocator, nullptr);
  EXPECT_THAT(
      allocator->Describe(),
      HasSubstr(absl::StrCat("single ports come from the port server at ",
                             server->address())));

  testing::internal::CaptureStderr();
  std::vector<gtest_port_internal::Reservation> held;
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<gtest_port_internal::Reservation> r = allocator->Reserve(1);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(pool.range().contains(r->port())) << r->port();
    EXPECT_THAT(r->port(), IsFreeToBind());  // Claimed, not bound.
    held.push_back(*std::move(r));
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  std::set<uint16_t> ports;
  for (const gtest_port_internal::Reservation& r : held) ports.insert(r.port());
  EXPECT_EQ(ports.size(), 4u);
  EXPECT_EQ(allocator->stats()[gtest_port_internal::Stats::kPortServerRequests], 4);
  EXPECT_TRUE(allocator->portserver_status().ok());

  // Held machine-wide like any reservation: another gtest_port user (a
  // local one, without the port server) cannot claim them.
  // (The platform's default claim: abstract sockets on Linux, lock files
  // on the portable back-end.)
  const gtest_port_internal::Platform& platform =
      gtest_port_internal::RealPlatform();
  const std::unique_ptr<gtest_port_internal::Claimer> claimer =
      platform.MakeClaimer(platform.DefaultLockDir());
  for (uint16_t port : ports) {
    absl::StatusOr<UniqueFd> claim = claimer->Claim(port);
    ASSERT_TRUE(claim.ok()) << claim.status();
    EXPECT_FALSE(claim->valid()) << "port " << port << " was not claimed";
  }
}

TEST(PortServerAllocatorTest, ThreadsGetDistinctPortsFromThePool) {
  PrivateRange pool(12);
  PrivateRange local(10);
  std::unique_ptr<PortServer> server = StartServer(pool);
  ASSERT_NE(server, nullptr);
  std::shared_ptr<PortAllocator> allocator =
      MakeAllocator(local, server->address());
  absl::Mutex mu;
  std::vector<gtest_port_internal::Reservation> held;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 3; ++i) {
        absl::StatusOr<gtest_port_internal::Reservation> r = allocator->Reserve(1);
        ASSERT_TRUE(r.ok()) << r.status();
        absl::MutexLock lock(&mu);
        held.push_back(*std::move(r));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<uint16_t> ports;
  for (const gtest_port_internal::Reservation& r : held) {
    EXPECT_TRUE(pool.range().contains(r.port())) << r.port();
    ports.insert(r.port());
  }
  EXPECT_EQ(ports.size(), 12u) << "two live reservations shared a port";
}

TEST(PortServerAllocatorTest, ReleasedPortsAreReusedWithoutAskingAgain) {
  PrivateRange pool(1);
  PrivateRange local(10);
  std::unique_ptr<PortServer> server = StartServer(pool);
  ASSERT_NE(server, nullptr);
  std::shared_ptr<PortAllocator> allocator =
      MakeAllocator(local, server->address());
  testing::internal::CaptureStderr();
  for (int round = 0; round < 3; ++round) {
    absl::StatusOr<gtest_port_internal::Reservation> r = allocator->Reserve(1);
    ASSERT_TRUE(r.ok()) << r.status();
    // The server would refuse a second request from this live process
    // (its only port is ours): the same port again means the free list.
    EXPECT_EQ(r->port(), pool.first()) << "round " << round;
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  const gtest_port_internal::Stats::Values stats = allocator->stats();
  EXPECT_EQ(stats[gtest_port_internal::Stats::kPortServerRequests], 1);
  EXPECT_EQ(stats[gtest_port_internal::Stats::kPortServerReused], 2);
  EXPECT_EQ(stats[gtest_port_internal::Stats::kPortServerLocal], 0);
  EXPECT_TRUE(allocator->portserver_status().ok());
}

TEST(PortServerAllocatorTest, FreeListAndFallbackBelongToTheProcess) {
  // PortEnvironment makes a new allocator on each --gtest_repeat iteration;
  // the server gave its ports to the process, and a dead server stays dead.
  PrivateRange pool(1);
  PrivateRange local(10);
  std::unique_ptr<PortServer> server = StartServer(pool);
  ASSERT_NE(server, nullptr);
  {
    std::shared_ptr<PortAllocator> first =
        MakeAllocator(local, server->address());
    absl::StatusOr<gtest_port_internal::Reservation> r = first->Reserve(1);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->port(), pool.first());
  }
  std::shared_ptr<PortAllocator> second =
      MakeAllocator(local, server->address());
  absl::StatusOr<gtest_port_internal::Reservation> r = second->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->port(), pool.first());
  EXPECT_EQ(second->stats()[gtest_port_internal::Stats::kPortServerRequests], 0);

  const std::string nobody = UniquePortServerAddress("nobody");
  testing::internal::CaptureStderr();
  for (int i = 0; i < 3; ++i) {
    std::shared_ptr<PortAllocator> allocator = MakeAllocator(local, nobody);
    absl::StatusOr<gtest_port_internal::Reservation> fallback = allocator->Reserve(1);
    ASSERT_TRUE(fallback.ok()) << fallback.status();
    EXPECT_TRUE(local.range().contains(fallback->port()));
    EXPECT_EQ(allocator->stats()[gtest_port_internal::Stats::kPortServerRequests], i == 0 ? 1 : 0);
    EXPECT_EQ(allocator->portserver_status().code(),
              absl::StatusCode::kUnavailable);
  }
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(CountOf(err, kWarning), 1) << err;
}

TEST(PortServerAllocatorTest, ClaimedServerPortIsPutAsideAndTakenLater) {
  // Port-server users and local users share one host: a port the server
  // hands out may be held by a local gtest_port user. It is put aside and
  // another is asked for; once free, it is used again.
  PrivateRange pool(2);
  PrivateRange local(10);
  const uint16_t taken = pool.first();
  const uint16_t other = static_cast<uint16_t>(pool.first() + 1);
  const gtest_port_internal::Platform& platform =
      gtest_port_internal::RealPlatform();
  const std::unique_ptr<gtest_port_internal::Claimer> claimer =
      platform.MakeClaimer(platform.DefaultLockDir());  // The default claim.
  absl::StatusOr<UniqueFd> local_user = claimer->Claim(taken);
  ASSERT_TRUE(local_user.ok() && local_user->valid()) << local_user.status();

  std::unique_ptr<PortServer> server = StartServer(pool);
  ASSERT_NE(server, nullptr);
  std::shared_ptr<PortAllocator> allocator =
      MakeAllocator(local, server->address());
  absl::StatusOr<gtest_port_internal::Reservation> first = allocator->Reserve(1);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->port(), other);

  local_user->reset();  // The local user is done with it.
  absl::StatusOr<gtest_port_internal::Reservation> second = allocator->Reserve(1);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->port(), taken);
  EXPECT_TRUE(allocator->portserver_status().ok())
      << allocator->portserver_status();
  EXPECT_EQ(allocator->stats()[gtest_port_internal::Stats::kPortServerRequests], 2);
}

TEST(PortServerAllocatorTest, ExhaustedPoolFallsBackToTheLocalRangeOnce) {
  PrivateRange pool(2);
  PrivateRange local(10);
  std::unique_ptr<PortServer> server = StartServer(pool);
  ASSERT_NE(server, nullptr);
  std::shared_ptr<PortAllocator> allocator =
      MakeAllocator(local, server->address());
  testing::internal::CaptureStderr();
  std::vector<gtest_port_internal::Reservation> held;
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<gtest_port_internal::Reservation> r = allocator->Reserve(1);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(i < 2 ? pool.range().contains(r->port())
                      : local.range().contains(r->port()))
        << "reservation " << i << ": port " << r->port();
    held.push_back(*std::move(r));
  }
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(CountOf(err, kWarning), 1) << err;
  EXPECT_THAT(
      err,
      AllOf(HasSubstr(server->address()), HasSubstr("refused"),
            HasSubstr(gtest_port_internal::FormatPortRange(local.range()))));
  EXPECT_EQ(allocator->portserver_status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(allocator->stats()[gtest_port_internal::Stats::kPortServerRequests], 3);  // Not after giving up.
  EXPECT_THAT(allocator->Describe(), HasSubstr("not using the port server"));

  // The pool's ports still come back to this process through the free list.
  held.erase(held.begin());
  absl::StatusOr<gtest_port_internal::Reservation> again = allocator->Reserve(1);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(pool.range().contains(again->port())) << again->port();
}

TEST(PortServerAllocatorTest, ServerDownFallsBackWithOneWarning) {
  PrivateRange local(10);
  const std::string nobody = UniquePortServerAddress("nobody");
  std::shared_ptr<PortAllocator> allocator = MakeAllocator(local, nobody);
  testing::internal::CaptureStderr();
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<gtest_port_internal::Reservation> r = allocator->Reserve(1);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(local.range().contains(r->port())) << r->port();
  }
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(CountOf(err, kWarning), 1) << err;
  EXPECT_THAT(err, AllOf(HasSubstr(nobody), HasSubstr("connect")));
  EXPECT_EQ(allocator->portserver_status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(allocator->stats()[gtest_port_internal::Stats::kPortServerRequests], 1);
}

TEST(PortServerAllocatorTest, SilentServerTimesOutAndFallsBack) {
  PrivateRange local(10);
  FakePortServer silent(std::nullopt);
  std::shared_ptr<PortAllocator> allocator =
      MakeAllocator(local, silent.address(), absl::Milliseconds(200));
  testing::internal::CaptureStderr();
  absl::StatusOr<gtest_port_internal::Reservation> r = allocator->Reserve(1);
  const std::string err = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(local.range().contains(r->port())) << r->port();
  EXPECT_THAT(err, AllOf(HasSubstr(kWarning),
                         HasSubstr("did not answer within 200ms")));
  EXPECT_EQ(allocator->portserver_status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(PortServerAllocatorTest, GarbageReplyFallsBackNamingTheReply) {
  PrivateRange local(10);
  FakePortServer garbage("banana\n");
  std::shared_ptr<PortAllocator> allocator =
      MakeAllocator(local, garbage.address());
  testing::internal::CaptureStderr();
  absl::StatusOr<gtest_port_internal::Reservation> r = allocator->Reserve(1);
  const std::string err = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(local.range().contains(r->port())) << r->port();
  EXPECT_THAT(err, AllOf(HasSubstr(kWarning), HasSubstr("\"banana\\n\"")));
  EXPECT_EQ(allocator->portserver_status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PortServerAllocatorTest, BlocksComeFromServersThatServeThem) {
  PrivateRange pool(4);
  PrivateRange local(10);
  std::unique_ptr<PortServer> server = StartServer(pool);
  ASSERT_NE(server, nullptr);
  std::shared_ptr<PortAllocator> allocator =
      MakeAllocator(local, server->address());
  absl::StatusOr<gtest_port_internal::Reservation> block = allocator->Reserve(3);
  ASSERT_TRUE(block.ok()) << block.status();
  ASSERT_EQ(block->size(), 3);
  // Python's server refuses the block request (gtest-port serve's
  // extension); `gtest-port serve` serves it from its pool.
  const PrivateRange& from =
      server->kind() == gtest_port_testing::PortServerKind::kGtestPort ? pool
                                                                       : local;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(from.range().contains((*block)[i])) << (*block)[i];
  }
  EXPECT_EQ(allocator->stats()[gtest_port_internal::Stats::kPortServerRequests], 0);
  EXPECT_TRUE(allocator->portserver_status().ok());
  // Singles still come from the server.
  absl::StatusOr<gtest_port_internal::Reservation> single = allocator->Reserve(1);
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_TRUE(pool.range().contains(single->port())) << single->port();
}

// ---------------------------------------------------------------------------
// Whole processes configured by PORTSERVER_ADDRESS, as CI hosts do.

using ::gtest_port_testing::HolderOutput;

// Reads a port_holder's output up to "READY"; no line may be an error.
HolderOutput ReadHolder(Subprocess& holder) {
  absl::StatusOr<HolderOutput> out =
      gtest_port_testing::ReadHolderOutput(holder, kTimeout);
  if (!out.ok()) {
    ADD_FAILURE() << out.status();
    return HolderOutput();
  }
  for (absl::string_view line : absl::StrSplit(out->other, '\n')) {
    EXPECT_THAT(std::string(line), Not(StartsWith("ERROR")));
  }
  return *std::move(out);
}

Subprocess StartHolder(const std::vector<std::string>& prefix, int count,
                       std::vector<std::string> env) {
  std::vector<std::string> argv = prefix;
  argv.push_back(HelperPath("port_holder"));
  argv.push_back(absl::StrCat("--count=", count));
  env.push_back("GTEST_SHARD_INDEX");
  env.push_back("GTEST_TOTAL_SHARDS");
  absl::StatusOr<Subprocess> child = Subprocess::Start(argv, env);
  EXPECT_TRUE(child.ok()) << child.status();
  return *std::move(child);
}

TEST(PortServerProcessTest, ProcessesGetDistinctPortsFromThePool) {
  constexpr int kProcesses = 3;
  constexpr int kPorts = 4;
  PrivateRange pool(kProcesses * kPorts);
  PrivateRange local(10);
  std::unique_ptr<PortServer> server = StartServer(pool);
  ASSERT_NE(server, nullptr);
  std::vector<Subprocess> holders;
  for (int i = 0; i < kProcesses; ++i) {
    holders.push_back(
        StartHolder({}, kPorts, {server->EnvEntry(), local.EnvEntry()}));
  }
  std::set<int> seen;
  for (Subprocess& holder : holders) {
    HolderOutput out = ReadHolder(holder);
    EXPECT_EQ(out.ports.size(), size_t{kPorts});
    EXPECT_EQ(out.other, "");
    for (int port : out.ports) {
      EXPECT_TRUE(pool.range().contains(port)) << port;
      EXPECT_TRUE(seen.insert(port).second) << "port " << port << " shared";
    }
  }
  EXPECT_EQ(seen.size(), size_t{kProcesses * kPorts});
}

TEST(PortServerProcessTest, ThirdPortFromAPoolOfTwoIsLocalWithAWarning) {
  PrivateRange pool(2);
  PrivateRange local(10);
  std::unique_ptr<PortServer> server = StartServer(pool);
  ASSERT_NE(server, nullptr);
  Subprocess holder =
      StartHolder({}, 3, {server->EnvEntry(), local.EnvEntry()});
  HolderOutput out = ReadHolder(holder);
  ASSERT_EQ(out.ports.size(), 3u);
  EXPECT_TRUE(pool.range().contains(out.ports[0])) << out.ports[0];
  EXPECT_TRUE(pool.range().contains(out.ports[1])) << out.ports[1];
  EXPECT_TRUE(local.range().contains(out.ports[2])) << out.ports[2];
  EXPECT_THAT(out.other, AllOf(StartsWith(kWarning), HasSubstr("refused")));
  EXPECT_EQ(CountOf(out.other, kWarning), 1);
}

TEST(PortServerProcessTest, StartUpLineNamesThePortServer) {
  PrivateRange pool(1);
  PrivateRange local(10);
  std::unique_ptr<PortServer> server = StartServer(pool);
  ASSERT_NE(server, nullptr);
  absl::StatusOr<gtest_port_testing::ExitInfo> run = gtest_port_testing::Run(
      {HelperPath("env_child"), "--gtest_filter=EnvChildTest.Reserves"},
      {server->EnvEntry(), local.EnvEntry(), "GTEST_SHARD_INDEX",
       "GTEST_TOTAL_SHARDS"},
      kTimeout);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->output;
  EXPECT_THAT(
      run->output,
      AllOf(HasSubstr(absl::StrCat("single ports come from the port server at ",
                                   server->address())),
            HasSubstr(absl::StrCat("ENV_CHILD_TEST_RAN port=", pool.first()))));
}

TEST(PortServerProcessTest, BadPortServerAddressStopsTheTestBinary) {
  absl::StatusOr<gtest_port_testing::ExitInfo> run =
      gtest_port_testing::Run({HelperPath("env_child")},
                              {"PORTSERVER_ADDRESS=unittest-portserver",
                               "GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS"},
                              kTimeout);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 1) << run->output;
  EXPECT_THAT(run->output,
              HasSubstr("PORTSERVER_ADDRESS=unittest-portserver: expected"));
}

// Can this process start a child in a PID namespace of its own?
bool CanUnsharePid() {
  absl::StatusOr<gtest_port_testing::ExitInfo> probe = gtest_port_testing::Run(
      {"/usr/bin/unshare", "--pid", "--fork", "/bin/true"}, {}, kTimeout);
  return probe.ok() && probe->exit_code == 0;
}

TEST(PortServerProcessTest, ProcessInAnotherPidNamespaceFallsBack) {
  // Bazel's sandbox, containers, `unshare --pid`: the pid the process would
  // send does not name it where the server runs. Python's server cannot
  // serve it (the process falls back); `gtest-port serve` can.
  if (!CanUnsharePid()) {
    GTEST_SKIP() << "unshare --pid is not permitted here (needs "
                    "CAP_SYS_ADMIN or user namespaces)";
  }
  PrivateRange pool(2);
  PrivateRange local(10);
  std::unique_ptr<PortServer> server = StartServer(pool);
  ASSERT_NE(server, nullptr);
  Subprocess holder =
      StartHolder({"/usr/bin/unshare", "--pid", "--fork", "--kill-child"}, 1,
                  {server->EnvEntry(), local.EnvEntry()});
  HolderOutput out = ReadHolder(holder);
  ASSERT_EQ(out.ports.size(), 1u);
  if (server->kind() == gtest_port_testing::PortServerKind::kGtestPort) {
    // `gtest-port serve` tells its clients apart by SO_PEERCRED, not by the
    // pid they write: the process in its own PID namespace is served.
    EXPECT_TRUE(pool.range().contains(out.ports[0])) << out.ports[0];
    EXPECT_EQ(out.other, "");
  } else {
    EXPECT_TRUE(local.range().contains(out.ports[0])) << out.ports[0];
    EXPECT_THAT(out.other, AllOf(StartsWith(kWarning),
                                 HasSubstr("another PID namespace")));
  }
  // The same holder outside the namespace does get a pool port.
  Subprocess outside =
      StartHolder({}, 1, {server->EnvEntry(), local.EnvEntry()});
  HolderOutput out2 = ReadHolder(outside);
  ASSERT_EQ(out2.ports.size(), 1u);
  EXPECT_TRUE(pool.range().contains(out2.ports[0])) << out2.ports[0];
}

}  // namespace
}  // namespace gtest_port
