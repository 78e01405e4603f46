#include "gtest_port/port_users.h"

#ifndef _WIN32
#include <unistd.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#ifdef _WIN32
#include "gtest_port/internal/diagnostics/terminal_text.h"
#include "gtest_port/internal/platform/windows/claim.h"
#include "gtest_port/internal/platform/windows/port_owner.h"
#include "gtest_port/internal/platform/windows/protocol.h"
#include "gtest_port/internal/platform/windows/unique_handle.h"
#else
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/diagnostics/lock_file_reader.h"
#include "gtest_port/internal/diagnostics/terminal_text.h"
#include "gtest_port/internal/diagnostics/proc_net.h"
#include "gtest_port/internal/diagnostics/published_table_reader.h"
#include "gtest_port/internal/platform/posix_platform.h"
#include "gtest_port/internal/platform/probe.h"
#include "gtest_port/internal/platform/shared_names.h"
#include "gtest_port/internal/platform/system.h"
#endif

namespace gtest_port {
namespace {

#ifndef _WIN32
using gtest_port_internal::ClaimSocket;
using gtest_port_internal::DescriptorScan;
using gtest_port_internal::InetSocket;
using gtest_port_internal::LockFileHolder;
using gtest_port_internal::PublishedReservation;

constexpr absl::string_view kProc = "/proc";

// Whether /proc tells who holds a socket (Linux), and whether claims are
// abstract sockets in /proc/net/unix (the Linux back-end only; the portable
// back-end claims by lock files and reads no /proc for claims).
#ifdef __linux__
constexpr bool kHaveProc = true;
#else
constexpr bool kHaveProc = false;
#endif
constexpr bool kProcClaims = gtest_port_internal::kLinuxBackend;

// The lock directory claims go to: GTEST_PORT_LOCK_DIR, else the
// platform's default ("" on Linux: abstract sockets).
std::string LockDir() {
  const char* env = std::getenv(gtest_port_internal::kLockDirEnvVar);
  if (env != nullptr && env[0] == '/') return env;
  return kProcClaims ? "" : gtest_port_internal::kPosixDefaultLockDir;
}

// Lock-file claims in the lock directory: held ones, by port.
absl::StatusOr<std::vector<LockFileHolder>> LockFileClaims() {
  const std::string dir = LockDir();
  if (dir.empty()) return std::vector<LockFileHolder>();
  absl::StatusOr<std::vector<LockFileHolder>> held =
      gtest_port_internal::ReadLockFileHolders(dir);
  if (absl::IsNotFound(held.status())) return std::vector<LockFileHolder>();
  return held;
}

// The process behind a socket inode.
struct Owner {
  std::vector<pid_t> pids;  // Ascending; empty when unknown.
  std::string unknown_reason;
};

Owner FindOwner(const DescriptorScan& scan, uint64_t inode) {
  Owner owner;
  if (inode == 0) {
    owner.unknown_reason = "no process: the kernel holds it";
    return owner;
  }
  auto it = scan.socket_owners.find(inode);
  if (it != scan.socket_owners.end()) {
    owner.pids = it->second;
  } else if (scan.unreadable_processes > 0) {
    owner.unknown_reason = "not permitted";
  } else {
    owner.unknown_reason =
        "no visible process holds it; it may run in another PID namespace";
  }
  return owner;
}

Owner LockFileOwner(const LockFileHolder& holder) {
  if (holder.pid == 0) return Owner{{}, holder.unknown_reason};
  return Owner{{holder.pid}, ""};
}

// Command lines by pid, each read once.
class CommandLines {
 public:
  // "" when it cannot be read (the process is gone).
  const std::string& Get(pid_t pid) {
    auto [it, fresh] = cache_.try_emplace(pid);
    if (fresh && kHaveProc) {
      absl::StatusOr<std::string> command_line =
          gtest_port_internal::ReadCommandLine(kProc, pid);
      if (command_line.ok()) it->second = *std::move(command_line);
    }
    return it->second;
  }

 private:
  absl::flat_hash_map<pid_t, std::string> cache_;
};

// Fills pid, pid_unknown_reason and command_line from `owner`.
void SetProcess(const Owner& owner, CommandLines& command_lines,
                PortUser& user) {
  if (owner.pids.empty()) {
    user.pid_unknown_reason = owner.unknown_reason;
    return;
  }
  // After a fork without exec, parent and child both hold the socket: the
  // parent (the lower pid, as a rule) is the one that made it.
  user.pid = owner.pids.front();
  user.command_line = command_lines.Get(user.pid);
}

// Test names by port, from the tables the holders published (this
// process's own included).
class TestNames {
 public:
  explicit TestNames(const DescriptorScan& scan) : scan_(scan) {
    for (const PublishedReservation& r : Published(self_)) {
      for (int i = 0; i < r.count; ++i) {
        own_[static_cast<uint16_t>(r.first_port + i)] = r.test_name;
      }
    }
  }

