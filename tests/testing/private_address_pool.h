// File: tests/testing/private_address_pool.h
//
// PrivateAddressPool gives one test a small loopback address pool of its
// own, 127.2.<slot>.1-127.2.<slot>.<size>, outside the default pool
// 127.1.0.1-127.1.255.254, for tests that need a pool they control (one
// address, an exhausted pool). Tests run concurrently, so each pool is
// locked for the life of the PrivateAddressPool (TakeTestSlot(
// "address_pool", slot), test_slot.h), as PrivateRange locks port ranges.
//
// Example:
//
//   PrivateAddressPool pool(/*size=*/2);
//   std::string env = pool.EnvEntry();
//   // "GTEST_PORT_ADDRESS_RANGE=127.2.7.1-127.2.7.2"
//
// This class is thread-compatible.

#ifndef GTEST_PORT_TESTS_TESTING_PRIVATE_ADDRESS_POOL_H_
#define GTEST_PORT_TESTS_TESTING_PRIVATE_ADDRESS_POOL_H_


#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/engine/config.h"
#include "tests/testing/test_slot.h"

namespace gtest_port_testing {

class PrivateAddressPool {
 public:
  static constexpr int kSlots = 250;

  explicit PrivateAddressPool(int size) {
    for (int slot = 0; slot < kSlots && !lock_.valid(); ++slot) {
      lock_ = TakeTestSlot("address_pool", slot);
      if (lock_.valid()) {
        const uint32_t first = 0x7f020001u + (static_cast<uint32_t>(slot) << 8);
        range_ = {first, first + static_cast<uint32_t>(size) - 1};
      }
    }
    EXPECT_TRUE(lock_.valid()) << "all " << kSlots << " private pools in use";
  }

  gtest_port_internal::AddressRange range() const { return range_; }
  std::string Text() const {
    return gtest_port_internal::FormatAddressRange(range_);
  }
  std::string EnvEntry() const {
    return absl::StrCat("GTEST_PORT_ADDRESS_RANGE=", Text());
  }

  // An allocator over this pool (shard `index` of `total`), as the library
  // would make it, on `platform`.
  std::shared_ptr<gtest_port_internal::PortAllocator> Allocator(
      int index = 0, int total = 1,
      const gtest_port_internal::Platform& platform =
          gtest_port_internal::RealPlatform(),
      std::optional<std::string> lock_dir = std::nullopt) const {
    gtest_port::Options options;
    options.address_range = Text();
    options.shard_index = index;
    options.total_shards = total;
    options.lock_dir = std::move(lock_dir);
    absl::StatusOr<gtest_port_internal::Config> config =
        gtest_port_internal::ResolveConfig(
            options, platform, gtest_port_internal::MapEnvironment({}));
    EXPECT_TRUE(config.ok()) << config.status();
    if (!config.ok()) return nullptr;
    return gtest_port_internal::PortAllocator::Create(*std::move(config),
                                                      platform);
  }

 private:
  TestSlotLock lock_;
  gtest_port_internal::AddressRange range_;
};

}  // namespace gtest_port_testing

#endif  // GTEST_PORT_TESTS_TESTING_PRIVATE_ADDRESS_POOL_H_
