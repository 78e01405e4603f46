// Descriptor hygiene: every descriptor gtest_port opens is close-on-exec, so
// a server a test starts inherits no claim; reservations leave no descriptor
// behind however many come and go; and running out of descriptors is
// reported as exactly that.
//
// The checks look from the outside (tests/testing/descriptor_hygiene.h):
// /proc/self/fd, fcntl(F_GETFD), a real child's /proc/<pid>/fd, and claims
// tested by binding their abstract names with plain system calls.

#include "tests/testing/descriptor_hygiene.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/glue/default_allocator.h"
#include "gtest_port/internal/platform/claim.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "gtest_port/internal/engine/config.h"
#include "tests/testing/mock_system.h"
#include "tests/testing/private_range.h"
#include "tests/testing/subprocess.h"

namespace gtest_port {
namespace {

using ::gtest_port_internal::Config;
using ::gtest_port_internal::PortAllocator;
using ::gtest_port_internal::System;
using ::gtest_port_internal::UniqueFd;
using ::gtest_port_testing::ExitInfo;
using ::gtest_port_testing::HelperPath;
using ::gtest_port_testing::IsClaimed;
using ::gtest_port_testing::IsCloseOnExec;
using ::gtest_port_testing::IsDefaultClaimTarget;
using ::gtest_port_testing::IsLockFileClaimed;
using ::gtest_port_testing::MockSystem;
using ::gtest_port_testing::NewDescriptors;
using ::gtest_port_testing::OpenDescriptors;
using ::gtest_port_testing::PrivateRange;
using ::gtest_port_testing::SocketInode;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// An allocator over `range` that makes its system calls through `system`;
// claims by lock files in `lock_dir` when it is given.
std::shared_ptr<PortAllocator> MakeAllocator(
    const PrivateRange& range, System& system,
    const std::optional<std::string>& lock_dir = std::nullopt) {
  Options options;
  options.range = range.range();
  options.shard_index = 0;
  options.total_shards = 1;
  options.lock_dir = lock_dir;
#if __has_include("gtest_port/internal/engine/portserver_client.h")
  options.portserver_address = "";  // Whatever PORTSERVER_ADDRESS says.
#endif
  // The claimer and prober the allocator makes use `system`; the platform
  // itself is not needed afterwards.
  const std::unique_ptr<gtest_port_internal::Platform> platform =
      gtest_port_internal::MakePosixPlatform(system);
  absl::StatusOr<Config> config = gtest_port_internal::ResolveConfig(
      options, *platform, gtest_port_internal::MapEnvironment({}));
  EXPECT_TRUE(config.ok()) << config.status();
  if (!config.ok()) return nullptr;
  return PortAllocator::Create(*std::move(config), *platform);
}

std::string LockDir() {
  return ::testing::TempDir() + "gtest_port_descriptor_hygiene_locks";
}

// Every descriptor the engine asks the system for -- claim sockets, lock
// files, probe sockets, however briefly held -- is close-on-exec the moment
// it exists. The mock hands out real descriptors and looks at each.
class EveryOpenedDescriptorTest
    : public ::testing::TestWithParam<gtest_port_internal::ClaimMechanism> {};

TEST_P(EveryOpenedDescriptorTest, IsCloseOnExecFromTheStart) {
  ::testing::NiceMock<MockSystem> system;
  System& real = System::Real();
  std::vector<std::string> opened;
  std::vector<std::string> inheritable;
  auto look = [&](int fd, const std::string& what) {
    if (fd < 0) return;
    opened.push_back(what);
    if (!IsCloseOnExec(fd)) inheritable.push_back(what);
  };
  ON_CALL(system, Socket)
      .WillByDefault([&](int domain, int type, int protocol) {
        const int fd = real.Socket(domain, type, protocol);
        look(fd, absl::StrCat("socket(", domain, ", ", type, ")"));
        return fd;
      });
  ON_CALL(system, Open)
      .WillByDefault([&](const char* path, int flags, mode_t mode) {
        const int fd = real.Open(path, flags, mode);
        look(fd, absl::StrCat("open(", path, ")"));
        return fd;
      });

  if (!gtest_port_internal::kLinuxBackend &&
      GetParam() == gtest_port_internal::ClaimMechanism::kAbstractSocket) {
    GTEST_SKIP() << "abstract sockets are Linux's; the portable POSIX "
                    "back-end claims by lock files only";
  }
  PrivateRange range(8);
  const bool lock_files =
      GetParam() == gtest_port_internal::ClaimMechanism::kLockFile;
  auto allocator = MakeAllocator(
      range, system,
      lock_files ? std::optional<std::string>(LockDir()) : std::nullopt);
  ASSERT_NE(allocator, nullptr);
  ASSERT_EQ(allocator->config().lock_dir.empty(),
            GetParam() == gtest_port_internal::ClaimMechanism::kAbstractSocket);
  {
    absl::StatusOr<gtest_port_internal::Reservation> single = allocator->Reserve(1);
    ASSERT_TRUE(single.ok()) << single.status();
    absl::StatusOr<gtest_port_internal::Reservation> block = allocator->Reserve(3);
    ASSERT_TRUE(block.ok()) << block.status();
  }
  // 4 claims, each probed with a TCP and a UDP socket.
  EXPECT_GE(opened.size(), 12u);
  EXPECT_THAT(inheritable, ::testing::IsEmpty())
      << "descriptors opened without close-on-exec";
}

INSTANTIATE_TEST_SUITE_P(
    Mechanisms, EveryOpenedDescriptorTest,
    ::testing::Values(gtest_port_internal::ClaimMechanism::kAbstractSocket,
                      gtest_port_internal::ClaimMechanism::kLockFile),
    [](const auto& info) {
      return info.param == gtest_port_internal::ClaimMechanism::kAbstractSocket
                 ? "AbstractSocket"
                 : "LockFile";
    });

// While reservations are held -- through Reserve(), ReserveBlock() and a
// PortFixture -- every descriptor this process gained since is
// close-on-exec: the claims and anything else the library keeps open (such
// as the table it publishes its reservations in).
class HeldDescriptorsTest : public PortFixture {};

TEST_F(HeldDescriptorsTest, AreAllCloseOnExecWhileReservationsAreHeld) {
  const std::map<int, std::string> before = OpenDescriptors();
  absl::StatusOr<PortReservation> single = gtest_port::Reserve();
  ASSERT_TRUE(single.ok()) << single.status();
  absl::StatusOr<PortReservation> block = gtest_port::ReserveBlock(3);
  ASSERT_TRUE(block.ok()) << block.status();
  ASSERT_NE(ReservePort(), 0);

  const std::map<int, std::string> added = NewDescriptors(before);
  int claims = 0;
  for (const auto& [fd, target] : added) {
    EXPECT_TRUE(IsCloseOnExec(fd)) << "fd " << fd << " -> " << target;
    if (IsDefaultClaimTarget(target)) ++claims;
  }
  EXPECT_GE(claims, 5) << "expected one claim descriptor per reserved port";
}

// Each descriptor's inode, for the sockets among `fds`.
std::set<uint64_t> SocketInodes(const std::map<int, std::string>& fds) {
  std::set<uint64_t> inodes;
  for (const auto& [fd, target] : fds) {
    if (std::optional<uint64_t> inode = SocketInode(target)) {
      inodes.insert(*inode);
    }
  }
  return inodes;
}

// The socket inodes a real child process holds: /bin/sh lists its own
// /proc/<pid>/fd ("... 3 -> socket:[123]") after inheriting whatever this
// process did not mark close-on-exec.
std::set<uint64_t> ChildSocketInodes(std::string* listing) {
  absl::StatusOr<ExitInfo> child = gtest_port_testing::Run(
      {"/bin/sh", "-c", "ls -l /proc/$$/fd"}, {}, absl::Seconds(30));
  EXPECT_TRUE(child.ok()) << child.status();
  if (!child.ok()) return {};
  EXPECT_EQ(child->exit_code, 0) << child->output;
  *listing = child->output;
  std::set<uint64_t> inodes;
  for (absl::string_view line : absl::StrSplit(child->output, '\n')) {
    const size_t arrow = line.find(" -> ");
    if (arrow == absl::string_view::npos) continue;
    if (std::optional<uint64_t> inode = SocketInode(line.substr(arrow + 4))) {
      inodes.insert(*inode);
    }
  }
  return inodes;
}

TEST(ChildProcessTest, InheritsNoClaimSocket) {
  if (!gtest_port_internal::kLinuxBackend) {
    GTEST_SKIP() << "claim sockets are Linux's; the portable POSIX back-end "
                    "claims by lock files (InheritsNoLockFileClaim)";
  }
  const std::map<int, std::string> before = OpenDescriptors();
  absl::StatusOr<PortReservation> single = gtest_port::Reserve();
  ASSERT_TRUE(single.ok()) << single.status();
  absl::StatusOr<PortReservation> block = ReserveBlock(2);
  ASSERT_TRUE(block.ok()) << block.status();
  const std::set<uint64_t> claims = SocketInodes(NewDescriptors(before));
  ASSERT_GE(claims.size(), 3u);

  // The control: a socket deliberately left inheritable must show up in the
  // child, or the check below could never fail.
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  UniqueFd inheritable(pair[0]);
  UniqueFd other_end(pair[1]);
  ::fcntl(other_end.get(), F_SETFD, FD_CLOEXEC);
  const std::set<uint64_t> control =
      SocketInodes({{inheritable.get(), OpenDescriptors()[inheritable.get()]}});
  ASSERT_EQ(control.size(), 1u);

  std::string listing;
  const std::set<uint64_t> in_child = ChildSocketInodes(&listing);
  EXPECT_TRUE(in_child.count(*control.begin()))
      << "the inheritable control socket is missing in the child:\n"
      << listing;
  for (uint64_t claim : claims) {
    EXPECT_EQ(in_child.count(claim), 0u)
        << "the child inherited claim socket " << claim << ":\n"
        << listing;
  }
  // The claims are still ours while the child ran and after.
  EXPECT_TRUE(IsClaimed(single->port()));
  EXPECT_TRUE(IsClaimed((*block)[1]));
}

TEST(ChildProcessTest, InheritsNoLockFileClaim) {
  PrivateRange range(4);
  auto allocator = MakeAllocator(range, System::Real(), LockDir());
  ASSERT_NE(allocator, nullptr);
  absl::StatusOr<gtest_port_internal::Reservation> held = allocator->Reserve(2);
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_TRUE(IsLockFileClaimed(LockDir(), held->port()));
  // The control: a file deliberately left inheritable shows up in the child.
  const std::string control = LockDir() + "/inheritable.control";
  UniqueFd inheritable(::open(control.c_str(), O_RDWR | O_CREAT, 0600));
  ASSERT_TRUE(inheritable.valid());

  absl::StatusOr<ExitInfo> child = gtest_port_testing::Run(
      {"/bin/sh", "-c", "ls -l /proc/$$/fd"}, {}, absl::Seconds(30));
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(child->exit_code, 0) << child->output;
  EXPECT_THAT(child->output, HasSubstr("inheritable.control")) << child->output;
  EXPECT_THAT(child->output, Not(HasSubstr(".lock")))
      << "the child inherited a lock-file claim";
}

#if __has_include("gtest_port/internal/engine/portserver_client.h")
// A port server in a thread of this process that, while a request is open,
// looks at every descriptor this process gained since `baseline`: the
// library's connection to the server is one of them.
class InspectingPortServer {
 public:
  InspectingPortServer(std::map<int, std::string> baseline, uint16_t port)
      : baseline_(std::move(baseline)),
        port_(port),
        address_(absl::StrCat("@gtest_port_descriptor_hygiene_", ::getpid())) {
    listener_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path + 1, address_.data() + 1, address_.size() - 1);
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                            address_.size());
    ok_ =
        ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
        ::listen(listener_.get(), 4) == 0;
    // The listener itself is close-on-exec; leave it out of what is looked
    // at.
    baseline_[listener_.get()] = OpenDescriptors()[listener_.get()];
    if (ok_) thread_ = std::thread([this] { Serve(); });
  }
  ~InspectingPortServer() {
    ::shutdown(listener_.get(), SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
  }

  bool ok() const { return ok_; }
  const std::string& address() const { return address_; }
  // What the server saw: descriptors gained since the baseline and which of
  // them were inheritable.
  std::vector<std::string> seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }
  std::vector<std::string> inheritable() {
    absl::MutexLock lock(&mu_);
    return inheritable_;
  }