  // The test that reserved `port`, held by `pid`; "" when unknown.
  std::string Find(pid_t pid, uint16_t port) {
    const std::vector<PublishedReservation>& published = Published(pid);
    for (const PublishedReservation& r : published) {
      if (port >= r.first_port && port < r.first_port + r.count) {
        return r.test_name;
      }
    }
    return "";
  }

  // This process's reservations by port (also those claimed by lock files,
  // which /proc/net/unix does not show).
  const absl::flat_hash_map<uint16_t, std::string>& own() const { return own_; }
  pid_t self() const { return self_; }

 private:
  const std::vector<PublishedReservation>& Published(pid_t pid) {
    auto [it, fresh] = published_.try_emplace(pid);
    if (!fresh) return it->second;
    auto tables = scan_.tables.find(pid);
    if (tables == scan_.tables.end()) return it->second;
    for (const std::string& path : tables->second) {
      absl::StatusOr<std::vector<PublishedReservation>> table =
          gtest_port_internal::ReadPublishedTable(path);
      if (!table.ok()) continue;  // Gone meanwhile, or not permitted.
      it->second.insert(it->second.end(), table->begin(), table->end());
    }
    return it->second;
  }

  const DescriptorScan& scan_;
  const pid_t self_ = ::getpid();
  absl::flat_hash_map<uint16_t, std::string> own_;
  absl::flat_hash_map<pid_t, std::vector<PublishedReservation>> published_;
};

#endif  // !_WIN32

std::string DescribeProcess(const PortUser& user) {
  if (user.pid == 0) {
    return absl::StrCat("pid unknown (", user.pid_unknown_reason, ")");
  }
  if (user.command_line.empty()) return absl::StrCat("pid ", user.pid);
  return absl::StrCat("pid ", user.pid, " (", user.command_line, ")");
}

#ifndef _WIN32
// How telling a socket is of who uses the port: a listener most.
int Rank(const InetSocket& s) {
  if (s.inode == 0) return 3;
  if (s.state == "LISTEN") return 0;
  if (absl::StartsWith(s.protocol, "udp")) return 1;
  return 2;
}
// The processes that hold `inodes`, from /proc/<pid>/fd; nothing without
// /proc.
absl::StatusOr<DescriptorScan> ScanIfProc(
    const absl::flat_hash_set<uint64_t>& inodes) {
  if (!kHaveProc) return DescriptorScan();
  return gtest_port_internal::ScanDescriptors(kProc, inodes);
}
#endif  // !_WIN32

absl::Status CheckPort(uint16_t port) {
  if (port == 0) {
    return absl::InvalidArgumentError(
        "port 0 is not a port anyone can hold: expected 1-65535");
  }
  return absl::OkStatus();
}

}  // namespace

std::string PortUser::ToString() const {
  std::string out = absl::StrCat("port ", port, ": ");
  switch (kind) {
    case Kind::kNobody:
      absl::StrAppend(&out,
                      "free (no gtest_port reservation, no TCP or UDP socket)");
      break;
    case Kind::kGtestPort:
      absl::StrAppend(&out, "reserved by gtest_port in ",
                      DescribeProcess(*this));
      if (!test_name.empty()) absl::StrAppend(&out, ", test ", test_name);
      break;
    case Kind::kForeign:
      absl::StrAppend(&out, "in use by ", DescribeProcess(*this),
                      ", not reserved through gtest_port");
      break;
  }
  if (!sockets.empty()) {
    absl::StrAppend(&out, "; sockets: ", absl::StrJoin(sockets, ", "));
  }
  return out;
}

#ifndef _WIN32
absl::StatusOr<PortUser> DescribePortUser(uint16_t port) {
  if (absl::Status valid = CheckPort(port); !valid.ok()) return valid;
  std::vector<ClaimSocket> claims;
  if (kProcClaims) {
    absl::StatusOr<std::vector<ClaimSocket>> read =
        gtest_port_internal::ReadClaimSockets(kProc);
    if (!read.ok()) return read.status();
    claims = *std::move(read);
  }
  std::optional<LockFileHolder> lock_holder;
  if (const std::string dir = LockDir(); !dir.empty()) {
    absl::StatusOr<LockFileHolder> holder =
        gtest_port_internal::ReadLockFileHolder(dir, port);
    if (holder.ok()) lock_holder = *std::move(holder);
  }
  std::vector<InetSocket> sockets;
  bool foreign_unnamed = false;  // In use, but this OS cannot say by whom.
  if (kHaveProc) {
    absl::StatusOr<std::vector<InetSocket>> read =
        gtest_port_internal::ReadInetSocketsOnPort(kProc, port);
    if (!read.ok()) return read.status();
    sockets = *std::move(read);
  } else if (!lock_holder.has_value()) {
    // No /proc: whether anyone uses the port is what a bind says.
    gtest_port_internal::PortProber prober(
        gtest_port_internal::System::Real());
    absl::StatusOr<bool> free = prober.IsFree(port);
    if (!free.ok()) return free.status();
    foreign_unnamed = !*free;
  }

  absl::flat_hash_set<uint64_t> inodes;
  const ClaimSocket* claim = nullptr;
  for (const ClaimSocket& c : claims) {
    if (c.port != port) continue;
    claim = &c;
    inodes.insert(c.inode);
    break;
  }
  for (const InetSocket& s : sockets) {
    if (s.inode != 0) inodes.insert(s.inode);
  }
  absl::StatusOr<DescriptorScan> scan = ScanIfProc(inodes);
  if (!scan.ok()) return scan.status();
  TestNames names(*scan);
  CommandLines command_lines;

  PortUser user;
  user.port = port;
  std::stable_sort(sockets.begin(), sockets.end(),
                   [](const InetSocket& a, const InetSocket& b) {
                     return Rank(a) < Rank(b);
                   });
  if (claim != nullptr) {
    user.kind = PortUser::Kind::kGtestPort;
    SetProcess(FindOwner(*scan, claim->inode), command_lines, user);
    if (user.pid != 0) user.test_name = names.Find(user.pid, port);
  } else if (lock_holder.has_value()) {
    user.kind = PortUser::Kind::kGtestPort;  // Claimed by a lock file.
    SetProcess(LockFileOwner(*lock_holder), command_lines, user);
    user.test_name = lock_holder->test_name;
  } else if (auto own = names.own().find(port); own != names.own().end()) {
    user.kind = PortUser::Kind::kGtestPort;  // Claimed by a lock file.
    SetProcess(Owner{{names.self()}, ""}, command_lines, user);
    user.test_name = own->second;
  } else if (!sockets.empty()) {
    user.kind = PortUser::Kind::kForeign;
    SetProcess(FindOwner(*scan, sockets.front().inode), command_lines, user);
  } else if (foreign_unnamed) {
    user.kind = PortUser::Kind::kForeign;
    user.pid_unknown_reason = absl::StrCat(
        "this OS gives no portable way to name a socket's process; try `lsof "
        "-nP -i :",
        port, "`");
  }

  for (const InetSocket& s : sockets) {
    const Owner owner = FindOwner(*scan, s.inode);
    std::string who;
    if (owner.pids.empty()) {
      who = s.inode == 0 ? owner.unknown_reason
                         : absl::StrCat("pid unknown: ", owner.unknown_reason,
                                        ", uid ", s.uid);
    } else {
      who = absl::StrCat(owner.pids.size() == 1 ? "pid " : "pids ",
                         absl::StrJoin(owner.pids, ", "));
      const std::string& command_line = command_lines.Get(owner.pids.front());
      if (owner.pids.front() != user.pid && !command_line.empty()) {
        absl::StrAppend(&who, ": ", command_line);
      }
    }
    user.sockets.push_back(absl::StrCat(s.ToString(), " (", who, ")"));
  }
  return user;
}

absl::StatusOr<std::vector<PortUser>> ListPortReservations() {
  std::vector<ClaimSocket> claims;
  if (kProcClaims) {
    absl::StatusOr<std::vector<ClaimSocket>> read =
        gtest_port_internal::ReadClaimSockets(kProc);
    if (!read.ok()) return read.status();
    claims = *std::move(read);
  }
  absl::StatusOr<std::vector<LockFileHolder>> lock_holders = LockFileClaims();
  if (!lock_holders.ok()) return lock_holders.status();
  absl::flat_hash_set<uint64_t> inodes;
  for (const ClaimSocket& c : claims) inodes.insert(c.inode);
  absl::StatusOr<DescriptorScan> scan = ScanIfProc(inodes);
  if (!scan.ok()) return scan.status();
  TestNames names(*scan);
  CommandLines command_lines;

  absl::flat_hash_map<uint16_t, PortUser> by_port;
  for (const ClaimSocket& c : claims) {
    auto [it, fresh] = by_port.try_emplace(c.port);
    if (!fresh) continue;
    PortUser& user = it->second;
    user.port = c.port;
    user.kind = PortUser::Kind::kGtestPort;
    SetProcess(FindOwner(*scan, c.inode), command_lines, user);
    if (user.pid != 0) user.test_name = names.Find(user.pid, c.port);
  }
  for (const LockFileHolder& holder : *lock_holders) {
    auto [it, fresh] = by_port.try_emplace(holder.port);
    if (!fresh) continue;
    PortUser& user = it->second;  // Claimed by a lock file.
    user.port = holder.port;
    user.kind = PortUser::Kind::kGtestPort;
    SetProcess(LockFileOwner(holder), command_lines, user);
    user.test_name = holder.test_name;
  }
  for (const auto& [port, test_name] : names.own()) {
    auto [it, fresh] = by_port.try_emplace(port);
    if (!fresh) continue;
    PortUser& user = it->second;  // Claimed by a lock file.
    user.port = port;
    user.kind = PortUser::Kind::kGtestPort;
    SetProcess(Owner{{names.self()}, ""}, command_lines, user);
    user.test_name = test_name;
  }
  std::vector<PortUser> out;
  out.reserve(by_port.size());
  for (auto& [port, user] : by_port) out.push_back(std::move(user));
  std::sort(out.begin(), out.end(), [](const PortUser& a, const PortUser& b) {
    return a.port < b.port;
  });
  return out;
}

namespace {

using gtest_port_internal::AddressClaimSocket;

absl::StatusOr<uint32_t> CheckAddress(const std::string& address) {
  absl::StatusOr<uint32_t> parsed = gtest_port_internal::ParseAddress(address);
  if (!parsed.ok() || (*parsed >> 24) != 127) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", gtest_port_internal::EscapeForTerminal(address.substr(0, 64)),
        "\" is not a loopback address: expected 127.x.y.z, e.g. 127.1.0.7"));
  }
  return *parsed;
}

