#include "gtest_port/port_environment.h"

#include <cstdio>
#include <memory>
#include <string>

#include "gtest_port/internal/allocator.h"
#include "gtest_port/internal/registry.h"

namespace gtest_port {

using gtest_port_internal::PortAllocator;

void PortEnvironment::SetUp() {
  absl::StatusOr<std::shared_ptr<PortAllocator>> allocator =
      PortAllocator::InstallDefault(options_);
  if (!allocator.ok()) {
    GTEST_FAIL() << "gtest_port: invalid configuration: "
                 << allocator.status().message();
  }
  std::printf("[gtest_port] %s\n", (*allocator)->Describe().c_str());
  for (const std::string& warning : (*allocator)->config().warnings) {
    std::printf("[gtest_port] warning: %s\n", warning.c_str());
  }
  std::fflush(stdout);
}

void PortEnvironment::TearDown() {
  // Every test has ended: a reservation a test made that is still held
  // outlived it (kept in a static, moved out of the test, never destroyed).
  // Reservations made outside any test (environments, SetUpTestSuite,
  // statics initialised before main) are long-lived on purpose.
  for (const gtest_port_internal::RegisteredReservation& r :
       gtest_port_internal::ReservationRegistry::Global().Live()) {
    if (r.test == nullptr) continue;
    std::fprintf(stderr,
                 "[gtest_port] leak: %s reserved by %s is still held after "
                 "the test ended\n",
                 r.DescribePorts().c_str(), r.TestName().c_str());
  }
  std::fflush(stderr);

  absl::StatusOr<std::shared_ptr<PortAllocator>> allocator =
      PortAllocator::Default();
  if (!allocator.ok() || !(*allocator)->config().verbose) return;
  const PortAllocator::Stats stats = (*allocator)->stats();
  std::printf(
      "[gtest_port] %lld reservations, %lld candidates skipped (%lld held by "
      "other gtest_port users, %lld in use by other sockets), peak %lld held "
      "at once, %lld still held\n",
      static_cast<long long>(stats.reservations),
      static_cast<long long>(stats.busy_claimed + stats.busy_in_use),
      static_cast<long long>(stats.busy_claimed),
      static_cast<long long>(stats.busy_in_use),
      static_cast<long long>(stats.peak_live),
      static_cast<long long>(stats.live));
  std::fflush(stdout);
}

}  // namespace gtest_port
