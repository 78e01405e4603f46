// File: tests/stress/stress_records.h
//
// StressRecorder writes the evidence the stress suite is judged on: one line
// per port hold, per bind failure, per test start and end and per failed
// assertion, appended to the file named by GTEST_PORT_STRESS_RECORDS. Every
// process of a stress run -- ctest's one-process-per-test, shards, copies in a
// private /tmp, Bazel's sandboxed shards, killed holders -- appends to the
// same file, and tests/stress/check_records.py reads it afterwards and fails
// the run on any two overlapping holds of one port.
//
// Each line is written with ONE write(2) on a descriptor opened O_APPEND, so
// lines from concurrent processes never interleave. Times are CLOCK_MONOTONIC
// nanoseconds, which all processes of one machine share (Bazel's sandbox and
// `unshare -m` do not change it). A process is named by its pid plus a random
// token, since sandboxes with a PID namespace of their own reuse small pids,
// and every line carries the network namespace the process lives in: ports,
// and gtest_port's claims, are scoped by it.
//
// Record lines (fields separated by one space; the last field of FAIL and
// BINDFAIL is free text):
//
//   BEGIN    <netns> <proc> <test> <ns> <tmp-id>
//   END      <netns> <proc> <test> <ns> passed|failed|skipped
//   HOLD     <netns> <proc> <test> <reservation> <port> <start-ns> <end-ns>
//   BINDFAIL <netns> <proc> <test> <port> <ns> <what failed: message>
//   FAIL     <netns> <proc> <test> <message>
//
// <tmp-id> is the device and inode of the /tmp this process sees, so the
// checker can count how many processes had a private /tmp.
//
// Example:
//
//   StressRecorder& records = StressRecorder::Get();
//   const int64_t start = MonotonicNanos();
//   ... bind, serve, close ...
//   records.Hold("EchoTest.Roundtrip", records.NextReservation(), port, start,
//                MonotonicNanos());
//
// Without GTEST_PORT_STRESS_RECORDS the recorder writes nothing, and the
// stress tests still run and check what they can see themselves.
//
// This class is thread-safe.

#ifndef GTEST_PORT_TESTS_STRESS_STRESS_RECORDS_H_
#define GTEST_PORT_TESTS_STRESS_STRESS_RECORDS_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gtest_port/internal/platform/unique_fd.h"

namespace gtest_port_stress {

// The environment variable naming the record file.
inline constexpr char kRecordsVariable[] = "GTEST_PORT_STRESS_RECORDS";

// CLOCK_MONOTONIC, in nanoseconds.
int64_t MonotonicNanos();

class StressRecorder {
 public:
  // The process-wide recorder, opened from GTEST_PORT_STRESS_RECORDS on first
  // use. Never destroyed.
  static StressRecorder& Get();

  // Opens `path` for appending (creating it); an empty path records nothing.
  explicit StressRecorder(const std::string& path);
  StressRecorder(const StressRecorder&) = delete;
  StressRecorder& operator=(const StressRecorder&) = delete;

  // Whether lines go anywhere.
  bool enabled() const { return fd_.valid(); }
  // The first error opening the file or writing a line; OK when every line
  // so far was written whole.
  absl::Status status() const ABSL_LOCKS_EXCLUDED(mu_);

  // "<pid>-<random hex>": this process, unique across PID namespaces.
  const std::string& process() const { return process_; }
  // The inode of this process's network namespace.
  const std::string& netns() const { return netns_; }

  // A number for the next reservation of this process, so that holds of one
  // block can be told from holds of different reservations.
  int64_t NextReservation() { return next_reservation_.fetch_add(1) + 1; }

  void Begin(absl::string_view test);
  void End(absl::string_view test, absl::string_view result);
  void Hold(absl::string_view test, int64_t reservation, uint16_t port,
            int64_t start_ns, int64_t end_ns);
  // Writes a HOLD line for another process (a holder this process killed),
  // whose process and network namespace are given.
  void HoldFor(absl::string_view netns, absl::string_view process,
               absl::string_view test, int64_t reservation, uint16_t port,
               int64_t start_ns, int64_t end_ns);
  void BindFailure(absl::string_view test, uint16_t port,
                   absl::string_view message);
  void Failure(absl::string_view test, absl::string_view message);

 private:
  // One write(2) of `line` plus a newline. Newlines inside become spaces.
  void Write(std::string line) ABSL_LOCKS_EXCLUDED(mu_);

  gtest_port_internal::UniqueFd fd_;
  mutable absl::Mutex mu_;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  std::string process_;
  std::string netns_;
  std::atomic<int64_t> next_reservation_{0};
};

}  // namespace gtest_port_stress

#endif  // GTEST_PORT_TESTS_STRESS_STRESS_RECORDS_H_
