#include "gtest_port/internal/config.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gtest_port_internal {
namespace {

constexpr char kRangeVar[] = "GTEST_PORT_RANGE";
constexpr char kLockDirVar[] = "GTEST_PORT_LOCK_DIR";
constexpr char kVerboseVar[] = "GTEST_PORT_VERBOSE";
constexpr char kPortServerVar[] = "PORTSERVER_ADDRESS";
constexpr char kShardIndexVar[] = "GTEST_SHARD_INDEX";
constexpr char kTotalShardsVar[] = "GTEST_TOTAL_SHARDS";
constexpr char kEphemeralFile[] = "/proc/sys/net/ipv4/ip_local_port_range";

// The value is quoted escaped, so that a control byte or newline in it
// cannot garble the one-line message.
absl::Status VariableError(absl::string_view variable, absl::string_view value,
                           absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(variable, "=", absl::CHexEscape(value), ": ", problem));
}

// GoogleTest's own reading of GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS: a 32-bit
// decimal integer, unset meaning "no sharding". GoogleTest has already
// rejected malformed values by the time a test environment is set up; this
// repeats the check for callers outside a GoogleTest run.
absl::StatusOr<std::optional<int>> ShardVariable(GetEnvFunction getenv_fn,
                                                 const char* name) {
  const char* value = getenv_fn(name);
  if (value == nullptr) return std::optional<int>();
  int parsed = 0;
  if (!absl::SimpleAtoi(value, &parsed)) {
    return VariableError(name, value, "not an integer");
  }
  return std::optional<int>(parsed);
}

absl::StatusOr<ShardSpec> ResolveShard(const gtest_port::Options& options,
                                       GetEnvFunction getenv_fn) {
  absl::StatusOr<std::optional<int>> index =
      ShardVariable(getenv_fn, kShardIndexVar);
  if (!index.ok()) return index.status();
  absl::StatusOr<std::optional<int>> total =
      ShardVariable(getenv_fn, kTotalShardsVar);
  if (!total.ok()) return total.status();
  if (options.shard_index.has_value()) *index = options.shard_index;
  if (options.total_shards.has_value()) *total = options.total_shards;
  if (index->has_value() != total->has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "only one of ", kShardIndexVar, " and ", kTotalShardsVar,
        " is set; set both (0 <= index < total) or neither"));
  }
  if (!index->has_value()) return ShardSpec{};
  return ShardSpec{**index, **total};
}

absl::StatusOr<bool> ResolveVerbose(const gtest_port::Options& options,
                                    GetEnvFunction getenv_fn) {
  if (options.verbose.has_value()) return *options.verbose;
  const char* value = getenv_fn(kVerboseVar);
  if (value == nullptr || *value == '\0') return false;
  bool verbose = false;
  if (!absl::SimpleAtob(value, &verbose)) {
    return VariableError(kVerboseVar, value,
                         "not a boolean; expected 1/0, true/false, yes/no");
  }
  return verbose;
}

// Options::portserver_address wins over PORTSERVER_ADDRESS; "" means none.
absl::Status ResolvePortServer(const gtest_port::Options& options,
                               GetEnvFunction getenv_fn, Config& config) {
  std::string address;
  std::string what;
  if (options.portserver_address.has_value()) {
    address = *options.portserver_address;
    what = absl::StrCat("Options::portserver_address \"",
                        absl::CHexEscape(address), "\"");
  } else if (const char* value = getenv_fn(kPortServerVar); value != nullptr) {
    address = value;
    what = absl::StrCat(kPortServerVar, "=", absl::CHexEscape(address));
  }
  if (!address.empty()) {
    absl::Status valid = ValidatePortServerAddress(address);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": ", valid.message()));
    }
  }
  if (options.portserver_timeout.has_value()) {
    const absl::Duration timeout = *options.portserver_timeout;
    if (timeout <= absl::ZeroDuration() ||
        timeout == absl::InfiniteDuration()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Options::portserver_timeout ", absl::FormatDuration(timeout),
          " is invalid; expected a finite duration > 0, e.g. "
          "absl::Seconds(2)"));
    }
    config.portserver_timeout = timeout;
  }
  config.portserver_address = std::move(address);
  return absl::OkStatus();
}