 private:
  void Serve() {
    UniqueFd connection(
        ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!connection.valid()) return;
    char request[64];
    if (::read(connection.get(), request, sizeof(request)) <= 0) return;
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [fd, target] : NewDescriptors(baseline_)) {
        if (fd == connection.get()) continue;  // Ours, accepted CLOEXEC.
        seen_.push_back(absl::StrCat(fd, " -> ", target));
        if (!IsCloseOnExec(fd)) inheritable_.push_back(seen_.back());
      }
    }
    const std::string reply = absl::StrCat(port_, "\n");
    (void)!::write(connection.get(), reply.data(), reply.size());
  }

  std::map<int, std::string> baseline_;
  const uint16_t port_;
  const std::string address_;
  UniqueFd listener_;
  bool ok_ = false;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<std::string> seen_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> inheritable_ ABSL_GUARDED_BY(mu_);
};

TEST(PortServerConnectionTest, IsCloseOnExec) {
  PrivateRange pool(1);
  PrivateRange local(4);
  InspectingPortServer server(OpenDescriptors(), pool.first());
  ASSERT_TRUE(server.ok());
  Options options;
  options.range = local.range();
  options.shard_index = 0;
  options.total_shards = 1;
  options.portserver_address = server.address();
  options.portserver_timeout = absl::Seconds(20);
  absl::StatusOr<Config> config = gtest_port_internal::ResolveConfig(
      options, gtest_port_internal::RealPlatform(),
      gtest_port_internal::MapEnvironment({}));
  ASSERT_TRUE(config.ok()) << config.status();
  auto allocator =
      PortAllocator::Create(*std::move(config),
                                gtest_port_internal::RealPlatform());
  absl::StatusOr<gtest_port_internal::Reservation> r = allocator->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->port(), pool.first()) << "the port did not come from the server";
  EXPECT_THAT(server.seen(), Not(::testing::IsEmpty()))
      << "the server saw no connection descriptor";
  EXPECT_THAT(server.inheritable(), ::testing::IsEmpty());
}
#endif  // portserver_client.h

