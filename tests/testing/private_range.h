// File: tests/testing/private_range.h
//
// PrivateRange gives one test a small port range of its own, below the
// default range 20000-32767, for tests that need a range they control (a
// one-port range, an exhausted range). Tests run concurrently (ctest -j runs
// each test as its own process), so two of them must never share one: each
// range is locked for the life of the PrivateRange (TakeTestSlot("range",
// k), test_slot.h).
//
// Example:
//
//   PrivateRange range(/*size=*/1);
//   std::string env = range.EnvEntry();   // "GTEST_PORT_RANGE=10300-10300"
//
// This class is thread-compatible.

#ifndef GTEST_PORT_TESTS_TESTING_PRIVATE_RANGE_H_
#define GTEST_PORT_TESTS_TESTING_PRIVATE_RANGE_H_

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/engine/config.h"
#include "gtest_port/internal/glue/test_registry.h"
#include "gtest_port/options.h"
#include "tests/testing/test_slot.h"

namespace gtest_port_testing {

class PrivateRange {
 public:
  static constexpr int kFirst = 10000;
  static constexpr int kSlotSize = 100;
  static constexpr int kSlots = 100;  // 10000-19999.

  explicit PrivateRange(int size) {
    for (int slot = 0; slot < kSlots && !lock_.valid(); ++slot) {
      lock_ = TakeTestSlot("range", slot);
      if (lock_.valid()) {
        range_ = gtest_port::PortRange{
            static_cast<uint16_t>(kFirst + slot * kSlotSize),
            static_cast<uint16_t>(kFirst + slot * kSlotSize + size - 1)};
      }
    }
    EXPECT_TRUE(lock_.valid()) << "all " << kSlots << " private ranges in use";
  }

  gtest_port::PortRange range() const { return range_; }
  uint16_t first() const { return range_.first; }
  std::string EnvEntry() const {
    return absl::StrCat("GTEST_PORT_RANGE=", range_.first, "-", range_.last);
  }

  // An allocator over this range (one shard), as the library would make it:
  // it records which test holds which port.
  std::shared_ptr<gtest_port_internal::PortAllocator> Allocator() const {
    gtest_port::Options options;
    options.range = range_;
    return AllocatorFor(options);
  }

  // An allocator of the real platform for `options` (one shard, no
  // environment read); nullptr, with a test failure, for a bad
  // configuration.
  static std::shared_ptr<gtest_port_internal::PortAllocator> AllocatorFor(
      gtest_port::Options options) {
    options.shard_index = 0;
    options.total_shards = 1;
    const gtest_port_internal::Platform& platform =
        gtest_port_internal::RealPlatform();
    absl::StatusOr<gtest_port_internal::Config> config =
        gtest_port_internal::ResolveConfig(
            options, platform, gtest_port_internal::MapEnvironment({}));
    EXPECT_TRUE(config.ok()) << config.status();
    if (!config.ok()) return nullptr;
    return gtest_port_internal::PortAllocator::Create(
        *std::move(config), platform,
        &gtest_port_internal::TestRegistry::Global());
  }

 private:
  TestSlotLock lock_;
  gtest_port::PortRange range_;
};

}  // namespace gtest_port_testing

#endif  // GTEST_PORT_TESTS_TESTING_PRIVATE_RANGE_H_