// Makes sure `dir` is a directory every test process can lock files in.
absl::Status PrepareLockDir(const std::string& dir, bool from_env) {
  const std::string what =
      from_env ? absl::StrCat(kLockDirVar, "=", dir) : absl::StrCat("lock_dir ", dir);
  if (dir.empty() || dir[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected an absolute directory path"));
  }
  if (::mkdir(dir.c_str(), 01777) == 0) {
    ::chmod(dir.c_str(), 01777);  // Shared like /tmp; umask must not narrow it.
  } else if (errno != EEXIST) {
    return absl::ErrnoToStatus(errno, absl::StrCat(what, ": mkdir"));
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": exists but is not a directory"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Config> ResolveConfig(const gtest_port::Options& options,
                                     System& system, GetEnvFunction getenv_fn) {
  Config config;

  // Range.
  if (options.range.has_value()) {
    const PortRange r = *options.range;
    if (r.first < kMinPort || r.first > r.last) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Options::range ", FormatPortRange(r), " is invalid; expected ",
          kRangeSyntax));
    }
    config.range = r;
  } else if (const char* value = getenv_fn(kRangeVar);
             value != nullptr && *value != '\0') {
    absl::StatusOr<PortRange> parsed = ParsePortRange(value);
    if (!parsed.ok()) {
      return VariableError(kRangeVar, value, parsed.status().message());
    }
    config.range = *parsed;
  } else {
    config.range = gtest_port::kDefaultPortRange;
  }

  // Shard and slice.
  absl::StatusOr<ShardSpec> shard = ResolveShard(options, getenv_fn);
  if (!shard.ok()) return shard.status();
  config.shard = *shard;
  absl::StatusOr<PortRange> slice = ShardSlice(config.range, config.shard);
  if (!slice.ok()) return slice.status();

  // The kernel's ephemeral range: ports it may give to outgoing connections.
  absl::StatusOr<std::string> ephemeral_text = system.ReadFile(kEphemeralFile);
  if (ephemeral_text.ok()) {
    absl::StatusOr<PortRange> ephemeral = ParseKernelPortRange(*ephemeral_text);
    if (ephemeral.ok()) {
      config.ephemeral = *ephemeral;
    } else {
      config.warnings.push_back(absl::StrCat(
          "cannot read the ephemeral port range from ", kEphemeralFile, ": ",
          ephemeral.status().message(), "; no ports are skipped"));
    }
  } else if (!absl::IsNotFound(ephemeral_text.status())) {
    config.warnings.push_back(absl::StrCat(
        "cannot read the ephemeral port range: ",
        ephemeral_text.status().message(), "; no ports are skipped"));
  }
  config.candidates = CandidateSet(*slice, config.ephemeral);
  if (config.ephemeral.has_value() &&
      config.range.first <= config.ephemeral->last &&
      config.range.last >= config.ephemeral->first) {
    std::string warning = absl::StrFormat(
        "port range %s overlaps the kernel's ephemeral port range %s (%s), "
        "from which outgoing connections take their ports",
        FormatPortRange(config.range), FormatPortRange(*config.ephemeral),
        kEphemeralFile);
    if (const auto skipped = config.candidates.skipped()) {
      absl::StrAppend(&warning, "; this shard skips ports ",
                      FormatPortRange(*skipped));
    }
    absl::StrAppend(&warning, ". Choose a range outside it, e.g. ",
                    FormatPortRange(gtest_port::kDefaultPortRange));
    config.warnings.push_back(std::move(warning));
  }
  if (config.candidates.size() == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "shard %d of %d owns ports %s, all inside the kernel's ephemeral port "
        "range %s; set GTEST_PORT_RANGE to a range outside it, e.g. %s",
        config.shard.index, config.shard.total, FormatPortRange(*slice),
        FormatPortRange(*config.ephemeral),
        FormatPortRange(gtest_port::kDefaultPortRange)));
  }

  // Claim mechanism.
  std::optional<std::string> lock_dir = options.lock_dir;
  bool lock_dir_from_env = false;
  if (!lock_dir.has_value()) {
    if (const char* value = getenv_fn(kLockDirVar);
        value != nullptr && *value != '\0') {
      lock_dir = value;
      lock_dir_from_env = true;
    }
  }
#ifndef __linux__
  if (!lock_dir.has_value()) {
    const char* tmp = getenv_fn("TMPDIR");
    lock_dir = absl::StrCat(tmp != nullptr && *tmp == '/' ? tmp : "/tmp",
                            "/gtest_port");
  }
#endif
  if (lock_dir.has_value()) {
    absl::Status prepared = PrepareLockDir(*lock_dir, lock_dir_from_env);
    if (!prepared.ok()) return prepared;
    config.mechanism = ClaimMechanism::kLockFile;
    config.lock_dir = *lock_dir;
  }

  absl::Status portserver = ResolvePortServer(options, getenv_fn, config);
  if (!portserver.ok()) return portserver;

  absl::StatusOr<bool> verbose = ResolveVerbose(options, getenv_fn);
  if (!verbose.ok()) return verbose.status();
  config.verbose = *verbose;
  return config;
}

}  // namespace gtest_port_internal
