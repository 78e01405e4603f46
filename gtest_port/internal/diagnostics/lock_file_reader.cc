#include "gtest_port/internal/diagnostics/lock_file_reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/diagnostics/terminal_text.h"
#include "gtest_port/internal/platform/shared_names.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_internal {
namespace {

bool AllDigits(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

// "20001.lock" -> 20001; 0 for anything else.
uint16_t PortOfName(absl::string_view name) {
  if (!absl::ConsumeSuffix(&name, kLockFileSuffix)) return 0;
  if (name.empty() || name.size() > 5 || name[0] == '0' || !AllDigits(name)) {
    return 0;
  }
  uint32_t port = 0;
  if (!absl::SimpleAtoi(name, &port) || port > 65535) return 0;
  return static_cast<uint16_t>(port);
}

// "addr-127.1.0.7.lock" -> 127.1.0.7; nullopt for anything else (a name is
// taken only when it is exactly what the claimer writes).
std::optional<uint32_t> AddressOfName(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, kAddressLockFilePrefix) ||
      !absl::ConsumeSuffix(&name, kLockFileSuffix)) {
    return std::nullopt;
  }
  absl::StatusOr<uint32_t> address = ParseAddress(name);
  if (!address.ok() || (*address >> 24) != 127) return std::nullopt;
  return *address;
}

// Whether the lock file at `path` is held now, and by whom.
absl::StatusOr<LockFileHolder> ReadHolderAt(const std::string& path) {
  UniqueFd fd(::open(path.c_str(),
                     O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("no lock file ", path));
    }
    return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("fstat ", path));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not a regular file"));
  }
  int rc;
  while ((rc = ::flock(fd.get(), LOCK_SH | LOCK_NB)) != 0 && errno == EINTR) {
  }
  if (rc == 0) {
    return absl::NotFoundError(absl::StrCat(path, " is not locked"));
  }
  if (errno != EWOULDBLOCK) {
    return absl::ErrnoToStatus(errno, absl::StrCat("flock ", path));
  }
  LockFileHolder holder;
  char buf[kLockFileMaxContent];
  ssize_t n;
  while ((n = ::pread(fd.get(), buf, sizeof(buf), 0)) < 0 && errno == EINTR) {
  }
  if (n <= 0) {
    // Locked, not written yet (or by a holder that may not write it).
    holder.unknown_reason = "its lock file names no pid";
    return holder;
  }
  absl::StatusOr<LockFileContent> parsed =
      ParseLockFileContent(absl::string_view(buf, static_cast<size_t>(n)));
  if (parsed.ok()) {
    holder.pid = parsed->pid;
    holder.test_name = std::move(parsed->test_name);
  } else {
    holder.unknown_reason = "its lock file's content is garbled";
  }
  return holder;
}

// The holder of every lock file in `lock_dir` that `read` returns one for
// (an error: not a lock file's name, not held, gone meanwhile, garbled
// beyond use), sorted by `before`.
absl::StatusOr<std::vector<LockFileHolder>> ReadHoldersIn(
    const std::string& lock_dir,
    absl::FunctionRef<absl::StatusOr<LockFileHolder>(const char* name)> read,
    absl::FunctionRef<bool(const LockFileHolder&, const LockFileHolder&)>
        before) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(lock_dir.c_str()),
                                          &::closedir);
  if (dir == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("opendir ", lock_dir));
  }
  std::vector<LockFileHolder> held;
  while (const dirent* entry = ::readdir(dir.get())) {
    absl::StatusOr<LockFileHolder> holder = read(entry->d_name);
    if (holder.ok()) held.push_back(*std::move(holder));
  }
  std::sort(held.begin(), held.end(), before);
  return held;
}

}  // namespace

absl::StatusOr<LockFileContent> ParseLockFileContent(
    absl::string_view content) {
  const size_t end_of_pid = content.find('\n');
  absl::string_view digits = content.substr(0, end_of_pid);
  if (end_of_pid == absl::string_view::npos ||
      !absl::ConsumePrefix(&digits, kLockFilePidPrefix) || digits.empty() ||
      digits.size() > 10 || digits[0] == '0' || !AllDigits(digits)) {
    return absl::InvalidArgumentError(
        "expected \"pid <decimal pid>\\n\" in a lock file");
  }
  int64_t pid = 0;
  if (!absl::SimpleAtoi(digits, &pid) || pid < 1 || pid > INT32_MAX) {
    return absl::InvalidArgumentError("lock file pid out of range");
  }
  LockFileContent parsed;
  parsed.pid = static_cast<pid_t>(pid);
  absl::string_view rest = content.substr(end_of_pid + 1);
  if (rest.empty()) return parsed;
  if (!absl::ConsumePrefix(&rest, kLockFileTestPrefix) ||
      !absl::ConsumeSuffix(&rest, "\n") || rest.empty() ||
      rest.size() > kLockFileMaxTestName ||
      rest.find('\n') != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "expected \"test <name>\\n\" after the pid in a lock file");
  }
  parsed.test_name = EscapeForTerminal(rest);
  return parsed;
}

absl::StatusOr<LockFileHolder> ReadLockFileHolder(const std::string& lock_dir,
                                                  uint16_t port) {
  absl::StatusOr<LockFileHolder> holder =
      ReadHolderAt(LockFilePath(lock_dir, port));
  if (holder.ok()) holder->port = port;
  return holder;
}

absl::StatusOr<LockFileHolder> ReadAddressLockFileHolder(
    const std::string& lock_dir, uint32_t address) {
  absl::StatusOr<LockFileHolder> holder =
      ReadHolderAt(AddressLockFilePath(lock_dir, FormatAddress(address)));
  if (holder.ok()) holder->address = address;
  return holder;
}

absl::StatusOr<std::vector<LockFileHolder>> ReadAddressLockFileHolders(
    const std::string& lock_dir) {
  return ReadHoldersIn(
      lock_dir,
      [&lock_dir](const char* name) -> absl::StatusOr<LockFileHolder> {
        const std::optional<uint32_t> address = AddressOfName(name);
        if (!address.has_value()) return absl::NotFoundError(name);
        return ReadAddressLockFileHolder(lock_dir, *address);
      },
      [](const LockFileHolder& a, const LockFileHolder& b) {
        return a.address < b.address;
      });
}

absl::StatusOr<std::vector<LockFileHolder>> ReadLockFileHolders(
    const std::string& lock_dir) {
  return ReadHoldersIn(
      lock_dir,
      [&lock_dir](const char* name) -> absl::StatusOr<LockFileHolder> {
        const uint16_t port = PortOfName(name);
        if (port == 0) return absl::NotFoundError(name);
        return ReadLockFileHolder(lock_dir, port);
      },
      [](const LockFileHolder& a, const LockFileHolder& b) {
        return a.port < b.port;
      });
}

}  // namespace gtest_port_internal
