// Cross-process tests with real child processes (tests/testing/port_holder):
// the machine-wide claim is what keeps processes apart when nothing else
// does -- no shard variables, copies of one shard, a private /tmp -- and a
// killed holder's ports come back at once.

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/allocator.h"
#include "tests/testing/private_range.h"
#include "tests/testing/subprocess.h"

namespace gtest_port {
namespace {

using ::gtest_port_testing::HelperPath;
using ::gtest_port_testing::PrivateRange;
using ::gtest_port_testing::Subprocess;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::Duration kTimeout = absl::Seconds(30);

// Starts port_holder with `env`; it prints "PORT p"... then "READY", or
// "ERROR ...".
Subprocess StartHolder(const std::vector<std::string>& args,
                       const std::vector<std::string>& env) {
  std::vector<std::string> argv = {HelperPath("port_holder")};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<Subprocess> child = Subprocess::Start(argv, env);
  EXPECT_TRUE(child.ok()) << child.status();
  return *std::move(child);
}

// Reads the holder's ports up to "READY"; fails the test on "ERROR".
std::vector<int> ReadPorts(Subprocess& holder) {
  std::vector<int> ports;
  for (;;) {
    absl::StatusOr<std::string> line = holder.ReadLine(kTimeout);
    if (!line.ok()) {
      ADD_FAILURE() << line.status();
      return ports;
    }
    if (*line == "READY") return ports;
    int port = 0;
    if (absl::StartsWith(*line, "PORT ") &&
        absl::SimpleAtoi(line->substr(5), &port)) {
      ports.push_back(port);
      continue;
    }
    ADD_FAILURE() << "holder said: " << *line;
    return ports;
  }
}

// Shard variables removed: every process looks like "shard 0 of 1".
const std::vector<std::string> kNoShards = {"GTEST_SHARD_INDEX",
                                            "GTEST_TOTAL_SHARDS"};

std::vector<std::string> Env(std::vector<std::string> extra) {
  extra.insert(extra.end(), kNoShards.begin(), kNoShards.end());
  return extra;
}

TEST(MultiProcessTest, TwoProcessesContendingForOnePortExactlyOneWins) {
  PrivateRange range(1);
  for (int round = 0; round < 5; ++round) {
    Subprocess a = StartHolder({"--bind"}, Env({range.EnvEntry()}));
    Subprocess b = StartHolder({"--bind"}, Env({range.EnvEntry()}));
    absl::StatusOr<std::string> la = a.ReadLine(kTimeout);
    absl::StatusOr<std::string> lb = b.ReadLine(kTimeout);
    ASSERT_TRUE(la.ok() && lb.ok()) << la.status() << lb.status();
    const std::string port_line = absl::StrCat("PORT ", range.first());
    const int winners = (*la == port_line) + (*lb == port_line);
    EXPECT_EQ(winners, 1) << "a: " << *la << "\nb: " << *lb;
    const std::string& loser = *la == port_line ? *lb : *la;
    EXPECT_THAT(loser, StartsWith("ERROR RESOURCE_EXHAUSTED"));
    EXPECT_THAT(loser, HasSubstr("held by other gtest_port reservations"));
  }
}

TEST(MultiProcessTest, ProcessesWithoutShardVariablesGetDistinctPorts) {
  // What `ctest -j` with gtest_discover_tests does: many processes, all
  // "shard 0 of 1", all reserving at once from the same range.
  PrivateRange range(60);
  constexpr int kProcesses = 6;
  constexpr int kPorts = 8;
  std::vector<Subprocess> holders;
  for (int i = 0; i < kProcesses; ++i) {
    holders.push_back(StartHolder({absl::StrCat("--count=", kPorts), "--bind"},
                                  Env({range.EnvEntry()})));
  }
  std::map<int, int> owner;  // port -> process
  for (int i = 0; i < kProcesses; ++i) {
    for (int port : ReadPorts(holders[i])) {
      EXPECT_TRUE(range.range().contains(port)) << port;
      auto [it, fresh] = owner.emplace(port, i);
      EXPECT_TRUE(fresh) << "port " << port << " held by processes "
                         << it->second << " and " << i;
    }
  }
  EXPECT_EQ(owner.size(), size_t{kProcesses * kPorts});
}

TEST(MultiProcessTest, ConcurrentCopiesOfOneShardGetDistinctPortsInItsSlice) {
  // Two CI jobs running the same shard on one host.
  PrivateRange range(90);
  const std::vector<std::string> env = {range.EnvEntry(), "GTEST_SHARD_INDEX=1",
                                        "GTEST_TOTAL_SHARDS=3"};
  const int slice_first = range.first() + 30;
  std::vector<Subprocess> copies;
  for (int i = 0; i < 3; ++i) {
    copies.push_back(StartHolder({"--count=9", "--bind"}, env));
  }
  std::set<int> seen;
  for (Subprocess& copy : copies) {
    for (int port : ReadPorts(copy)) {
      EXPECT_GE(port, slice_first);
      EXPECT_LT(port, slice_first + 30);
      EXPECT_TRUE(seen.insert(port).second) << "port " << port << " shared";
    }
  }
  EXPECT_EQ(seen.size(), 27u);
}

TEST(MultiProcessTest, SigkilledHoldersPortIsReservableAtOnce) {
  PrivateRange range(1);
  Subprocess holder = StartHolder({"--bind"}, Env({range.EnvEntry()}));
  ASSERT_EQ(ReadPorts(holder), std::vector<int>{range.first()});
  auto allocator = range.Allocator();
  EXPECT_FALSE(allocator->Reserve(1).ok()) << "claim not held by the child";

  holder.Kill(SIGKILL);
  absl::StatusOr<gtest_port_testing::ExitInfo> exit = holder.Wait(kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->term_signal, SIGKILL);
  // No delay, no cleanup step: the kernel dropped the claim with the process.
  absl::StatusOr<gtest_port_internal::Reservation> r = allocator->Reserve(1);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->port(), range.first());
}

TEST(MultiProcessTest, LockFileClaimsKeepProcessesApartToo) {
  PrivateRange range(1);
  const std::string dir = ::testing::TempDir() + "gtest_port_multiprocess_locks";
  const std::vector<std::string> env =
      Env({range.EnvEntry(), "GTEST_PORT_LOCK_DIR=" + dir});
  Subprocess a = StartHolder({}, env);
  ASSERT_EQ(ReadPorts(a), std::vector<int>{range.first()});
  Subprocess b = StartHolder({}, env);
  absl::StatusOr<std::string> lb = b.ReadLine(kTimeout);
  ASSERT_TRUE(lb.ok()) << lb.status();
  EXPECT_THAT(*lb, StartsWith("ERROR RESOURCE_EXHAUSTED"));
  a.Kill(SIGKILL);
  ASSERT_TRUE(a.Wait(kTimeout).ok());
  Subprocess c = StartHolder({}, env);
  EXPECT_EQ(ReadPorts(c), std::vector<int>{range.first()});
}

// Can this process make a mount namespace with a private /tmp?
bool CanUnshareMount() {
  absl::StatusOr<gtest_port_testing::ExitInfo> probe = gtest_port_testing::Run(
      {"/usr/bin/unshare", "-m", "/bin/sh", "-c", "mount -t tmpfs none /tmp"},
      {}, kTimeout);
  return probe.ok() && probe->exit_code == 0;
}

TEST(MultiProcessTest, ChildWithAPrivateTmpStillSeesOurClaims) {
  // Newer Bazel gives every test its own /tmp; containers share the network
  // but not the file system. The claim lives in the network namespace, so a
  // process whose /tmp differs must still be kept off our ports.
  if (!CanUnshareMount()) {
    GTEST_SKIP() << "unshare -m with a tmpfs on /tmp is not permitted here "
                    "(needs CAP_SYS_ADMIN or user namespaces)";
  }
  PrivateRange range(1);
  auto allocator = range.Allocator();
  absl::StatusOr<gtest_port_internal::Reservation> ours = allocator->Reserve(1);
  ASSERT_TRUE(ours.ok()) << ours.status();

  const std::string marker =
      absl::StrCat("/tmp/gtest_port_private_tmp_marker_", ::getpid());
  std::ofstream(marker) << "visible only outside the private /tmp\n";
  // The holder binary may itself live under /tmp: open it before /tmp is
  // covered, then exec it through /proc/self/fd.
  const std::string script =
      "exec 3<\"$0\" && mount -t tmpfs none /tmp && "
      "if [ -e \"$1\" ]; then echo 'ERROR /tmp is not private'; exit 9; fi && "
      "exec /proc/self/fd/3";
  const std::vector<std::string> argv = {"/usr/bin/unshare", "-m",  "/bin/sh",
                                         "-c", script, HelperPath("port_holder"),
                                         marker};
  absl::StatusOr<Subprocess> child = Subprocess::Start(argv, Env({range.EnvEntry()}));
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<std::string> line = child->ReadLine(kTimeout);
  ::unlink(marker.c_str());
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_THAT(*line, StartsWith("ERROR RESOURCE_EXHAUSTED"))
      << "a process with a private /tmp was handed our port";

  // And once we release it, that process can have it.
  ours = absl::CancelledError("released");
  std::ofstream(marker) << "x\n";
  absl::StatusOr<Subprocess> again = Subprocess::Start(argv, Env({range.EnvEntry()}));
  ASSERT_TRUE(again.ok());
  absl::StatusOr<std::string> line2 = again->ReadLine(kTimeout);
  ::unlink(marker.c_str());
  ASSERT_TRUE(line2.ok()) << line2.status();
  EXPECT_EQ(*line2, absl::StrCat("PORT ", range.first()));
}

}  // namespace
}  // namespace gtest_port