// Reserve and release, 10,000 times, through every public path and the
// failure path: afterwards the process has exactly the descriptors it had.
TEST(DescriptorCountTest, TenThousandReserveReleaseCyclesLeaveItUnchanged) {
  PrivateRange tiny(1);
  auto exhausted = MakeAllocator(tiny, System::Real());
  ASSERT_NE(exhausted, nullptr);
  absl::StatusOr<gtest_port_internal::Reservation> blocker = exhausted->Reserve(1);
  ASSERT_TRUE(blocker.ok()) << blocker.status();
  {
    // Warm-up: whatever the library opens once per process (e.g. the table
    // it publishes reservations in) is opened now, before the baseline.
    absl::StatusOr<PortReservation> first = Reserve();
    ASSERT_TRUE(first.ok()) << first.status();
  }
  const std::map<int, std::string> before = OpenDescriptors();

  constexpr int kCycles = 10000;
  int failures_seen = 0;
  for (int i = 0; i < kCycles; ++i) {
    absl::StatusOr<PortReservation> r;
    switch (i % 4) {
      case 0:
      case 1:
        r = Reserve();
        break;
      case 2:
        r = ReserveBlock(3);
        break;
      default:
        // Fails: the only port is held.
        ASSERT_FALSE(exhausted->Reserve(1).ok());
        ++failures_seen;
        continue;
    }
    ASSERT_TRUE(r.ok()) << "cycle " << i << ": " << r.status();
    // Moving it around must not duplicate or lose its descriptors.
    PortReservation moved = *std::move(r);
    PortReservation again = std::move(moved);
    ASSERT_GT(again.size(), 0);
  }
  EXPECT_EQ(failures_seen, kCycles / 4);
  const std::map<int, std::string> after = OpenDescriptors();
  // The same descriptor numbers: what they link to may change under us
  // (the test runner renames or deletes the log file it left open here).
  auto numbers = [](const std::map<int, std::string>& fds) {
    std::set<int> keys;
    for (const auto& [fd, target] : fds) keys.insert(fd);
    return keys;
  };
  EXPECT_EQ(numbers(after), numbers(before))
      << "descriptors were leaked or lost; before:\n"
      << ::testing::PrintToString(before) << "\nafter:\n"
      << ::testing::PrintToString(after);
}

