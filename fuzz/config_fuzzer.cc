// Fuzz target for the whole configuration: gtest_port_internal::ResolveConfig
// reading GTEST_PORT_RANGE, GTEST_SHARD_INDEX, GTEST_TOTAL_SHARDS,
// GTEST_PORT_VERBOSE, /proc/sys/net/ipv4/ip_local_port_range and
// PORTSERVER_ADDRESS, all taken from the fuzz input.
//
// Input: up to six fields separated by NUL bytes, in that order. A missing
// field, or one that is exactly "\x7f", leaves the variable unset (for the
// /proc field: the file cannot be read; missing: it does not exist).
// GTEST_PORT_LOCK_DIR is never set: it creates directories.
//
// Invariants. A resolved Config has a valid range, a shard 0 <= index <
// total, the slice the documented arithmetic gives (shard i of n owns
// [lo + i*span, lo + (i+1)*span), span = size / n), at least one candidate,
// every candidate inside the slice and outside the ephemeral range, and a
// warning whenever the range overlaps the ephemeral range. A rejected one is
// InvalidArgument with a printable message that names what was wrong.

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "gtest_port/internal/engine/config.h"
#include "gtest_port/internal/port_range.h"
#include "gtest_port/internal/engine/environment.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "gtest_port/internal/platform/system.h"

namespace {

using gtest_port_internal::Config;
using gtest_port_internal::FormatPortRange;
using gtest_port_internal::PortRange;

constexpr absl::string_view kUnset = "\x7f";
constexpr absl::string_view kEphemeralFile =
    "/proc/sys/net/ipv4/ip_local_port_range";

// Only ReadFile is reached by ResolveConfig without a lock directory;
// everything else fails.
class FuzzSystem final : public gtest_port_internal::System {
 public:
  explicit FuzzSystem(absl::StatusOr<std::string> ephemeral)
      : ephemeral_(std::move(ephemeral)) {}
  int Socket(int, int, int) override { return Fail(); }
  int Bind(int, const sockaddr*, socklen_t) override { return Fail(); }
  int Listen(int, int) override { return Fail(); }
  int SetSockOpt(int, int, int, const void*, socklen_t) override {
    return Fail();
  }
  int Open(const char*, int, mode_t) override { return Fail(); }
  int Flock(int, int) override { return Fail(); }
  int Connect(int, const sockaddr*, socklen_t) override { return Fail(); }
  int GetSockOpt(int, int, int, void*, socklen_t*) override { return Fail(); }
  int Poll(pollfd*, nfds_t, int) override { return Fail(); }
  ssize_t Send(int, const void*, size_t, int) override { return Fail(); }
  ssize_t Recv(int, void*, size_t, int) override { return Fail(); }
  int Mkdir(const char*, mode_t) override { return Fail(); }
  int Chmod(const char*, mode_t) override { return Fail(); }
  int Lstat(const char*, struct stat*) override { return Fail(); }
  int Fstat(int, struct stat*) override { return Fail(); }
  int Fchmod(int, mode_t) override { return Fail(); }
  int Ftruncate(int, off_t) override { return Fail(); }
  ssize_t Pwrite(int, const void*, size_t, off_t) override { return Fail(); }
  int Access(const char*, int) override { return Fail(); }
  uid_t Geteuid() override { return 0; }
  absl::StatusOr<std::string> ReadFile(absl::string_view path) override {
    if (path != kEphemeralFile) return absl::NotFoundError(path);
    return ephemeral_;
  }

 private:
  static int Fail() {
    errno = ENOSYS;
    return -1;
  }
  absl::StatusOr<std::string> ephemeral_;
};

bool Printable(absl::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const std::vector<absl::string_view> fields =
      absl::StrSplit(input, absl::ByChar('\0'));
  static const char* const kNames[] = {"GTEST_PORT_RANGE", "GTEST_SHARD_INDEX",
                                       "GTEST_TOTAL_SHARDS",
                                       "GTEST_PORT_VERBOSE"};
  std::map<std::string, std::string> env;
  for (size_t i = 0; i < 4 && i < fields.size(); ++i) {
    if (fields[i] != kUnset) env[kNames[i]] = std::string(fields[i]);
  }
  absl::StatusOr<std::string> proc = absl::NotFoundError("no such file");
  if (fields.size() > 4) {
    proc = fields[4] == kUnset ? absl::StatusOr<std::string>(
                                     absl::PermissionDeniedError("unreadable"))
                               : std::string(fields[4]);
  }
  if (fields.size() > 5 && fields[5] != kUnset) {
    env["PORTSERVER_ADDRESS"] = std::string(fields[5]);
  }
  FuzzSystem system(proc);
  const std::unique_ptr<gtest_port_internal::Platform> platform =
      gtest_port_internal::MakePosixPlatform(system);

  const absl::StatusOr<Config> config = gtest_port_internal::ResolveConfig(
      {}, *platform, gtest_port_internal::MapEnvironment(std::move(env)));
  if (!config.ok()) {
    const std::string answer = config.status().ToString();
    FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument,
               input, answer);
    FUZZ_CHECK(!config.status().message().empty(), input, answer);
    FUZZ_CHECK(Printable(config.status().message()), input, answer);
    return 0;
  }

