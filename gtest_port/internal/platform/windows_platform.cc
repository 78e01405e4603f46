#include "gtest_port/internal/platform/windows_platform.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest_port/internal/platform/windows/claim.h"
#include "gtest_port/internal/platform/windows/port_owner.h"
#include "gtest_port/internal/platform/windows/port_range_query.h"
#include "gtest_port/internal/platform/windows/probe.h"
#include "gtest_port/internal/platform/windows/protocol.h"
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/port_range.h"

namespace gtest_port_internal {
namespace {

namespace win = ::gtest_port_internal::windows;

// Claims named objects in the namespace chosen when it was made; when that
// choice failed, every claim answers its error.
class WindowsClaimer final : public Claimer {
 public:
  explicit WindowsClaimer(absl::StatusOr<win::ClaimNamespace> ns)
      : ns_(std::move(ns)) {}

  absl::StatusOr<PortClaim> Claim(uint16_t port) const override {
    if (!ns_.ok()) return ns_.status();
    return win::ClaimPort(ns_->scope, port);
  }

  absl::StatusOr<PortClaim> ClaimAddress(uint32_t address) const override {
    if (!ns_.ok()) return ns_.status();
    return win::ClaimAddress(ns_->scope, FormatAddress(address));
  }

  std::string Describe() const override {
    if (!ns_.ok()) {
      return absl::StrCat("named objects (unusable: ", ns_.status().message(),
                          ")");
    }
    return win::DescribeClaimNamespace(*ns_);
  }

 private:
  const absl::StatusOr<win::ClaimNamespace> ns_;
};

class WindowsProber final : public Prober {
 public:
  absl::StatusOr<bool> IsFree(uint16_t port) const override {
    absl::StatusOr<win::PortProbe> probe = win::ProbePort(port);
    if (!probe.ok()) return probe.status();
    return probe->free;
  }

  // Only LISTEN rows of the system's socket tables count: a connection in
  // TIME_WAIT also makes the SO_EXCLUSIVEADDRUSE bind of IsFree() fail.
  absl::StatusOr<bool> HasListener(uint16_t port) const override {
    absl::StatusOr<std::vector<win::PortOwner>> listeners =
        win::FindTcpListeners(port);
    if (!listeners.ok()) return listeners.status();
    return !listeners->empty();
  }

  absl::StatusOr<Listener> FindListener(uint16_t port) const override {
    absl::StatusOr<std::vector<win::PortOwner>> listeners =
        win::FindTcpListeners(port);
    if (!listeners.ok()) return listeners.status();
    if (listeners->empty()) return Listener{};
    return Listener{true, DescribeListeners(*listeners)};
  }

  std::string Describe() const override { return win::DescribeProbe(); }

  // Windows routes all of 127.0.0.0/8 to loopback: no alias to add.
  absl::StatusOr<bool> IsAddressFree(
      uint32_t address, const std::vector<uint16_t>& ports) const override {
    return win::ProbeAddress(address, ports);
  }

 private:
  // "pid 1234 (server.exe), TCP on IPv4 and IPv6"; the executable's name,
  // which its owner chose, is shortened and escaped.
  static std::string DescribeListeners(
      const std::vector<win::PortOwner>& listeners) {
    constexpr size_t kMaxOwners = 4;
    constexpr size_t kMaxName = 80;
    std::vector<std::string> owners;
    bool ipv4 = false, ipv6 = false;
    for (const win::PortOwner& l : listeners) {
      (l.ipv6 ? ipv6 : ipv4) = true;
      std::string owner;
      if (l.pid == 0) {
        owner = "pid unknown (the system names no owning process)";
      } else {
        owner = absl::StrCat("pid ", l.pid);
        if (absl::StatusOr<std::string> image = win::ProcessImageName(l.pid);
            image.ok()) {
          absl::string_view name = *image;
          if (const size_t slash = name.find_last_of("\\/");
              slash != absl::string_view::npos) {
            name.remove_prefix(slash + 1);
          }
          const bool cut = name.size() > kMaxName;
          absl::StrAppend(&owner, " (", absl::CHexEscape(name.substr(0, kMaxName)),
                          cut ? "..." : "", ")");
        }
      }
      if (std::find(owners.begin(), owners.end(), owner) == owners.end() &&
          owners.size() < kMaxOwners) {
        owners.push_back(std::move(owner));
      }
    }
    return absl::StrCat(absl::StrJoin(owners, ", "), ", TCP on ",
                        ipv4 && ipv6 ? "IPv4 and IPv6" : ipv6 ? "IPv6" : "IPv4");
  }
};

class WindowsPlatform final : public Platform {
 public:
  EphemeralPorts EphemeralRange() const override {
    EphemeralPorts ports;
    ports.source =
        "netsh int ipv4 show dynamicport tcp/udp, TCP and UDP together";
    const win::DynamicPortRange tcp =
        win::QueryDynamicPortRange(win::Protocol::kTcp);
    const win::DynamicPortRange udp =
        win::QueryDynamicPortRange(win::Protocol::kUdp);
    // The fallback (49152-65535, Windows' default) is still skipped: it is
    // the range Windows uses unless someone changed it.
    ports.range = gtest_port::PortRange{
        std::min(tcp.range.first, udp.range.first),
        std::max(tcp.range.last, udp.range.last)};
    std::vector<std::string> warnings;
    for (const std::string* w : {&tcp.warning, &udp.warning}) {
      if (!w->empty()) warnings.push_back(*w);
    }
    for (win::Protocol protocol : {win::Protocol::kTcp, win::Protocol::kUdp}) {
      win::ExcludedPortRanges excluded = win::QueryExcludedPortRanges(protocol);
      if (!excluded.warning.empty()) warnings.push_back(excluded.warning);
      for (const gtest_port::PortRange& r : excluded.ranges) {
        if (std::find(ports.excluded.begin(), ports.excluded.end(), r) ==
            ports.excluded.end()) {
          ports.excluded.push_back(r);
        }
      }
    }
    std::sort(ports.excluded.begin(), ports.excluded.end(),
              [](const gtest_port::PortRange& a,
                 const gtest_port::PortRange& b) {
                return a.first != b.first ? a.first < b.first
                                          : a.last < b.last;
              });
    ports.warning = absl::StrJoin(warnings, "; ");
    return ports;
  }

  std::string DefaultLockDir() const override { return ""; }

  absl::Status PrepareLockDir(const std::string& /*dir*/,
                              const std::string& what) const override {
    return absl::InvalidArgumentError(absl::StrCat(
        what,
        ": lock directories are not supported on Windows, where claims are "
        "named kernel objects (Global\\gtest_port/v1/<port>) that need no "
        "file system; unset GTEST_PORT_LOCK_DIR and Options::lock_dir"));
  }

  std::unique_ptr<Claimer> MakeClaimer(
      const std::string& /*lock_dir*/) const override {
    // PrepareLockDir() refuses every lock directory, so `lock_dir` is empty.
    return std::make_unique<WindowsClaimer>(win::ChooseClaimNamespace());
  }

  std::unique_ptr<Prober> MakeProber() const override {
    return std::make_unique<WindowsProber>();
  }
};

}  // namespace

std::unique_ptr<Platform> MakeWindowsPlatform() {
  return std::make_unique<WindowsPlatform>();
}

const Platform& RealPlatform() {
  static const Platform* const real = MakeWindowsPlatform().release();
  return *real;
}

}  // namespace gtest_port_internal