// The soft RLIMIT_NOFILE lowered so that only a few more descriptors can be
// opened; restored when the test ends, however it ends.
//
// While the limit is low, nothing but the code under test may need a
// descriptor -- not even the sanitizers: UndefinedBehaviorSanitizer checks
// a call on a polymorphic type through a pipe the first time it meets that
// type, and reports a false error when it cannot make one. So each test runs
// the exact code path once before lowering the limit (its types are then
// known), and no GoogleTest assertion runs until the limit is restored.
class LowDescriptorLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved_), 0);
    // One reservation first: whatever the library opens once per process
    // is opened before the limit, and the success path has run once.
    absl::StatusOr<PortReservation> first = Reserve();
    ASSERT_TRUE(first.ok()) << first.status();
  }
  void TearDown() override { RestoreLimit(); }

  // Leaves room for exactly `spare` more descriptors: the limit is the
  // (spare+1)-th unused descriptor number, since a new descriptor takes the
  // lowest unused number below the limit. False when setrlimit failed.
  bool LowerLimit(int spare) {
    const std::map<int, std::string> open = OpenDescriptors();
    int limit = 0;
    for (int unused = 0;; ++limit) {
      if (open.count(limit) != 0) continue;
      if (unused == spare) break;
      ++unused;
    }
    rlimit low = saved_;
    low.rlim_cur = static_cast<rlim_t>(limit);
    lowered_ = ::setrlimit(RLIMIT_NOFILE, &low) == 0;
    return lowered_;
  }

  void RestoreLimit() {
    if (!lowered_) return;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved_), 0);
    lowered_ = false;
  }

 private:
  rlimit saved_{};
  bool lowered_ = false;
};