  const Config& c = *config;
  const std::string answer =
      absl::StrCat("range ", FormatPortRange(c.range), " shard ", c.shard.index,
                   "/", c.shard.total, " slice ", FormatPortRange(c.slice()),
                   " candidates ", c.candidates.size());
  FUZZ_CHECK(1024 <= c.range.first && c.range.first <= c.range.last, input,
             answer);
  FUZZ_CHECK(0 <= c.shard.index && c.shard.index < c.shard.total, input,
             answer);
  const int span = c.range.size() / c.shard.total;
  FUZZ_CHECK(span >= 1, input, answer);
  FUZZ_CHECK(c.slice().first == c.range.first + c.shard.index * span, input,
             answer);
  FUZZ_CHECK(c.slice().size() == span, input, answer);
  FUZZ_CHECK(c.slice().last <= c.range.last, input, answer);
  FUZZ_CHECK(c.lock_dir.empty(), input, answer);

  // Candidates: non-empty, ascending, inside the slice, outside the
  // ephemeral range and not a port browsers refuse, as many as the slice
  // minus the overlap and minus the unsafe ports outside it.
  const int n = c.candidates.size();
  FUZZ_CHECK(n >= 1, input, answer);
  int overlap = 0;
  if (c.ephemeral.has_value()) {
    const int lo = std::max<int>(c.slice().first, c.ephemeral->first);
    const int hi = std::min<int>(c.slice().last, c.ephemeral->last);
    overlap = std::max(0, hi - lo + 1);
  }
  int unsafe = 0;
  for (const uint16_t port : gtest_port_internal::kUnsafePorts) {
    unsafe += c.slice().contains(port) &&
              !(c.ephemeral.has_value() && c.ephemeral->contains(port));
  }
  FUZZ_CHECK(static_cast<int>(c.candidates.skipped_unsafe().size()) == unsafe,
             input, answer);
  FUZZ_CHECK(n == c.slice().size() - overlap - unsafe, input, answer);
  FUZZ_CHECK(c.candidates.BlockCount(1) == n, input, answer);
  // A sample of indices, so that one input stays cheap however large the
  // slice: both ends, the middle and around the ephemeral hole.
  std::vector<int> sample = {0, n / 2, n - 1};
  if (c.ephemeral.has_value()) {
    const int before = c.ephemeral->first - c.slice().first;
    for (int i : {before - 1, before, before + 1}) {
      if (i >= 0 && i < n) sample.push_back(i);
    }
  }
  std::sort(sample.begin(), sample.end());
  int previous_port = -1;
  for (int i : sample) {
    const int port = c.candidates.port(i);
    FUZZ_CHECK(c.slice().contains(port), input,
               absl::StrCat(answer, "; port(", i, ") = ", port));
    FUZZ_CHECK(!c.ephemeral.has_value() || !c.ephemeral->contains(port), input,
               absl::StrCat(answer, "; port(", i, ") = ", port));
    FUZZ_CHECK(!gtest_port_internal::IsUnsafePort(port), input,
               absl::StrCat(answer, "; port(", i, ") = ", port));
    FUZZ_CHECK(c.candidates.BlockStart(i, 1) == port, input, answer);
    FUZZ_CHECK(port >= previous_port, input, answer);  // Equal: same index.
    previous_port = port;
  }

  // Overlap with the ephemeral range is always reported.
  if (c.ephemeral.has_value() && c.range.first <= c.ephemeral->last &&
      c.range.last >= c.ephemeral->first) {
    bool warned = false;
    for (const std::string& w : c.warnings) {
      warned |= absl::StrContains(w, "ephemeral");
    }
    FUZZ_CHECK(warned, input, answer);
  }
  for (const std::string& w : c.warnings) {
    FUZZ_CHECK(Printable(w), input, w);
  }

  // A port server address is used only once validated.
  const std::string want_address =
      fields.size() > 5 && fields[5] != kUnset ? std::string(fields[5]) : "";
  FUZZ_CHECK(c.portserver_address == want_address, input, c.portserver_address);
  FUZZ_CHECK(
      c.portserver_address.empty() ||
          gtest_port_internal::ValidatePortServerAddress(c.portserver_address)
              .ok(),
      input, c.portserver_address);
  return 0;
}