// The address claims in /proc/net/unix (Linux back-end) and the held
// address lock files in the lock directory, as AddressUsers.
absl::StatusOr<std::vector<AddressUser>> HeldAddresses() {
  std::vector<AddressClaimSocket> claims;
  if (kProcClaims) {
    absl::StatusOr<std::vector<AddressClaimSocket>> read =
        gtest_port_internal::ReadAddressClaimSockets(kProc);
    if (!read.ok()) return read.status();
    claims = *std::move(read);
  }
  std::vector<LockFileHolder> lock_holders;
  if (const std::string dir = LockDir(); !dir.empty()) {
    absl::StatusOr<std::vector<LockFileHolder>> held =
        gtest_port_internal::ReadAddressLockFileHolders(dir);
    if (held.ok()) {
      lock_holders = *std::move(held);
    } else if (!absl::IsNotFound(held.status())) {
      return held.status();
    }
  }
  absl::flat_hash_set<uint64_t> inodes;
  for (const AddressClaimSocket& c : claims) inodes.insert(c.inode);
  absl::StatusOr<DescriptorScan> scan = ScanIfProc(inodes);
  if (!scan.ok()) return scan.status();
  CommandLines command_lines;
  absl::flat_hash_map<uint32_t, AddressUser> by_address;
  auto fill = [&](uint32_t address, const Owner& owner) {
    auto [it, fresh] = by_address.try_emplace(address);
    if (!fresh) return;
    AddressUser& user = it->second;
    user.address = gtest_port_internal::FormatAddress(address);
    user.reserved = true;
    if (owner.pids.empty()) {
      user.pid_unknown_reason = owner.unknown_reason;
    } else {
      user.pid = owner.pids.front();
      user.command_line = command_lines.Get(user.pid);
    }
  };
  for (const AddressClaimSocket& c : claims) {
    fill(c.address, FindOwner(*scan, c.inode));
  }
  for (const LockFileHolder& h : lock_holders) {
    fill(h.address, LockFileOwner(h));
  }
  std::vector<std::pair<uint32_t, AddressUser>> sorted(by_address.begin(),
                                                       by_address.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<AddressUser> out;
  out.reserve(sorted.size());
  for (auto& [address, user] : sorted) out.push_back(std::move(user));
  return out;
}

}  // namespace

