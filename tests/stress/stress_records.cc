#include "tests/stress/stress_records.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gtest_port_stress {
namespace {

// Lines stay well below PIPE_BUF; long messages are cut.
constexpr size_t kMaxLine = 2000;

std::string RandomToken() {
  std::random_device device;
  const uint64_t token =
      (static_cast<uint64_t>(device()) << 32) ^ static_cast<uint64_t>(device());
  return absl::StrFormat("%016x", token);
}

std::string NetworkNamespace() {
  struct stat st {};
  if (::stat("/proc/self/ns/net", &st) != 0) return "unknown";
  return absl::StrCat(st.st_ino);
}

std::string TmpIdentity() {
  struct stat st {};
  if (::stat("/tmp", &st) != 0) return "none";
  return absl::StrCat(st.st_dev, ":", st.st_ino);
}

}  // namespace

int64_t MonotonicNanos() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

StressRecorder& StressRecorder::Get() {
  static StressRecorder* const recorder = [] {
    const char* path = std::getenv(kRecordsVariable);
    return new StressRecorder(path == nullptr ? "" : path);
  }();
  return *recorder;
}

StressRecorder::StressRecorder(const std::string& path)
    : process_(absl::StrCat(::getpid(), "-", RandomToken())),
      netns_(NetworkNamespace()) {
  if (path.empty()) return;
  fd_.reset(
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd_.valid()) {
    absl::MutexLock lock(&mu_);
    error_ = absl::ErrnoToStatus(
        errno, absl::StrCat("open ", kRecordsVariable, "=", path));
  }
}

absl::Status StressRecorder::status() const {
  absl::MutexLock lock(&mu_);
  return error_;
}

void StressRecorder::Write(std::string line) {
  if (!fd_.valid()) return;
  if (line.size() > kMaxLine) line.resize(kMaxLine);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  line.push_back('\n');
  // O_APPEND makes the position update and the write one atomic step, so a
  // whole line lands at the end of the file even with many writers.
  ssize_t written;
  do {
    written = ::write(fd_.get(), line.data(), line.size());
  } while (written < 0 && errno == EINTR);
  if (written == static_cast<ssize_t>(line.size())) return;
  const absl::Status error = written < 0
                                 ? absl::ErrnoToStatus(errno, "write record")
                                 : absl::DataLossError(absl::StrCat(
                                       "short write of a record: ", written,
                                       " of ", line.size(), " bytes"));
  absl::MutexLock lock(&mu_);
  if (error_.ok()) error_ = error;
}

void StressRecorder::Begin(absl::string_view test) {
  Write(absl::StrCat("BEGIN ", netns_, " ", process_, " ", test, " ",
                     MonotonicNanos(), " ", TmpIdentity()));
}

void StressRecorder::End(absl::string_view test, absl::string_view result) {
  Write(absl::StrCat("END ", netns_, " ", process_, " ", test, " ",
                     MonotonicNanos(), " ", result));
}

void StressRecorder::Hold(absl::string_view test, int64_t reservation,
                          uint16_t port, int64_t start_ns, int64_t end_ns) {
  HoldFor(netns_, process_, test, reservation, port, start_ns, end_ns);
}

void StressRecorder::HoldFor(absl::string_view netns, absl::string_view process,
                             absl::string_view test, int64_t reservation,
                             uint16_t port, int64_t start_ns, int64_t end_ns) {
  Write(absl::StrCat("HOLD ", netns, " ", process, " ", test, " ", reservation,
                     " ", port, " ", start_ns, " ", end_ns));
}

void StressRecorder::BindFailure(absl::string_view test, uint16_t port,
                                 absl::string_view message) {
  Write(absl::StrCat("BINDFAIL ", netns_, " ", process_, " ", test, " ", port,
                     " ", MonotonicNanos(), " ", message));
}

void StressRecorder::Failure(absl::string_view test,
                             absl::string_view message) {
  Write(absl::StrCat("FAIL ", netns_, " ", process_, " ", test, " ", message));
}

}  // namespace gtest_port_stress
