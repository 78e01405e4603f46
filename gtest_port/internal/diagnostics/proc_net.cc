#include "gtest_port/internal/diagnostics/proc_net.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/diagnostics/terminal_text.h"
#include "gtest_port/internal/platform/shared_names.h"
#include "gtest_port/internal/platform/system.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_internal {
namespace {

// As /proc/net/unix shows a claim: "@" for the abstract namespace's NUL.
const std::string& ClaimPrefix() {
  static const std::string* const prefix =
      new std::string(absl::StrCat("@", kClaimNamePrefix));
  return *prefix;
}

// The Type column of a SOCK_STREAM socket, the only type claims use: a
// socket of another type may hold the same abstract name (Linux keeps names
// per type) and must not pass for a claim.
constexpr absl::string_view kStreamType = "0001";

absl::Status BadLine(absl::string_view file, int line_number,
                     absl::string_view line, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("cannot parse line ", line_number, " of ", file, ": \"",
                   absl::CHexEscape(line), "\": expected ", expected));
}

bool AllOf(absl::string_view s, bool (*pred)(unsigned char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [pred](char c) {
    return pred(static_cast<unsigned char>(c));
  });
}

bool ParseDecimal(absl::string_view s, uint64_t* out) {
  return AllOf(s, absl::ascii_isdigit) && absl::SimpleAtoi(s, out);
}

bool ParseHex32(absl::string_view s, uint32_t* out) {
  return s.size() <= 8 && AllOf(s, absl::ascii_isxdigit) &&
         absl::SimpleHexAtoi(s, out);
}

// "0100007F:4E21" (IPv4) or 32 hex digits and a port (IPv6). The kernel
// prints each 32-bit word of the address as a number in host byte order, so
// the word's in-memory bytes are the address's network-order bytes.
bool ParseEndpoint(absl::string_view text, std::string* address,
                   uint16_t* port) {
  const std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits(':', 1));
  uint32_t port_value = 0;
  if (!ParseHex32(parts.second, &port_value) || port_value > 0xffff) {
    return false;
  }
  *port = static_cast<uint16_t>(port_value);
  char buffer[INET6_ADDRSTRLEN];
  if (parts.first.size() == 8) {
    in_addr a;
    if (!ParseHex32(parts.first, &a.s_addr)) return false;
    *address = ::inet_ntop(AF_INET, &a, buffer, sizeof(buffer));
    return true;
  }
  if (parts.first.size() == 32) {
    in6_addr a;
    for (int i = 0; i < 4; ++i) {
      uint32_t word = 0;
      if (!ParseHex32(parts.first.substr(8 * i, 8), &word)) return false;
      std::memcpy(&a.s6_addr[4 * i], &word, sizeof(word));
    }
    *address = ::inet_ntop(AF_INET6, &a, buffer, sizeof(buffer));
    return true;
  }
  return false;
}

std::string TcpState(uint32_t state) {
  // include/net/tcp_states.h
  static constexpr const char* kNames[] = {
      "",          "ESTABLISHED", "SYN_SENT",    "SYN_RECV",   "FIN_WAIT1",
      "FIN_WAIT2", "TIME_WAIT",   "CLOSE",       "CLOSE_WAIT", "LAST_ACK",
      "LISTEN",    "CLOSING",     "NEW_SYN_RECV"};
  if (state >= 1 && state < sizeof(kNames) / sizeof(kNames[0])) {
    return kNames[state];
  }
  return absl::StrCat("state ", state);
}

std::string UdpState(uint32_t state) {
  if (state == 1) return "connected";
  return "";  // TCP_CLOSE (7): bound, not connected.
}

// Quotes `arg` for a POSIX shell unless it needs no quoting. Text a
// terminal could act on (ESC, C1 controls, bidi overrides; terminal_text.h)
// is written as bash's $'\x1b' escapes.
std::string ShellQuote(absl::string_view arg) {
  if (!TerminalSafe(arg)) {
    return absl::StrCat("$'", absl::CHexEscape(arg), "'");
  }
  const bool plain =
      !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
               absl::StrContains("_-./=:,+@%^", c);
      });
  if (plain) return std::string(arg);
  return absl::StrCat("'", absl::StrJoin(absl::StrSplit(arg, '\''), "'\\''"),
                      "'");
}