TEST_F(LowDescriptorLimitTest, RunningOutIsResourceExhaustedSayingSo) {
  std::vector<PortReservation> held;
  held.reserve(200);
  absl::Status error;
  const bool lowered = LowerLimit(4);
  // The default range has thousands of free ports: descriptors run out
  // long before ports do.
  for (int i = 0; lowered && i < 200 && error.ok(); ++i) {
    absl::StatusOr<PortReservation> r = Reserve();
    if (r.ok()) {
      held.push_back(*std::move(r));
    } else {
      error = r.status();
    }
  }
  RestoreLimit();
  ASSERT_TRUE(lowered) << "setrlimit(RLIMIT_NOFILE)";

  ASSERT_FALSE(error.ok()) << "200 reservations with 4 spare descriptors";
  EXPECT_LT(held.size(), 5u);
  EXPECT_EQ(error.code(), absl::StatusCode::kResourceExhausted) << error;
  EXPECT_THAT(error.message(),
              AllOf(HasSubstr("out of file descriptors"),
                    HasSubstr("ulimit -n"), Not(HasSubstr("no free port"))))
      << error;
  // What was reserved before the limit hit is still held, and usable.
  for (const PortReservation& r : held) EXPECT_TRUE(IsClaimed(r.port()));
}

// A PortFixture driven by hand, to watch ReservePort() fail.
class HandDrivenFixture : public PortFixture {
 public:
  void TestBody() override {}
  uint16_t Reserve() { return ReservePort(); }
};