absl::StatusOr<AddressUser> DescribeAddressUser(const std::string& address) {
  absl::StatusOr<uint32_t> parsed = CheckAddress(address);
  if (!parsed.ok()) return parsed.status();
  absl::StatusOr<std::vector<AddressUser>> held = HeldAddresses();
  if (!held.ok()) return held.status();
  const std::string dotted = gtest_port_internal::FormatAddress(*parsed);
  for (AddressUser& user : *held) {
    if (user.address == dotted) return std::move(user);
  }
  AddressUser user;
  user.address = dotted;
  return user;
}

absl::StatusOr<std::vector<AddressUser>> ListAddressReservations() {
  return HeldAddresses();
}

#endif  // !_WIN32

std::string AddressUser::ToString() const {
  if (!reserved) {
    return absl::StrCat("address ", address,
                        ": not reserved through gtest_port");
  }
  std::string who;
  if (pid == 0) {
    who = absl::StrCat("pid unknown (", pid_unknown_reason, ")");
  } else if (command_line.empty()) {
    who = absl::StrCat("pid ", pid);
  } else {
    who = absl::StrCat("pid ", pid, " (", command_line, ")");
  }
  return absl::StrCat("address ", address, ": reserved by gtest_port in ",
                      who);
}

#ifdef _WIN32
absl::StatusOr<AddressUser> DescribeAddressUser(const std::string& address) {
  (void)address;
  return absl::UnimplementedError(
      "loopback address reservations are not supported on Windows yet");
}