// Checks that `proc_net_unix` is /proc/net/unix's text and calls
// `on_socket` with the rest of the name after `prefix`, and the inode, of
// each stream socket whose name starts with `prefix`. InvalidArgument,
// naming the line, when the text is not in that format.
absl::Status ForEachStreamSocketNamed(
    absl::string_view proc_net_unix, absl::string_view prefix,
    absl::FunctionRef<void(absl::string_view rest, uint64_t inode)>
        on_socket) {
  constexpr absl::string_view kFile = "/proc/net/unix";
  int line_number = 0;
  bool header_seen = false;
  for (absl::string_view line : absl::StrSplit(proc_net_unix, '\n')) {
    ++line_number;
    if (line.empty()) continue;
    if (!header_seen) {
      header_seen = true;
      if (!absl::StartsWith(line, "Num")) {
        return BadLine(kFile, line_number, line,
                       "the header \"Num RefCount Protocol Flags Type St "
                       "Inode Path\"");
      }
      continue;
    }
    // Num: RefCount Protocol Flags Type St Inode [Path]
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint64_t inode = 0;
    if (fields.size() < 7 || !absl::EndsWith(fields[0], ":") ||
        !ParseDecimal(fields[6], &inode)) {
      return BadLine(kFile, line_number, line,
                     "\"Num: RefCount Protocol Flags Type St Inode [Path]\" "
                     "with a decimal inode");
    }
    // A path with spaces has more fields: not one of our names.
    if (fields.size() == 8 && absl::StartsWith(fields[7], prefix) &&
        fields[4] == kStreamType) {
      on_socket(fields[7].substr(prefix.size()), inode);
    }
  }
  if (!header_seen) {
    return absl::InvalidArgumentError(
        "/proc/net/unix is empty: expected at least its header line");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<AddressClaimSocket>> ParseAddressClaimSockets(
    absl::string_view proc_net_unix) {
  const std::string prefix = absl::StrCat("@", kAddressClaimNamePrefix);
  std::vector<AddressClaimSocket> claims;
  const absl::Status parsed = ForEachStreamSocketNamed(
      proc_net_unix, prefix, [&claims](absl::string_view rest, uint64_t inode) {
        absl::StatusOr<uint32_t> address = ParseAddress(rest);
        if (!address.ok() || (*address >> 24) != 127) return;
        claims.push_back(AddressClaimSocket{*address, inode});
      });
  if (!parsed.ok()) return parsed;
  return claims;
}

absl::StatusOr<std::vector<AddressClaimSocket>> ReadAddressClaimSockets(
    absl::string_view proc_root) {
  absl::StatusOr<std::string> text =
      ReadWholeFile(absl::StrCat(proc_root, "/net/unix"));
  if (!text.ok()) return text.status();
  return ParseAddressClaimSockets(*text);
}

absl::StatusOr<std::vector<ClaimSocket>> ParseClaimSockets(
    absl::string_view proc_net_unix) {
  std::vector<ClaimSocket> claims;
  const absl::Status parsed = ForEachStreamSocketNamed(
      proc_net_unix, ClaimPrefix(),
      [&claims](absl::string_view rest, uint64_t inode) {
        uint64_t port = 0;
        if (!ParseDecimal(rest, &port) || port == 0 || port > 65535) {
          return;  // Some other socket under our prefix; not a claim.
        }
        claims.push_back(ClaimSocket{static_cast<uint16_t>(port), inode});
      });
  if (!parsed.ok()) return parsed;
  return claims;
}

absl::StatusOr<std::vector<ClaimSocket>> ReadClaimSockets(
    absl::string_view proc_root) {
  absl::StatusOr<std::string> text =
      ReadWholeFile(absl::StrCat(proc_root, "/net/unix"));
  if (!text.ok()) return text.status();
  return ParseClaimSockets(*text);
}

std::string InetSocket::ToString() const {
  const bool v6 = absl::EndsWith(protocol, "6");
  std::string out =
      v6 ? absl::StrCat(protocol, " [", local_address, "]:", local_port)
         : absl::StrCat(protocol, " ", local_address, ":", local_port);
  if (!state.empty()) absl::StrAppend(&out, " ", state);
  return out;
}

absl::StatusOr<std::vector<InetSocket>> ParseInetSockets(
    absl::string_view text, absl::string_view protocol) {
  const std::string file = absl::StrCat("/proc/net/", protocol);
  const bool tcp = absl::StartsWith(protocol, "tcp");
  std::vector<InetSocket> sockets;
  int line_number = 0;
  bool header_seen = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    if (!header_seen) {
      header_seen = true;
      if (!absl::StrContains(line, "local_address")) {
        return BadLine(file, line_number, line,
                       "the header \"sl local_address rem_address st ...\"");
      }
      continue;
    }
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    InetSocket s;
    s.protocol = std::string(protocol);
    std::string remote;
    uint16_t remote_port = 0;
    uint32_t state = 0;
    uint64_t uid = 0;
    if (fields.size() < 10 || !absl::EndsWith(fields[0], ":") ||
        !ParseEndpoint(fields[1], &s.local_address, &s.local_port) ||
        !ParseEndpoint(fields[2], &remote, &remote_port) ||
        !ParseHex32(fields[3], &state) || !ParseDecimal(fields[7], &uid) ||
        !ParseDecimal(fields[9], &s.inode)) {
      return BadLine(file, line_number, line,
                     "\"sl: local_address rem_address st tx_queue:rx_queue "
                     "tr:tm->when retrnsmt uid timeout inode ...\" with "
                     "hexadecimal addresses and decimal uid and inode");
    }
    s.uid = static_cast<uid_t>(uid);
    s.state = tcp ? TcpState(state) : UdpState(state);
    sockets.push_back(std::move(s));
  }
  if (!header_seen) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, " is empty: expected at least its header line"));
  }
  return sockets;
}