TEST_F(LowDescriptorLimitTest, PortFixtureFailsTheTestSayingSo) {
  HandDrivenFixture fixture;
  ::testing::TestPartResultArray failures;
  using Reporter = ::testing::ScopedFakeTestPartResultReporter;

  // The failure path once, failing for another reason: a one-port range
  // whose port is already held.
  PrivateRange one(1);
  Options options;
  options.range = one.range();
  options.shard_index = 0;
  options.total_shards = 1;
  ASSERT_TRUE(gtest_port_internal::InstallDefaultAllocator(options).ok());
  struct RestoreDefault {
    ~RestoreDefault() {
      EXPECT_TRUE(gtest_port_internal::InstallDefaultAllocator(Options()).ok());
    }
  };
  std::optional<RestoreDefault> restore_default(std::in_place);
  uint16_t held = 0;
  uint16_t none = 1;
  {
    Reporter reporter(Reporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    held = fixture.Reserve();
    none = fixture.Reserve();
  }
  restore_default.reset();
  ASSERT_EQ(held, one.first());
  ASSERT_EQ(none, 0);
  ASSERT_EQ(failures.size(), 1);
  EXPECT_THAT(failures.GetTestPartResult(0).message(),
              HasSubstr("no free port"));

  // Now out of descriptors, in the default range.
  uint16_t port = 1;
  bool lowered = false;
  {
    Reporter reporter(Reporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    lowered = LowerLimit(1);  // The claim, but not its probe.
    if (lowered) port = fixture.Reserve();
    RestoreLimit();
  }
  ASSERT_TRUE(lowered) << "setrlimit(RLIMIT_NOFILE)";
  EXPECT_EQ(port, 0);
  ASSERT_EQ(failures.size(), 2);
  EXPECT_TRUE(failures.GetTestPartResult(1).fatally_failed());
  EXPECT_THAT(failures.GetTestPartResult(1).message(),
              AllOf(HasSubstr("RESOURCE_EXHAUSTED"),
                    HasSubstr("out of file descriptors"),
                    Not(HasSubstr("no free port"))));
}

// The same from a real process started with a low `ulimit -n`, as a CI job
// with a small limit would run it.
TEST(LowDescriptorLimitProcessTest, HolderReportsOutOfFileDescriptors) {
  absl::StatusOr<ExitInfo> run = gtest_port_testing::Run(
      {"/bin/sh", "-c", "ulimit -n 16 && exec \"$0\" --count=64 --warm-up",
       HelperPath("port_holder")},
      {"GTEST_PORT_RANGE", "GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS",
       "GTEST_PORT_LOCK_DIR", "PORTSERVER_ADDRESS"},
      absl::Seconds(60));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->term_signal, 0) << run->output;
  EXPECT_EQ(run->exit_code, 3) << run->output;
  EXPECT_THAT(run->output, AllOf(HasSubstr("ERROR RESOURCE_EXHAUSTED"),
                                 HasSubstr("out of file descriptors"),
                                 Not(HasSubstr("no free port"))));
}

}  // namespace
}  // namespace gtest_port
