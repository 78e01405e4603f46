// Fuzz target for the /proc files gtest_port's diagnostics read
// (gtest_port/internal/diagnostics/proc_net.h): /proc/net/unix (ParseClaimSockets),
// /proc/net/{tcp,tcp6,udp,udp6} (ParseInetSockets) and /proc/<pid>/cmdline
// (ReadCommandLine). In a container, or with another /proc mounted, these
// are outside input.
//
// Input: the first byte picks the file (modulo 6: unix, tcp, tcp6, udp,
// udp6, cmdline); the rest is its text.
//
// Invariants:
//   * unix: a parse yields claims with ports 1-65535 that render back into a
//     /proc/net/unix text parsing to the same claims; an error is
//     InvalidArgument naming the file and a line, printably.
//   * inet: every data line becomes exactly one socket (or the whole text is
//     rejected), with a local address inet_pton accepts; rendering each
//     socket back into the kernel's format parses to the same address, port,
//     uid and inode.
//   * cmdline: the result, read as POSIX shell words, gives back exactly the
//     NUL-separated arguments (or "[comm]" for an empty command line).

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "fuzz/fuzz_check.h"
#include "gtest_port/internal/diagnostics/proc_net.h"

namespace {

using gtest_port_internal::ClaimSocket;
using gtest_port_internal::InetSocket;

bool Printable(absl::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

void CheckError(const absl::Status& status, absl::string_view file,
                absl::string_view input) {
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument, input,
             status.ToString());
  FUZZ_CHECK(absl::StrContains(status.message(), file), input,
             status.ToString());
  FUZZ_CHECK(Printable(status.message()), input, status.ToString());
}

void FuzzUnix(absl::string_view text) {
  const absl::StatusOr<std::vector<ClaimSocket>> claims =
      gtest_port_internal::ParseClaimSockets(text);
  if (!claims.ok()) {
    CheckError(claims.status(), "/proc/net/unix", text);
    return;
  }
  std::string rendered =
      "Num       RefCount Protocol Flags    Type St Inode Path\n";
  for (const ClaimSocket& c : *claims) {
    FUZZ_CHECK(c.port >= 1, text, absl::StrCat("port ", c.port));
    absl::StrAppendFormat(&rendered,
                          "0000000000000000: 00000002 00000000 00010000 0001 "
                          "01 %d @gtest_port/v1/%d\n",
                          c.inode, c.port);
  }
  const absl::StatusOr<std::vector<ClaimSocket>> again =
      gtest_port_internal::ParseClaimSockets(rendered);
  FUZZ_CHECK(again.ok() && again->size() == claims->size(), text, rendered);
  for (size_t i = 0; i < claims->size(); ++i) {
    FUZZ_CHECK((*again)[i].port == (*claims)[i].port &&
                   (*again)[i].inode == (*claims)[i].inode,
               text, rendered);
  }
}

// The kernel's rendering of an address: each 32-bit word of the address in
// host byte order, "%08X".
std::optional<std::string> KernelHex(absl::string_view address) {
  const std::string a(address);
  unsigned char bytes[16];
  int words = 0;
  if (::inet_pton(AF_INET, a.c_str(), bytes) == 1) {
    words = 1;
  } else if (::inet_pton(AF_INET6, a.c_str(), bytes) == 1) {
    words = 4;
  } else {
    return std::nullopt;
  }
  std::string hex;
  for (int i = 0; i < words; ++i) {
    uint32_t word;
    std::memcpy(&word, bytes + 4 * i, sizeof(word));
    absl::StrAppendFormat(&hex, "%08X", word);
  }
  return hex;
}

void FuzzInet(absl::string_view text, absl::string_view protocol) {
  const absl::StatusOr<std::vector<InetSocket>> sockets =
      gtest_port_internal::ParseInetSockets(text, protocol);
  if (!sockets.ok()) {
    CheckError(sockets.status(), absl::StrCat("/proc/net/", protocol), text);
    return;
  }
  // Every non-blank line after the header is one socket.
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StripAsciiWhitespace(line).empty()) ++lines;
  }
  FUZZ_CHECK(static_cast<int>(sockets->size()) == lines - 1, text,
             absl::StrCat(sockets->size(), " sockets from ", lines, " lines"));

  std::string rendered =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
      "retrnsmt   uid  timeout inode\n";
  for (const InetSocket& s : *sockets) {
    FUZZ_CHECK(s.protocol == protocol, text, s.ToString());
    const std::optional<std::string> hex = KernelHex(s.local_address);
    FUZZ_CHECK(hex.has_value(), text, s.ToString());
    FUZZ_CHECK(absl::StrContains(s.ToString(), absl::StrCat(s.local_port)),
               text, s.ToString());
    absl::StrAppendFormat(&rendered,
                          "   0: %s:%04X 00000000:0000 0A 00000000:00000000 "
                          "00:00000000 00000000 %5u        0 %d 1\n",
                          *hex, s.local_port, s.uid, s.inode);
  }
  const absl::StatusOr<std::vector<InetSocket>> again =
      gtest_port_internal::ParseInetSockets(rendered, protocol);
  FUZZ_CHECK(again.ok() && again->size() == sockets->size(), text, rendered);
  for (size_t i = 0; i < sockets->size(); ++i) {
    const InetSocket& a = (*sockets)[i];
    const InetSocket& b = (*again)[i];
    FUZZ_CHECK(a.local_address == b.local_address &&
                   a.local_port == b.local_port && a.uid == b.uid &&
                   a.inode == b.inode,
               text, absl::StrCat(a.ToString(), " vs ", b.ToString()));
  }
}

