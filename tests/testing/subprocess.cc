#include "tests/testing/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace gtest_port_testing {

using gtest_port_internal::UniqueFd;

namespace {

std::vector<std::string> MergedEnvironment(const std::vector<std::string>& env) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    merged[entry.substr(0, entry.find('='))] = entry;
  }
  for (const std::string& entry : env) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) {
      merged.erase(entry);
    } else {
      merged[entry.substr(0, eq)] = entry;
    }
  }
  std::vector<std::string> out;
  for (auto& [name, entry] : merged) out.push_back(entry);
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

absl::StatusOr<Subprocess> Subprocess::Start(
    const std::vector<std::string>& argv, const std::vector<std::string>& env,
    const std::vector<std::pair<int, int>>& pass_fds) {
  for (const auto& [parent_fd, child_fd] : pass_fds) {
    if (child_fd < 3 || parent_fd < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pass_fds {", parent_fd, ", ", child_fd,
          "}: the child's descriptor must be 3 or more (0-2 are its stdio)"));
    }
  }
  int out[2];
  int in[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe2");
  UniqueFd out_read(out[0]);
  UniqueFd out_write(out[1]);
  if (::pipe2(in, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe2");
  UniqueFd in_read(in[0]);
  UniqueFd in_write(in[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_read.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), 2);
  for (const auto& [parent_fd, child_fd] : pass_fds) {
    posix_spawn_file_actions_adddup2(&actions, parent_fd, child_fd);
  }

  std::vector<std::string> args = argv;
  std::vector<std::string> envs = MergedEnvironment(env);
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(envs);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, c_args[0], &actions, nullptr,
                               c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return absl::ErrnoToStatus(rc, absl::StrCat("posix_spawn ", argv[0]));
  }
  return Subprocess(pid, std::move(out_read), std::move(in_write));
}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      out_(std::move(other.out_)),
      stdin_(std::move(other.stdin_)),
      buffer_(std::move(other.buffer_)),
      all_(std::move(other.all_)),
      eof_(other.eof_) {}

Subprocess::~Subprocess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

void Subprocess::Kill(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

absl::StatusOr<bool> Subprocess::Fill(absl::Time deadline) {
  if (eof_) return false;
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError("timed out waiting for child output");
  }
  pollfd p{out_.get(), POLLIN, 0};
  const int ms = static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, INT_MAX));
  const int n = ::poll(&p, 1, ms);
  if (n < 0) {
    if (errno == EINTR) return true;
    return absl::ErrnoToStatus(errno, "poll");
  }
  if (n == 0) return absl::DeadlineExceededError("timed out waiting for child output");
  char buf[4096];
  const ssize_t got = ::read(out_.get(), buf, sizeof(buf));
  if (got < 0) {
    if (errno == EINTR) return true;
    return absl::ErrnoToStatus(errno, "read");
  }
  if (got == 0) {
    eof_ = true;
    return false;
  }
  buffer_.append(buf, static_cast<size_t>(got));
  all_.append(buf, static_cast<size_t>(got));
  return true;
}

absl::StatusOr<std::string> Subprocess::ReadLine(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    const size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    absl::StatusOr<bool> more = Fill(deadline);
    if (!more.ok()) {
      return absl::Status(more.status().code(),
                          absl::StrCat(more.status().message(),
                                       "; output so far:\n", all_));
    }
    if (!*more) {
      return absl::OutOfRangeError(
          absl::StrCat("child output ended; output:\n", all_));
    }
  }
}

absl::StatusOr<std::string> Subprocess::ReadLineStartingWith(
    const std::string& prefix, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    absl::StatusOr<std::string> line = ReadLine(deadline - absl::Now());
    if (!line.ok() || absl::StartsWith(*line, prefix)) return line;
  }
}

absl::StatusOr<ExitInfo> Subprocess::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    absl::StatusOr<bool> more = Fill(deadline);
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  ExitInfo info;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) info.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) info.term_signal = WTERMSIG(status);
      break;
    }
    if (r < 0 && errno != EINTR) return absl::ErrnoToStatus(errno, "waitpid");
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError("timed out waiting for child to exit");
    }
    ::usleep(2000);
  }
  info.output = all_;
  return info;
}

absl::StatusOr<HolderOutput> ReadHolderOutput(Subprocess& holder,
                                              absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  HolderOutput out;
  for (;;) {
    absl::StatusOr<std::string> line = holder.ReadLine(deadline - absl::Now());
    if (!line.ok()) return line.status();
    if (*line == "READY") return out;
    absl::string_view rest = *line;
    int port = 0;
    if (absl::ConsumePrefix(&rest, "PORT ") && absl::SimpleAtoi(rest, &port)) {
      out.ports.push_back(port);
    } else {
      absl::StrAppend(&out.other, *line, "\n");
    }
  }
}

absl::StatusOr<ExitInfo> Run(const std::vector<std::string>& argv,
                             const std::vector<std::string>& env,
                             absl::Duration timeout) {
  absl::StatusOr<Subprocess> child = Subprocess::Start(argv, env);
  if (!child.ok()) return child.status();
  child->CloseStdin();
  return child->Wait(timeout);
}

std::string HelperPath(const std::string& name) {
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return name;
  std::string dir(self, static_cast<size_t>(n));
  return absl::StrCat(dir.substr(0, dir.rfind('/')), "/", name);
}

}  // namespace gtest_port_testing