absl::StatusOr<std::vector<AddressUser>> ListAddressReservations() {
  return std::vector<AddressUser>();
}
#endif  // _WIN32

#ifdef _WIN32
// Windows: the claim is a named object, whose holder the system does not
// name; sockets and their processes come from GetExtendedTcpTable/UdpTable.
namespace {

namespace win = ::gtest_port_internal::windows;

// Whether a gtest_port claim on `port` exists in either namespace.
bool IsClaimed(uint16_t port) {
  for (win::ClaimScope scope : {win::ClaimScope::kGlobal,
                                win::ClaimScope::kLocal}) {
    win::UniqueHandle claim(::OpenMutexW(
        SYNCHRONIZE, FALSE, win::ClaimObjectName(scope, port).c_str()));
    if (claim.valid() || ::GetLastError() == ERROR_ACCESS_DENIED) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<PortUser> DescribePortUser(uint16_t port) {
  if (absl::Status valid = CheckPort(port); !valid.ok()) return valid;
  PortUser user;
  user.port = port;
  const win::PortOwner* telling = nullptr;
  std::vector<win::PortOwner> all;
  for (win::Protocol protocol : {win::Protocol::kTcp, win::Protocol::kUdp}) {
    absl::StatusOr<std::vector<win::PortOwner>> owners =
        win::FindPortOwners(protocol, port);
    if (!owners.ok()) return owners.status();
    for (const win::PortOwner& o : *owners) {
      std::string who = o.pid == 0
                            ? std::string("pid unknown")
                            : absl::StrCat("pid ", o.pid);
      if (o.pid != 0) {
        absl::StatusOr<std::string> image = win::ProcessImageName(o.pid);
        if (image.ok()) {
          absl::StrAppend(&who, ": ",
                          gtest_port_internal::EscapeForTerminal(*image));
        }
      }
      user.sockets.push_back(absl::StrCat(
          win::ProtocolName(protocol), o.ipv6 ? "6" : "", " port ", port,
          o.state.empty() ? "" : " ", o.state, " (", who, ")"));
    }
    all.insert(all.end(), owners->begin(), owners->end());
  }
  for (const win::PortOwner& o : all) {
    if (telling == nullptr || (o.state == "LISTEN" && telling->state != "LISTEN")) {
      telling = &o;
    }
  }
  if (IsClaimed(port)) {
    user.kind = PortUser::Kind::kGtestPort;
    user.pid_unknown_reason =
        "Windows does not say which process holds a named object";
  } else if (telling != nullptr) {
    user.kind = PortUser::Kind::kForeign;
    user.pid = static_cast<pid_t>(telling->pid);
    if (user.pid == 0) {
      user.pid_unknown_reason = "the system reports no owning process";
    } else if (absl::StatusOr<std::string> image =
                   win::ProcessImageName(telling->pid);
               image.ok()) {
      user.command_line = gtest_port_internal::EscapeForTerminal(*image);
    }
  }
  return user;
}

// Every port's claim object is looked up by name (the system lists no
// named objects to an unprivileged process): 65535 lookups per namespace.
absl::StatusOr<std::vector<PortUser>> ListPortReservations() {
  std::vector<PortUser> users;
  for (uint32_t port = 1; port <= 65535; ++port) {
    if (!IsClaimed(static_cast<uint16_t>(port))) continue;
    PortUser user;
    user.port = static_cast<uint16_t>(port);
    user.kind = PortUser::Kind::kGtestPort;
    user.pid_unknown_reason =
        "Windows does not say which process holds a named object";
    users.push_back(std::move(user));
  }
  return users;
}
#endif  // _WIN32

}  // namespace gtest_port
