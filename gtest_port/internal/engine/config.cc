#include "gtest_port/internal/engine/config.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"

namespace gtest_port_internal {
namespace {

constexpr char kRangeVar[] = "GTEST_PORT_RANGE";
constexpr char kAddressRangeVar[] = "GTEST_PORT_ADDRESS_RANGE";
constexpr char kLockDirVar[] = "GTEST_PORT_LOCK_DIR";
constexpr char kVerboseVar[] = "GTEST_PORT_VERBOSE";
constexpr char kFailOnLeakVar[] = "GTEST_PORT_FAIL_ON_LEAK";
constexpr char kAllowUnsafePortsVar[] = "GTEST_PORT_ALLOW_UNSAFE_PORTS";
constexpr char kPortServerVar[] = "PORTSERVER_ADDRESS";
constexpr char kShardIndexVar[] = "GTEST_SHARD_INDEX";
constexpr char kTotalShardsVar[] = "GTEST_TOTAL_SHARDS";

// How much of a bad value a message quotes: it stays one readable line
// whatever was set.
constexpr size_t kQuotedValue = 256;

// The value is quoted escaped, so that a control byte or newline in it
// cannot garble the one-line message, and cut to kQuotedValue bytes.
std::string Quoted(absl::string_view value) {
  if (value.size() <= kQuotedValue) return absl::CHexEscape(value);
  return absl::StrCat(absl::CHexEscape(value.substr(0, kQuotedValue)),
                      "... (", value.size(), " bytes)");
}

absl::Status VariableError(absl::string_view variable, absl::string_view value,
                           absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(variable, "=", Quoted(value), ": ", problem));
}

// GoogleTest's own reading of GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS (its
// Int32FromEnvOrDie() with -1 for unset, and ParseInt32(): strtol(3) in base
// 10 that must consume the whole value): leading whitespace and a sign are
// accepted, trailing bytes are not, and "" is 0 -- not unset.
std::optional<int> ParseLikeGoogleTest(absl::string_view value) {
  size_t at = 0;
  while (at < value.size() &&
         absl::ascii_isspace(static_cast<unsigned char>(value[at]))) {
    ++at;
  }
  bool negative = false;
  if (at < value.size() && (value[at] == '+' || value[at] == '-')) {
    negative = value[at] == '-';
    ++at;
  }
  const size_t digits_start = at;
  int64_t magnitude = 0;
  while (at < value.size() && absl::ascii_isdigit(
                                  static_cast<unsigned char>(value[at]))) {
    magnitude = std::min<int64_t>(magnitude * 10 + (value[at] - '0'),
                                  int64_t{1} << 40);
    ++at;
  }
  // No digits: strtol stops at the very start, so only "" is whole.
  if (at == digits_start) {
    if (value.empty()) return 0;
    return std::nullopt;
  }
  if (at != value.size()) return std::nullopt;
  const int64_t parsed = negative ? -magnitude : magnitude;
  if (parsed < std::numeric_limits<int32_t>::min() ||
      parsed > std::numeric_limits<int32_t>::max()) {
    return std::nullopt;
  }
  return static_cast<int>(parsed);
}

absl::StatusOr<int> ShardVariable(const Environment& env, const char* name) {
  const std::optional<std::string> value = env(name);
  if (!value.has_value()) return -1;
  const std::optional<int> parsed = ParseLikeGoogleTest(*value);
  if (!parsed.has_value()) {
    return VariableError(name, *value,
                         "not an integer (GoogleTest reads a 32-bit decimal, "
                         "optionally signed, nothing after it)");
  }
  return *parsed;
}

// As GoogleTest decides whether to shard (its ShouldShard()).
absl::StatusOr<ShardSpec> ResolveShard(const gtest_port::Options& options,
                                       const Environment& env) {
  absl::StatusOr<int> index = ShardVariable(env, kShardIndexVar);
  if (!index.ok()) return index.status();
  absl::StatusOr<int> total = ShardVariable(env, kTotalShardsVar);
  if (!total.ok()) return total.status();
  if (options.shard_index.has_value()) *index = *options.shard_index;
  if (options.total_shards.has_value()) *total = *options.total_shards;
  if (*index == -1 && *total == -1) return ShardSpec{};
  if (*index == -1 || *total == -1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "only one of ", kShardIndexVar, " (", *index, ") and ",
        kTotalShardsVar, " (", *total,
        ") is set; set both (0 <= index < total) or neither"));
  }
  return ShardSpec{*index, *total};
}