absl::StatusOr<std::vector<InetSocket>> ReadInetSocketsOnPort(
    absl::string_view proc_root, uint16_t port) {
  std::vector<InetSocket> out;
  for (absl::string_view protocol : {"tcp", "tcp6", "udp", "udp6"}) {
    absl::StatusOr<std::string> text =
        ReadWholeFile(absl::StrCat(proc_root, "/net/", protocol));
    if (absl::IsNotFound(text.status())) continue;  // E.g. no IPv6.
    if (!text.ok()) return text.status();
    absl::StatusOr<std::vector<InetSocket>> sockets =
        ParseInetSockets(*text, protocol);
    if (!sockets.ok()) return sockets.status();
    for (InetSocket& s : *sockets) {
      if (s.local_port == port) out.push_back(std::move(s));
    }
  }
  return out;
}

absl::StatusOr<DescriptorScan> ScanDescriptors(
    absl::string_view proc_root,
    const absl::flat_hash_set<uint64_t>& socket_inodes) {
  const std::string root(proc_root);
  DIR* processes = ::opendir(root.c_str());
  if (processes == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("opendir ", root));
  }
  struct CloseDir {
    DIR* dir;
    ~CloseDir() { ::closedir(dir); }
  } close_processes{processes};

  const std::string table_link = absl::StrCat("/memfd:", kPublishedTableName);
  DescriptorScan scan;
  while (const dirent* process = ::readdir(processes)) {
    uint64_t pid_value = 0;
    if (!ParseDecimal(process->d_name, &pid_value)) continue;
    const auto pid = static_cast<pid_t>(pid_value);
    const std::string fd_dir = absl::StrCat(root, "/", process->d_name, "/fd");
    const int dir_fd =
        ::open(fd_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
      if (errno == EACCES || errno == EPERM) ++scan.unreadable_processes;
      continue;  // Otherwise the process is gone (ENOENT, ESRCH).
    }
    DIR* descriptors = ::fdopendir(dir_fd);
    if (descriptors == nullptr) {
      ::close(dir_fd);
      continue;
    }
    CloseDir close_descriptors{descriptors};
    while (const dirent* fd = ::readdir(descriptors)) {
      if (fd->d_name[0] == '.') continue;
      char link[256];
      const ssize_t n =
          ::readlinkat(::dirfd(descriptors), fd->d_name, link, sizeof(link));
      if (n <= 0) continue;  // Closed meanwhile, or not permitted.
      const absl::string_view target(link, static_cast<size_t>(n));
      absl::string_view inode_text = target;
      uint64_t inode = 0;
      if (absl::ConsumePrefix(&inode_text, "socket:[") &&
          absl::ConsumeSuffix(&inode_text, "]") &&
          ParseDecimal(inode_text, &inode)) {
        if (socket_inodes.contains(inode)) {
          scan.socket_owners[inode].push_back(pid);
        }
      } else if (absl::StartsWith(target, table_link)) {
        scan.tables[pid].push_back(absl::StrCat(fd_dir, "/", fd->d_name));
      }
    }
  }
  for (auto& [inode, pids] : scan.socket_owners) {
    std::sort(pids.begin(), pids.end());
  }
  return scan;
}

absl::StatusOr<std::string> ReadCommandLine(absl::string_view proc_root,
                                            pid_t pid) {
  absl::StatusOr<std::string> raw = ReadWholeFile(
      absl::StrCat(proc_root, "/", pid, "/cmdline"), kMaxCommandLine);
  if (!raw.ok()) return raw.status();
  absl::string_view text = *raw;
  // A process that rewrote its command line (redis-server does) leaves the
  // rest of the original padded with NUL bytes: not arguments.
  while (absl::ConsumeSuffix(&text, absl::string_view("\0", 1))) {
  }
  if (text.empty()) {  // A kernel thread, or a zombie.
    absl::StatusOr<std::string> comm =
        ReadWholeFile(absl::StrCat(proc_root, "/", pid, "/comm"), 64);
    if (!comm.ok()) return comm.status();
    return absl::StrCat(
        "[", EscapeForTerminal(absl::StripAsciiWhitespace(*comm)), "]");
  }
  std::vector<std::string> args;
  for (absl::string_view arg : absl::StrSplit(text, '\0')) {
    args.push_back(ShellQuote(arg));
  }
  return absl::StrJoin(args, " ");
}

}  // namespace gtest_port_internal
