// File: tests/testing/private_address_pool.h
//
// PrivateAddressPool gives one test a small loopback address pool of its
// own, 127.2.<slot>.1-127.2.<slot>.<size>, outside the default pool
// 127.1.0.1-127.1.255.254, for tests that need a pool they control (one
// address, an exhausted pool). Tests run concurrently, so each pool is
// locked for the life of the PrivateAddressPool by an abstract socket
// "gtest_port_test/address_pool/<slot>" (Linux; the portable back-end's
// tests run on Linux too) or a named mutex "Local\gtest_port_test/
// address_pool/<slot>" (Windows), as PrivateRange locks port ranges.
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

#ifdef _WIN32
#include "gtest_port/internal/platform/windows/unique_handle.h"
#else
#include <sys/socket.h>
#include <sys/un.h>
#endif

#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/engine/config.h"
#ifndef _WIN32
#include "gtest_port/internal/platform/unique_fd.h"
#endif

namespace gtest_port_testing {

class PrivateAddressPool {
 public:
  static constexpr int kSlots = 250;

  explicit PrivateAddressPool(int size) {
    for (int slot = 0; slot < kSlots && !lock_.valid(); ++slot) {
#ifdef _WIN32
      const std::string name =
          absl::StrCat("Local\\gtest_port_test/address_pool/", slot);
      const std::wstring wide(name.begin(), name.end());
      gtest_port_internal::windows::UniqueHandle mutex(
          ::CreateMutexW(nullptr, FALSE, wide.c_str()));
      if (mutex.valid() && ::GetLastError() != ERROR_ALREADY_EXISTS) {
        lock_ = std::move(mutex);
#else
      gtest_port_internal::UniqueFd fd(
          ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      const std::string name =
          absl::StrCat("gtest_port_test/address_pool/", slot);
      std::memcpy(addr.sun_path + 1, name.data(), name.size());
      if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr),
                 offsetof(sockaddr_un, sun_path) + 1 + name.size()) == 0) {
        lock_ = std::move(fd);
#endif
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
#ifdef _WIN32
  gtest_port_internal::windows::UniqueHandle lock_;
#else
  gtest_port_internal::UniqueFd lock_;
#endif
  gtest_port_internal::AddressRange range_;
};

}  // namespace gtest_port_testing

#endif  // GTEST_PORT_TESTS_TESTING_PRIVATE_ADDRESS_POOL_H_