// A boolean option: the Options field when set, else the variable `name`
// (unset or empty: false).
absl::StatusOr<bool> ResolveBool(const std::optional<bool>& field,
                                 const char* name, const Environment& env) {
  if (field.has_value()) return *field;
  const std::optional<std::string> value = env(name);
  if (!value.has_value() || value->empty()) return false;
  bool result = false;
  if (!absl::SimpleAtob(*value, &result)) {
    return VariableError(name, *value,
                         "not a boolean; expected 1/0, true/false, yes/no");
  }
  return result;
}

// Options::portserver_address wins over PORTSERVER_ADDRESS; "" means none.
absl::Status ResolvePortServer(const gtest_port::Options& options,
                               const Environment& env, Config& config) {
  std::string address;
  std::string what;
  if (options.portserver_address.has_value()) {
    address = *options.portserver_address;
    what = absl::StrCat("Options::portserver_address \"",
                        Quoted(address), "\"");
  } else if (std::optional<std::string> value = env(kPortServerVar);
             value.has_value()) {
    address = *std::move(value);
    what = absl::StrCat(kPortServerVar, "=", Quoted(address));
  }
#ifdef _WIN32
  // Port servers (portpicker's) listen on Unix sockets, which gtest_port
  // does not speak on Windows: say so, and take single ports locally.
  if (!address.empty()) {
    config.warnings.push_back(absl::StrCat(
        what, ": port servers are not supported on Windows; single ports "
              "come from the local range instead"));
    address.clear();
  }
#else
  if (!address.empty()) {
    absl::Status valid = ValidatePortServerAddress(address);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": ", valid.message()));
    }
  }
#endif
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

}  // namespace

absl::StatusOr<std::string> ResolveLockDir(
    const std::optional<std::string>& option, const Platform& platform,
    const Environment& env) {
  std::optional<std::string> lock_dir = option;
  std::string what;
  if (lock_dir.has_value()) {
    what = absl::StrCat("Options::lock_dir ", Quoted(*lock_dir));
  } else if (std::optional<std::string> value = env(kLockDirVar);
             value.has_value() && !value->empty()) {
    what = absl::StrCat(kLockDirVar, "=", Quoted(*value));
    lock_dir = *std::move(value);
  } else if (std::string dir = platform.DefaultLockDir(); !dir.empty()) {
    what = absl::StrCat("the default lock directory ", dir);
    lock_dir = std::move(dir);
  }
  if (!lock_dir.has_value()) return std::string();
  absl::Status prepared = platform.PrepareLockDir(*lock_dir, what);
  if (!prepared.ok()) return prepared;
  return *std::move(lock_dir);
}

