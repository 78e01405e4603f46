#include "gtest_port/internal/platform/windows/port_range_query.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest_port/internal/platform/windows/netsh_output.h"
#include "gtest_port/internal/platform/windows/run_command.h"
#include "gtest_port/internal/platform/windows/win32_error.h"

namespace gtest_port_internal::windows {
namespace {

// netsh answers in well under a second; a stuck one must not stall a test run.
constexpr absl::Duration kNetshTimeout = absl::Seconds(20);

// Runs `netsh <arguments>`; its output when it exits 0.
absl::StatusOr<std::string> RunNetsh(const std::string& arguments) {
  const std::wstring command =
      L"\"" + SystemProgramPath(L"netsh.exe") + L"\" " + Utf8ToWide(arguments);
  absl::StatusOr<CommandResult> result =
      RunCommand(command, kNetshTimeout, kMaxNetshOutputBytes + 1);
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::UnavailableError(
        absl::StrCat("netsh ", arguments, " exited with code ",
                     result->exit_code));
  }
  return std::move(result->output);
}

std::string DynamicArguments(Protocol protocol) {
  return absl::StrCat("int ipv4 show dynamicport ", ProtocolName(protocol));
}

std::string ExcludedArguments(Protocol protocol) {
  return absl::StrCat("int ipv4 show excludedportrange protocol=",
                      ProtocolName(protocol));
}

}  // namespace

DynamicPortRange DynamicPortRangeFrom(
    Protocol protocol, const absl::StatusOr<std::string>& netsh_output) {
  absl::StatusOr<gtest_port::PortRange> parsed =
      netsh_output.ok() ? ParseNetshDynamicPortRange(*netsh_output)
                        : absl::StatusOr<gtest_port::PortRange>(
                              netsh_output.status());
  if (parsed.ok()) return DynamicPortRange{*parsed, ""};
  return DynamicPortRange{
      kDefaultDynamicPortRange,
      absl::StrCat("gtest_port: could not read the ", ProtocolName(protocol),
                   " dynamic port range (", parsed.status().message(),
                   "); assuming the Windows default ",
                   kDefaultDynamicPortRange.first, "-",
                   kDefaultDynamicPortRange.last,
                   ". Check it with: netsh ", DynamicArguments(protocol))};
}

ExcludedPortRanges ExcludedPortRangesFrom(
    Protocol protocol, const absl::StatusOr<std::string>& netsh_output) {
  absl::StatusOr<std::vector<gtest_port::PortRange>> parsed =
      netsh_output.ok()
          ? ParseNetshExcludedPortRanges(*netsh_output)
          : absl::StatusOr<std::vector<gtest_port::PortRange>>(
                netsh_output.status());
  if (parsed.ok()) return ExcludedPortRanges{*std::move(parsed), ""};
  return ExcludedPortRanges{
      {},
      absl::StrCat("gtest_port: could not read the excluded ",
                   ProtocolName(protocol), " port ranges (",
                   parsed.status().message(),
                   "); assuming none, so ports the system reserved are found "
                   "by the bind probe instead. Check them with: netsh ",
                   ExcludedArguments(protocol))};
}

DynamicPortRange QueryDynamicPortRange(Protocol protocol) {
  return DynamicPortRangeFrom(protocol, RunNetsh(DynamicArguments(protocol)));
}

ExcludedPortRanges QueryExcludedPortRanges(Protocol protocol) {
  return ExcludedPortRangesFrom(protocol, RunNetsh(ExcludedArguments(protocol)));
}

}  // namespace gtest_port_internal::windows