// Splits POSIX shell words made of plain characters, '...' quotes and bash's
// $'...' escapes (the only quoting ReadCommandLine uses). nullopt when `line`
// is not that.
std::optional<std::vector<std::string>> ShellWords(absl::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '$' && i + 1 < line.size() && line[i + 1] == '\'') {
      // Up to the first quote not escaped by a backslash.
      size_t end = i + 2;
      while (end < line.size() && line[end] != '\'') {
        end += line[end] == '\\' ? 2 : 1;
      }
      if (end >= line.size()) return std::nullopt;
      std::string unescaped;
      if (!absl::CUnescape(line.substr(i + 2, end - i - 2), &unescaped)) {
        return std::nullopt;
      }
      absl::StrAppend(&word, unescaped);
      i = end;
      in_word = true;
    } else if (c == '\'') {
      const size_t end = line.find('\'', i + 1);
      if (end == absl::string_view::npos) return std::nullopt;
      absl::StrAppend(&word, line.substr(i + 1, end - i - 1));
      i = end;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
      word += '\'';
      ++i;
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

// A fake /proc with one process, pid 1, made on first use and removed at
// exit.
const std::string& FakeProcRoot() {
  static const std::string* const root = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = absl::StrCat(tmp != nullptr && *tmp == '/' ? tmp : "/tmp",
                                   "/proc_net_fuzzer.XXXXXX");
    if (::mkdtemp(dir.data()) == nullptr) {
      std::perror("proc_net_fuzzer: mkdtemp");
      std::abort();
    }
    ::mkdir((dir + "/1").c_str(), 0700);
    std::ofstream(dir + "/1/comm") << "kworker/0:1\n";
    return new std::string(dir);
  }();
  static const bool cleanup_registered = [] {
    std::atexit([] {
      const std::string& dir = *root;
      ::unlink((dir + "/1/cmdline").c_str());
      ::unlink((dir + "/1/comm").c_str());
      ::rmdir((dir + "/1").c_str());
      ::rmdir(dir.c_str());
    });
    return true;
  }();
  (void)cleanup_registered;
  return *root;
}

void FuzzCommandLine(absl::string_view cmdline) {
  const std::string& root = FakeProcRoot();
  {
    std::ofstream file(root + "/1/cmdline", std::ios::binary | std::ios::trunc);
    file.write(cmdline.data(), static_cast<std::streamsize>(cmdline.size()));
  }
  const absl::StatusOr<std::string> got =
      gtest_port_internal::ReadCommandLine(root, 1);
  FUZZ_CHECK(got.ok(), cmdline, got.status().ToString());
  // Trailing NUL bytes are padding (a process that rewrote its command
  // line leaves them), not empty arguments.
  absl::string_view args_text = cmdline.substr(0, gtest_port_internal::kMaxCommandLine);
  while (absl::ConsumeSuffix(&args_text, absl::string_view("\0", 1))) {
  }
  if (args_text.empty()) {
    FUZZ_CHECK(*got == "[kworker/0:1]", cmdline, *got);
    return;
  }
  const std::vector<std::string> want =
      absl::StrSplit(args_text, absl::ByChar('\0'));
  const std::optional<std::vector<std::string>> words = ShellWords(*got);
  FUZZ_CHECK(words.has_value() && *words == want, cmdline, *got);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data) + 1,
                               size - 1);
  switch (data[0] % 6) {
    case 0:
      FuzzUnix(text);
      break;
    case 1:
      FuzzInet(text, "tcp");
      break;
    case 2:
      FuzzInet(text, "tcp6");
      break;
    case 3:
      FuzzInet(text, "udp");
      break;
    case 4:
      FuzzInet(text, "udp6");
      break;
    default:
      FuzzCommandLine(text);
      break;
  }
  return 0;
}