absl::StatusOr<Config> ResolveConfig(const gtest_port::Options& options,
                                     const Platform& platform,
                                     const Environment& env) {
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
  } else if (std::optional<std::string> value = env(kRangeVar);
             value.has_value() && !value->empty()) {
    absl::StatusOr<PortRange> parsed = ParsePortRange(*value);
    if (!parsed.ok()) {
      return VariableError(kRangeVar, *value, parsed.status().message());
    }
    config.range = *parsed;
  } else {
    config.range = gtest_port::kDefaultPortRange;
  }

  // Shard and slice.
  absl::StatusOr<ShardSpec> shard = ResolveShard(options, env);
  if (!shard.ok()) return shard.status();
  config.shard = *shard;
  absl::StatusOr<PortRange> slice = ShardSlice(config.range, config.shard);
  if (!slice.ok()) return slice.status();

  // The loopback address pool, sliced per shard like the port range.
  if (options.address_range.has_value()) {
    absl::StatusOr<AddressRange> parsed =
        ParseAddressRange(*options.address_range);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Options::address_range: ", parsed.status().message()));
    }
    config.address_range = *parsed;
  } else if (std::optional<std::string> value = env(kAddressRangeVar);
             value.has_value() && !value->empty()) {
    absl::StatusOr<AddressRange> parsed = ParseAddressRange(*value);
    if (!parsed.ok()) {
      return VariableError(kAddressRangeVar, *value, parsed.status().message());
    }
    config.address_range = *parsed;
  }
  absl::StatusOr<AddressRange> address_slice =
      ShardAddressSlice(config.address_range, config.shard);
  if (!address_slice.ok()) return address_slice.status();
  config.address_slice = *address_slice;

  // The ephemeral range: ports the OS may give to outgoing connections.
  EphemeralPorts ephemeral = platform.EphemeralRange();
  config.ephemeral = ephemeral.range;
  if (!ephemeral.warning.empty()) {
    config.warnings.push_back(
        ephemeral.range.has_value()
            ? ephemeral.warning
            : absl::StrCat(ephemeral.warning, "; no ports are skipped"));
  }
  // Ports the OS refuses to bind (Windows' excluded ranges): the probe finds
  // them busy, so they cost a probe each but never reach a test.
  std::vector<std::string> excluded;
  for (const PortRange& r : ephemeral.excluded) {
    if (r.first <= config.range.last && r.last >= config.range.first) {
      excluded.push_back(FormatPortRange(r));
    }
  }
  if (!excluded.empty()) {
    config.warnings.push_back(absl::StrCat(
        "port range ", FormatPortRange(config.range),
        " meets the system's excluded port ranges ",
        absl::StrJoin(excluded, ", "),
        " (netsh int ipv4 show excludedportrange protocol=tcp|udp), where "
        "binds are refused: the probe skips those ports. Choose a range "
        "outside them"));
  }
  absl::StatusOr<bool> allow_unsafe =
      ResolveBool(options.allow_unsafe_ports, kAllowUnsafePortsVar, env);
  if (!allow_unsafe.ok()) return allow_unsafe.status();
  config.allow_unsafe_ports = *allow_unsafe;
  config.candidates =
      CandidateSet(*slice, config.ephemeral,
                   config.allow_unsafe_ports
                       ? absl::Span<const uint16_t>()
                       : absl::Span<const uint16_t>(kUnsafePorts));
  if (config.ephemeral.has_value() &&
      config.range.first <= config.ephemeral->last &&
      config.range.last >= config.ephemeral->first) {
    std::string warning = absl::StrFormat(
        "port range %s overlaps the kernel's ephemeral port range %s (%s), "
        "from which outgoing connections take their ports",
        FormatPortRange(config.range), FormatPortRange(*config.ephemeral),
        ephemeral.source);
    if (const auto skipped = config.candidates.skipped()) {
      absl::StrAppend(&warning, "; this shard skips ports ",
                      FormatPortRange(*skipped));
    }
    absl::StrAppend(&warning, ". Choose a range outside it, e.g. ",
                    FormatPortRange(gtest_port::kDefaultPortRange));
    config.warnings.push_back(std::move(warning));
  }
  if (config.candidates.size() == 0) {
    std::vector<std::string> why;
    if (const auto skipped = config.candidates.skipped()) {
      why.push_back(absl::StrFormat(
          "%s inside the kernel's ephemeral port range %s",
          FormatPortRange(*skipped), FormatPortRange(*config.ephemeral)));
    }
    if (!config.candidates.skipped_unsafe().empty()) {
      why.push_back(absl::StrCat(
          absl::StrJoin(config.candidates.skipped_unsafe(), ", "),
          " refused by web browsers (", kAllowUnsafePortsVar,
          "=1 allows them)"));
    }
    return absl::InvalidArgumentError(absl::StrFormat(
        "shard %d of %d owns ports %s, none of which may be handed out: %s; "
        "set GTEST_PORT_RANGE to a range outside them, e.g. %s",
        config.shard.index, config.shard.total, FormatPortRange(*slice),
        absl::StrJoin(why, "; "),
        FormatPortRange(gtest_port::kDefaultPortRange)));
  }

  absl::StatusOr<std::string> lock_dir =
      ResolveLockDir(options.lock_dir, platform, env);
  if (!lock_dir.ok()) return lock_dir.status();
  config.lock_dir = *std::move(lock_dir);

  absl::Status portserver = ResolvePortServer(options, env, config);
  if (!portserver.ok()) return portserver;

  absl::StatusOr<bool> verbose = ResolveBool(options.verbose, kVerboseVar, env);
  if (!verbose.ok()) return verbose.status();
  config.verbose = *verbose;

  absl::StatusOr<bool> fail_on_leak =
      ResolveBool(options.fail_on_leak, kFailOnLeakVar, env);
  if (!fail_on_leak.ok()) return fail_on_leak.status();
  config.fail_on_leak = *fail_on_leak;
  return config;
}

}  // namespace gtest_port_internal
